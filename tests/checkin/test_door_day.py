"""The door on the event day: one first admission per person and checkpoint decided by the
database, a scan in at most four statements, exit scans, lookup and manual admissions."""

import threading

import sqlalchemy as sa

from conference.checkin import services
from conference.checkin.models import Scan
from conference.editions.models import Edition

URL = "/api/v1/editions/2027/checkins"


def scans(db):
    return db.session.scalars(db.select(Scan).order_by(Scan.id)).all()


def scan(client, headers, code, checkpoint="venue", **extra):
    return client.post(URL, json={"code": code, "checkpoint": checkpoint, **extra}, headers=headers)


def exits_at(edition, *keys):
    """Let the doors ``keys`` take exit scans (an organiser's choice on the check-in page)."""
    from conference.extensions import db as _db

    services.update_door_settings(edition, names=False, exits=set(keys), actor=None)
    _db.session.commit()


# --- correctness under load --------------------------------------------------------------


def test_parallel_scans_of_one_badge_record_exactly_one_first_admission(app, db, attendee):
    """Eight scans at once (each in its own app context and connection): the partial unique
    index lets one be the first admission; the others are "admitted again" (both DBs)."""
    _registration, _badge, code = attendee
    barrier = threading.Barrier(8)
    results, errors = [], []

    def send():
        with app.app_context():
            from conference.extensions import db as _db

            try:
                edition = _db.session.scalar(sa.select(Edition).where(Edition.year == 2027))
                barrier.wait(timeout=20)
                outcome = services.check_in(edition, code=code, checkpoint="venue")
                results.append((outcome.result, outcome.first_admitted_at))
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(r for r, _ in results) == ["admitted"] + ["admitted_again"] * 7
    assert all(first is not None for _, first in results)
    db.session.expire_all()
    assert sorted(s.result for s in scans(db)) == ["admitted"] + ["admitted_again"] * 7


def test_the_database_refuses_a_second_first_admission(app, db, attendee):
    registration, badge, _code = attendee
    edition = db.session.get(Edition, registration.edition_id)
    row = {
        "edition_id": edition.id,
        "checkpoint": "venue",
        "registration_id": registration.id,
        "badge_id": badge.id,
        "result": "admitted",
    }
    db.session.add(Scan(**row))
    db.session.commit()
    db.session.add(Scan(**row))
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
    else:  # pragma: no cover - the failure this test is about
        raise AssertionError("a second first admission was stored")
    db.session.add(Scan(**{**row, "direction": "out"}))  # exits are not first admissions
    db.session.add(Scan(**{**row, "result": "admitted_again"}))
    db.session.commit()
    assert len(scans(db)) == 3


# --- scan cost ---------------------------------------------------------------------------


def _statements_of(db, send):
    seen = []

    def before(conn, cursor, statement, params, context, executemany):
        seen.append(statement)

    db.session.remove()
    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        response = send()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
    return response, seen


def test_a_scan_costs_at_most_four_statements(client, db, staff_headers, attendee):
    """Edition, token with user and roles, badge with registration and categories and first
    admission, the insert. Nothing is reloaded after the commit to build the answer."""
    _registration, _badge, code = attendee
    client.get("/api/v1/me", headers=staff_headers)  # the token's last-used minute is written
    response, seen = _statements_of(db, lambda: scan(client, staff_headers, code))
    assert response.json["result"] == "admitted"
    assert len(seen) <= 4, seen
    response, seen = _statements_of(db, lambda: scan(client, staff_headers, code))
    assert response.json["result"] == "admitted_again"
    assert response.json["attendee"]["name"] == "Ana Atanasova"
    assert len(seen) <= 4, seen


# --- lookup ------------------------------------------------------------------------------

LOOKUP = "/api/v1/editions/2027/attendees"


def test_badges_get_sequential_numbers_per_edition_kept_by_a_reissue(db, edition, attendee):
    from conference.badges import services as badge_services
    from tests.badges.factories import accredited, make_category
    from tests.factories import make_user

    registration, badge, _code = attendee
    other = accredited(make_user(), edition, make_category(edition, "SPK", "Speaker"))
    second = badge_services.valid_badge(other)
    assert (badge.number, second.number) == (1, 2)
    reissued = badge_services.reissue_badge(registration, reason="lost")
    db.session.commit()
    assert reissued.version == 2 and reissued.number == 1


