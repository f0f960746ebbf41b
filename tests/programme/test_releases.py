"""Draft and released schedule: the public sees the last release only, on every channel;
releasing shows the changes, raises SEQUENCE of changed sessions and mails exactly the
affected people; the changelog lists releases newest first; organisers preview the draft."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from conference.audit import AuditEntry
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.programme import services
from conference.programme.models import (
    Booking,
    BookingState,
    ProgrammeSession,
    ScheduleRelease,
    SessionSpeaker,
)
from tests.factories import grant, make_edition, make_user
from tests.programme.factories import make_attendee, make_category, make_room, make_session


@pytest.fixture
def edition(app):
    return make_edition(2027, timezone="Europe/Brussels")


@pytest.fixture
def organiser(edition):
    return grant(make_user(), "organiser", edition)


@pytest.fixture
def stage(edition, organiser):
    """Two rooms, three sessions (one with a speaker account and a booking), released as 1.0."""
    hall = make_room(edition, "Main hall")
    side = make_room(edition, "Side room")
    speaker = make_user(email="speaker@example.org", full_name="Sam Speaker")
    other_speaker = make_user(email="other@example.org", full_name="Olly Other")
    booker = make_user(email="booker@example.org")
    bystander = make_user(email="bystander@example.org")
    moved = make_session(edition, title="Opening plenary", hour=9, room=hall)
    moved.speakers.append(SessionSpeaker(user_id=speaker.id, name="Sam Speaker"))
    kept = make_session(edition, title="Quiet workshop", hour=11, room=side)
    kept.speakers.append(SessionSpeaker(user_id=other_speaker.id, name="Olly Other"))
    renamed = make_session(edition, title="Panel on funding", hour=14, room=hall)
    db.session.add_all(
        [
            Booking(edition_id=edition.id, session_id=moved.id, user_id=booker.id),
            Booking(edition_id=edition.id, session_id=kept.id, user_id=bystander.id),
            Booking(
                edition_id=edition.id,
                session_id=moved.id,
                user_id=make_user(email="gone@example.org").id,
                state=BookingState.CANCELLED,
            ),
        ]
    )
    db.session.commit()
    services.release(organiser, edition, "1.0", "First programme")
    db.session.commit()
    return dict(
        hall=hall,
        side=side,
        moved=moved,
        kept=kept,
        renamed=renamed,
        speaker=speaker,
        booker=booker,
    )


def _edit(organiser, edition, session, **changes):
    data = services.SessionData(
        title=changes.pop("title", session.title),
        starts_at=changes.pop("starts_at", session.starts_at),
        ends_at=changes.pop("ends_at", session.ends_at),
        room_id=changes.pop("room_id", session.room_id),
        speakers=[services.SpeakerSpec(s.name, s.organisation, s.user) for s in session.speakers],
    )
    services.save_session(organiser, edition, data, session)
    db.session.commit()


def _public_texts(client, session_ids) -> dict[str, str]:
    urls = [
        "/2027/programme?day=all",
        "/api/v1/editions/2027/sessions",
        "/2027/programme.ics",
        "/2027/schedule.json",
        "/2027/schedule.xml",
        "/2027/changelog",
        *(f"/2027/sessions/{i}" for i in session_ids),
        *(f"/api/v1/editions/2027/sessions/{i}" for i in session_ids),
        *(f"/2027/sessions/{i}.ics" for i in session_ids),
    ]
    return {url: client.get(url).get_data(as_text=True).replace("\r\n ", "") for url in urls}


def test_before_the_first_release_the_programme_is_public_as_edited(edition, client):
    make_session(edition, title="Early bird session")
    assert "Early bird session" in client.get("/2027/programme?day=all").get_data(as_text=True)
    assert client.get("/2027/changelog").status_code == 200


def test_draft_changes_are_invisible_on_every_public_channel_until_released(
    edition, organiser, stage, client, login
):
    moved, renamed = stage["moved"], stage["renamed"]
    _edit(organiser, edition, renamed, title="Secret new title")
    later = moved.starts_at + dt.timedelta(hours=6)
    _edit(organiser, edition, moved, starts_at=later, ends_at=later + dt.timedelta(hours=1))
    draft_only = make_session(edition, title="Draft-only session", hour=16)
    texts = _public_texts(client, [moved.id, renamed.id])
    for url, text in texts.items():
        assert "Secret new title" not in text, url
        assert "Draft-only session" not in text, url
    assert "Panel on funding" in texts["/2027/programme?day=all"]
    api = client.get(f"/api/v1/editions/2027/sessions/{moved.id}").json
    assert api["starts_at"] == "2027-06-09T09:00:00+02:00"
    assert client.get(f"/2027/sessions/{draft_only.id}").status_code == 404
    assert client.get(f"/api/v1/editions/2027/sessions/{draft_only.id}").status_code == 404
    schedule = json.loads(texts["/2027/schedule.json"])
    assert schedule["schedule"]["version"] == "1.0"
    assert "<version>1.0</version>" in texts["/2027/schedule.xml"]
    # Logged-in people, organisers included, see the release on public pages too; the
    # organisers' pages show the draft.
    org = login(organiser)
    assert "Secret new title" not in org.get("/2027/programme?day=all").get_data(as_text=True)
    admin = org.get("/2027/admin/programme/").get_data(as_text=True)
    assert "Secret new title" in admin and "Draft-only session" in admin


def test_release_shows_the_diff_bumps_sequence_and_publishes(edition, organiser, stage, login):
    moved, kept, renamed, hall = stage["moved"], stage["kept"], stage["renamed"], stage["hall"]
    # Moved and moved back: nothing changes for the public, not even its SEQUENCE.
    steady = make_session(edition, title="Steady session", hour=19)
    fresh = make_session(edition, title="Late addition", hour=17)
    services.release(organiser, edition, "1.0.1", "")
    db.session.commit()
    released_sequence = services.latest_release(edition).snapshot[str(steady.id)]["sequence"]
    original = steady.starts_at
    _edit(
        organiser,
        edition,
        steady,
        starts_at=original + dt.timedelta(hours=1),
        ends_at=original + dt.timedelta(hours=2),
    )
    _edit(organiser, edition, steady, starts_at=original, ends_at=original + dt.timedelta(hours=1))
    sequences = {s.id: s.sequence for s in (moved, kept, renamed)}
    later = moved.starts_at + dt.timedelta(hours=6)
    _edit(organiser, edition, moved, starts_at=later, ends_at=later + dt.timedelta(hours=1))
    _edit(organiser, edition, kept, room_id=hall.id)
    _edit(organiser, edition, renamed, title="Panel on research funding")
    org = login(organiser)
    page = org.get("/2027/admin/programme/release").get_data(as_text=True)
    assert "3 changes since the last release" in page
    for word in ("moved", "room changed", "details changed"):
        assert word in page
    assert "room: Side room → Main hall" in page
    response = org.post(
        "/2027/admin/programme/release", data={"version": "1.1", "public_note": "Moved things"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    release = db.session.scalar(sa.select(ScheduleRelease).where(ScheduleRelease.version == "1.1"))
    kinds = {c["session_id"]: c["kinds"] for c in release.changes}
    assert kinds == {moved.id: ["moved"], kept.id: ["room"], renamed.id: ["changed"]}
    assert release.snapshot[str(steady.id)]["sequence"] == released_sequence
    assert str(fresh.id) in release.snapshot
    after = {s.id: s.sequence for s in db.session.scalars(sa.select(ProgrammeSession))}
    assert after[renamed.id] == sequences[renamed.id] + 1  # a title change alone bumps too
    assert after[moved.id] > sequences[moved.id] and after[kept.id] > sequences[kept.id]
    assert after[fresh.id] == 0
    public = org.get("/2027/programme?day=all").get_data(as_text=True)
    assert "Panel on research funding" in public and "Late addition" in public
    feed = org.get(f"/2027/sessions/{renamed.id}.ics").get_data(as_text=True)
    assert f"SEQUENCE:{after[renamed.id]}" in feed
    changelog = org.get("/2027/changelog").get_data(as_text=True)
    assert changelog.index("Version 1.1") < changelog.index("Version 1.0")
    assert "Moved things" in changelog
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "programme.release")
        )
        == 3
    )


def test_release_mails_exactly_the_affected_speakers_and_bookers(edition, organiser, stage):
    moved = stage["moved"]
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    later = moved.starts_at + dt.timedelta(hours=1)
    _edit(organiser, edition, moved, starts_at=later, ends_at=later + dt.timedelta(hours=1))
    services.release(organiser, edition, "1.1", "")
    db.session.commit()
    mails = db.session.scalars(sa.select(OutboxMessage)).all()
    assert sorted(m.to for m in mails) == ["booker@example.org", "speaker@example.org"]
    body = next(m for m in mails if m.to == "speaker@example.org").text_body
    assert "Opening plenary" in body and "moved" in body and "/2027/changelog" in body


def test_release_refusals_change_nothing(edition, organiser, stage, login):
    org = login(organiser)
    assert org.post("/2027/admin/programme/release", data={"version": ""}).status_code == 400
    nothing = org.post("/2027/admin/programme/release", data={"version": "1.1"})
    assert nothing.status_code == 409 and "Nothing changed" in nothing.get_data(as_text=True)
    _edit(organiser, edition, stage["renamed"], title="Another title")
    duplicate = org.post("/2027/admin/programme/release", data={"version": "1.0"})
    assert duplicate.status_code == 409
    long_name = org.post("/2027/admin/programme/release", data={"version": "x" * 101})
    assert long_name.status_code == 400
    attendee = login(make_attendee(edition=edition))
    assert attendee.post("/2027/admin/programme/release", data={"version": "2"}).status_code == 403
    assert attendee.get("/2027/admin/programme/release").status_code == 403
    assert attendee.get("/2027/admin/programme/preview").status_code == 403
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScheduleRelease)) == 1


def test_changelog_never_names_a_restricted_session(edition, organiser, stage, client, login):
    closed_category = make_category(edition)
    secret = make_session(
        edition, title="Closed threat briefing", hour=18, restricted_to=[closed_category]
    )
    services.release(organiser, edition, "1.1", "")
    db.session.commit()
    text = client.get("/2027/changelog").get_data(as_text=True)
    assert "Closed threat briefing" not in text and "Restricted session" in text
    cleared = login(make_attendee(closed_category, edition))
    assert "Closed threat briefing" in cleared.get("/2027/changelog").get_data(as_text=True)
    assert secret.id


def test_preview_shows_the_draft_as_a_category_or_person_sees_it(edition, organiser, stage, login):
    experts = make_category(edition, name="Experts")
    others = make_category(edition, name="Others")
    make_session(edition, title="Experts only draft", hour=19, restricted_to=[experts])
    org = login(organiser)
    as_experts = org.get(f"/2027/admin/programme/preview?category={experts.id}")
    assert as_experts.status_code == 200
    assert "Experts only draft" in as_experts.get_data(as_text=True)
    as_others = org.get(f"/2027/admin/programme/preview?category={others.id}").get_data(
        as_text=True
    )
    assert "Experts only draft" not in as_others and "Restricted session" in as_others
    public = org.get("/2027/admin/programme/preview").get_data(as_text=True)
    assert "Experts only draft" not in public
    expert = make_attendee(experts, edition, email="expert@example.org")
    as_person = org.get("/2027/admin/programme/preview?person=expert@example.org")
    assert "Experts only draft" in as_person.get_data(as_text=True) and expert.id
    assert org.get("/2027/admin/programme/preview?category=999999").status_code == 404
    assert org.get("/2027/admin/programme/preview?category=abc").status_code == 400


@pytest.mark.demo
def test_demo_has_a_release_and_unreleased_draft_changes(app, client):
    from conference.demo import seed_demo
    from conference.editions.models import Edition

    seed_demo()  # idempotent: seeding the seeded demo again changes nothing
    edition = db.session.scalar(sa.select(Edition).where(Edition.year == 2027))
    assert [r.version for r in services.releases_of(edition)] == ["1.0"]
    kinds = sorted(k for c in services.pending_changes(edition) for k in c["kinds"])
    assert kinds == ["changed", "moved", "new"]
    # The workshop's four seats added in the draft wait for the release.
    workshop = db.session.scalar(
        sa.select(ProgrammeSession).where(
            ProgrammeSession.edition_id == edition.id,
            ProgrammeSession.title == "Workshop: running a due-diligence check in practice",
        )
    )
    assert workshop.capacity == 16
    page = client.get(f"/2027/sessions/{workshop.id}").get_data(as_text=True)
    assert "12 seats," in page and "16 seats" not in page
    schedule = json.loads(client.get("/2027/schedule.json").get_data())
    assert schedule["schedule"]["version"] == "1.0"
    assert "Lightning talks" not in client.get("/2027/programme?day=all").get_data(as_text=True)


def test_release_mails_people_who_starred_a_changed_session_while_cleared(
    edition, organiser, stage
):
    from conference.programme.models import AgendaStar

    closed = make_category(edition)
    secret = make_session(edition, title="Closed briefing", hour=18, restricted_to=[closed])
    fan = make_user("fan@example.org")
    cleared = make_attendee(closed, edition, email="cleared@example.org")
    lapsed = make_user("lapsed@example.org")  # starred while cleared; no longer accredited
    for user, session in ((fan, stage["moved"]), (cleared, secret), (lapsed, secret)):
        db.session.add(AgendaStar(edition_id=edition.id, session_id=session.id, user_id=user.id))
    db.session.commit()
    services.release(organiser, edition, "1.1", "")
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    moved = stage["moved"]
    later = moved.starts_at + dt.timedelta(hours=1)
    _edit(organiser, edition, moved, starts_at=later, ends_at=later + dt.timedelta(hours=1))
    secret.starts_at += dt.timedelta(hours=1)  # moved, still restricted
    secret.ends_at += dt.timedelta(hours=1)
    services.release(organiser, edition, "1.2", "")
    db.session.commit()
    recipients = {m.to for m in db.session.scalars(sa.select(OutboxMessage))}
    assert {"fan@example.org", "cleared@example.org"} <= recipients
    assert "lapsed@example.org" not in recipients


def test_a_personal_agenda_shows_the_released_times_not_the_draft(edition, organiser, stage, login):
    from conference.programme.models import AgendaStar

    fan = make_user("fan@example.org")
    moved = stage["moved"]
    db.session.add(AgendaStar(edition_id=edition.id, session_id=moved.id, user_id=fan.id))
    db.session.commit()
    released_start = moved.starts_at
    later = moved.starts_at + dt.timedelta(hours=3)
    _edit(organiser, edition, moved, starts_at=later, ends_at=later + dt.timedelta(hours=1))
    db.session.commit()
    draft_only = make_session(edition, title="Draft-only session", hour=17)
    db.session.add(AgendaStar(edition_id=edition.id, session_id=draft_only.id, user_id=fan.id))
    db.session.commit()
    client = login(fan)
    entries = client.get("/api/v1/editions/2027/me/agenda").json
    text = json.dumps(entries)
    assert "Draft-only session" not in text
    [entry] = [e for e in entries["entries"] if e["session"]["id"] == moved.id]
    assert entry["session"]["starts_at"].startswith(
        released_start.astimezone(edition.tz).isoformat()[:16]
    )
    services.release(organiser, edition, "1.1", "")
    db.session.commit()
    text = json.dumps(client.get("/api/v1/editions/2027/me/agenda").json)
    assert "Draft-only session" in text
