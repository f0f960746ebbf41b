"""The organisers' door choices: names in the offline bundle, exit scans per checkpoint."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from conference import audit
from conference.checkin.models import CheckpointSettings, DoorSettings
from conference.checkin.services.checkpoint import BadRequest, checkpoints
from conference.extensions import db


def names_offline(edition) -> bool:
    """Whether the scanner bundle carries the accredited people's names (offline lookup)."""
    return bool(
        db.session.scalar(
            sa.select(DoorSettings.names_offline).where(DoorSettings.edition_id == edition.id)
        )
    )


def exit_scan_checkpoints(edition) -> set[str]:
    """The keys of the checkpoints that take exit scans."""
    return set(
        db.session.scalars(
            sa.select(CheckpointSettings.checkpoint).where(
                CheckpointSettings.edition_id == edition.id,
                CheckpointSettings.exit_scans.is_(True),
            )
        )
    )


def takes_exit_scans(edition, key: str) -> bool:
    return bool(
        db.session.scalar(
            sa.select(CheckpointSettings.exit_scans).where(
                CheckpointSettings.edition_id == edition.id,
                CheckpointSettings.checkpoint == key,
            )
        )
    )


def refuse_exit_unless_allowed(edition, key: str) -> None:
    """An exit scan at a door that does not count exits is refused with the reason."""
    if not takes_exit_scans(edition, key):
        raise BadRequest(
            _(
                "This door does not take exit scans. An organiser can switch them on on the "
                "check-in page."
            ),
            code="exit_scans_off",
        )


def update_door_settings(edition, *, names: bool, exits: set[str], actor) -> None:
    """Store the organisers' choices (audited). ``exits``: checkpoint keys taking exits;
    keys that are not checkpoints of the edition are refused."""
    known = {point.key for point in checkpoints(edition)}
    unknown = exits - known
    if unknown:
        raise BadRequest(_("Choose doors of this edition only."), code="bad_checkpoint")
    door = db.session.get(DoorSettings, edition.id)
    if door is None:
        door = DoorSettings(edition_id=edition.id, names_offline=False)
        db.session.add(door)
    changed = door.names_offline != names
    door.names_offline = names
    rows = {
        row.checkpoint: row
        for row in db.session.scalars(
            sa.select(CheckpointSettings).where(CheckpointSettings.edition_id == edition.id)
        )
    }
    for key in sorted(known):
        wanted = key in exits
        row = rows.get(key)
        if row is None:
            if not wanted:
                continue
            row = CheckpointSettings(edition_id=edition.id, checkpoint=key, exit_scans=False)
            db.session.add(row)
        if row.exit_scans != wanted:
            row.exit_scans = wanted
            changed = True
    if changed:
        audit.record(
            actor,
            "checkin.settings",
            None,
            edition=edition.id,
            names_offline=names,
            exit_scans=sorted(exits),
        )
