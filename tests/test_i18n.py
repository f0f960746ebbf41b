"""Issue 15: the language of a page (switch, profile, cookie, Accept-Language), formats, mails."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask_babel import lazy_gettext

from conference import mail
from conference.accreditation.models import AccreditationCategory
from conference.extensions import db
from conference.mail import OutboxMessage
from tests.factories import make_edition, make_user
from tests.i18n_crawl import german


def _lang(response) -> str:
    text = response.get_data(as_text=True)
    start = text.index("<html lang=") + len('<html lang="')
    return text[start : text.index('"', start)]


@pytest.fixture
def edition(app):
    return make_edition()


@pytest.mark.parametrize("header, expected", [("fr", "fr"), ("de-DE,de;q=0.9", "de"), ("", "en")])
def test_accept_language_chooses_the_page_language(client, edition, header, expected):
    response = client.get("/2027/programme", headers={"Accept-Language": header})
    assert response.status_code == 200
    assert _lang(response) == expected
    assert "Accept-Language" in response.headers["Vary"]


def test_switch_wins_over_accept_language_without_javascript(client, edition):
    response = client.get("/language/fr?next=/2027/programme")
    assert response.status_code == 302
    assert response.headers["Location"] == "/2027/programme"
    cookie = response.headers["Set-Cookie"]
    assert (
        cookie.startswith("lang=fr") and "SameSite=Lax" in cookie and "Max-Age=31536000" in cookie
    )
    page = client.get("/2027/programme", headers={"Accept-Language": "de"})
    assert _lang(page) == "fr"


def test_switch_refuses_other_sites_as_next(client, edition):
    response = client.get("/language/de?next=//evil.example/")
    assert response.headers["Location"] == "/"


def test_profile_choice_wins_over_cookie_and_switch_stores_it(app, login, edition):
    user = make_user(locale="de")
    client = login(user)
    client.set_cookie("lang", "fr")
    page = client.get("/2027/programme").get_data(as_text=True)
    assert 'lang="de"' in page
    # Logged in, the switch is a button (POST): the choice is kept in the profile.
    assert 'action="/language/fr"' in page
    client.post("/language/fr", data={"next": "/"})
    db.session.refresh(user)
    assert user.locale == "fr"


def test_a_switch_link_changes_no_profile(app, login, edition):
    user = make_user(locale="de")
    client = login(user)
    response = client.get("/language/fr?next=/")
    assert response.status_code == 302 and response.headers["Set-Cookie"].startswith("lang=fr")
    db.session.refresh(user)
    assert user.locale == "de"


def test_switch_links_never_carry_another_onward_address(client, edition):
    text = client.get("/login?next=https://evil.example/").get_data(as_text=True)
    assert "/language/fr?next=/login" in text
    assert "evil" not in text


def test_profile_form_saves_the_language(app, login):
    user = make_user()
    client = login(user)
    response = client.post(
        "/account", data={"full_name": user.full_name, "locale": "de"}, follow_redirects=True
    )
    assert response.status_code == 200
    db.session.refresh(user)
    assert user.locale == "de"
    assert _lang(response) == "de"


def test_every_page_links_to_each_language(client, edition):
    text = client.get("/2027/programme", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    for code in ("en", "fr", "de"):
        assert f'<link rel="alternate" hreflang="{code}"' in text
        assert f'hreflang="{code}" lang="{code}"' in text
    assert 'lang="fr" aria-current="true">Français</a>' in text
    assert ">English</a>" in text and ">Deutsch</a>" in text


def test_unknown_language_is_404(client, edition):
    response = client.get("/language/xx?next=/")
    assert response.status_code == 404
    assert "xx" in response.get_data(as_text=True)
    assert client.get("/language/it?next=/").status_code == 404


def test_edition_languages_restrict_the_choice(client, edition):
    edition.languages = "en,fr"
    db.session.commit()
    assert _lang(client.get("/2027/programme", headers={"Accept-Language": "de"})) == "en"
    assert _lang(client.get("/2027/programme", headers={"Accept-Language": "fr"})) == "fr"
    # Not offered there: the page falls back even with the cookie.
    client.set_cookie("lang", "de")
    assert _lang(client.get("/2027/programme")) == "en"


def test_app_languages_setting(app_config):
    from conference import create_app

    app = create_app({**app_config, "LANGUAGES": "en,fr"}, mode="testing")
    client = app.test_client()
    with app.app_context():
        response = client.get("/", headers={"Accept-Language": "de"})
    assert _lang(response) == "en"
    assert 'hreflang="de"' not in response.get_data(as_text=True)


def test_cached_programme_is_kept_per_language(client, edition):
    english = client.get("/2027/programme", headers={"Accept-Language": "en"})
    french = client.get("/2027/programme", headers={"Accept-Language": "fr"})
    assert (_lang(english), _lang(french)) == ("en", "fr")
    assert _lang(client.get("/2027/programme", headers={"Accept-Language": "en"})) == "en"


def test_feed_etag_differs_per_language(client, edition):
    english = client.get("/2027/programme.ics", headers={"Accept-Language": "en"})
    german = client.get("/2027/programme.ics", headers={"Accept-Language": "de"})
    assert english.headers["ETag"] != german.headers["ETag"]
    again = client.get(
        "/2027/programme.ics",
        headers={"Accept-Language": "de", "If-None-Match": english.headers["ETag"]},
    )
    assert again.status_code == 200


def test_wtforms_messages_are_translated(client):
    response = client.post("/login", data={}, headers={"Accept-Language": "fr"})
    assert "Ce champ est requis." in response.get_data(as_text=True)
    response = client.post("/login", data={}, headers={"Accept-Language": "de"})
    assert "Dieses Feld wird benötigt." in response.get_data(as_text=True)


def test_api_error_message_is_translated_and_code_stable(client):
    response = client.get("/api/v1/no-such-thing", headers={"Accept-Language": "fr"})
    assert response.status_code == 404
    assert response.json["error"] == {
        "code": "not_found",
        "message": "Nous n’avons pas trouvé cette page.",
    }


def test_mail_is_rendered_in_the_recipients_language(app, edition):
    user = make_user(locale="de")
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        message = mail.queue(
            user.email,
            "accounts_verify",
            lazy_gettext("Please log in to see this page."),
            edition=edition,
            user=user,
            link="http://conference.test/verify",
        )
        unknown = mail.queue(
            "nobody@example.org",
            "accounts_verify",
            lazy_gettext("Please log in to see this page."),
            edition=edition,
            user=user,
            link="http://conference.test/verify",
        )
        db.session.commit()
    assert db.session.get(OutboxMessage, message.id).subject == (
        "Bitte melden Sie sich an, um diese Seite zu sehen."
    )
    # No account chose a language for that address: the request's language.
    assert unknown.subject == "Veuillez vous connecter pour voir cette page."


def test_dates_and_numbers_follow_the_language(app, edition):
    from conference.templating import format_list, format_local, format_number

    moment = dt.datetime(2027, 10, 4, 7, 0, tzinfo=dt.UTC)
    # A fresh application context per request, as in production (the locale is kept in g).
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert format_local(moment, edition=edition) == "Mon 04 Oct 2027, 09:00"
        assert format_local(moment, "%A %d %B, %H:%M", edition) == "Monday 04 October, 09:00"
        assert format_number(1234.5, 1) == "1,234.5"
        assert format_list(["a", "b", "c"]) == "a, b, and c"
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "de"}):
        assert format_local(moment, "%A %d %B, %H:%M", edition) == "Montag 04 Oktober, 09:00"
        assert format_number(1234.5, 1) == "1.234,5"
        assert format_list(["a", "b", "c"]) == "a, b und c"


def test_entered_translations_are_shown_for_their_language(client, edition):
    edition.title_translations = {"fr": "Conférence sur la sécurité de la recherche 2027"}
    db.session.add(
        AccreditationCategory(
            edition_id=edition.id, name="Press", code="PRESS", name_translations={"de": "Presse"}
        )
    )
    db.session.commit()
    french = client.get("/2027/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Conférence sur la sécurité de la recherche 2027" in french
    german = client.get("/2027/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert edition.title in german

    from conference.i18n import localised

    category = db.session.query(AccreditationCategory).filter_by(code="PRESS").one()
    assert localised(category, "name", "de") == "Presse"
    assert localised(category, "name", "fr") == "Press"


def test_organiser_enters_translations_in_the_forms(login, edition):
    organiser = make_user(role="organiser", edition=edition)
    client = login(organiser)
    page = client.get("/2027/admin/categories/new").get_data(as_text=True)
    assert 'name="name__fr"' in page and 'name="description__de"' in page
    response = client.post(
        "/2027/admin/categories/new",
        data={"name": "Press", "name__fr": "Presse", "code": "PRESS", "colour": "#1f4e79"},
    )
    assert response.status_code == 302
    category = db.session.query(AccreditationCategory).filter_by(code="PRESS").one()
    assert category.name_translations == {"fr": "Presse"}
    settings = client.get("/2027/admin/settings").get_data(as_text=True)
    assert 'name="title__de"' in settings and 'name="languages"' in settings


@pytest.mark.parametrize(
    ("action", "subject"),
    [
        ("accredit", "You are accredited: %(edition)s"),
        ("waitlist", "Your registration is on the waiting list: %(edition)s"),
    ],
)
def test_german_attendee_gets_decision_and_waitlist_mails_in_german(app, edition, action, subject):
    """An organiser working in French decides; the attendee chose German: the mail is German."""
    from conference.accreditation import services as accreditation
    from tests.accreditation.conftest import make_category, make_registration

    category = make_category(edition, "RES", "Research organisation")
    attendee = make_user(locale="de")
    registration = make_registration(user=attendee, category=category, edition=edition)
    organiser = make_user(role="organiser", edition=edition)
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        accreditation.decide(registration, action, organiser, category=category)
        db.session.commit()
    message = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.to == attendee.email)
        .order_by(OutboxMessage.id.desc())
    ).first()
    before, _, after = german(subject).partition("%(edition)s")
    assert message.subject.startswith(before) and message.subject.endswith(after)
    assert "Guten Tag" in message.text_body or "Sie" in message.text_body
    assert "Dear" not in message.text_body and "Hello" not in message.text_body


def test_dates_in_mails_follow_the_recipients_language(app, edition):
    """A German registrant's acknowledgement writes the edition's date the German way."""
    from babel.dates import format_date

    from conference.accreditation.models import Registration
    from tests.accreditation.conftest import make_category, make_registration

    category = make_category(edition, "RES", "Research organisation")
    attendee = make_user(locale="de")
    make_registration(user=attendee, category=category, edition=edition)
    message = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.to == attendee.email)
        .where(OutboxMessage.template == "accreditation_submitted")
    ).one()
    assert db.session.scalar(sa.select(Registration).where(Registration.user_id == attendee.id))
    assert format_date(edition.start_date, "dd MMMM yyyy", locale="de") in message.text_body
