"""The submissions area's reminder: accepted speakers who have not confirmed their slot.

Registered in ``editions.reminders`` on import (``VIEWS``); asks ``unconfirmed_speakers``.
Sent once per submission, N days after its acceptance was published."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from conference import mail
from conference.editions.reminders import Reminder, ReminderKind, register
from conference.submissions.services import unconfirmed_speakers
from conference.urls import external_url


def _due(edition, now: dt.datetime, days: int | None):
    waited = dt.timedelta(days=days or 0)
    for talk in unconfirmed_speakers(edition):
        submission = talk.submission
        speaker = submission.author
        if speaker is None or speaker.deleted_at is not None:
            continue
        if submission.decision_published_at + waited > now:
            continue

        def send(submission=submission, speaker=speaker):
            mail.queue(
                speaker.email,
                "submissions_confirm_reminder",
                _l("Please confirm your participation in %(edition)s", edition=edition.title),
                edition=edition,
                speaker=speaker,
                submission=submission,
                submission_link=external_url(
                    "submissions.show", year=edition.year, submission_id=submission.id
                ),
            )

        yield Reminder(str(submission.id), speaker.email, send)


register(
    ReminderKind(
        key="speaker_unconfirmed",
        label=_l("Remind accepted speakers who have not confirmed their participation"),
        help=_l("Each accepted submission's speaker gets one reminder."),
        days_label=_l("Days after the acceptance is published"),
        default_days=7,
        due=_due,
        position=40,
    )
)
