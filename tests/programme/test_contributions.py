"""Sessions holding contributions: timing rules, the organisers' forms, and every channel
showing the running order only to those who may see the session."""

from __future__ import annotations

import datetime as dt
import json

import jsonschema
import pytest
import sqlalchemy as sa
from lxml import etree

from conference.errors import Conflict, DomainError, NotAllowed
from conference.extensions import db
from conference.programme import services
from conference.programme.models import Contribution, ProgrammeSession, SessionSpeaker
from tests.factories import grant, make_edition, make_user
from tests.programme.factories import make_attendee, make_category, make_room, make_session

HERE = __import__("pathlib").Path(__file__).parent.parent / "calendar"


@pytest.fixture
def edition(app):
    return make_edition(2027, timezone="Europe/Brussels")


@pytest.fixture
def organiser(edition):
    return grant(make_user(), "organiser", edition)


def _item(title, minutes, **values):
    return services.ContributionSpec(title=title, duration_minutes=minutes, **values)


def _count():
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Contribution))


def _chaired(edition, organiser, *, restricted_to=None, title="Securing supply chains"):
    """A 90-minute session at 10:00 (Brussels) with an opening, two talks and a Q&A."""
    session = make_session(edition, title=title, minutes=90, restricted_to=restricted_to)
    services.add_contribution(organiser, session, edition, _item("Opening words", 5))
    services.add_contribution(
        organiser,
        session,
        edition,
        _item("Export control in labs", 30, speakers=((None, "Ada Guest", "Uni X"),)),
    )
    services.add_contribution(
        organiser,
        session,
        edition,
        _item("Due diligence", 30, speakers=((None, "Bo Guest", ""),)),
    )
    services.add_contribution(organiser, session, edition, _item("Questions", 25))
    db.session.commit()
    return session


# --- rules ---------------------------------------------------------------------------------


def test_contributions_run_one_after_the_other_from_the_session_start(edition, organiser):
    session = _chaired(edition, organiser)
    times = [
        (
            c.title,
            start.astimezone(edition.tz).strftime("%H:%M"),
            end.astimezone(edition.tz).strftime("%H:%M"),
        )
        for c, start, end in services.contribution_times(session)
    ]
    assert times == [
        ("Opening words", "10:00", "10:05"),
        ("Export control in labs", "10:05", "10:35"),
        ("Due diligence", "10:35", "11:05"),
        ("Questions", "11:05", "11:30"),
    ]
    assert services.free_minutes(session) == 0


def test_a_contribution_longer_than_the_time_left_is_refused(edition, organiser):
    session = make_session(edition, minutes=30)
    services.add_contribution(organiser, session, edition, _item("Talk", 20))
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        services.add_contribution(organiser, session, edition, _item("Another", 11))
    assert "10 minutes are left" in refused.value.message
    db.session.rollback()
    assert _count() == 1


@pytest.mark.parametrize("minutes", [0, -5, 1441, "20", None, True])
def test_a_duration_out_of_range_or_not_a_number_is_refused(edition, organiser, minutes):
    session = make_session(edition, minutes=60)
    with pytest.raises(DomainError):
        services.add_contribution(organiser, session, edition, _item("Talk", minutes))
    db.session.rollback()
    assert _count() == 0


def test_lengthening_a_contribution_must_still_fit(edition, organiser):
    session = _chaired(edition, organiser)
    opening = session.contributions[0]
    with pytest.raises(Conflict):
        services.update_contribution(
            organiser, session, edition, opening, title="Opening words", minutes=6
        )
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Contribution, opening.id).duration_minutes == 5
    services.update_contribution(organiser, session, edition, opening, title="Welcome", minutes=5)
    db.session.commit()
    assert db.session.get(Contribution, opening.id).title == "Welcome"


