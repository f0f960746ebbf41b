"""Previous/next between a reviewer's assignments, and the next one after submitting."""

from __future__ import annotations

from tests.factories import make_edition
from tests.review.factories import assign, make_review, make_reviewer, make_submission

REVIEW = {
    "relevance": "4",
    "quality": "3",
    "originality": "5",
    "recommendation": "weak_accept",
    "comments_to_authors": "Clear.",
    "confidential_comments": "",
    "submit_review": "1",
}


def test_previous_next_and_next_assignment_after_submitting(app, login):
    edition = make_edition()
    reviewer = make_reviewer(edition)
    first, second, third = (make_submission(edition) for _ in range(3))
    unassigned = make_submission(edition)
    for submission in (first, second, third):
        assign(submission, reviewer)
    make_review(third, reviewer)  # already done
    client = login(reviewer)

    page = client.get(f"/2027/review/submissions/{second.id}").get_data(as_text=True)
    assert f'href="/2027/review/submissions/{first.id}" rel="prev"' in page
    assert f'href="/2027/review/submissions/{third.id}" rel="next"' in page
    assert "assignment 2 of 3" in page
    assert f"/2027/review/submissions/{unassigned.id}" not in page

    # Submitting the second review points to the first (the third is already reviewed).
    response = client.post(f"/2027/review/submissions/{second.id}", data=REVIEW)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Next assignment waiting for your review" in page
    assert f'<a href="/2027/review/submissions/{first.id}">#{first.id} {first.title}</a>' in page

    response = client.post(f"/2027/review/submissions/{first.id}", data=REVIEW)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You have reviewed all your assignments" in page
    assert 'rel="prev"' not in page
