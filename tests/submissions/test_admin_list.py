"""Organisers' (and chairs') list of all submissions, with filters and a formula-safe CSV."""

from __future__ import annotations

import csv
import io

from tests.factories import make_user
from tests.submissions.conftest import add_co_speaker, make_submission


def _rows(response):
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def _data(edition, author, tracks, types):
    a = make_submission(edition, author, track=tracks[0], type_=types[0], title="Alpha policy",
                        state="submitted")  # fmt: skip
    other = make_user("bob@other.example", full_name="Bob Builder", organisation="Org B")
    b = make_submission(edition, other, track=tracks[1], type_=types[1], title="=HYPERLINK(1)",
                        abstract="@SUM(1) -2 +3")  # fmt: skip
    c = make_submission(edition, other, track=tracks[1], title="Gamma", state="withdrawn")
    add_co_speaker(a, email="co@example.org", confirmed=False)
    return a, b, c


def test_organiser_lists_and_filters(login, edition, organiser, author, tracks, types):
    a, b, c = _data(edition, author, tracks, types)
    client = login(organiser)
    html = client.get("/2027/admin/submissions").get_data(as_text=True)
    assert all(t in html for t in ("Alpha policy", "=HYPERLINK(1)", "Gamma", "Bob Builder"))
    html = client.get("/2027/admin/submissions?state=withdrawn").get_data(as_text=True)
    assert "Gamma" in html and "Alpha policy" not in html
    html = client.get(f"/2027/admin/submissions?track={tracks[0].id}").get_data(as_text=True)
    assert "Alpha policy" in html and "Gamma" not in html
    html = client.get(f"/2027/admin/submissions?type={types[1].id}").get_data(as_text=True)
    assert "=HYPERLINK(1)" in html and "Alpha policy" not in html
    html = client.get("/2027/admin/submissions?q=org+b").get_data(as_text=True)
    assert "Gamma" in html and "Alpha policy" not in html
    html = client.get("/2027/admin/submissions?decision=pending&q=%25_").get_data(as_text=True)
    assert "No submissions match" in html
    # Nonsense filters answer 400 with a message naming the argument, never a 500.
    for query in ("state=bogus", "track=abc", "type=-1", "q=" + "x" * 5000, "track=" + "9" * 12):
        response = client.get(f"/2027/admin/submissions?{query}")
        assert response.status_code == 400, query
        assert query.split("=")[0] in response.get_data(as_text=True)


def test_csv_export_is_formula_safe_and_follows_filters(
    login, edition, organiser, author, tracks, types
):
    _data(edition, author, tracks, types)
    response = login(organiser).get("/2027/admin/submissions.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "submissions-2027.csv" in response.headers["Content-Disposition"]
    rows = _rows(response)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["id", "title", "type"]
    titles = [r[1] for r in body]
    assert "'=HYPERLINK(1)" in titles and "Alpha policy" in titles
    abstract = next(r for r in body if r[1] == "'=HYPERLINK(1)")[-1]
    assert abstract == "'@SUM(1) -2 +3"
    alpha = next(r for r in body if r[1] == "Alpha policy")
    assert "co@example.org (invited)" in alpha[header.index("co-speakers")]
    filtered = _rows(login(organiser).get("/2027/admin/submissions.csv?state=withdrawn"))
    assert [r[1] for r in filtered[1:]] == ["Gamma"]


def test_chairs_may_list_but_others_may_not(login, client, edition, author, tracks, types):
    _data(edition, author, tracks, types)
    chair = make_user("chair@example.org", role="chair", edition=edition)
    assert login(chair).get("/2027/admin/submissions").status_code == 200
    for user in (
        author,
        make_user("rev@example.org", role="reviewer", edition=edition),
        make_user("staff@example.org", role="staff", edition=edition),
    ):
        c = login(user)
        assert c.get("/2027/admin/submissions").status_code == 403
        assert c.get("/2027/admin/submissions.csv").status_code == 403
    assert client.get("/2027/admin/submissions.csv").status_code == 302


def test_organiser_opens_any_submission(login, edition, organiser, author, tracks, types):
    a, _, _ = _data(edition, author, tracks, types)
    page = login(organiser).get(f"/2027/me/submissions/{a.id}")
    assert page.status_code == 200 and "Alice Author" in page.get_data(as_text=True)


def test_header_links_to_the_list_for_organisers_and_chairs_only(login, edition, organiser):
    html = login(organiser).get("/2027/call").get_data(as_text=True)
    assert 'href="/2027/admin/submissions"' in html
    someone = make_user("someone@example.org")
    html = login(someone).get("/2027/call").get_data(as_text=True)
    assert 'href="/2027/admin/submissions"' not in html