def test_door_staff_find_an_attendee_by_name_organisation_or_badge_number(
    client, staff_headers, attendee
):
    registration, badge, _code = attendee
    expected = {
        "attendees": [
            {
                "name": "Ana Atanasova",
                "organisation": "Sofia University",
                "category": "Attendee",
                "state": "accredited",
                "badge_number": badge.number,
                "badge_id": badge.id,
            }
        ]
    }
    for q in ("atanas", "SOFIA", str(badge.number)):
        response = client.get(LOOKUP, query_string={"q": q}, headers=staff_headers)
        assert response.status_code == 200
        assert response.json == expected
    assert client.get(LOOKUP, query_string={"q": "nobody"}, headers=staff_headers).json == {
        "attendees": []
    }


def test_lookup_stays_inside_the_edition(client, db, staff_headers, attendee):
    from tests.badges.factories import accredited, keys_for, make_category
    from tests.factories import make_edition, make_user

    other_edition = make_edition(year=2028)
    keys_for(2028)
    accredited(
        make_user(full_name="Ana Elsewhere"), other_edition, make_category(other_edition, "A", "A")
    )
    names = [
        a["name"]
        for a in client.get(LOOKUP, query_string={"q": "ana"}, headers=staff_headers).json[
            "attendees"
        ]
    ]
    assert names == ["Ana Atanasova"]


def test_lookup_with_a_checkin_token_works(client, edition, staff, attendee):
    from tests.factories import bearer

    headers = bearer(staff, scope="checkin", edition=edition)
    response = client.get(LOOKUP, query_string={"q": "ana"}, headers=headers)
    assert response.status_code == 200
    assert response.json["attendees"][0]["name"] == "Ana Atanasova"


def test_attendees_and_anonymous_callers_cannot_look_anyone_up(client, edition, attendee):
    from tests.factories import bearer, make_user

    response = client.get(LOOKUP, query_string={"q": "ana"}, headers=bearer(make_user()))
    assert response.status_code == 403
    assert "attendees" not in response.json
    assert client.get(LOOKUP, query_string={"q": "ana"}).status_code in (401, 403)


def test_lookup_needs_a_useful_query(client, staff_headers, attendee):
    for q in ("", "a", "x" * 101):
        response = client.get(LOOKUP, query_string={"q": q}, headers=staff_headers)
        assert response.status_code == 400
        assert response.json["error"]["code"] == "bad_q"


def test_openapi_documents_lookup_and_direction(client):
    doc = client.get("/api/v1/openapi.json").json
    assert "/editions/{year}/attendees" in doc["paths"]
    direction = doc["components"]["schemas"]["CheckinRequest"]["properties"]["direction"]
    assert direction["enum"] == ["in", "out"]


# --- manual admission --------------------------------------------------------------------


def _audit(db, action):
    from conference.audit import AuditEntry

    return db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action)).all()


def test_door_staff_admit_a_forgotten_badge_by_number_audited(
    client, db, staff, staff_headers, attendee
):
    registration, badge, _code = attendee
    body = {"badge_number": badge.number, "checkpoint": "venue", "manual_reason": "forgotten_badge"}
    response = client.post(URL, json=body, headers=staff_headers)
    assert response.status_code == 200
    assert response.json["result"] == "admitted"
    assert response.json["manual_reason"] == "forgotten_badge"
    assert response.json["attendee"]["name"] == "Ana Atanasova"
    [logged] = scans(db)
    assert (logged.manual_reason, logged.staff_id, logged.registration_id) == (
        "forgotten_badge",
        staff.id,
        registration.id,
    )
    [entry] = _audit(db, "checkin.manual")
    assert entry.actor_id == staff.id
    assert entry.details["reason"] == "forgotten_badge"


def test_door_staff_cannot_admit_someone_the_door_denies(client, db, staff_headers, attendee):
    registration, badge, _code = attendee
    registration.state = "cancelled"  # a valid badge whose holder is no longer accredited
    db.session.commit()
    body = {"badge_number": badge.number, "checkpoint": "venue", "manual_reason": "forgotten_badge"}
    response = client.post(URL, json=body, headers=staff_headers)
    assert response.json["result"] == "denied"
    assert response.json["reason"] == "not_accredited"
    override = {**body, "manual_reason": "organiser_override"}
    response = client.post(URL, json=override, headers=staff_headers)
    assert response.status_code == 403
    assert [s.result for s in scans(db)] == ["denied"]


