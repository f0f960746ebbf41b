"""The demo data shows the mail log in every state and the reminder settings."""

import pytest
import sqlalchemy as sa

from conference.accounts.services import find_user
from conference.editions import mail_log, reminders
from conference.editions.models import Edition
from conference.mail import OutboxMessage


@pytest.mark.demo
def test_seed_demo_fills_the_mail_log_in_every_state_once(app, runner, db, login):
    count = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == count
    edition = db.session.scalar(sa.select(Edition).where(Edition.year == 2027))
    states = {mail_log.state_of(m) for m in mail_log.search(edition, per_page=500)[0]}
    assert {"queued", "retrying", "sent", "failed"} <= states
    assert reminders.settings_for(edition)["review_unfinished"] == (True, 5)
    page = login(find_user("organiser@demo.test")).get("/2027/admin/mail").get_data(as_text=True)
    assert "5.1.1 Mailbox does not exist" in page
    assert "new.person@demo.test" not in page  # account mail: only in /admin/mail
    admin_page = login(find_user("admin@demo.test")).get("/admin/mail").get_data(as_text=True)
    assert "new.person@demo.test" in admin_page
