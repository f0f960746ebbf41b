"""TLP labels and the Chatham House Rule on the pages (issue 23): the label as FIRST TLP 2.0
shows it (its colour on black, the definition for screen readers) on every page kind, what it
means for the reader, why details are withheld, the rule's statement; RED pages are never
stored; the organisers' preview as a category sees what that person would."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from conference import pagecache, tlp
from conference.db import utcnow
from conference.extensions import db
from conference.permissions import Disclosure
from conference.programme.models import Contribution, SessionSpeaker
from conference.programme.speaker_models import SessionMaterial
from tests.factories import grant, make_edition, make_user
from tests.programme.factories import make_attendee, make_category, make_room, make_session
from tests.review.factories import make_submission

DEFINITIONS = {
    "CLEAR": "may be shared freely, without restriction",
    "GREEN": "limited disclosure within the community",
    "AMBER": "recipients may share it within their organisation and with its clients",
    "AMBER+STRICT": "recipients may share it only within their own organisation",
    "RED": "for the eyes and ears of individual recipients only, no further disclosure",
}


def _badge(label: str) -> str:
    slug = label.lower().replace("+", "-")
    return f'<span class="tlp tlp-{slug}" data-tlp="{label}">'


def _organiser(edition):
    return grant(make_user(), "organiser", edition)


@pytest.mark.parametrize("label", tlp.VALUES)
def test_session_page_shows_label_in_first_colours_with_screen_reader_text(app, login, label):
    edition = make_edition()
    session = make_session(edition, title="Labelled session", tlp=label)
    db.session.commit()
    text = login(_organiser(edition)).get(f"/2027/sessions/{session.id}").get_data(as_text=True)
    assert _badge(label) in text
    assert f'<span aria-hidden="true" translate="no">TLP:{label}</span>' in text
    assert f"Traffic Light Protocol label: {label} — " in text
    assert DEFINITIONS[label] in text
    # What the label means for the reader, in one or two sentences.
    assert 'class="tlp-meaning"' in text and "What is presented in this session" in text


def test_label_css_uses_first_colours_on_black(app):
    css = (app.static_folder + "/css/app.css").replace("//", "/")
    with open(css, encoding="utf-8") as handle:
        text = handle.read()
    rule = re.search(r"^\.tlp \{([^}]*)\}", text, re.M)
    assert rule is not None and "background: #000000;" in rule.group(1)
    for label, colour in tlp.COLOURS.items():
        assert f".tlp-{label.lower().replace('+', '-')}" in text and colour in text


def test_every_page_kind_shows_the_label(app, client, login):
    """Programme list, grid, agenda, changelog, organisers' list, session page, timetable,
    schedule editor, preview, speaker's page and the materials page."""
    edition = make_edition()
    organiser = _organiser(edition)
    room = make_room(edition, name="Room Horta")
    session = make_session(edition, title="An amber panel", tlp="AMBER", room_id=room.id)
    speaker = make_user(email="speaker@example.org")
    db.session.add(
        Contribution(session_id=session.id, position=0, kind="item", title="Briefing",
                     duration_minutes=30, tlp="RED")
    )  # fmt: skip
    db.session.commit()
    contribution = db.session.scalar(
        sa.select(Contribution).where(Contribution.title == "Briefing")
    )
    db.session.add(
        SessionSpeaker(session_id=session.id, contribution_id=contribution.id,
                       user_id=speaker.id, name="Sam Speaker", position=0)
    )  # fmt: skip
    db.session.commit()
    as_organiser = login(organiser)
    pages = [
        "/2027/programme?day=all",
        "/2027/programme/grid?day=2027-06-09",
        f"/2027/sessions/{session.id}",
        "/2027/admin/programme/",
        f"/2027/admin/programme/sessions/{session.id}",
        "/2027/admin/programme/timetable?day=2027-06-09",
        "/2027/admin/programme/editor?day=2027-06-09",
        "/2027/admin/programme/preview",
        f"/2027/sessions/{session.id}/materials",
        f"/2027/admin/programme/sessions/{session.id}/bookings",
        f"/2027/admin/programme/sessions/{session.id}/cancel",
        f"/2027/admin/programme/sessions/{session.id}/edit",
        f"/2027/admin/programme/sessions/{session.id}/contributions/new",
    ]
    for page in pages:
        response = as_organiser.get(page)
        assert response.status_code == 200, page
        assert _badge("AMBER") in response.get_data(as_text=True), page
    # The contribution's own, stricter label on the session pages.
    for page in (f"/2027/sessions/{session.id}", f"/2027/admin/programme/sessions/{session.id}"):
        assert _badge("RED") in as_organiser.get(page).get_data(as_text=True), page
    # The agenda (a starred session) of an accredited participant.
    attendee = make_attendee(edition=edition)
    as_attendee = login(attendee)
    as_attendee.post(f"/2027/sessions/{session.id}/star")
    assert _badge("AMBER") in as_attendee.get("/2027/me/agenda").get_data(as_text=True)
    assert _badge("AMBER") in as_attendee.get("/2027/me").get_data(as_text=True)
    # The speaker's page of their talk: the contribution's effective label.
    speaking = login(speaker).get("/2027/me/speaking")
    assert _badge("RED") in speaking.get_data(as_text=True)
    # The changelog of a released programme: the session changed in version 1.1.
    assert (
        as_organiser.post("/2027/admin/programme/release", data={"version": "1.0"}).status_code
        == 303
    )
    session.title = "An amber panel, renamed"
    db.session.commit()
    assert (
        as_organiser.post("/2027/admin/programme/release", data={"version": "1.1"}).status_code
        == 303
    )
    changelog = as_attendee.get("/2027/changelog").get_data(as_text=True)
    assert "An amber panel, renamed" in changelog and _badge("AMBER") in changelog


