"""The call's demo data: every state in 2027, published acceptances in 2025, idempotent."""

from __future__ import annotations

import sqlalchemy as sa

from conference.editions.models import Edition
from conference.extensions import db
from conference.programme.models import Track
from conference.submissions.models import CoSpeaker, Submission


def _counts():
    return {
        "submissions": db.session.scalar(sa.select(sa.func.count()).select_from(Submission)),
        "co_speakers": db.session.scalar(sa.select(sa.func.count()).select_from(CoSpeaker)),
        "tracks": db.session.scalar(sa.select(sa.func.count()).select_from(Track)),
    }


def _seed(app) -> None:
    from conference.demo import Demo, seed_base
    from conference.submissions import demo as submissions_demo

    demo = Demo(password=app.config["DEMO_PASSWORD"])
    seed_base(demo)
    submissions_demo.seed(demo)


def test_demo_seeds_the_call_and_is_idempotent(app, client):
    _seed(app)
    first = _counts()
    _seed(app)
    assert _counts() == first

    e2027 = db.session.scalar(sa.select(Edition).where(Edition.year == 2027))
    subs = db.session.scalars(sa.select(Submission).where(Submission.edition_id == e2027.id)).all()
    assert 38 <= len(subs) <= 45
    states = {s.state for s in subs}
    assert states == {"draft", "submitted", "withdrawn"}
    assert len({s.track_id for s in subs}) == 4
    assert len({s.author_id for s in subs}) >= 25
    assert len({s.author.email.split("@")[1] for s in subs}) >= 20
    assert any(c.confirmed_at for s in subs for c in s.co_speakers)
    assert any(s.author.email == "attendee@demo.test" for s in subs)
    for s in subs:
        assert len(s.abstract.split()) <= s.type.max_words

    html = client.get("/2025/abstracts").get_data(as_text=True)
    assert "Research security in practice" in html
