"""axe-core on the mail log pages: no serious or critical violation."""

from __future__ import annotations

import pytest

from conference import mail
from tests.browser.conftest import assert_accessible
from tests.factories import make_edition, make_user

PAGES = [
    ("edition mail log", "/{year}/admin/mail", "organiser"),
    ("edition message", "/{year}/admin/mail/{message_id}", "organiser"),
    ("site mail log", "/admin/mail?state=failed", "admin"),
    ("settings with reminders", "/{year}/admin/settings", "organiser"),
]


@pytest.mark.browser
@pytest.mark.parametrize(("name", "path", "who"), PAGES, ids=[p[0] for p in PAGES])
def test_mail_log_pages_are_accessible(
    app, db, live_server, axe_context, browser_login, name, path, who
):
    edition = make_edition()
    users = {
        "organiser": make_user("organiser@example.org", role="organiser", edition=edition),
        "admin": make_user("admin@example.org", admin=True),
    }
    message = mail.queue_rendered(
        "ada@example.org", "Your badge", "Dear Ada,\n\nhttps://example.org/badge", edition=edition
    )
    message.status, message.attempts, message.last_error = "failed", 8, "550 no such mailbox"
    db.session.commit()
    page = axe_context.new_page()
    browser_login(page, users[who])
    response = page.goto(live_server.url(path.format(year=edition.year, message_id=message.id)))
    assert response.status < 400, f"{name}: {response.status}"
    assert_accessible(page)