def test_a_session_cannot_become_shorter_than_its_contributions(edition, organiser):
    session = _chaired(edition, organiser)
    data = services.SessionData(
        title=session.title,
        starts_at=session.starts_at,
        ends_at=session.starts_at + dt.timedelta(minutes=60),
    )
    with pytest.raises(Conflict):
        services.save_session(organiser, edition, data, session)
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(ProgrammeSession, session.id).ends_at - session.starts_at == (
        dt.timedelta(minutes=90)
    )
    # Moving it keeps the running order (times follow the session).
    later = session.starts_at + dt.timedelta(hours=2)
    moved = services.SessionData(
        title=session.title, starts_at=later, ends_at=later + dt.timedelta(minutes=90)
    )
    services.save_session(organiser, edition, moved, session)
    db.session.commit()
    first = services.contribution_times(session)[0]
    assert first[1] == later


def test_editing_the_session_keeps_the_presenters_of_its_contributions(edition, organiser):
    session = _chaired(edition, organiser)
    data = services.SessionData(
        title="Renamed",
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        speakers=[services.SpeakerSpec("Pat Panellist", "Agency")],
    )
    services.save_session(organiser, edition, data, session)
    db.session.commit()
    db.session.expire_all()
    session = db.session.get(ProgrammeSession, session.id)
    assert [s.name for s in session.speakers] == ["Pat Panellist", "Ada Guest", "Bo Guest"]
    assert [s.name for s in session.contributions[1].speakers] == ["Ada Guest"]
    assert services.speakers_text(session) == "Pat Panellist | Agency"


def test_moving_and_removing_renumber_the_running_order(edition, organiser):
    session = _chaired(edition, organiser)
    questions = session.contributions[3]
    services.move_contribution(organiser, session, edition, questions, -1)
    db.session.commit()
    assert [c.title for c in session.contributions] == [
        "Opening words",
        "Export control in labs",
        "Questions",
        "Due diligence",
    ]
    services.remove_contribution(organiser, session, edition, session.contributions[1])
    db.session.commit()
    db.session.expire_all()
    session = db.session.get(ProgrammeSession, session.id)
    assert [(c.position, c.title) for c in session.contributions] == [
        (0, "Opening words"),
        (1, "Questions"),
        (2, "Due diligence"),
    ]
    # The presenter of the removed talk is no longer a speaker of the session.
    assert [s.name for s in session.speakers] == ["Bo Guest"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionSpeaker)) == 1


def test_only_organisers_change_a_running_order(edition, organiser):
    session = _chaired(edition, organiser)
    with pytest.raises(NotAllowed):
        services.add_contribution(make_user(), session, edition, _item("Sneaky", 0 + 1))
    db.session.rollback()
    assert _count() == 4


def test_the_database_refuses_a_submission_presented_twice(edition, app):
    from conference.submissions.models import Submission

    author = make_user()
    submission = Submission(
        edition_id=edition.id, author_id=author.id, title="T", abstract="A", state="submitted"
    )
    db.session.add(submission)
    first = make_session(edition)
    second = make_session(edition, hour=14)
    for session in (first, second):
        session.contributions.append(
            Contribution(kind="talk", submission_id=submission.id, title="T", duration_minutes=10)
        )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


# --- organisers' pages ----------------------------------------------------------------------


