"""Leaks, round two (issue 12): one rule per question, asked by every channel.

1. Restricted sessions: being on the invitation list, speaking or chairing shows a restricted
   session's title, description, room and speakers only together with an *accredited*
   registration (organisers, staff and site administrators excepted). Checked on every channel
   — programme, session page, agenda, the attendee page, the API, edition feeds and exports,
   the personal feed, the personal-data download — for each registration state, and again at
   the first request after a revocation (no stale 304 either).
2. Conflicts of interest: a chair or organiser with a declared or automatic conflict never
   reads the submission, its reviews or its unpublished decision — not on the speaker-side page,
   the organisers' list, its filters and search, its CSV, nor the API.
"""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from conference.accreditation.models import Registration, RegistrationState
from conference.extensions import db
from conference.permissions import Clearance, can, clear_role_cache
from conference.submissions.models import Decision, Submission
from tests.factories import bearer, grant, make_edition, make_user
from tests.programme.factories import accredit, make_category, make_room, make_session

# --- 1. restricted sessions ------------------------------------------------------------------

TITLE = "Quillonsummit"
SECRETS = [TITLE, "Vexbriefing", "Orreryspeaker", "Basaltroom"]
ROLES = ["invited", "speaker", "chair"]
NOT_ACCREDITED = ["submitted", "waitlisted", "rejected", "revoked", "cancelled", "none"]


def _unfold(text: str) -> str:
    """An .ics body with its folded lines joined again (secrets may span a fold)."""
    return text.replace("\r\n ", "").replace("\r\n\t", "")


def _restricted_world(role: str, state: str):
    """An edition, a person in ``state`` (no registration for "none") and a restricted session
    they are connected with as ``role``. The session is restricted to a category the person
    is never in, so that only the role can clear them."""
    from conference.calendar import services as calendar

    edition = make_edition()
    general = make_category(edition, code="GEN", name="General public")
    experts = make_category(edition, code="MSE", name="Member State experts")
    person = make_user(full_name="Pat Person")
    registration = None
    if state != "none":
        registration = accredit(person, general, edition, state=state)
    values = dict(
        title=TITLE,
        description="Vexbriefing notes.",
        room=make_room(edition, name="Basaltroom"),
        hour=10,
    )
    if role == "invited":
        session = make_session(edition, invited=[person], speakers=["Orreryspeaker"], **values)
    elif role == "speaker":
        session = make_session(
            edition, restricted_to=[experts], speakers=["Orreryspeaker", person], **values
        )
    else:
        session = make_session(
            edition,
            restricted_to=[experts],
            speakers=["Orreryspeaker"],
            chair_id=person.id,
            **values,
        )
    make_session(edition, title="Open plenary", hour=9)
    token = calendar.regenerate_token(person)
    db.session.commit()
    return edition, person, registration, session, token


def _channels(app, login, person, session, token) -> dict[str, str]:
    """Every channel's answer for ``person`` as text (status 200 asserted)."""
    client = login(person)
    headers = bearer(person)
    pages = {
        "programme": client.get("/2027/programme"),
        "session page": client.get(f"/2027/sessions/{session.id}"),
        "agenda": client.get("/2027/me/agenda"),
        "attendee page": client.get("/2027/me"),
        "api list": app.test_client().get("/api/v1/editions/2027/sessions", headers=headers),
        "api detail": app.test_client().get(
            f"/api/v1/editions/2027/sessions/{session.id}", headers=headers
        ),
        "programme.ics": client.get("/2027/programme.ics"),
        "session.ics": client.get(f"/2027/sessions/{session.id}.ics"),
        "schedule.json": client.get("/2027/schedule.json"),
        "schedule.xml": client.get("/2027/schedule.xml"),
        "personal feed": app.test_client().get(f"/calendar/{token}.ics"),
        "personal data": client.get("/me/data.json"),
    }
    out = {}
    for name, response in pages.items():
        assert response.status_code == 200, (name, response.status_code)
        out[name] = _unfold(response.get_data(as_text=True))
    return out


def _assert_hidden(texts: dict[str, str], session_id: int, app) -> None:
    for name, text in texts.items():
        for secret in SECRETS:
            assert secret.casefold() not in text.casefold(), (name, secret)
    for name in ("programme", "session page", "agenda", "programme.ics", "personal feed"):
        assert "Restricted session" in texts[name], name
    assert "once your registration for 2027 is accredited" in texts["session page"]
    import json

    detail = json.loads(texts["api detail"])
    assert detail["restricted"] is True and detail["cleared"] is False
    assert detail["title"] == "Restricted session" and detail["room"] is None
    listed = {s["id"]: s for s in json.loads(texts["api list"])["sessions"]}
    assert listed[session_id]["cleared"] is False


