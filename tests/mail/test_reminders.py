"""Reminders: each kind, switched off per edition, never sent twice; the CLI and the worker."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
import sqlalchemy as sa

from conference import jobs
from conference.db import freeze
from conference.editions import reminders
from conference.editions.models import ReminderSetting, SentReminder
from conference.extensions import db as _db
from conference.mail import OutboxMessage
from conference.review.models import Review, ReviewAssignment
from conference.submissions.models import Submission
from tests.accreditation.conftest import make_category, make_registration
from tests.factories import make_edition, make_user

NOW = dt.datetime(2027, 5, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen(app):
    freeze(NOW)
    yield
    freeze(None)


def _mails(template=None, to=None):
    stmt = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if template:
        stmt = stmt.where(OutboxMessage.template == template)
    if to:
        stmt = stmt.where(OutboxMessage.to == to)
    return list(_db.session.scalars(stmt))


def _edition(**values):
    values.setdefault("registration_opens_at", NOW - dt.timedelta(days=30))
    values.setdefault("registration_closes_at", NOW + dt.timedelta(days=30))
    values.setdefault("review_deadline", NOW + dt.timedelta(days=20))
    values.setdefault("start_date", dt.date(2027, 6, 9))
    values.setdefault("end_date", dt.date(2027, 6, 10))
    return make_edition(2027, **values)


def _switch_off(edition, kind):
    _db.session.add(ReminderSetting(edition_id=edition.id, kind=kind, enabled=False))
    _db.session.commit()


def _submission(edition, author, **values):
    values.setdefault("title", "Securing open laboratories")
    values.setdefault("state", "submitted")
    submission = Submission(
        edition_id=edition.id,
        author_id=author.id,
        submitted_at=NOW - dt.timedelta(days=60),
        **values,
    )
    _db.session.add(submission)
    _db.session.commit()
    return submission


# --- reviewers ---------------------------------------------------------------------------------


def _review_world():
    edition = _edition(review_deadline=NOW + dt.timedelta(days=2))
    author = make_user("author@example.org")
    reviewer = make_user("rita@example.org", role="reviewer", edition=edition)
    done_reviewer = make_user("done@example.org", role="reviewer", edition=edition)
    first = _submission(edition, author, title="First paper")
    second = _submission(edition, author, title="Second paper")
    withdrawn = _submission(edition, author, title="Withdrawn paper", state="withdrawn")
    for submission in (first, second, withdrawn):
        for user in (reviewer, done_reviewer):
            _db.session.add(
                ReviewAssignment(
                    edition_id=edition.id, submission_id=submission.id, reviewer_id=user.id
                )
            )
    scores = dict(relevance=3, quality=3, originality=3, recommendation="accept")
    _db.session.add(
        Review(
            edition_id=edition.id,
            submission_id=first.id,
            reviewer_id=reviewer.id,
            submitted_at=NOW,
            **scores,
        )
    )
    for submission in (first, second):
        _db.session.add(
            Review(
                edition_id=edition.id,
                submission_id=submission.id,
                reviewer_id=done_reviewer.id,
                submitted_at=NOW,
                **scores,
            )
        )
    _db.session.commit()
    return edition


def test_reviewers_with_unfinished_reviews_are_reminded_once(app, db):
    _review_world()
    counts = reminders.send_due()
    assert counts["review_unfinished"] == 1
    [message] = _mails("review_deadline_reminder")
    assert message.to == "rita@example.org"
    assert "Second paper" in message.text_body
    assert "First paper" not in message.text_body and "Withdrawn paper" not in message.text_body
    assert "http://conference.test/2027/review" in message.text_body
    assert reminders.send_due()["review_unfinished"] == 0
    assert len(_mails("review_deadline_reminder")) == 1


def test_reviewers_are_not_reminded_too_early_or_after_the_deadline(app, db):
    edition = _review_world()
    freeze(NOW - dt.timedelta(days=2))  # five days before the deadline; the default is three
    assert reminders.send_due()["review_unfinished"] == 0
    freeze(edition.review_deadline + dt.timedelta(minutes=1))
    assert reminders.send_due()["review_unfinished"] == 0
    assert _mails("review_deadline_reminder") == []


def test_a_moved_deadline_reminds_again(app, db):
    edition = _review_world()
    reminders.send_due()
    edition.review_deadline = NOW + dt.timedelta(days=1)
    db.session.commit()
    reminders.send_due()
    assert len(_mails("review_deadline_reminder")) == 2


def test_review_reminders_switched_off(app, db):
    edition = _review_world()
    _switch_off(edition, "review_unfinished")
    assert reminders.send_due()["review_unfinished"] == 0
    assert _mails("review_deadline_reminder") == []


# --- speakers ----------------------------------------------------------------------------------


def test_accepted_speakers_who_have_not_confirmed_are_reminded_once(app, db):
    edition = _edition()
    speaker = make_user("speaker@example.org")
    published = NOW - dt.timedelta(days=8)
    talk = _submission(
        edition, speaker, decision="accepted", decided_at=published, decision_published_at=published
    )
    confirmed = _submission(
        edition,
        make_user("confirmed@example.org"),
        title="Confirmed speaker",
        decision="accepted",
        decided_at=published,
        decision_published_at=published,
    )
    confirmed.participation_confirmed_at = NOW - dt.timedelta(days=1)
    db.session.commit()
    _submission(
        edition, make_user(), title="Rejected", decision="rejected", decision_published_at=published
    )
    _submission(edition, make_user(), title="Unpublished", decision="accepted")
    _submission(
        edition,
        make_user(),
        title="Too recent",
        decision="accepted",
        decision_published_at=NOW - dt.timedelta(days=2),
    )
    assert reminders.send_due()["speaker_unconfirmed"] == 1
    [message] = _mails("submissions_confirm_reminder")
    assert message.to == "speaker@example.org"
    assert talk.title in message.text_body
    assert f"http://conference.test/2027/me/submissions/{talk.id}" in message.text_body
    assert reminders.send_due()["speaker_unconfirmed"] == 0


def test_speaker_reminders_switched_off(app, db):
    edition = _edition()
    published = NOW - dt.timedelta(days=8)
    _submission(edition, make_user(), decision="accepted", decision_published_at=published)
    _switch_off(edition, "speaker_unconfirmed")
    assert reminders.send_due()["speaker_unconfirmed"] == 0


# --- registrants -------------------------------------------------------------------------------


def _user(email, *, days_ago=3, **values):
    user = make_user(email, **values)
    user.created_at = NOW - dt.timedelta(days=days_ago)
    _db.session.commit()
    return user


def test_people_who_did_not_finish_registering_are_reminded_once(app, db):
    edition = _edition()
    _user("confirmed@example.org")
    _user("unconfirmed@example.org", verified=False)
    _user("recent@example.org", days_ago=1)
    _user("old@example.org", days_ago=40)  # before registration opened
    done = _user("done@example.org")
    make_registration(done, edition=edition)
    _user("reviewer@example.org", role="reviewer", edition=edition)
    assert reminders.send_due()["registration_unfinished"] == 2
    messages = {m.to: m for m in _mails("accreditation_unfinished_reminder")}
    assert set(messages) == {"confirmed@example.org", "unconfirmed@example.org"}
    assert "http://conference.test/2027/register" in messages["confirmed@example.org"].text_body
    assert "/verify/" not in messages["confirmed@example.org"].text_body
    assert "http://conference.test/verify/" in messages["unconfirmed@example.org"].text_body
    assert reminders.send_due()["registration_unfinished"] == 0


def test_no_registration_reminder_once_registration_closed(app, db):
    _edition(registration_closes_at=NOW - dt.timedelta(hours=1))
    _user("late@example.org")
    assert reminders.send_due()["registration_unfinished"] == 0


def test_registration_reminders_switched_off(app, db):
    edition = _edition()
    _user("confirmed@example.org")
    _switch_off(edition, "registration_unfinished")
    assert reminders.send_due()["registration_unfinished"] == 0


# --- accredited attendees ----------------------------------------------------------------------


def test_accredited_attendees_are_told_the_week_before_with_badge_and_calendar(app, db):
    edition = _edition(start_date=(NOW + dt.timedelta(days=5)).date())
    category = make_category(edition)
    accredited = make_registration(make_user("ada@example.org"), category, state="accredited")
    make_registration(make_user("waiting@example.org"), category)
    assert reminders.send_due()["attendee_week_before"] == 1
    [message] = _mails("accreditation_week_before")
    assert message.to == "ada@example.org" and accredited.state == "accredited"
    assert "http://conference.test/2027/me/badge" in message.text_body
    assert "http://conference.test/calendar/" in message.text_body
    assert '<a href="http://conference.test/2027/me/badge">' in message.html_body
    assert reminders.send_due()["attendee_week_before"] == 0


def test_attendees_are_not_told_too_early(app, db):
    edition = _edition(start_date=(NOW + dt.timedelta(days=10)).date())
    make_registration(make_user("ada@example.org"), edition=edition, state="accredited")
    assert reminders.send_due()["attendee_week_before"] == 0
    _db.session.add(
        ReminderSetting(edition_id=edition.id, kind="attendee_week_before", days_before=14)
    )
    _db.session.commit()
    assert reminders.send_due()["attendee_week_before"] == 1


def test_attendee_reminders_switched_off(app, db):
    edition = _edition(start_date=(NOW + dt.timedelta(days=5)).date())
    make_registration(make_user("ada@example.org"), edition=edition, state="accredited")
    _switch_off(edition, "attendee_week_before")
    assert reminders.send_due()["attendee_week_before"] == 0
    assert _mails("accreditation_week_before") == []


# --- never twice, archived editions, the database's guarantee ----------------------------------


def test_the_database_refuses_a_second_record_of_the_same_reminder(app, db):
    edition = _edition()
    reminder = reminders.Reminder("user:1", "a@example.org", lambda: None)
    assert reminders._claim(edition, "registration_unfinished", reminder)
    db.session.commit()
    assert not reminders._claim(edition, "registration_unfinished", reminder)
    db.session.commit()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(SentReminder))
    assert count == 1


def test_archived_and_draft_editions_get_no_reminders(app, db):
    _edition(state="archived")
    _user("confirmed@example.org")
    assert sum(reminders.send_due().values()) == 0


# --- the settings form -------------------------------------------------------------------------


NO_WINDOWS = dict.fromkeys(
    (
        "registration_opens_at",
        "registration_closes_at",
        "cfp_opens_at",
        "cfp_closes_at",
        "review_deadline",
    )
)


def test_the_settings_form_shows_and_switches_the_reminders(login, db):
    edition = _edition(**NO_WINDOWS)
    organiser = make_user(role="organiser", edition=edition)
    client = login(organiser)
    page = client.get("/2027/admin/settings").get_data(as_text=True)
    for kind in reminders.kinds():
        assert f'id="reminder__{kind.key}"' in page
    assert page.count("checked") >= len(reminders.kinds())  # all on by default
    form = {
        "title": edition.title,
        "languages": "en,fr,de",
        "acronym": "",
        "venue": "Test venue",
        "address": "Rue de la Loi 1",
        "timezone": "Europe/Brussels",
        "start_date": "2027-06-09",
        "end_date": "2027-06-10",
        "state": "open",
        "reminder__registration_unfinished": "y",
        "reminder__registration_unfinished__days": "4",
        "reminder__attendee_week_before": "y",
        "reminder__attendee_week_before__days": "7",
        "reminder__speaker_unconfirmed": "y",
        "reminder__speaker_unconfirmed__days": "7",
        # review_unfinished left unticked: switched off
        "reminder__review_unfinished__days": "3",
    }
    response = client.post("/2027/admin/settings", data=form)
    assert response.status_code == 302, re.findall(
        r'class="error"[^<]*<', response.get_data(as_text=True)
    )
    assert reminders.settings_for(edition) == {
        "registration_unfinished": (True, 4),
        "attendee_week_before": (True, 7),
        "review_unfinished": (False, 3),
        "speaker_unconfirmed": (True, 7),
    }
    page = client.get("/2027/admin/settings").get_data(as_text=True)
    assert 'value="4"' in page


def test_the_settings_form_refuses_bad_days(login, db):
    edition = _edition(**NO_WINDOWS)
    client = login(make_user(role="organiser", edition=edition))
    response = client.post(
        "/2027/admin/settings",
        data={
            "title": edition.title,
            "languages": "en",
            "timezone": "Europe/Brussels",
            "start_date": "2027-06-09",
            "end_date": "2027-06-10",
            "state": "open",
            "reminder__attendee_week_before__days": "-5",
        },
    )
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderSetting)) == 0


# --- the CLI and the worker --------------------------------------------------------------------


def test_flask_mail_reminders_sends_what_is_due(app, runner, db, smtp_server):
    _edition()
    _user("confirmed@example.org")
    result = runner.invoke(args=["mail", "reminders"])
    assert result.exit_code == 0, result.output
    assert "registration_unfinished: 1" in result.output
    assert "sent 1, failed 0" in result.output
    assert len(smtp_server.wait_for(1)) == 1
    again = runner.invoke(args=["mail", "reminders"])
    assert "registration_unfinished: 0" in again.output
    assert len(smtp_server.wait_for(2, timeout=0.3)) == 1


def test_flask_mail_reminders_for_an_unknown_edition_fails_cleanly(runner, db):
    result = runner.invoke(args=["mail", "reminders", "--edition", "1999"])
    assert result.exit_code != 0 and "1999" in result.output


REDIS_URL = "redis://127.0.0.1:6379/3"


def _redis_answers() -> bool:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        return bool(Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except RedisError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="Redis does not answer on 127.0.0.1:6379")
def test_the_worker_runs_the_reminders_and_schedules_the_next_run(app, db):
    from rq import SimpleWorker
    from rq.registry import ScheduledJobRegistry

    app.config.update(REDIS_URL=REDIS_URL, JOBS_QUEUE=f"test-{uuid.uuid4().hex[:12]}")
    queue = jobs.job_queue()
    try:
        _edition()
        _user("confirmed@example.org")
        assert jobs.start_periodic(queue) == ["conference.editions.reminders.run_scheduled"]
        assert jobs.start_periodic(queue) == []  # one chain only, however many workers start
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        db.session.expire_all()
        assert [m.to for m in _mails("accreditation_unfinished_reminder")] == [
            "confirmed@example.org"
        ]
        scheduled = ScheduledJobRegistry(queue=queue).get_job_ids()
        assert len(scheduled) == 1 and scheduled[0].startswith("periodic-")
        assert jobs.start_periodic(queue) == []
    finally:
        for job_id in ScheduledJobRegistry(queue=queue).get_job_ids():
            queue.connection.delete(f"rq:job:{job_id}")
        queue.connection.delete(ScheduledJobRegistry(queue=queue).key)
        queue.delete(delete_jobs=True)


@pytest.mark.postgres
def test_parallel_runs_send_each_reminder_once(app, db):
    """Several workers (or cron and a worker) at once: the unique key lets one send each."""
    import threading

    _edition()
    for n in range(5):
        _user(f"person{n}@example.org")
    runs = 6
    barrier = threading.Barrier(runs)
    errors = []

    def run():
        with app.app_context():
            try:
                barrier.wait()
                reminders.send_due()
            except Exception as exc:  # noqa: BLE001 (reported below)
                errors.append(exc)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.expire_all()
    sent = [m.to for m in _mails("accreditation_unfinished_reminder")]
    assert sorted(sent) == [f"person{n}@example.org" for n in range(5)]


def test_cloning_an_edition_keeps_its_reminder_choices(app, db):
    from conference.editions import cloning

    source = make_edition(2025)
    db.session.add(ReminderSetting(edition_id=source.id, kind="review_unfinished", enabled=False))
    db.session.add(
        ReminderSetting(edition_id=source.id, kind="attendee_week_before", days_before=10)
    )
    db.session.commit()
    new = cloning.clone_edition(source, 2029).edition
    db.session.commit()
    settings = reminders.settings_for(new)
    assert settings["review_unfinished"] == (False, 3)
    assert settings["attendee_week_before"] == (True, 10)