def test_materials_show_their_own_effective_label(app, login):
    edition = make_edition()
    organiser = _organiser(edition)
    session = make_session(edition, title="Green talk", tlp="GREEN")
    db.session.add_all(
        [
            SessionMaterial(edition_id=edition.id, session_id=session.id, kind="recording",
                            title="Recording", url="https://video.example.org/1"),
            SessionMaterial(edition_id=edition.id, session_id=session.id, kind="recording",
                            title="Strict notes", url="https://video.example.org/2",
                            tlp="AMBER+STRICT"),
        ]
    )  # fmt: skip
    db.session.commit()
    as_organiser = login(organiser)
    for page in (f"/2027/sessions/{session.id}/materials", f"/2027/sessions/{session.id}"):
        text = as_organiser.get(page).get_data(as_text=True)
        assert _badge("GREEN") in text and _badge("AMBER+STRICT") in text, page


def test_placeholder_withheld_by_label_says_why_without_leaking(app, client, login):
    edition = make_edition()
    session = make_session(
        edition, title="Secret amber", description="Operational detail", tlp="AMBER",
        speakers=["Agent Smith"],
    )  # fmt: skip
    db.session.commit()
    anonymous = client.get(f"/2027/sessions/{session.id}").get_data(as_text=True)
    assert "Secret amber" not in anonymous and "Operational detail" not in anonymous
    assert "Agent Smith" not in anonymous
    assert "The details of this session are withheld under TLP:AMBER." in anonymous
    assert "/login?next=" in anonymous and _badge("AMBER") in anonymous
    # Logged in, not accredited: not cleared.
    outsider = login(make_user()).get(f"/2027/sessions/{session.id}").get_data(as_text=True)
    assert "Secret amber" not in outsider
    assert "You are not cleared for this session" in outsider
    # In the list too: the placeholder with the label, nothing else.
    listing = client.get("/2027/programme?day=all").get_data(as_text=True)
    assert "Secret amber" not in listing and _badge("AMBER") in listing


def test_green_session_is_neutral_to_the_public_with_a_login_link(app, client, login):
    edition = make_edition()
    session = make_session(
        edition, title="Green talk", description="Community detail", tlp="GREEN",
        speakers=["Dana Speaker"],
    )  # fmt: skip
    db.session.commit()
    text = client.get(f"/2027/sessions/{session.id}").get_data(as_text=True)
    assert "Green talk" in text and _badge("GREEN") in text
    assert "Community detail" not in text and "Dana Speaker" not in text
    assert "shared with the accredited participants of the conference only" in text
    assert "/login?next=" in text
    cleared = login(make_attendee(edition=edition)).get(f"/2027/sessions/{session.id}")
    assert "Community detail" in cleared.get_data(as_text=True)
    assert "Dana Speaker" in cleared.get_data(as_text=True)


