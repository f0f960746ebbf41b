"""Check-in: decide at a door whether a badge admits its holder, and log every scan.

A checkpoint is the venue entrance (``"venue"``) or the door of one programme session. The
venue admits accredited holders of a valid badge; a session door asks the holder's own
``Clearance`` (category or invitation list, as for booking), so the door and the website
always agree. The same decisions, minus names, are exported in the scanner bundle so that a
scanner without a connection decides exactly as the server would.

Where things live:

- ``checkpoint``: the checkpoints of an edition, the scanner's door list, resolving a key.
- ``scanning``: the decision on a code and ``check_in`` (recording, replays, invalid codes).
- ``manual``: looking a holder up and admitting by printed badge number.
- ``bundle``: the offline scanner bundle.
- ``reports``: counts per checkpoint, the scan log, invalid-code counts, presence.
- ``settings``: the organisers' door choices (names offline, exit scans per checkpoint).

This module re-exports every public name, so ``services.check_in(...)`` works.
"""

from conference.checkin.services.bundle import scanner_bundle
from conference.checkin.services.checkpoint import (
    BadRequest,
    Checkpoint,
    checkpoint_labels,
    checkpoints,
    door_checkpoints,
    resolve_checkpoint,
    room_capacity,
    session_label,
)
from conference.checkin.services.manual import (
    LOOKUP_LIMIT,
    MANUAL_REASONS,
    admit_manually,
    find_attendees,
)
from conference.checkin.services.reports import (
    Presence,
    count_scans,
    counts,
    invalid_code_counts,
    presence,
    scan_log,
    scan_log_query,
)
from conference.checkin.services.scanning import (
    MAX_FUTURE_SKEW,
    MAX_OFFLINE_AGE,
    OFFLINE_THRESHOLD,
    REASONS,
    RESULT_WORDS,
    Decision,
    ScanOutcome,
    attendee_json,
    check_in,
    commit_keeping_objects,
    decide,
    decide_holder,
    first_admitted_at,
    parse_direction,
    parse_scan_id,
    parse_scanned_at,
    record_scan,
)
from conference.checkin.services.settings import (
    exit_scan_checkpoints,
    names_offline,
    refuse_exit_unless_allowed,
    takes_exit_scans,
    update_door_settings,
)

__all__ = [
    "BadRequest",
    "Checkpoint",
    "Decision",
    "LOOKUP_LIMIT",
    "MANUAL_REASONS",
    "MAX_FUTURE_SKEW",
    "MAX_OFFLINE_AGE",
    "OFFLINE_THRESHOLD",
    "Presence",
    "REASONS",
    "RESULT_WORDS",
    "ScanOutcome",
    "admit_manually",
    "attendee_json",
    "check_in",
    "checkpoint_labels",
    "checkpoints",
    "commit_keeping_objects",
    "count_scans",
    "counts",
    "decide",
    "decide_holder",
    "door_checkpoints",
    "exit_scan_checkpoints",
    "find_attendees",
    "first_admitted_at",
    "invalid_code_counts",
    "names_offline",
    "parse_direction",
    "parse_scan_id",
    "parse_scanned_at",
    "presence",
    "record_scan",
    "refuse_exit_unless_allowed",
    "resolve_checkpoint",
    "room_capacity",
    "scan_log",
    "scan_log_query",
    "scanner_bundle",
    "session_label",
    "takes_exit_scans",
    "update_door_settings",
]