def _assert_shown(texts: dict[str, str], session_id: int) -> None:
    import json

    for name, text in texts.items():
        if name in ("personal data", "attendee page"):
            continue
        assert TITLE in text, name
        assert "Basaltroom" in text, name
    assert json.loads(texts["api detail"])["cleared"] is True
    listed = {s["id"]: s for s in json.loads(texts["api list"])["sessions"]}
    assert listed[session_id]["cleared"] is True


@pytest.mark.parametrize("state", NOT_ACCREDITED)
@pytest.mark.parametrize("role", ROLES)
def test_role_without_accreditation_sees_only_the_placeholder(app, login, role, state):
    edition, person, _, session, token = _restricted_world(role, state)
    texts = _channels(app, login, person, session, token)
    _assert_hidden(texts, session.id, app)
    assert "Open plenary" in texts["programme"]
    # the session stays on the person's agenda (as a placeholder) with the reason it is there
    assert "Restricted session" in texts["agenda"]
    clearance = Clearance(person, edition)
    assert not clearance.sees_details(session) and not clearance.may_attend(session)


@pytest.mark.parametrize("role", ROLES)
def test_role_with_accreditation_sees_the_details(app, login, role):
    edition, person, _, session, token = _restricted_world(role, "accredited")
    texts = _channels(app, login, person, session, token)
    _assert_shown(texts, session.id)
    if role == "chair":
        assert TITLE in texts["personal data"]


@pytest.mark.parametrize("role", ["organiser", "staff"])
def test_organiser_or_staff_speaking_without_registration_sees_the_details(app, login, role):
    edition, person, _, session, token = _restricted_world("speaker", "none")
    grant(person, role, edition)
    texts = _channels(app, login, person, session, token)
    _assert_shown(texts, session.id)


def test_programme_committee_chair_role_does_not_replace_accreditation(app, login):
    edition, person, _, session, token = _restricted_world("chair", "submitted")
    grant(person, "chair", edition)  # the review committee's chair: no organiser rights
    texts = _channels(app, login, person, session, token)
    _assert_hidden(texts, session.id, app)


@pytest.mark.parametrize("role", ROLES)
def test_revocation_drops_the_details_at_the_next_request(app, login, role):
    from conference.accreditation import services as accreditation

    edition, person, registration, session, token = _restricted_world(role, "accredited")
    feeds = {
        "personal": f"/calendar/{token}.ics",
        "edition": "/2027/programme.ics",
        "session": f"/2027/sessions/{session.id}.ics",
        "json": "/2027/schedule.json",
    }
    client = login(person)
    etags = {}
    for name, url in feeds.items():
        response = client.get(url)
        assert response.status_code == 200 and TITLE in _unfold(response.get_data(as_text=True))
        etags[name] = response.headers["ETag"]
        # the validator works: unchanged clearance, unchanged programme → 304
        assert client.get(url, headers={"If-None-Match": etags[name]}).status_code == 304
    assert _channels(app, login, person, session, token)["api detail"].count(TITLE) == 1

    organiser = grant(make_user(), "organiser", edition)
    accreditation.decide(registration, "revoke", organiser, reason="Left the ministry.")
    db.session.commit()

    for name, url in feeds.items():
        response = client.get(url, headers={"If-None-Match": etags[name]})
        assert response.status_code == 200, name  # never a 304 that keeps the stale copy
        assert response.headers["ETag"] != etags[name]
        text = _unfold(response.get_data(as_text=True))
        assert TITLE not in text and "Basaltroom" not in text, name
    _assert_hidden(_channels(app, login, person, session, token), session.id, app)
    assert db.session.get(Registration, registration.id).state == RegistrationState.REVOKED


@pytest.mark.parametrize("state", [*NOT_ACCREDITED, "accredited"])
@pytest.mark.parametrize("role", ROLES)
def test_clearance_rule_for_each_state(app, role, state):
    """The rule itself: the role clears only with an accredited registration."""
    edition, person, _, session, _ = _restricted_world(role, state)
    assert Clearance(person, edition).sees_details(session) is (state == "accredited")
    assert can(person, "session.view_details", session, edition=edition) is (state == "accredited")
    assert Clearance(person, edition).may_attend(session) is (state == "accredited")