def test_an_organiser_override_admits_a_denied_person_and_is_audited(client, db, edition, attendee):
    from tests.factories import bearer, make_user

    registration, badge, _code = attendee
    registration.state = "cancelled"
    db.session.commit()
    organiser = make_user(role="organiser", edition=edition)
    body = {
        "badge_number": badge.number,
        "checkpoint": "venue",
        "manual_reason": "organiser_override",
    }
    response = client.post(URL, json=body, headers=bearer(organiser))
    assert response.status_code == 200
    assert response.json["result"] == "admitted"
    [logged] = scans(db)
    assert logged.manual_reason == "organiser_override" and logged.staff_id == organiser.id
    [entry] = _audit(db, "checkin.manual")
    assert entry.details["overrides"] == "not_accredited"


def test_manual_admission_rejects_bad_input(client, db, staff_headers, attendee):
    for body, code in [
        (
            {"badge_number": 1, "checkpoint": "venue", "manual_reason": "because"},
            "bad_manual_reason",
        ),
        (
            {"badge_number": "x", "checkpoint": "venue", "manual_reason": "forgotten_badge"},
            "bad_badge_number",
        ),
        (
            {"badge_number": 999, "checkpoint": "venue", "manual_reason": "forgotten_badge"},
            "unknown_badge",
        ),
    ]:
        response = client.post(URL, json=body, headers=staff_headers)
        assert response.status_code == 400, body
        assert response.json["error"]["code"] == code
    assert scans(db) == []


def test_attendees_cannot_admit_manually(client, db, attendee):
    from tests.factories import bearer, make_user

    _registration, badge, _code = attendee
    body = {"badge_number": badge.number, "checkpoint": "venue", "manual_reason": "forgotten_badge"}
    assert client.post(URL, json=body, headers=bearer(make_user())).status_code == 403
    assert scans(db) == []


# --- exit scans and who is inside ---------------------------------------------------------


def test_exit_scans_are_recorded_and_counted_for_who_is_inside(
    client, db, edition, staff_headers, attendee
):
    _registration, _badge, code = attendee
    exits_at(edition, "venue")
    assert scan(client, staff_headers, code).json["result"] == "admitted"
    assert services.presence(edition).inside == 1
    out = scan(client, staff_headers, code, direction="out")
    assert out.status_code == 200 and out.json["result"] == "admitted"
    assert [s.direction for s in scans(db)] == ["in", "out"]
    now = services.presence(edition)
    assert (now.admitted_today, now.inside) == (1, 0)
    back = scan(client, staff_headers, code).json
    assert back["result"] == "admitted_again"  # re-entry is not a second first admission
    now = services.presence(edition)
    assert (now.admitted_today, now.inside) == (1, 1)
    assert sum(n for _quarter, n in now.quarters) == 2


def test_direction_must_be_in_or_out(client, db, staff_headers, attendee):
    _registration, _badge, code = attendee
    response = scan(client, staff_headers, code, direction="sideways")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_direction"
    assert scans(db) == []


def test_monitor_shows_inside_now_and_quarter_hours_and_log_says_in_out_and_manual(
    client, db, edition, staff_headers, attendee, login
):
    from tests.factories import make_user

    _registration, badge, code = attendee
    exits_at(edition, "venue")
    scan(client, staff_headers, code)
    scan(client, staff_headers, code, direction="out")
    manual = {
        "badge_number": badge.number,
        "checkpoint": "venue",
        "manual_reason": "unreadable_print",
    }
    client.post(URL, json=manual, headers=staff_headers)
    client = login(make_user(role="organiser", edition=edition))
    page = client.get("/2027/organise/checkin").get_data(as_text=True)
    assert "Who is inside" in page and "Entries per quarter hour" in page
    log = client.get("/2027/organise/checkin/scans").get_data(as_text=True)
    assert "Exit" in log and "Manual: Unreadable print" in log
    csv = client.get("/2027/organise/checkin/scans.csv").get_data(as_text=True)
    header, *lines = csv.strip().splitlines()
    assert header.endswith("direction,manual_reason")
    assert sorted(line.split(",")[-2] for line in lines) == ["in", "in", "out"]
    assert any(line.endswith(",unreadable_print") for line in lines)


def test_scanner_offers_the_venue_and_door_sessions_grouped_by_day_without_breaks(
    client, db, edition, staff, login
):
    from conference.programme.models import AccessPolicy, SessionType
    from tests.badges.factories import make_session

    restricted = make_session(edition, title="Closed briefing", access=AccessPolicy.INVITATION)
    coffee_type = SessionType(edition_id=edition.id, name="Break", code="break", is_break=True)
    db.session.add(coffee_type)
    db.session.flush()
    coffee = make_session(edition, title="Coffee break")
    coffee.type_id = coffee_type.id
    db.session.commit()
    page = login(staff).get("/2027/scan").get_data(as_text=True)
    assert '<optgroup label="Venue">' in page
    assert "· doors" in page and "Closed briefing" in page
    assert page.index("Closed briefing") > page.index("· doors")
    assert "Coffee break" not in page
    assert restricted.id