def test_restricted_placeholder_shows_no_label(app, client):
    """A session the access rule hides is not labelled (its label is part of its content)."""
    edition = make_edition()
    session = make_session(edition, title="Closed", tlp="RED", restricted_to=[make_category()])
    db.session.commit()
    text = client.get(f"/2027/sessions/{session.id}").get_data(as_text=True)
    assert "Restricted session" in text and 'data-tlp="' not in text


def test_chatham_house_statement_and_speakers(app, client, login):
    edition = make_edition()
    session = make_session(
        edition, title="Under the rule", chatham_house=True, speakers=["Rule Speaker"]
    )
    db.session.commit()
    statement = "neither the identity nor the affiliation of the speaker(s)"
    anonymous = client.get(f"/2027/sessions/{session.id}").get_data(as_text=True)
    assert statement in anonymous and "Rule Speaker" not in anonymous
    assert "Under the rule, the speakers of this session are not named here." in anonymous
    cleared = login(make_attendee(edition=edition)).get(f"/2027/sessions/{session.id}")
    text = cleared.get_data(as_text=True)
    assert statement in text and "Rule Speaker" in text
    assert "do not reveal their names or organisations" in text


def test_red_session_page_is_no_store(app, login):
    edition = make_edition()
    category = make_category(edition)
    session = make_session(edition, title="Red briefing", tlp="RED", restricted_to=[category])
    db.session.commit()
    attendee = make_attendee(category, edition=edition)
    as_attendee = login(attendee)
    for page in (f"/2027/sessions/{session.id}", "/2027/programme?day=all"):
        response = as_attendee.get(page)
        assert "Red briefing" in response.get_data(as_text=True), page
        assert response.headers["Cache-Control"] == "no-store", page
        assert response.headers["Pragma"] == "no-cache", page


def test_red_content_is_never_put_in_the_page_cache(app, client, monkeypatch):
    """Even if the policy ever let RED reach an anonymous page, that page would be sent
    no-store and not stored (the anonymous programme is otherwise cached)."""
    from conference.programme.services import visibility

    edition = make_edition()
    make_session(edition, title="Red on a public page", tlp="RED")
    make_session(edition, title="Clear one", day=1)
    db.session.commit()
    pagecache.local_cache(app).clear()
    app.config["PAGE_CACHE_ENABLED"] = True
    clear_day = client.get("/2027/programme?day=2027-06-10")
    assert clear_day.headers["Cache-Control"] == "no-cache" and len(pagecache.local_cache(app))
    pagecache.local_cache(app).clear()
    monkeypatch.setattr(visibility, "tlp_disclosure", lambda *args: Disclosure.FULL)
    response = client.get("/2027/programme?day=all")
    assert "Red on a public page" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert len(pagecache.local_cache(app)) == 0


def test_preview_as_a_category_sees_what_its_people_would(app, login):
    edition = make_edition()
    category = make_category(edition)
    make_session(edition, title="Green for participants", description="Green detail",
                 tlp="GREEN", speakers=["Greta Green"])  # fmt: skip
    make_session(edition, title="Amber for the category", tlp="AMBER",
                 restricted_to=[category], day=1)  # fmt: skip
    db.session.commit()
    as_organiser = login(_organiser(edition))
    public = as_organiser.get("/2027/admin/programme/preview").get_data(as_text=True)
    assert "Greta Green" not in public and "Amber for the category" not in public
    seen = as_organiser.get(f"/2027/admin/programme/preview?category={category.id}")
    text = seen.get_data(as_text=True)
    assert "Greta Green" in text and "Amber for the category" in text


def test_speakers_submission_page_shows_the_talks_label(app, login):
    edition = make_edition()
    speaker = make_attendee(edition=edition)
    submission = make_submission(edition, author=speaker, title="Talk on labs")
    submission.decision = "accepted"
    submission.decided_at = submission.decision_published_at = utcnow()
    session = make_session(edition, title="Green panel", tlp="GREEN",
                           submission_id=submission.id, speakers=[speaker])  # fmt: skip
    db.session.commit()
    contribution = db.session.scalar(
        sa.select(Contribution).where(Contribution.session_id == session.id)
    )
    contribution.tlp = "AMBER"
    db.session.commit()
    page = login(speaker).get(f"/2027/me/submissions/{submission.id}").get_data(as_text=True)
    assert "Green panel" in page and _badge("AMBER") in page
