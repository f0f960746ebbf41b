"""Property: for every demo role, no query argument and no form field value makes a 500.

For each role (anonymous and every demo account) the crawler of ``test_crawl`` visits a sample
of the demo's pages and collects their GET pages, the query argument names their links and
filter forms use, and their POST forms. Hypothesis then sends random text (any Unicode,
control characters, 100 000 characters), huge and negative integers, odd dates and numbers
to the query arguments of those pages (plus the argument names any view reads) and to every
field of those forms. Whatever it sends, the answer is never a 5xx: bad input is a 4xx with a
message (or a page showing the form's errors).

The run is bounded (``GET_EXAMPLES`` and ``POST_EXAMPLES`` per role), so the whole test takes
well under 90 s on two CPUs; on SQLite the demo is seeded once and copied for each role.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urljoin, urlsplit

import lxml.html
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from conference.accounts.models import User
from conference.extensions import db
from tests.factories import login_client
from tests.integration.test_crawl import ROLES, _internal_hosts, crawl

# Examples per role; each example sends one request per page with arguments (GET) or per
# form (POST). FUZZ_SCALE=10 runs ten times as many.
SCALE = int(os.environ.get("FUZZ_SCALE", "1"))
GET_EXAMPLES = 6 * SCALE
POST_EXAMPLES = 3 * SCALE
CRAWL_PAGES = 40

# Query argument names the views read (``conference/query_args.py`` callers), plus a few no
# view reads: each page is sent some of these besides those its own links and forms use.
KNOWN_ARGUMENTS = [
    "page", "category", "state", "q", "with", "since", "until", "decision", "track", "type",
    "room", "sort", "order", "per_page", "country", "organisation_type", "action", "actor",
    "day", "checkpoint", "result", "printed", "min_mean", "max_mean", "disagreement", "next",
    "id", "year", "limit", "offset",
]  # fmt: skip

NASTY_WORDS = [
    "", " ", "0", "-1", "1", "2147483647", "2147483648", "-2147483649", "9223372036854775808",
    "99999999999999999999999999", "1e309", "nan", "inf", "-inf", "0x10", "١٢", "3.5",
    "0001-01-01T00:00", "9999-12-31T23:59", "0001-01-01", "9999-12-31", "2027-02-30",
    "10000-01-01", "yesterday", "__class__", "' OR 1=1 --", "<script>alert(1)</script>",
    "../../etc/passwd", "%00", "\x00", "a\x00b", "\x1b[31m", "\r\n", "\t", "\ufeff", "🙂",
    "x" * 100_000,
]  # fmt: skip

huge_integers = st.one_of(
    st.integers(min_value=2**31 - 1, max_value=10**30),
    st.integers(min_value=-(10**30), max_value=-(2**31) + 1),
).map(str)
nasty_values = st.one_of(
    huge_integers,
    st.sampled_from(NASTY_WORDS),
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x20), max_size=8),
    st.integers(min_value=-(2**31) - 2, max_value=2**31 + 2).map(str),
)


@dataclass
class Form:
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name → default values


@dataclass
class Site:
    pages: list[str] = field(default_factory=list)
    arguments: set[str] = field(default_factory=set)
    page_arguments: dict[str, set[str]] = field(default_factory=dict)  # path → names seen
    forms: dict[tuple, Form] = field(default_factory=dict)

    def collect(self, url: str, response) -> None:
        if response.status_code >= 300:
            return
        path, _, query = url.partition("?")
        names = {name for name, _ in parse_qsl(query, keep_blank_values=True)}
        self.arguments.update(names)
        self.page_arguments.setdefault(path, set()).update(names)
        if path not in self.pages:
            self.pages.append(path)
        if response.mimetype != "text/html":
            return
        doc = lxml.html.document_fromstring(response.get_data(as_text=True))
        for element in doc.xpath("//form"):
            action = urlsplit(urljoin("http://localhost" + url, element.get("action") or ""))
            method = (element.get("method") or "get").lower()
            names = [
                control.get("name")
                for control in element.xpath(".//input | .//select | .//textarea")
                if control.get("name") and (control.get("type") or "").lower() != "file"
            ]
            if method == "get":
                self.arguments.update(names)
                self.page_arguments.setdefault(action.path, set()).update(names)
                continue
            if action.path.rstrip("/") == "/logout":
                continue
            form = Form(action.path + (f"?{action.query}" if action.query else ""))
            for name, value in element.form_values():
                form.fields.setdefault(name, []).append(value)
            for name in names:
                form.fields.setdefault(name, [""])
            self.forms.setdefault((form.action, tuple(sorted(form.fields))), form)


def _discover(app, browser) -> Site:
    site = Site()
    crawl(
        browser,
        _internal_hosts(app),
        app.url_map.bind("localhost"),
        max_pages=CRAWL_PAGES,
        max_per_pattern=1,
        on_page=site.collect,
    )
    return site


def _explain(response, method: str, url: str, sent) -> str:
    shown = {k: (v if len(v) < 80 else v[:80] + "…") for k, v in dict(sent).items()}
    return f"{method} {url} with {shown!r} → HTTP {response.status_code}"


@pytest.mark.demo
@pytest.mark.parametrize("email", ROLES, ids=lambda e: (e or "anonymous").split("@")[0])
def test_random_arguments_and_form_values_never_make_a_500(app, client, email):
    user = None
    if email is not None:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        assert user is not None, f"demo account {email} missing"
        login_client(client, user)
    site = _discover(app, client)
    assert len(site.pages) >= 5, site.pages
    arguments = sorted(set(KNOWN_ARGUMENTS) | site.arguments)
    forms = list(site.forms.values())

    def fresh_client():
        browser = app.test_client()
        return login_client(browser, user) if user is not None else browser

    def fuzz(examples: int):
        return settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )

    with_arguments = sorted(path for path, names in site.page_arguments.items() if names)

    def send_get(page, names, data):
        query = [
            (name, data.draw(nasty_values))
            for name in names
            if data.draw(st.booleans())  # each argument in half of the requests
        ]
        response = fresh_client().get(page, query_string=MultiDict(query))
        assert response.status_code < 500, _explain(response, "GET", page, query)

    @fuzz(GET_EXAMPLES)
    @given(data=st.data())
    def get_pages(data):
        """Each example: every page whose links or filters use arguments, with its own
        arguments, ``page`` and two others any view reads; and one other page."""
        for page in with_arguments:
            extra = data.draw(st.lists(st.sampled_from(KNOWN_ARGUMENTS), max_size=2))
            send_get(page, sorted(site.page_arguments[page] | {"page"}) + extra, data)
        page = data.draw(st.sampled_from(site.pages))
        send_get(page, data.draw(st.lists(st.sampled_from(arguments), max_size=4)), data)

    @fuzz(POST_EXAMPLES)
    @given(data=st.data())
    def post_forms(data):
        """Each example: every form of the sample, each field its default, absent or nasty."""
        for form in forms:
            sent = []
            for name, defaults in form.fields.items():
                kind = data.draw(st.sampled_from(["default", "nasty", "nasty", "absent"]))
                if kind == "default":
                    sent.extend((name, value) for value in defaults)
                elif kind == "nasty":
                    sent.append((name, data.draw(nasty_values)))
            response = fresh_client().post(form.action, data=MultiDict(sent))
            assert response.status_code < 500, _explain(response, "POST", form.action, sent)

    get_pages()
    if forms:
        post_forms()