def test_organiser_adds_edits_moves_and_removes_items_through_forms(edition, organiser, login):
    session = make_session(edition, minutes=45, title="Round table")
    client = login(organiser)
    base = f"/2027/admin/programme/sessions/{session.id}/contributions"
    page = client.get(f"{base}/new")
    assert page.status_code == 200 and 'for="title"' in page.get_data(as_text=True)
    response = client.post(f"{base}/new", data={"title": "Welcome", "duration_minutes": "10"})
    assert response.status_code == 303
    client.post(f"{base}/new", data={"title": "Discussion", "duration_minutes": "35"})
    assert _count() == 2
    too_long = client.post(f"{base}/new", data={"title": "More", "duration_minutes": "1"})
    assert too_long.status_code == 409
    assert "does not fit" in too_long.get_data(as_text=True)
    assert _count() == 2
    bad = client.post(f"{base}/new", data={"title": "", "duration_minutes": "x"})
    assert bad.status_code == 400 and _count() == 2
    discussion = db.session.scalar(
        sa.select(Contribution).where(Contribution.title == "Discussion")
    )
    assert client.post(f"{base}/{discussion.id}/up").status_code == 303
    admin = client.get(f"/2027/admin/programme/sessions/{session.id}").get_data(as_text=True)
    assert admin.index("Discussion") < admin.index("Welcome")
    assert "10:00–10:35" in admin and "10:35–10:45" in admin
    edit = client.post(
        f"{base}/{discussion.id}", data={"title": "Open discussion", "duration_minutes": "30"}
    )
    assert edit.status_code == 303
    assert client.post(f"{base}/{discussion.id}/remove").status_code == 303
    db.session.expire_all()
    assert [c.title for c in db.session.scalars(sa.select(Contribution))] == ["Welcome"]


def test_forms_refuse_other_people_and_other_sessions(edition, organiser, login):
    session = _chaired(edition, organiser)
    contribution = session.contributions[0]
    other = make_session(edition, hour=15)
    attendee = login(make_attendee(edition=edition))
    base = f"/2027/admin/programme/sessions/{session.id}/contributions"
    assert (
        attendee.post(f"{base}/new", data={"title": "X", "duration_minutes": "1"}).status_code
        == 403
    )
    assert attendee.post(f"{base}/{contribution.id}/remove").status_code == 403
    client = login(organiser)
    wrong = f"/2027/admin/programme/sessions/{other.id}/contributions/{contribution.id}/remove"
    assert client.post(wrong).status_code == 404
    assert client.post(f"{base}/999999/up").status_code == 404
    assert client.post("/2027/admin/programme/sessions/999999/contributions/new").status_code == 404
    assert _count() == 4


# --- channels --------------------------------------------------------------------------------


def test_session_page_and_programme_show_the_running_order(edition, organiser, client):
    session = _chaired(edition, organiser)
    page = client.get(f"/2027/sessions/{session.id}").get_data(as_text=True)
    assert "Running order" in page
    assert (
        page.index("Opening words") < page.index("Export control in labs") < page.index("Questions")
    )
    assert "10:05" in page and "Ada Guest" in page
    programme = client.get("/2027/programme").get_data(as_text=True)
    assert "Due diligence" in programme


def test_api_lists_contributions_in_order_with_times(edition, organiser, client):
    session = _chaired(edition, organiser)
    body = client.get(f"/api/v1/editions/2027/sessions/{session.id}").json
    items = body["contributions"]
    assert [c["title"] for c in items] == [
        "Opening words",
        "Export control in labs",
        "Due diligence",
        "Questions",
    ]
    assert items[1]["starts_at"] == "2027-06-09T10:05:00+02:00"
    assert items[1]["ends_at"] == "2027-06-09T10:35:00+02:00"
    assert items[1]["speakers"] == [{"name": "Ada Guest", "organisation": "Uni X", "user_id": None}]
    listed = client.get("/api/v1/editions/2027/sessions").json["sessions"]
    assert [c["position"] for c in listed[0]["contributions"]] == [0, 1, 2, 3]
    plain = make_session(edition, hour=16)
    assert client.get(f"/api/v1/editions/2027/sessions/{plain.id}").json["contributions"] == []


