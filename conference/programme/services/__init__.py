"""Programme rules, by topic; import them from here (``from conference.programme import services``).

- ``visibility``: reading the programme for a viewer (``programme_sessions``, ``session_view``,
  the placeholder ``RESTRICTED_TITLE``, search and filters).
- ``agenda``: a person's own agenda (stars, bookings, talks, chairing, invitations, overlaps).
- ``stars``: putting sessions on one's own agenda and taking them off.
- ``grid``: the programme as a grid of rooms and times, and "now and next".
- ``settings``: rooms, tracks, session types, and the categories a session may be open to.
- ``sessions``: creating, editing, cancelling and duplicating sessions; withdrawn talks.
- ``clashes``: warnings about rooms and people in two places, and sessions off the dates.
- ``bookings``: seats, the waiting list, and the mails about them.
- ``materials``: slides, documents and recording links of sessions, and who reaches them.
- ``downloads``: a labelled material's personal copy (watermark, inline RED) and its log.
- ``watermark``: the per-recipient watermark drawn onto every page of a PDF.
- ``speakers``: speaker profiles (biography, organisation, position, photo) per edition.
- ``files``: checking uploads by content, cleaning them (PDF metadata, photos), the file store.
- ``contributions``: a session's running order (talks and free items, their times).
- ``releases``: the draft schedule, its differences from the last release, releasing, the
  changelog; ``released``: reading the released programme.
- ``speaking``: speakers' availability and slot confirmations.
- ``common``: helpers the others share (``span``, times in the edition's zone, links).
"""

from conference.db import utcnow
from conference.permissions import clearance
from conference.programme.services.agenda import (
    AgendaEntry,
    agenda_entries,
    personal_agenda,
    role_label,
    sessions_of_person,
    user_bookings,
    with_overlaps,
)
from conference.programme.services.bookings import (
    book,
    booking_clash,
    cancel_booking,
    release_bookings,
    session_bookings,
    waiting_count,
)
from conference.programme.services.clashes import clash_warnings, placement_clashes, room_day
from conference.programme.services.common import format_utc_local, local_to_utc, span
from conference.programme.services.contributions import (
    ContributionSpec,
    add_contribution,
    append_contribution,
    contribution_times,
    free_minutes,
    get_contribution,
    move_contribution,
    remove_contribution,
    update_contribution,
)
from conference.programme.services.grid import (
    COVERED,
    Grid,
    GridCell,
    build_grid,
    narrow,
    now_and_next,
)
from conference.programme.services.materials import (
    KIND_LABELS,
    MaterialLink,
    material_labels,
    materials_by_session,
    visible_materials,
)
from conference.programme.services.released import (
    ReleasedSession,
    latest_release,
    released_version,
)
from conference.programme.services.releases import (
    CHANGE_LABELS,
    change_entries,
    draft_snapshot,
    pending_changes,
    release,
    releases_of,
)
from conference.programme.services.sessions import (
    MAX_INVITEES,
    MAX_SPEAKERS,
    WITHDRAWN_TALK_HANDLING,
    SessionData,
    SpeakerSpec,
    cancel_session,
    duplicate_session,
    own_speakers,
    parse_emails,
    parse_speakers,
    save_session,
    session_data_of,
    speakers_text,
    withdraw_talk,
)
from conference.programme.services.settings import (
    categories_of,
    delete_setting,
    rooms_of,
    save_room,
    save_track,
    save_type,
    setting_usage,
    tracks_of,
    types_of,
)
from conference.programme.services.speakers import ProfileView, profiles_for
from conference.programme.services.speaking import (
    DayAvailability,
    availability_of,
    confirm_slot,
    edition_days,
    my_talks,
    save_availability,
    unconfirmed,
)
from conference.programme.services.stars import star, starred_ids, unstar
from conference.programme.services.visibility import (
    RESTRICTED_TITLE,
    WITHHELD_TITLE,
    ContributionView,
    PersonView,
    RoomView,
    SessionView,
    SpeakerView,
    TrackView,
    TypeView,
    filter_views,
    get_session,
    mail_view,
    programme_sessions,
    search_views,
    session_view,
    session_views,
    withheld_from_mail,
)

__all__ = [
    "KIND_LABELS",
    "MaterialLink",
    "ProfileView",
    "material_labels",
    "materials_by_session",
    "profiles_for",
    "visible_materials",
    "COVERED",
    "Grid",
    "GridCell",
    "build_grid",
    "narrow",
    "now_and_next",
    "DayAvailability",
    "session_data_of",
    "availability_of",
    "confirm_slot",
    "edition_days",
    "my_talks",
    "save_availability",
    "unconfirmed",
    "CHANGE_LABELS",
    "ReleasedSession",
    "change_entries",
    "draft_snapshot",
    "latest_release",
    "pending_changes",
    "release",
    "released_version",
    "releases_of",
    "ContributionSpec",
    "ContributionView",
    "add_contribution",
    "append_contribution",
    "contribution_times",
    "free_minutes",
    "get_contribution",
    "move_contribution",
    "own_speakers",
    "remove_contribution",
    "update_contribution",
    "MAX_INVITEES",
    "MAX_SPEAKERS",
    "RESTRICTED_TITLE",
    "WITHDRAWN_TALK_HANDLING",
    "AgendaEntry",
    "PersonView",
    "RoomView",
    "SessionData",
    "SessionView",
    "SpeakerSpec",
    "SpeakerView",
    "TrackView",
    "TypeView",
    "agenda_entries",
    "book",
    "booking_clash",
    "cancel_booking",
    "cancel_session",
    "categories_of",
    "clash_warnings",
    "clearance",
    "delete_setting",
    "duplicate_session",
    "filter_views",
    "format_utc_local",
    "get_session",
    "local_to_utc",
    "parse_emails",
    "parse_speakers",
    "personal_agenda",
    "placement_clashes",
    "programme_sessions",
    "release_bookings",
    "room_day",
    "role_label",
    "rooms_of",
    "save_room",
    "save_session",
    "save_track",
    "save_type",
    "search_views",
    "session_bookings",
    "session_view",
    "WITHHELD_TITLE",
    "mail_view",
    "withheld_from_mail",
    "session_views",
    "sessions_of_person",
    "setting_usage",
    "span",
    "speakers_text",
    "star",
    "starred_ids",
    "tracks_of",
    "types_of",
    "unstar",
    "user_bookings",
    "utcnow",
    "waiting_count",
    "with_overlaps",
    "withdraw_talk",
]
