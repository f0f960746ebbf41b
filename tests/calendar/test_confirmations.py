"""Replacing or turning off the personal calendar link asks first; the old link keeps working
until the person confirms."""

from __future__ import annotations

from conference.calendar import services
from tests.confirming import confirm_post, confirm_token
from tests.factories import make_user


def test_replacing_the_link_needs_confirmation(login, client, edition):
    user = make_user()
    browser = login(user)
    browser.post("/calendar/link")
    old = services.feed_token(user)
    response = browser.post("/calendar/link", data={"next": "/2027/me"})
    assert response.status_code == 303
    assert "/calendar/link?next=" in response.headers["Location"]
    assert services.feed_token(user) == old
    assert client.get(f"/calendar/{old}.ics").status_code == 200
    page = browser.get("/calendar/link").get_data(as_text=True)
    assert "Replace your calendar link?" in page and "stops working at once" in page
    assert "A calendar app last fetched it on" in page
    me = browser.get("/calendar/").get_data(as_text=True)
    assert '<form method="get" action="/calendar/link"' in me
    assert confirm_post(browser, "/calendar/link").status_code == 302
    assert services.feed_token(user) != old


def test_turning_the_link_off_needs_confirmation(login, client, edition):
    user = make_user()
    browser = login(user)
    browser.post("/calendar/link")
    token = services.feed_token(user)
    assert browser.post("/calendar/link/delete").status_code == 303
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    assert "Turn your calendar link off?" in browser.get("/calendar/link/delete").get_data(
        as_text=True
    )
    assert confirm_post(browser, "/calendar/link/delete").status_code == 302
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_a_confirmation_for_an_older_link_is_refused(login, client, edition):
    user = make_user()
    browser = login(user)
    browser.post("/calendar/link")
    stale = confirm_token(browser, "/calendar/link/delete")
    confirm_post(browser, "/calendar/link")  # replaced meanwhile (e.g. in another tab)
    current = services.feed_token(user)
    response = browser.post(
        "/calendar/link/delete", data={"confirm": "yes", "confirm_token": stale}
    )
    assert response.status_code == 409
    assert client.get(f"/calendar/{current}.ics").status_code == 200


def test_creating_the_first_link_needs_no_confirmation(login, edition):
    user = make_user()
    assert login(user).post("/calendar/link").status_code == 302
    assert services.feed_token(user) is not None