# --- 2. conflicts of interest ----------------------------------------------------------------

SUB_TITLE = "Obsidianlattice protocols"
SUB_SECRETS = ["Obsidianlattice", "Zyxwvutabstract", "Remarkablythorough", "Grumblecommittee"]


def _conflict_world(kind: str):
    """A submitted, accepted but unpublished submission with a submitted review, another
    (pending) submission, and a committee ``viewer`` whose relation to the first is ``kind``:
    declared, automatic (same organisation, found by the refresh), invited co-speaker (by
    e-mail, not confirmed), organiser-declared, author, or none."""
    from conference.review import services as review
    from tests.review.factories import make_review, make_reviewer, make_submission

    edition = make_edition()
    author = make_user(full_name="Sam Author", organisation="Onyx Institute")
    viewer_org = "Onyx Institute" if kind == "automatic" else "Elsewhere Agency"
    role = "organiser" if kind == "organiser declared" else "chair"
    viewer = make_user(full_name="Vic Viewer", organisation=viewer_org, role=role, edition=edition)
    co_speakers = ()
    if kind == "invited co-speaker":
        co_speakers = [(viewer.email, "Vic Viewer", None, False)]
    secret = make_submission(
        edition,
        author=viewer if kind == "author" else author,
        title=SUB_TITLE,
        abstract="Zyxwvutabstract findings.",
        co_speakers=co_speakers,
    )
    other = make_submission(edition, title="Plainvisible topic")
    reviewer = make_reviewer(edition)
    make_review(
        secret,
        reviewer,
        comments_to_authors="Remarkablythorough work.",
        confidential_comments="Grumblecommittee note.",
    )
    secret.decision = Decision.ACCEPTED
    db.session.commit()
    if kind in ("declared", "organiser declared"):
        review.declare_conflict(viewer, secret, "I advised the authors.")
    elif kind == "automatic":
        grant(viewer, "reviewer", edition)
        review.refresh_automatic_conflicts(edition)
        db.session.commit()
    clear_role_cache()
    return edition, viewer, secret, other


CONFLICTED = ["declared", "automatic", "invited co-speaker", "organiser declared"]


def _snapshot(submission) -> dict:
    db.session.expire_all()
    row = db.session.get(Submission, submission.id)
    return {c.name: getattr(row, c.key) for c in Submission.__table__.columns}


def _csv_ids(body: str) -> list[str]:
    rows = list(csv.reader(io.StringIO(body)))
    return [r[0] for r in rows[1:]]


