"""Where a login leads without an explicit ``next``, and resending the confirmation link from
the "check your e-mail" page."""

from __future__ import annotations

from conference.accounts.models import Role
from conference.accounts.services import find_user
from tests.accounts.helpers import link_in, outbox, path_of
from tests.factories import PASSWORD, make_edition, make_user, pass_second_factor


def _login(client, email, **kwargs):
    """Log in through the form, giving the second factor when the account is privileged (the
    redirect after the last step is where the person lands)."""
    response = client.post("/login", data={"email": email, "password": PASSWORD}, **kwargs)
    if response.headers.get("Location") in ("/login/second-factor", "/account/two-factor/setup"):
        response = pass_second_factor(client, find_user(email))
    return response


def test_organisers_land_on_their_editions_overview(client, db):
    make_edition(2026)
    make_user("org@example.org", role=Role.ORGANISER, edition=make_edition(2027))
    response = _login(client, "org@example.org")
    assert response.headers["Location"] == "/2027/admin"
    assert client.get("/2027/admin").status_code == 200


def test_organisers_land_on_the_latest_edition_they_organise(client, db):
    user = make_user("org@example.org", role=Role.ORGANISER, edition=make_edition(2026))
    make_edition(2028)
    make_user("other@example.org", role=Role.ORGANISER, edition=make_edition(2028))
    from tests.factories import grant

    grant(user, Role.CHAIR, make_edition(2028))
    assert _login(client, "org@example.org").headers["Location"] == "/2026/admin"


def test_an_explicit_next_wins_over_the_overview(client, db):
    make_user("org@example.org", role=Role.ORGANISER, edition=make_edition(2027))
    response = _login(client, "org@example.org", query_string={"next": "/2027/programme"})
    assert response.headers["Location"] == "/2027/programme"


def test_other_people_land_on_the_home_page(client, db):
    make_user("chair@example.org", role=Role.CHAIR, edition=make_edition(2027))
    make_user("someone@example.org")
    assert _login(client, "chair@example.org").headers["Location"] == "/"
    client.post("/logout")
    assert _login(client, "someone@example.org").headers["Location"] == "/"


SIGNUP = {"full_name": "Ana Novak", "email": "ana@example.org", "password": PASSWORD}


def test_check_your_email_page_offers_to_resend_the_confirmation(client, db):
    page = client.post("/signup", data=SIGNUP).get_data(as_text=True)
    assert 'action="/verify/resend"' in page
    assert 'name="email" value="ana@example.org"' in page
    assert "Send the confirmation link again" in page
    assert "/forgot-password" not in page.split("<main", 1)[-1]
    response = client.post("/verify/resend", data={"email": "ana@example.org"})
    assert response.status_code == 200
    assert "Check your e-mail" in response.get_data(as_text=True)
    messages = outbox(to="ana@example.org", template="accounts_verify")
    assert len(messages) == 2
    assert client.post(path_of(link_in(messages[1]))).status_code == 302


def test_resend_by_address_reveals_nothing_and_sends_nothing_needless(client, db):
    make_user("done@example.org")
    unknown = client.post("/verify/resend", data={"email": "nobody@example.org"})
    confirmed = client.post("/verify/resend", data={"email": "done@example.org"})
    assert unknown.status_code == confirmed.status_code == 200
    assert outbox() == []
    bad = client.post("/verify/resend", data={"email": "not an address"})
    assert bad.status_code == 302
    assert outbox() == []
