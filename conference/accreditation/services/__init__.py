"""Accreditation rules, one topic module each; import them from here.

- ``common``: state and endorsement labels, the workflow table, ``RegistrationError``, the
  attendee's mail and the registration's event log, shared by the modules below.
- ``category_rules``: accreditation categories (list, save, delete, what uses them).
- ``registering``: finding a person's registration; registering and editing through the form.
- ``workflow``: ``transition`` and the decisions built on it (accredit, reject, waitlist,
  revoke, cancel, bulk), quotas and capacity; it sends ``registration_changed``.
- ``nominations``: the signed link a nominating authority answers.
- ``speakers``: the speaker category offered on acceptance, and who speaks where.
- ``queue``: the organisers' queue (filters, counts, previous/next), the CSV export and the
  attendee's next steps.
"""

from conference.accreditation.services.category_rules import (
    categories,
    category_edition,
    category_usage,
    delete_category,
    get_category,
    requestable_categories,
    save_category,
    speaker_category,
)
from conference.accreditation.services.common import (
    DECISIONS,
    ENDORSEMENT_LABELS,
    MAX_TEXT,
    OPEN_STATES,
    ORGANISATION_TYPE_LABELS,
    ORGANISATION_TYPES,
    REASON_REQUIRED,
    STATE_LABELS,
    TRANSITIONS,
    UNDECIDED_STATES,
    RegistrationError,
    attendee_email,
    state_label,
)
from conference.accreditation.services.nominations import (
    NOMINATION_MAX_AGE,
    NOMINATION_SALT,
    answer_nomination,
    nomination_token,
    registration_for_token,
)
from conference.accreditation.services.queue import (
    CSV_HEADER,
    QueueFilters,
    csv_rows,
    matching_ids,
    next_steps,
    queue_counts,
    queue_neighbours,
    queue_query,
)
from conference.accreditation.services.registering import (
    RegistrationInput,
    get_registration,
    is_accredited,
    prefill,
    previous_registration,
    register,
    registration_closed_reason,
    registration_for,
    registration_from_profile,
    registration_problems,
    update_registration,
)
from conference.accreditation.services.speakers import (
    accreditation_category_offer,
    speaking_in,
)
from conference.accreditation.services.waitlist import (  # noqa: E402 (needs workflow)
    WAITLIST_MODES,
    accept_offer,
    fill_places,
    run_waitlist,
    waiting_list,
)
from conference.accreditation.services.waitlist import status as waitlist_status  # noqa: E402
from conference.accreditation.services.workflow import (
    BulkPlanRow,
    BulkResult,
    accredited_count,
    bulk_decide,
    bulk_plan,
    cancel,
    decide,
    needs_decision_note,
    transition,
)

# The waiting list and the invitations (issue 20): ``waitlist`` (the list that moves by
# itself), ``invitations`` (signed links to register in a pre-set category; the addresses are
# read by ``invitation_lists``), ``holds`` (the places offers and reserving invitations hold).
__all__ = [
    "CSV_HEADER",
    "DECISIONS",
    "ENDORSEMENT_LABELS",
    "MAX_TEXT",
    "NOMINATION_MAX_AGE",
    "NOMINATION_SALT",
    "OPEN_STATES",
    "ORGANISATION_TYPES",
    "ORGANISATION_TYPE_LABELS",
    "REASON_REQUIRED",
    "STATE_LABELS",
    "TRANSITIONS",
    "UNDECIDED_STATES",
    "BulkPlanRow",
    "BulkResult",
    "QueueFilters",
    "RegistrationError",
    "RegistrationInput",
    "accreditation_category_offer",
    "accredited_count",
    "answer_nomination",
    "attendee_email",
    "bulk_decide",
    "bulk_plan",
    "cancel",
    "categories",
    "category_edition",
    "category_usage",
    "csv_rows",
    "decide",
    "delete_category",
    "get_category",
    "get_registration",
    "is_accredited",
    "matching_ids",
    "needs_decision_note",
    "next_steps",
    "nomination_token",
    "prefill",
    "previous_registration",
    "queue_counts",
    "queue_neighbours",
    "queue_query",
    "register",
    "registration_closed_reason",
    "registration_for",
    "registration_for_token",
    "registration_from_profile",
    "registration_problems",
    "requestable_categories",
    "save_category",
    "speaker_category",
    "speaking_in",
    "state_label",
    "transition",
    "update_registration",
    "WAITLIST_MODES",
    "accept_offer",
    "fill_places",
    "run_waitlist",
    "waiting_list",
    "waitlist_status",
]
