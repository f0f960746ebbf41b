"""Rules of the call for abstracts: the call's settings, speakers' submissions, co-speakers.

Every change goes through these functions, so the HTML pages, the JSON API, the CLI and the
demo share one answer to "may this change happen now?": speakers change their submissions only
while the call is open (``edition.cfp_open()`` on the server clock ``conference.db.utcnow``);
organisers may still change them afterwards, and that is written to the audit log.

Where things live:

- ``limits``: length and count limits, ``count_words``, ``clean_text``, ``valid_id``.
- ``call``: the call's window, guidance and open tracks; submission types.
- ``reading``: looking submissions up, a speaker's list, the status and published decision a
  speaker may see (review's comments come through ``author_comments_requested``),
  ``speakers_of`` and the public ``accepted_abstracts``.
- ``writing``: creating, changing and submitting (``ensure_may_change``: the call's clock).
- ``withdrawal``: the withdrawal preview and withdrawing, with the programme's follow-up.
- ``co_speakers``: invitations by signed link, confirming, declining, removing.
- ``listing``: the organisers' filtered list and its CSV export.
- ``participation``: after acceptance, speakers confirm their talk (``unconfirmed_speakers``
  lists those who have not; the speakers' reminder asks it) and see when and where it is
  scheduled.

This module re-exports every public name, so ``services.create_submission(...)`` works.
"""

from conference.submissions.services.call import (
    STANDARD_TYPES,
    add_standard_types,
    call_status,
    delete_type,
    get_type,
    local_to_utc,
    open_tracks,
    save_type,
    submission_types,
    tracks,
    type_in_use,
    type_usage,
    update_call,
)
from conference.submissions.services.co_speakers import (
    INVITATION_MAX_AGE,
    INVITATION_SALT,
    check_invitation_for,
    confirm_co_speaker,
    decline_invitation,
    invitation_token,
    invite_co_speaker,
    is_blocked,
    load_invitation,
    removable_co_speaker,
    remove_co_speaker,
)
from conference.submissions.services.limits import (
    ABSTRACT_MAX_CHARS,
    AUDIENCE_MAX,
    DURATION_LIMIT,
    GUIDANCE_MAX,
    KEYWORDS_MAX,
    MAX_CO_SPEAKERS,
    MAX_SUBMISSIONS_PER_AUTHOR,
    MAX_WORDS_LIMIT,
    TITLE_MAX,
    WORD_RULE,
    clean_text,
    count_words,
    valid_id,
)
from conference.submissions.services.listing import (
    EXPORT_HEADER,
    SubmissionFilter,
    export_rows,
    hidden_by_conflicts,
    list_submissions,
)
from conference.submissions.services.participation import (
    ScheduledSlot,
    UnconfirmedTalk,
    awaits_confirmation,
    confirm_participation,
    scheduled_slots,
    submission_files,
    unconfirmed_speakers,
)
from conference.submissions.services.reading import (
    DECISION_LABELS,
    STATE_LABELS,
    PublishedDecision,
    accepted_abstracts,
    editable_submission,
    get_submission,
    my_submissions,
    published_comments,
    published_decision,
    speakers_of,
    status_label,
    visible_submission,
)
from conference.submissions.services.withdrawal import (
    WithdrawalPreview,
    programme_session_of,
    withdraw_submission,
    withdrawal_preview,
    withdrawal_refusal,
)
from conference.submissions.services.writing import (
    SubmissionInput,
    create_submission,
    ensure_may_change,
    submit_submission,
    update_submission,
)

__all__ = [
    "ScheduledSlot",
    "UnconfirmedTalk",
    "awaits_confirmation",
    "confirm_participation",
    "scheduled_slots",
    "submission_files",
    "unconfirmed_speakers",
    "ABSTRACT_MAX_CHARS",
    "AUDIENCE_MAX",
    "DECISION_LABELS",
    "DURATION_LIMIT",
    "EXPORT_HEADER",
    "GUIDANCE_MAX",
    "INVITATION_MAX_AGE",
    "INVITATION_SALT",
    "KEYWORDS_MAX",
    "MAX_CO_SPEAKERS",
    "MAX_SUBMISSIONS_PER_AUTHOR",
    "MAX_WORDS_LIMIT",
    "PublishedDecision",
    "STANDARD_TYPES",
    "STATE_LABELS",
    "SubmissionFilter",
    "SubmissionInput",
    "TITLE_MAX",
    "WORD_RULE",
    "WithdrawalPreview",
    "accepted_abstracts",
    "add_standard_types",
    "call_status",
    "check_invitation_for",
    "clean_text",
    "confirm_co_speaker",
    "count_words",
    "create_submission",
    "decline_invitation",
    "delete_type",
    "editable_submission",
    "ensure_may_change",
    "export_rows",
    "get_submission",
    "get_type",
    "hidden_by_conflicts",
    "invitation_token",
    "invite_co_speaker",
    "is_blocked",
    "list_submissions",
    "load_invitation",
    "local_to_utc",
    "my_submissions",
    "open_tracks",
    "programme_session_of",
    "published_comments",
    "published_decision",
    "removable_co_speaker",
    "remove_co_speaker",
    "save_type",
    "speakers_of",
    "status_label",
    "submission_types",
    "submit_submission",
    "tracks",
    "type_in_use",
    "type_usage",
    "update_call",
    "update_submission",
    "valid_id",
    "visible_submission",
    "withdraw_submission",
    "withdrawal_preview",
    "withdrawal_refusal",
]