def test_restricted_session_contributions_leak_nowhere(edition, organiser, client, login):
    cleared_category = make_category(edition)
    session = _chaired(edition, organiser, restricted_to=[cleared_category], title="Closed door")
    secret = "Export control in labs"
    channels = [
        f"/2027/sessions/{session.id}",
        "/2027/programme",
        f"/api/v1/editions/2027/sessions/{session.id}",
        "/api/v1/editions/2027/sessions",
        f"/2027/sessions/{session.id}.ics",
        "/2027/programme.ics",
        "/2027/schedule.json",
        "/2027/schedule.xml",
        "/api/v1/editions/2027/sessions?q=Export",
    ]
    for url in channels:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True).replace("\r\n ", "")
        assert secret not in text and "Ada Guest" not in text and "Opening words" not in text, url
    assert client.get(f"/api/v1/editions/2027/sessions/{session.id}").json["contributions"] == []
    cleared = login(make_attendee(cleared_category, edition))
    assert secret in cleared.get(f"/2027/sessions/{session.id}").get_data(as_text=True)
    feed = cleared.get(f"/2027/sessions/{session.id}.ics").get_data(as_text=True)
    assert secret in feed.replace("\r\n ", "")


def test_ics_has_one_event_per_session_with_the_running_order(edition, organiser, client):
    session = _chaired(edition, organiser)
    body = client.get(f"/2027/sessions/{session.id}.ics").get_data(as_text=True)
    unfolded = body.replace("\r\n ", "")
    assert unfolded.count("BEGIN:VEVENT") == 1
    assert (
        "Running order:\\n10:00–10:05 Opening words\\n"
        "10:05–10:35 Export control in labs (Ada Guest)" in unfolded
    )


def test_schedule_exports_give_each_contribution_its_time_and_stay_valid(
    edition, organiser, client
):
    room = make_room(edition, "Main hall")
    session = _chaired(edition, organiser)
    session.room_id = room.id
    make_session(edition, title="Lunch", hour=13, room=room)
    db.session.commit()
    document = json.loads(client.get("/2027/schedule.json").get_data())
    schema = json.loads((HERE / "schedule.schema.json").read_text())
    validator = jsonschema.Draft6Validator(
        schema, format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER
    )
    assert not list(validator.iter_errors(document))
    events = document["schedule"]["conference"]["days"][0]["rooms"]["Main hall"]
    assert [(e["start"], e["duration"], e["title"]) for e in events] == [
        ("10:00", "00:05", "Opening words"),
        ("10:05", "00:30", "Export control in labs"),
        ("10:35", "00:30", "Due diligence"),
        ("11:05", "00:25", "Questions"),
        ("13:00", "01:00", "Lunch"),
    ]
    assert events[1]["subtitle"] == "Securing supply chains"
    assert [p["name"] for p in events[1]["persons"]] == ["Ada Guest"]
    assert len({e["id"] for e in events}) == len({e["guid"] for e in events}) == 5
    xml = client.get("/2027/schedule.xml").get_data()
    xsd = etree.XMLSchema(etree.parse(str(HERE / "schedule.xml.xsd")))
    root = etree.fromstring(xml)
    assert xsd.validate(root), xsd.error_log
    assert [e.findtext("start") for e in root.iter("event")] == [
        "10:00",
        "10:05",
        "10:35",
        "11:05",
        "13:00",
    ]


# --- demo ------------------------------------------------------------------------------------


@pytest.mark.demo
def test_demo_has_chaired_sessions_with_running_orders_and_is_idempotent(app):
    from conference.demo import seed_demo

    seed_demo()  # idempotent: seeding the seeded demo again changes nothing
    rows = db.session.execute(
        sa.select(ProgrammeSession.title, sa.func.count(Contribution.id))
        .join(Contribution, Contribution.session_id == ProgrammeSession.id)
        .group_by(ProgrammeSession.id, ProgrammeSession.title)
    ).all()
    counts = dict(rows)
    assert counts["Panel: export control reform and the research community"] == 3
    assert 2 <= counts["Panel: due diligence for international partnerships"] <= 4
    assert counts["Due diligence toolkits compared"] == 3
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Contribution).where(Contribution.kind == "talk")
        )
        >= 3
    )
