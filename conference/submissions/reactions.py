"""How submissions answer other areas' signals (connected by the package ``__init__``)."""

from __future__ import annotations

import sqlalchemy as sa

from conference.accreditation import privacy
from conference.db import copy_row
from conference.extensions import db
from conference.signals import account_deleting, edition_cloned, personal_data_requested
from conference.submissions.models import CoSpeaker, Submission, SubmissionType


@personal_data_requested.connect
def personal_data_submissions(user, **_) -> tuple[str, list]:
    """The person's own submissions, with their co-speakers, for the data download."""
    years = privacy.edition_years()
    return "submissions", [
        {
            "edition": years.get(s.edition_id),
            **privacy.row(
                s,
                "id",
                "title",
                "abstract",
                "keywords",
                "audience",
                "state",
                "decision",
                "submitted_at",
                "withdrawn_at",
                "created_at",
                "updated_at",
            ),  # fmt: skip
            "co_speakers": [privacy.row(c, "name", "email", "confirmed_at") for c in s.co_speakers],
        }
        for s in db.session.scalars(
            sa.select(Submission).where(Submission.author_id == user.id).order_by(Submission.id)
        )
    ]


@personal_data_requested.connect
def personal_data_co_speaker_invitations(user, **_) -> tuple[str, list]:
    """Invitations to co-speak, by account or by address, for the data download."""
    return "co_speaker_invitations", [
        privacy.row(c, "submission_id", "name", "email", "invited_at", "confirmed_at")
        for c in db.session.scalars(
            sa.select(CoSpeaker).where(
                sa.or_(CoSpeaker.user_id == user.id, CoSpeaker.email == user.email)
            )
        )
    ]


@account_deleting.connect
def forget_account(user, **_) -> None:
    """Co-speaker invitations lose the name, the address and the link to the account.

    Runs before the account's address is replaced, so invitations sent to it are found.
    """
    for co_speaker in db.session.scalars(
        sa.select(CoSpeaker).where(
            sa.or_(CoSpeaker.user_id == user.id, CoSpeaker.email == user.email)
        )
    ):
        co_speaker.email = f"deleted-{user.id}-{co_speaker.id}@invalid"
        co_speaker.name = ""
        co_speaker.user_id = None


@edition_cloned.connect
def copy_for_new_edition(edition, *, source, mapping, **_kwargs) -> dict[str, int]:
    """A cloned edition gets the source's submission types; the call's settings are the
    edition's own columns, copied by editions (in the cloning transaction)."""
    mapping["submission_types"] = {}
    for kind in db.session.scalars(
        sa.select(SubmissionType).where(SubmissionType.edition_id == source.id)
    ):
        copy = copy_row(kind, edition_id=edition.id)
        db.session.add(copy)
        mapping["submission_types"][kind.id] = copy
    return {"submission_types": len(mapping["submission_types"])}
