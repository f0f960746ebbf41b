"""Bad input is a 4xx with a message, never a 500 (issue 12).

Query arguments go through ``conference/query_args.py`` (bounded integers, dates within
1900..9999, known choices, bounded texts); control characters and lone surrogates are refused
for every query string, form and JSON body by one hook (``conference.security``). These ran
into database overflows and PostgreSQL's refusal of NUL bytes before (500).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.accounts.models import User
from conference.checkin.models import Scan
from conference.extensions import db
from conference.query_args import arg_date, arg_datetime, arg_int
from tests.factories import bearer, make_edition, make_user

HUGE = "99999999999999999999"

# (url, role the caller needs) — every list that reads an integer or a date argument.
OUT_OF_RANGE = [
    (f"/2027/admin/registrations?page={HUGE}", "organiser"),
    (f"/2027/admin/registrations?category={HUGE}", "organiser"),
    (f"/2027/admin/registrations.csv?category={HUGE}", "organiser"),
    ("/2027/admin/registrations?page=2147483648", "organiser"),
    (f"/2027/admin/compare?with={HUGE}", "organiser"),
    (f"/2027/admin/compare.csv?with={HUGE}", "organiser"),
    (f"/2027/admin/audit?page={HUGE}", "organiser"),
    (f"/2027/organise/badges?category={HUGE}", "organiser"),
    (f"/2027/organise/checkin/scans?page={HUGE}", "organiser"),
    ("/2027/organise/checkin/scans?since=0001-01-01T00:00", "organiser"),
    ("/2027/organise/checkin/scans?until=10000-01-01T00:00", "organiser"),
    ("/2027/organise/checkin/scans.csv?since=0001-01-01T00:00", "organiser"),
    (f"/2027/admin/submissions?track={HUGE}", "organiser"),
    (f"/2027/admin/submissions.csv?type={HUGE}", "organiser"),
    (f"/2027/review/chair?track={HUGE}", "chair"),
    ("/2027/review/chair?min_mean=1e309", "chair"),
    ("/2027/admin/programme/timetable?day=0001-01-01", "organiser"),
    (f"/2027/programme?room={HUGE}", None),
    (f"/admin/users?page={HUGE}", "admin"),
]


@pytest.mark.parametrize(("url", "role"), OUT_OF_RANGE, ids=[u for u, _ in OUT_OF_RANGE])
def test_out_of_range_query_arguments_are_a_400_with_a_message(client, login, url, role):
    edition = make_edition(2027)
    make_edition(2025)
    if role == "admin":
        client = login(make_user(admin=True))
    elif role:
        client = login(make_user(role=role, edition=edition))
    response = client.get(url)
    assert response.status_code == 400, url
    name = url.split("?")[1].split("=")[0]
    assert f"The {name} argument" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/editions/2027/registrations?page={HUGE}",
        f"/api/v1/editions/2027/registrations?category={HUGE}",
        f"/api/v1/editions/2027/sessions?type={HUGE}",
        "/api/v1/editions/2027/sessions?track=-2147483649",
    ],
)
def test_out_of_range_api_arguments_are_a_json_400(client, url):
    organiser = make_user(role="organiser", edition=make_edition(2027))
    response = client.get(url, headers=bearer(organiser))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_argument"
    assert "argument must be between" in error["message"]


def test_arguments_within_range_still_work(login):
    edition = make_edition(2027)
    client = login(make_user(role="organiser", edition=edition))
    assert client.get("/2027/admin/registrations?page=2147483647").status_code == 200
    assert client.get("/2027/admin/registrations?page=&category=").status_code == 200
    assert client.get("/2027/organise/checkin/scans?since=1900-01-01T00:00").status_code == 200
    assert client.get("/2027/organise/checkin/scans?until=9999-12-30T00:00").status_code == 200


def test_query_argument_helpers_bound_values(app):
    with app.test_request_context("/?a=2147483647&b=-2147483648&c=+5&d=1900-01-01&e=1899-12-31"):
        assert arg_int("a") == 2**31 - 1
        assert arg_int("c") == 5
        assert arg_int("missing", 7) == 7
        with pytest.raises(ValueError, match="between"):
            arg_int("b")
        assert arg_date("d").year == 1900
        with pytest.raises(ValueError, match="between 1900 and 9999"):
            arg_date("e")
    with app.test_request_context("/?t=9999-12-31T23:30&u=2027-06-09T10:00"):
        from zoneinfo import ZoneInfo

        # West of UTC, the last evening of 9999 is already year 10000 in UTC.
        with pytest.raises(ValueError, match="beyond"):
            arg_datetime("t", ZoneInfo("America/New_York"))
        value = arg_datetime("u", ZoneInfo("Europe/Brussels"))
        assert value.hour == 8 and value.utcoffset().total_seconds() == 0


# --- control characters ------------------------------------------------------------------


def _users() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x1b", "\x7f"])
def test_sign_up_with_a_control_character_is_a_400_and_stores_nothing(client, bad):
    make_edition(2027)
    before = _users()
    response = client.post(
        "/signup",
        data={"full_name": f"Ann{bad}Other", "email": "ann@example.org", "password": "x" * 16},
    )
    assert response.status_code == 400
    assert "control character" in response.get_data(as_text=True)
    assert _users() == before


def test_login_with_a_nul_byte_is_a_400(client):
    make_user("ann@example.org")
    for data in (
        {"email": "ann\x00@example.org", "password": "whatever"},
        {"email": "ann@example.org", "password": "correct\x00horse"},
        {"email\x00": "ann@example.org", "password": "x"},
    ):
        response = client.post("/login", data=data)
        assert response.status_code == 400
        assert "control character" in response.get_data(as_text=True)


def test_profile_with_a_nul_byte_is_refused_and_unchanged(login):
    user = make_user(full_name="Ann Original")
    response = login(user).post("/account", data={"full_name": "Ann\x00", "organisation": "X"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, user.id).full_name == "Ann Original"


def test_query_string_and_path_with_control_characters_are_a_4xx(client):
    make_edition(2027)
    assert client.get("/2027/programme?q=a%00b").status_code == 400
    assert client.get("/2027/programme?q%00=a").status_code == 400
    assert client.get("/calendar/abc%00def.ics").status_code == 404
    assert client.get("/2027/invitations/a%01b").status_code in (404, 405)


def test_tabs_and_newlines_pass_in_multi_line_fields(login):
    user = make_user(full_name="Ann Original")
    response = login(user).post(
        "/account", data={"full_name": "Ann\tTabbed", "position": "Line one\r\nline two"}
    )
    assert response.status_code in (200, 302)
    assert "control character" not in response.get_data(as_text=True)


def _scans() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Scan))


@pytest.mark.parametrize(
    "body",
    [
        '{"code": "x", "checkpoint": "venue", "scan_id": "a\\u0000b"}',
        '{"code": "x\\u0000", "checkpoint": "venue"}',
        '{"code": "x", "checkpoint": "venue", "scan_id": "\\ud800"}',
        '{"code": "x", "checkpoint": "venue", "extra": [{"deep": "\\u001b"}]}',
        '{"code\\u0000": "x", "checkpoint": "venue"}',
    ],
)
def test_json_with_control_characters_or_lone_surrogates_is_a_json_400(client, body):
    staff = make_user(role="staff", edition=make_edition(2027))
    headers = {**bearer(staff), "Content-Type": "application/json"}
    response = client.post("/api/v1/editions/2027/checkins", data=body, headers=headers)
    assert response.status_code == 400
    error = response.get_json()["error"]
    if "\\ud800" in body:  # refused by the JSON parser itself (conference/safe_json.py)
        assert "not valid Unicode" in error["message"]
    else:
        assert error["code"] == "control_character"
    assert _scans() == 0


@pytest.mark.postgres
def test_postgres_refuses_nul_bytes_so_the_check_must_come_first(app, client, is_postgres):
    """On PostgreSQL a NUL byte cannot even be a query parameter: before the check, a login
    with one was a 500. Now it is a 400 before any query runs."""
    assert is_postgres
    with pytest.raises(sa.exc.DataError, match="NUL"):
        db.session.execute(sa.select(User).where(User.email == "a\x00b"))
    db.session.rollback()
    response = client.post("/login", data={"email": "a\x00b@example.org", "password": "x"})
    assert response.status_code == 400
    response = client.post(
        "/signup", data={"full_name": "Ann\x00", "email": "a@example.org", "password": "x" * 16}
    )
    assert response.status_code == 400
    assert _users() == 0
