"""Once the schedule is released, the doors are those of the released programme (titles and
times as attendees were told; no door for a draft-only session); who may enter is the stricter
of the released and the draft access rule, on the server and in the offline bundle alike."""

from __future__ import annotations

import datetime as dt

import pytest

from conference.badges import services as badge_services
from conference.checkin.models import Scan
from conference.extensions import db
from conference.programme import services as programme
from conference.programme.models import AccessPolicy
from tests.badges.factories import accredited, make_category, make_session
from tests.factories import grant, make_user

URL = "/api/v1/editions/2027/checkins"
BUNDLE = "/api/v1/editions/2027/scanner-bundle"


def _scan(client, headers, code, checkpoint):
    return client.post(URL, json={"code": code, "checkpoint": checkpoint}, headers=headers)


@pytest.fixture
def stage(edition):
    """An open session and a session for officials, released as 1.0; two badge holders."""
    officials = make_category(edition, "GOV", "Government")
    public = make_category(edition, "ATT", "Attendee")
    open_talk = make_session(edition, title="Open talk")
    closed = make_session(
        edition, title="Officials' briefing", access=AccessPolicy.CATEGORIES, categories=[officials]
    )
    organiser = grant(make_user(), "organiser", edition)
    programme.release(organiser, edition, "1.0", "")
    db.session.commit()
    official = accredited(make_user(), edition, officials)
    attendee = accredited(make_user(), edition, public)
    return dict(
        edition=edition,
        organiser=organiser,
        officials=officials,
        open_talk=open_talk,
        closed=closed,
        official=badge_services.badge_code(badge_services.valid_badge(official)),
        attendee=badge_services.badge_code(badge_services.valid_badge(attendee)),
    )


def _doors(client, headers) -> dict:
    bundle = client.get(BUNDLE, headers=headers).json
    return {p["id"]: p for p in bundle["checkpoints"]}


def test_a_draft_only_session_has_no_door_until_released(client, staff_headers, stage):
    draft = make_session(stage["edition"], title="Draft-only clinic")
    denied = _scan(client, staff_headers, stage["attendee"], draft.id)
    assert denied.status_code == 400
    assert denied.json["error"]["code"] == "unknown_checkpoint"
    assert draft.id not in _doors(client, staff_headers)
    assert db.session.scalar(db.select(db.func.count()).select_from(Scan)) == 0
    programme.release(stage["organiser"], stage["edition"], "1.1", "")
    db.session.commit()
    assert _scan(client, staff_headers, stage["attendee"], draft.id).json["result"] == "admitted"
    assert draft.id in _doors(client, staff_headers)


def test_door_labels_give_the_released_title_and_time(client, staff_headers, stage):
    talk = stage["open_talk"]
    released_label = _doors(client, staff_headers)[talk.id]["label"]
    talk.title = "Renamed in the draft"
    talk.starts_at += dt.timedelta(hours=2)
    talk.ends_at += dt.timedelta(hours=2)
    db.session.commit()
    door = _doors(client, staff_headers)[talk.id]
    assert door["label"] == released_label and "Open talk" in door["label"]


def test_a_draft_restriction_protects_the_door_at_once(client, staff_headers, stage):
    talk = stage["open_talk"]
    talk.access, talk.categories = AccessPolicy.CATEGORIES, [stage["officials"]]
    db.session.commit()
    denied = _scan(client, staff_headers, stage["attendee"], talk.id).json
    assert (denied["result"], denied["reason"]) == ("denied", "not_cleared")
    assert _scan(client, staff_headers, stage["official"], talk.id).json["result"] == "admitted"
    door = _doors(client, staff_headers)[talk.id]
    assert (door["access"], door["categories"]) == ("categories", ["GOV"])


def test_a_draft_opening_waits_for_the_release(client, staff_headers, stage):
    closed = stage["closed"]
    closed.access, closed.categories = AccessPolicy.OPEN, []
    db.session.commit()
    denied = _scan(client, staff_headers, stage["attendee"], closed.id).json
    assert denied["reason"] == "not_cleared"
    assert _doors(client, staff_headers)[closed.id]["access"] == "categories"
    programme.release(stage["organiser"], stage["edition"], "1.1", "")
    db.session.commit()
    assert _scan(client, staff_headers, stage["attendee"], closed.id).json["result"] == "admitted"
    assert _doors(client, staff_headers)[closed.id]["access"] == "open"
