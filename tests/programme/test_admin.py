"""Organisers manage rooms, tracks, types and sessions; everyone else is refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.audit import AuditEntry
from conference.editions.models import Edition
from conference.extensions import db
from conference.programme.models import (
    AccessPolicy,
    ProgrammeSession,
    Room,
    SessionType,
    Track,
)
from conference.signals import session_changed
from tests.confirming import confirm_post
from tests.factories import grant, make_edition, make_user
from tests.programme.factories import (
    make_attendee,
    make_category,
    make_room,
    make_session,
    make_track,
    make_type,
)


@pytest.fixture
def organiser(app):
    return grant(make_user(), "organiser", make_edition())


@pytest.fixture
def org(login, organiser):
    return login(organiser)


def _sessions():
    db.session.expire_all()
    return list(db.session.scalars(sa.select(ProgrammeSession).order_by(ProgrammeSession.id)))


def _form(edition, **overrides):
    data = {
        "title": "Opening plenary",
        "description": "Welcome **all** <script>alert(1)</script>",
        "type_id": "",
        "track_id": "",
        "room_id": "",
        "starts_at": "2027-06-09T09:00",
        "ends_at": "2027-06-09T10:30",
        "speakers": "",
        "chair_email": "",
        "capacity": "",
        "state": "scheduled",
        "cancel_reason": "",
        "access": "open",
        "invitees": "",
    }
    data.update(overrides)
    return data


def _actions():
    return [e.action for e in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]


# --- rooms, tracks, types -------------------------------------------------------------------


def test_rooms_tracks_types_crud(app, org):
    response = org.post(
        "/2027/admin/programme/rooms",
        data={"name": "Plenary hall", "capacity": "300", "directions": "Level 0", "position": 1},
    )
    assert response.status_code == 303
    room = db.session.scalar(sa.select(Room))
    assert (room.name, room.capacity, room.directions) == ("Plenary hall", 300, "Level 0")
    org.post(
        f"/2027/admin/programme/rooms/{room.id}",
        data={"name": "Hall A", "capacity": "250", "directions": "", "position": 1},
    )
    db.session.expire_all()
    assert db.session.get(Room, room.id).name == "Hall A"
    org.post("/2027/admin/programme/tracks", data={"name": "Policy", "colour": "#AA3300"})
    assert db.session.scalar(sa.select(Track)).colour == "#aa3300"
    org.post(
        "/2027/admin/programme/types", data={"name": "Coffee", "code": "Break", "is_break": "y"}
    )
    session_type = db.session.scalar(sa.select(SessionType))
    assert (session_type.code, session_type.is_break) == ("break", True)
    page = org.get("/2027/admin/programme/rooms").get_data(as_text=True)
    assert "Hall A" in page
    assert {"room.create", "room.update", "track.create", "session_type.create"} <= set(_actions())
    before = db.session.get(Edition, make_edition().id).programme_changed_at
    response = confirm_post(org, f"/2027/admin/programme/rooms/{room.id}/delete")
    assert response.status_code == 303
    assert db.session.scalar(sa.select(Room)) is None
    assert db.session.get(Edition, make_edition().id).programme_changed_at >= before


@pytest.mark.parametrize(
    "kind,data,message",
    [
        ("rooms", {"name": ""}, "This field is required"),
        ("rooms", {"name": "X" * 101}, "Field cannot be longer"),
        ("rooms", {"name": "Ok", "capacity": "-3"}, "Number must be"),
        ("rooms", {"name": "Ok", "capacity": "lots"}, "Not a valid integer"),
        ("tracks", {"name": "T", "colour": "red"}, "Give a colour like"),
        ("types", {"name": "T", "code": "no spaces"}, "may contain only"),
    ],
)
def test_bad_settings_input_is_refused(app, org, kind, data, message):
    response = org.post(f"/2027/admin/programme/{kind}", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Room)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Track)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionType)) == 0


def test_duplicate_room_name_and_used_room_deletion_refused(app, org):
    edition = make_edition()
    room = make_room(edition, name="Hall")
    response = org.post("/2027/admin/programme/rooms", data={"name": "Hall"})
    assert response.status_code == 409
    make_session(edition, room=room)
    response = confirm_post(org, f"/2027/admin/programme/rooms/{room.id}/delete")
    assert response.status_code == 409
    assert "is used by 1 session" in response.get_data(as_text=True)
    assert db.session.get(Room, room.id) is not None


def test_other_editions_settings_are_404(app, org):
    other = make_edition(2026)
    room = make_room(other, name="Elsewhere")
    assert org.get(f"/2027/admin/programme/rooms/{room.id}").status_code == 404
    assert org.post(f"/2027/admin/programme/rooms/{room.id}/delete").status_code == 404
    assert db.session.get(Room, room.id) is not None


# --- sessions --------------------------------------------------------------------------------


def test_create_session_with_everything(app, org):
    edition = make_edition()
    room = make_room(edition, name="Hall", capacity=100)
    track = make_track(edition, name="Policy")
    session_type = make_type(edition, code="workshop", name="Workshop")
    speaker = make_user(email="speaker@example.org", organisation="Uni")
    chair = make_user(email="chair@example.org")
    mse = make_category(edition, code="MSE")
    received = []
    session_changed.connect(lambda sender, **kw: received.append(sender), weak=False)
    response = org.post(
        "/2027/admin/programme/sessions/new",
        data=_form(
            edition,
            type_id=session_type.id,
            track_id=track.id,
            room_id=room.id,
            speakers="speaker@example.org\nDr Guest | Ministry of Science",
            chair_email="CHAIR@example.org",
            capacity="30",
            booking_required="y",
            chatham_house="y",
            access="categories",
            category_ids=[mse.id],
        ),
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    [session] = _sessions()
    assert session.title == "Opening plenary"
    # 09:00 in Brussels (summer time) is 07:00 UTC
    assert session.starts_at.isoformat() == "2027-06-09T07:00:00+00:00"
    assert session.ends_at.isoformat() == "2027-06-09T08:30:00+00:00"
    assert [(s.name, s.organisation, s.user_id) for s in session.speakers] == [
        (speaker.display_name, "Uni", speaker.id),
        ("Dr Guest", "Ministry of Science", None),
    ]
    assert session.chair_id == chair.id and session.capacity == 30
    assert session.booking_required and session.chatham_house
    assert session.access == AccessPolicy.CATEGORIES and [c.code for c in session.categories] == [
        "MSE"
    ]
    assert session.sequence == 0
    assert "session.create" in _actions()
    assert [s.id for s in received] == [session.id]
    page = org.get(response.location).get_data(as_text=True)
    assert "<strong>all</strong>" in page and "<script>alert" not in page
    assert "&lt;script&gt;" in page


def test_edit_bumps_sequence_only_for_time_room_or_state(app, org):
    edition = make_edition()
    room = make_room(edition)
    session = make_session(edition, title="Panel", hour=11)
    url = f"/2027/admin/programme/sessions/{session.id}/edit"
    form = org.get(url).get_data(as_text=True)
    assert 'value="2027-06-09T11:00"' in form
    org.post(url, data=_form(edition, title="Panel renamed", starts_at="2027-06-09T11:00",
                             ends_at="2027-06-09T12:00"))  # fmt: skip
    assert _sessions()[0].sequence == 0 and _sessions()[0].title == "Panel renamed"
    org.post(url, data=_form(edition, title="Panel renamed", starts_at="2027-06-09T11:30",
                             ends_at="2027-06-09T12:00"))  # fmt: skip
    assert _sessions()[0].sequence == 1
    org.post(url, data=_form(edition, title="Panel renamed", starts_at="2027-06-09T11:30",
                             ends_at="2027-06-09T12:00", room_id=room.id))  # fmt: skip
    assert _sessions()[0].sequence == 2
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "session.update").order_by(AuditEntry.id)
    ).all()[-1]
    assert entry.details["changed"] == ["room_id"]


def test_clash_warnings_do_not_block(app, org):
    edition = make_edition()
    room = make_room(edition, name="Small room", capacity=10)
    speaker = make_user(email="busy@example.org", full_name="Busy Bee")
    make_session(edition, title="Earlier talk", hour=9, minutes=90, room=room, speakers=[speaker])
    response = org.post(
        "/2027/admin/programme/sessions/new",
        data=_form(
            edition,
            title="Clashing talk",
            room_id=room.id,
            capacity="50",
            speakers="busy@example.org",
            starts_at="2027-06-12T09:30",
            ends_at="2027-06-12T10:00",
        ),
        follow_redirects=True,
    )
    text = response.get_data(as_text=True)
    assert "outside the edition" in text
    assert "above the room" in text
    # move it onto the first day: now room and speaker clash too
    session = _sessions()[-1]
    response = org.post(
        f"/2027/admin/programme/sessions/{session.id}/edit",
        data=_form(
            edition,
            title="Clashing talk",
            room_id=room.id,
            capacity="5",
            speakers="busy@example.org",
            starts_at="2027-06-09T09:30",
            ends_at="2027-06-09T10:00",
        ),
        follow_redirects=True,
    )
    text = response.get_data(as_text=True)
    assert "Small room is also used by “Earlier talk”" in text
    assert "Busy Bee is also in “Earlier talk”" in text
    assert len(_sessions()) == 2


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"title": ""}, "This field is required"),
        ({"title": "T" * 301}, "Field cannot be longer"),
        ({"ends_at": "2027-06-09T08:00"}, "must end after it starts"),
        ({"starts_at": "yesterday"}, "Not a valid datetime"),
        ({"capacity": "-1"}, "Number must be"),
        ({"type_id": "999999"}, "Not a valid choice"),
        ({"room_id": "abc"}, "Not a valid choice"),
        ({"speakers": "nobody@example.org"}, "No account for the speaker"),
        ({"chair_email": "ghost@example.org"}, "No account for the chair"),
        ({"access": "categories"}, "at least one accreditation category"),
        ({"access": "invitation", "invitees": "ghost@example.org"}, "No account for invited"),
        ({"access": "everyone"}, "Not a valid choice"),
        ({"state": "cancelled"}, "Give the reason"),
    ],
)
def test_bad_session_input_is_refused(app, org, overrides, message):
    edition = make_edition()
    response = org.post("/2027/admin/programme/sessions/new", data=_form(edition, **overrides))
    assert response.status_code in (409, 400)
    assert message in response.get_data(as_text=True)
    assert _sessions() == []


def test_unicode_and_huge_description(app, org):
    edition = make_edition()
    response = org.post(
        "/2027/admin/programme/sessions/new",
        data=_form(
            edition, title="Sécurité de la recherche — 研究安全 🔒", description="x" * 20001
        ),
    )
    assert response.status_code == 400 and _sessions() == []
    org.post(
        "/2027/admin/programme/sessions/new",
        data=_form(edition, title="Sécurité de la recherche — 研究安全 🔒"),
    )
    assert _sessions()[0].title == "Sécurité de la recherche — 研究安全 🔒"


def test_category_of_another_edition_refused(app, org):
    edition = make_edition()
    foreign = make_category(make_edition(2026), code="MSE")
    response = org.post(
        "/2027/admin/programme/sessions/new",
        data=_form(edition, access="categories", category_ids=[foreign.id]),
    )
    assert response.status_code == 400 and _sessions() == []


def test_out_of_range_category_id_is_refused(app, org):
    edition = make_edition()
    response = org.post(
        "/2027/admin/programme/sessions/new",
        data=_form(edition, access="categories", category_ids=["99999999999999999999999", "x"]),
    )
    assert response.status_code == 400 and _sessions() == []


def test_invitation_list(app, org):
    edition = make_edition()
    guest = make_user(email="guest@example.org")
    response = org.post(
        "/2027/admin/programme/sessions/new",
        data=_form(edition, access="invitation", invitees="Guest@example.org, guest@example.org"),
    )
    assert response.status_code == 303
    session = _sessions()[0]
    assert [i.user_id for i in session.invitations] == [guest.id]
    assert session.is_restricted


def test_cancel_and_duplicate(app, org):
    edition = make_edition()
    session = make_session(edition, title="Closing panel", speakers=["Someone"])
    response = org.post(f"/2027/admin/programme/sessions/{session.id}/cancel", data={"reason": ""})
    assert response.status_code == 400 and not _sessions()[0].is_cancelled
    response = org.post(
        f"/2027/admin/programme/sessions/{session.id}/cancel", data={"reason": "Speaker ill"}
    )
    assert response.status_code == 303
    cancelled = _sessions()[0]
    assert cancelled.is_cancelled and cancelled.cancel_reason == "Speaker ill"
    assert cancelled.sequence == 1
    public = org.get(f"/2027/sessions/{session.id}").get_data(as_text=True)
    assert "This session is cancelled" in public and "Speaker ill" in public
    assert (
        org.post(
            f"/2027/admin/programme/sessions/{session.id}/cancel", data={"reason": "again"}
        ).status_code
        == 409
    )
    response = org.post(f"/2027/admin/programme/sessions/{session.id}/duplicate")
    assert response.status_code == 303
    original, copy = _sessions()
    assert copy.title == "Closing panel (copy)" and copy.state == "scheduled"
    assert copy.uid != original.uid and [s.name for s in copy.speakers] == ["Someone"]
    assert {"session.cancel", "session.duplicate"} <= set(_actions())


def test_timetable_by_day_with_rooms_as_columns(app, org):
    edition = make_edition()
    hall = make_room(edition, name="Hall", position=0)
    annex = make_room(edition, name="Annex", position=1)
    coffee = make_type(edition, code="break", name="Break", is_break=True)
    make_session(edition, title="Keynote", hour=9, room=hall)
    make_session(edition, title="Side event", hour=9, room=annex)
    make_session(edition, title="Coffee", hour=10, type=coffee)
    make_session(edition, title="Day two talk", day=1, hour=9, room=hall)
    text = org.get("/2027/admin/programme/timetable").get_data(as_text=True)
    assert text.index("Hall") < text.index("Annex")
    assert "Keynote" in text and "Side event" in text and 'colspan="2"' in text
    assert "Day two talk" not in text
    text = org.get("/2027/admin/programme/timetable?day=2027-06-10").get_data(as_text=True)
    assert "Day two talk" in text and "Keynote" not in text
    assert org.get("/2027/admin/programme/timetable?day=nonsense").status_code == 400
    # a day the edition does not have shows its first day
    assert org.get("/2027/admin/programme/timetable?day=2030-01-01").status_code == 200


ADMIN_GETS = [
    "/2027/admin/programme/",
    "/2027/admin/programme/timetable",
    "/2027/admin/programme/rooms",
    "/2027/admin/programme/sessions/new",
]


@pytest.mark.parametrize("who", ["anonymous", "attendee", "staff", "chair", "other_organiser"])
def test_non_organisers_are_refused(app, login, who):
    edition = make_edition()
    other = make_edition(2026)
    session = make_session(edition, title="Keep me")
    users = {
        "attendee": make_attendee(),
        "staff": grant(make_user(), "staff", edition),
        "chair": grant(make_user(), "chair", edition),
        "other_organiser": grant(make_user(), "organiser", other),
    }
    client = app.test_client() if who == "anonymous" else login(users[who])
    expected = 302 if who == "anonymous" else 403
    for url in ADMIN_GETS:
        assert client.get(url).status_code == expected, url
    posts = [
        ("/2027/admin/programme/sessions/new", _form(edition, title="Sneaky")),
        (f"/2027/admin/programme/sessions/{session.id}/edit", _form(edition, title="Changed")),
        (f"/2027/admin/programme/sessions/{session.id}/cancel", {"reason": "x"}),
        (f"/2027/admin/programme/sessions/{session.id}/duplicate", {}),
        ("/2027/admin/programme/rooms", {"name": "Room"}),
    ]
    for url, data in posts:
        assert client.post(url, data=data).status_code == expected, url
    sessions = _sessions()
    assert [(s.title, s.state) for s in sessions] == [("Keep me", "scheduled")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Room)) == 0


def test_archived_edition_is_read_only(app, login):
    edition = make_edition(2025, state="archived")
    organiser = grant(make_user(), "organiser", edition)
    session = make_session(edition, title="Past panel")
    client = login(organiser)
    assert client.get("/2025/admin/programme/").status_code == 200
    assert "archived" in client.get("/2025/admin/programme/").get_data(as_text=True)
    assert client.get("/2025/admin/programme/timetable").status_code == 200
    assert client.get(f"/2025/admin/programme/sessions/{session.id}").status_code == 200
    assert client.get("/2025/admin/programme/sessions/new").status_code == 403
    assert (
        client.post(
            f"/2025/admin/programme/sessions/{session.id}/cancel", data={"reason": "x"}
        ).status_code
        == 403
    )
    assert client.post("/2025/admin/programme/rooms", data={"name": "R"}).status_code == 403
    assert [(s.title, s.state) for s in _sessions()] == [("Past panel", "scheduled")]


def test_session_of_another_edition_is_404(app, org):
    foreign = make_session(make_edition(2026), title="Elsewhere")
    assert org.get(f"/2027/admin/programme/sessions/{foreign.id}/edit").status_code == 404
    assert org.post(f"/2027/admin/programme/sessions/{foreign.id}/duplicate").status_code == 404
    assert org.get(f"/2027/sessions/{foreign.id}").status_code == 404
    assert len(_sessions()) == 1
