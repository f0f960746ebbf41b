"""An unconfirmed account is told before the submission form, not after writing."""

from __future__ import annotations

import sqlalchemy as sa

from conference.extensions import db
from conference.submissions.models import Submission
from tests.factories import make_user


def test_unconfirmed_account_sees_the_notice_before_the_submission_form(login, tracks, types):
    client = login(make_user("late@example.org", verified=False))
    response = client.get("/2027/me/submissions/new")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "confirm your e-mail address" in page
    assert 'action="/account/verify/resend"' in page
    assert 'name="next" value="/2027/me/submissions/new"' in page
    assert 'name="abstract"' not in page
    data = {
        "title": "Due diligence",
        "type_id": str(types[0].id),
        "track_id": str(tracks[0].id),
        "abstract": "Short.",
        "submit": "1",
    }
    assert client.post("/2027/me/submissions/new", data=data).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 0
