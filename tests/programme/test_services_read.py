"""The read services every channel shares: programme, the view of a session, the agenda."""

from flask import g

from conference.permissions import clearance
from conference.programme import services
from tests.factories import grant, make_edition, make_user
from tests.programme.factories import (
    make_attendee,
    make_category,
    make_room,
    make_session,
    make_track,
    make_type,
)


def _view(user, session, edition):
    g.pop("_clearance_cache", None)
    return services.session_view(session, clearance(user, edition), channel="page")


def test_programme_sessions_ordered_and_filtered(app):
    edition = make_edition()
    late = make_session(edition, hour=15, title="Late")
    early = make_session(edition, hour=9, title="Early")
    cancelled = make_session(edition, hour=12, title="Gone", state="cancelled")
    assert [s.id for s in services.programme_sessions(None, edition)] == [
        early.id,
        cancelled.id,
        late.id,
    ]
    assert [s.id for s in services.programme_sessions(None, edition, include_cancelled=False)] == [
        early.id,
        late.id,
    ]


def test_uncleared_viewer_gets_only_placeholder(app):
    edition = make_edition()
    mse = make_category(edition, code="MSE")
    other = make_category(edition, code="GEN")
    session = make_session(
        edition,
        title="Secret briefing",
        description="Top secret",
        restricted_to=[mse],
        room=make_room(edition, name="Hidden room"),
        track=make_track(edition, name="Hidden track"),
        type=make_type(edition, code="closed"),
        speakers=["Agent Smith"],
    )
    outsider = make_attendee(other, edition)
    view = _view(outsider, session, edition)
    assert view.hidden and view.title == services.RESTRICTED_TITLE
    assert view.description == "" and view.room is None and view.track is None
    assert view.type is None and view.speakers == ()
    assert view.starts_at == session.starts_at and view.uid == session.uid
    assert "secret" not in view.search_text() and "hidden" not in view.search_text()

    insider = make_attendee(mse, edition)
    view = _view(insider, session, edition)
    assert view.restricted and view.cleared and view.title == "Secret briefing"
    assert view.room.name == "Hidden room" and view.speakers[0].name == "Agent Smith"

    organiser = grant(make_user(), "organiser", edition)
    assert _view(organiser, session, edition).cleared


def test_search_never_matches_hidden_text(app):
    edition = make_edition()
    mse = make_category(edition, code="MSE")
    make_session(edition, title="Secret briefing", restricted_to=[mse])
    make_session(edition, title="Open plenary")
    views = services.session_views(None, edition, channel="page")
    assert services.search_views(views, "secret") == []
    assert [v.title for v in services.search_views(views, "restricted")] == ["Restricted session"]
    assert [v.title for v in services.search_views(views, "PLENARY open")] == ["Open plenary"]


def test_personal_agenda(app):
    edition = make_edition()
    person = make_user()
    chaired = make_session(edition, hour=9, chair=person)
    spoken = make_session(edition, hour=10, speakers=[person])
    invited = make_session(edition, hour=11, invited=[person])
    make_session(edition, hour=12)
    assert [s.id for s in services.personal_agenda(person, edition)] == [
        chaired.id,
        spoken.id,
        invited.id,
    ]
    assert services.personal_agenda(make_user(), edition) == []