def test_scanner_page_finds_and_admits_manually_without_javascript(
    client, db, staff, attendee, login
):
    _registration, badge, _code = attendee
    client = login(staff)
    page = client.get("/2027/scan/find", query_string={"q": "atanas", "checkpoint": "venue"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Ana Atanasova" in text and f"badge No. {badge.number}" in text
    assert "organiser_override" not in text  # door staff are not offered the override
    response = client.post(
        "/2027/scan/admit",
        data={
            "checkpoint": "venue",
            "badge_number": badge.number,
            "manual_reason": "forgotten_badge",
        },
    )
    assert response.status_code == 200
    assert "Manual admission: forgotten badge" in response.get_data(as_text=True)
    [logged] = scans(db)
    assert (logged.result, logged.manual_reason, logged.staff_id) == (
        "admitted",
        "forgotten_badge",
        staff.id,
    )
    refused = client.post(
        "/2027/scan/admit",
        data={
            "checkpoint": "venue",
            "badge_number": badge.number,
            "manual_reason": "organiser_override",
        },
    )
    assert refused.status_code == 403
    assert len(scans(db)) == 1
    assert client.get("/2027/scan/find", query_string={"q": "a"}).status_code == 400


def test_attendees_cannot_use_the_scanner_lookup(client, db, attendee, login):
    from tests.factories import make_user

    client = login(make_user())
    assert client.get("/2027/scan/find", query_string={"q": "atanas"}).status_code == 403
    response = client.post(
        "/2027/scan/admit",
        data={"checkpoint": "venue", "badge_number": 1, "manual_reason": "forgotten_badge"},
    )
    assert response.status_code in (400, 403)
    assert scans(db) == []


# --- badges at the door ------------------------------------------------------------------


def test_attendee_sees_their_badge_qr_on_screen(client, db, attendee, login):
    registration, badge, _code = attendee
    response = login(registration.user).get("/2027/me/badge")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "<svg" in text and f"Badge No. {badge.number}" in text and "Ana Atanasova" in text
    assert "private" in response.headers["Cache-Control"]
    from tests.factories import make_user

    assert login(make_user()).get("/2027/me/badge").status_code == 404


def test_door_print_page_is_for_badge_managers_and_valid_badges(
    client, db, edition, staff, attendee, login
):
    from conference.audit import AuditEntry
    from conference.badges import services as badge_services
    from tests.factories import make_user

    registration, badge, _code = attendee
    url = f"/2027/organise/badges/{badge.id}/print"
    assert login(staff).get(url).status_code == 403
    organiser = login(make_user(role="organiser", edition=edition))
    response = organiser.get(url)
    assert response.status_code == 200
    assert "badge-a6" in response.get_data(as_text=True)
    assert db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "badge.print")).all()
    badge_services.reissue_badge(registration, reason="lost at the door")
    db.session.commit()
    assert organiser.get(url).status_code == 409


def test_lookup_wildcards_are_literal(client, staff_headers, attendee):
    for q in ("%%", "__", "a%"):
        response = client.get(LOOKUP, query_string={"q": q}, headers=staff_headers)
        assert response.json == {"attendees": []}, q


def test_restricted_room_door_shows_capacity_and_warns_when_full(
    client, db, edition, staff, staff_headers, attendee, login
):
    from conference.programme.models import AccessPolicy
    from tests.badges.factories import make_session

    room = make_session(edition, title="Small room", access=AccessPolicy.CATEGORIES)
    room.capacity = 1
    room.categories = list(attendee[0].category and [attendee[0].category] or [])
    db.session.commit()
    page = login(staff).get(f"/2027/scan?checkpoint=session:{room.id}").get_data(as_text=True)
    assert "Inside now: 0 of 1 seats" in page and "the room is full" not in page
    response = scan(client, staff_headers, attendee[2], checkpoint=room.id)
    assert response.json["result"] == "admitted"
    page = login(staff).get(f"/2027/scan?checkpoint=session:{room.id}").get_data(as_text=True)
    assert "Inside now: 1 of 1 seats" in page and "the room is full" in page
    assert services.presence(edition, f"session:{room.id}").full