@pytest.mark.parametrize("kind", CONFLICTED)
def test_conflicted_committee_member_cannot_read_the_submission_anywhere(app, login, kind):
    edition, viewer, secret, other = _conflict_world(kind)
    if kind == "automatic":
        from conference.permissions import committee_conflicts

        assert secret.id in committee_conflicts(viewer, edition)
    client = login(viewer)
    before = _snapshot(secret)

    # the speaker-side page, and its edit form
    for url in (f"/2027/me/submissions/{secret.id}", f"/2027/me/submissions/{secret.id}/edit"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Obsidianlattice" not in response.get_data(as_text=True)
    response = client.post(
        f"/2027/me/submissions/{secret.id}/edit",
        data={"title": "Changed by a conflicted organiser", "save": "1"},
    )
    assert response.status_code == 404
    assert _snapshot(secret) == before

    # the organisers' list, its filters and search
    texts = []
    page = client.get("/2027/admin/submissions")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    texts.append(text)
    assert "Plainvisible topic" in text and "1 submission." in text
    assert "1 submission is not listed" in text
    counts = {}
    for decision in list(Decision):
        page = client.get("/2027/admin/submissions", query_string={"decision": decision})
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        texts.append(text)
        counts[decision] = text.count("<tr>") - 1  # rows minus the header row
    # only the other (pending) submission can be counted: accepted looks like rejected
    assert counts[Decision.ACCEPTED] == counts[Decision.REJECTED] == counts[Decision.WAITLISTED]
    assert "No submissions match." in texts[1 + list(Decision).index(Decision.ACCEPTED)]
    for q in ("Obsidianlattice", "Sam Author", "Onyx"):
        page = client.get("/2027/admin/submissions", query_string={"q": q})
        text = page.get_data(as_text=True)
        assert "No submissions match." in text, q
    # the CSV, whole and filtered
    for args in ({}, {"decision": "accepted"}, {"q": "Obsidianlattice"}):
        response = client.get("/2027/admin/submissions.csv", query_string=args)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        texts.append(body)
        assert str(secret.id) not in _csv_ids(body)
    assert _csv_ids(client.get("/2027/admin/submissions.csv").get_data(as_text=True)) == [
        str(other.id)
    ]

    # the committee's pages and export
    texts.append(client.get("/2027/review/chair").get_data(as_text=True))
    texts.append(client.get("/2027/review/chair/export.csv").get_data(as_text=True))
    assert client.get(f"/2027/review/chair/submissions/{secret.id}").status_code == 403

    # the API
    headers = bearer(viewer)
    api = app.test_client()
    for url, status in (
        (f"/api/v1/editions/2027/me/submissions/{secret.id}", 404),
        (f"/api/v1/editions/2027/review/submissions/{secret.id}", 403),
        (f"/api/v1/editions/2027/review/submissions/{secret.id}/review", 403),
    ):
        response = api.get(url, headers=headers)
        assert response.status_code == status, url
        texts.append(response.get_data(as_text=True))
    texts.append(api.get("/api/v1/editions/2027/me/submissions", headers=headers).get_data(True))

    for text in texts:
        for word in SUB_SECRETS:
            assert word.casefold() not in text.casefold(), word
    assert not can(viewer, "submission.view", secret)
    assert not can(viewer, "submission.view_as_committee", secret)
    assert not can(viewer, "submission.edit", secret)


def test_committee_member_without_conflict_reads_everything(app, login):
    edition, viewer, secret, other = _conflict_world("none")
    client = login(viewer)
    page = client.get(f"/2027/me/submissions/{secret.id}")
    assert page.status_code == 200 and "Obsidianlattice" in page.get_data(as_text=True)
    text = client.get("/2027/admin/submissions").get_data(as_text=True)
    assert "Obsidianlattice" in text and "Accepted (not published)" in text
    assert "not listed" not in text
    text = client.get("/2027/admin/submissions", query_string={"decision": "accepted"}).get_data(
        as_text=True
    )
    assert "Obsidianlattice" in text and "Plainvisible" not in text
    body = client.get("/2027/admin/submissions.csv").get_data(as_text=True)
    assert sorted(_csv_ids(body)) == sorted([str(secret.id), str(other.id)])
    assert client.get(f"/2027/review/chair/submissions/{secret.id}").status_code == 200
    assert can(viewer, "submission.view_as_committee", secret)


def test_author_who_chairs_sees_only_what_authors_see(app, login):
    edition, viewer, secret, other = _conflict_world("author")
    client = login(viewer)
    page = client.get(f"/2027/me/submissions/{secret.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Obsidianlattice" in text  # their own abstract
    for word in ("Remarkablythorough", "Grumblecommittee", "decision-heading"):
        assert word not in text, word  # the decision is not published yet
    assert "under review" in text
    listing = client.get("/2027/admin/submissions").get_data(as_text=True)
    assert "Obsidianlattice" not in listing and "My submissions" in listing
    body = client.get("/2027/admin/submissions.csv").get_data(as_text=True)
    assert _csv_ids(body) == [str(other.id)]
    api = app.test_client().get(
        f"/api/v1/editions/2027/me/submissions/{secret.id}", headers=bearer(viewer)
    )
    assert api.status_code == 200 and api.get_json()["decision"] is None
    assert "Grumblecommittee" not in api.get_data(as_text=True)
    assert not can(viewer, "submission.view_as_committee", secret)
    assert can(viewer, "submission.view", secret)


def test_the_list_costs_the_same_queries_whatever_the_conflicts(app, login):
    from conference.review import services as review
    from tests.review.factories import make_submission

    edition, viewer, secret, other = _conflict_world("declared")
    client = login(viewer)

    def listing() -> tuple[int, str]:
        statements = []
        db.session.expire_all()  # the same starting point for each request

        def before(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            response = client.get("/2027/admin/submissions")
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)
        assert response.status_code == 200
        return len(statements), response.get_data(as_text=True)

    first, _ = listing()
    for n in range(6):
        more = make_submission(edition, title=f"Morework {n}")
        if n % 2:
            review.declare_conflict(viewer, more, "")
    count, text = listing()
    assert count == first
    assert "4 submissions are not listed" in text
    assert [n for n in range(6) if f"Morework {n}" in text] == [0, 2, 4]
