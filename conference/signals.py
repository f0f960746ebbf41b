"""Signals between areas, so that one area reacts to another without importing it.

The acting area sends; every area that cares connects its own handler in a ``reactions``
module imported by its package ``__init__``. Handlers run synchronously inside the acting
request's transaction: whatever they add or change is committed (or rolled back) with the
action that caused it, and a handler that raises aborts the action.

- ``registration_changed``: sent by accreditation after every state change (accredit,
  reject, waitlist, cancel, revoke, re-accredit), with the registration as the sender and
  ``from_state``, ``to_state`` and ``actor`` as keywords. Badges are issued or revoked,
  bookings release their seats.
- ``session_changed``: sent by the programme (and by review when an accepted talk is placed)
  after a session is created, edited, moved or cancelled, with the session as the sender and
  ``actor`` as a keyword. Feeds and cached pages follow.
- ``submission_decided``: sent by review after a chair's decision is recorded, with the
  submission as the sender and ``decision`` (the new state) and ``actor`` as keywords.
- ``personal_data_requested``: sent by accreditation's privacy module when a person asks for
  their data, with the user as the sender; each handler returns ``(section, data)`` (a
  JSON-ready value) and the export gathers every section.
- ``account_deleting``: sent by accreditation's privacy module before a person's account is
  deleted and anonymised, with the user as the sender; each area removes or anonymises what it
  keeps about that person (tokens, bookings, speaker links…).
- ``category_usage_requested``: sent by accreditation to learn whether an accreditation
  category is still used (the categories page, before deleting one), with the category as the
  sender; each handler returns ``(name, count)``, e.g. ``("sessions", 2)`` from the programme.
- ``speaker_sessions_requested``: sent by accreditation to show, next to registrations, where
  people speak, with the edition as the sender and ``user_ids`` (a set) and ``viewer`` (None
  for "show every title") as keywords; each handler returns ``{user id: [session titles]}``,
  naming a session ``viewer`` may not see in detail "a restricted session".
- ``edition_cloned``: sent by editions after a new edition's own rows are copied from an
  earlier one, with the new edition as the sender and ``source`` (the earlier edition),
  ``parts`` (the set of parts the organiser chose to copy), ``mapping`` (a dict the handlers
  share, e.g. ``mapping["tracks"] = {old_id: new_track}``) and ``actor`` as keywords. blinker
  calls handlers in no fixed order: a handler that needs another area's copies first asks
  for them (accreditation's categories are copied by whichever handler needs them first).
- ``author_comments_requested``: sent by submissions when a speaker is shown a published
  decision, with the submission as the sender; each handler returns a list of texts written
  to the authors (review: its submitted reviews' comments to the authors, in review order).
- ``roles_carried``: sent by editions after roles offered from the edition a new one was
  cloned from are granted, with the new edition as the sender and ``source``, ``granted`` (a
  list of ``(user, role)``) and ``actor`` as keywords. Review copies the reviewers' expertise.
- ``theme_requested``: sent by editions when it builds an edition's theme stylesheet, with the
  edition as the sender; each handler returns a list of CSS rules (category colours, track
  colours…).
- ``recipient_locale_requested``: sent by the outbox before it renders a message, with the
  recipient's address as the sender; accounts answers with the language that person chose
  (or None).
"""

from blinker import Namespace

_signals = Namespace()

registration_changed = _signals.signal("registration-changed")
session_changed = _signals.signal("session-changed")
submission_decided = _signals.signal("submission-decided")
personal_data_requested = _signals.signal("personal-data-requested")
account_deleting = _signals.signal("account-deleting")
edition_cloned = _signals.signal("edition-cloned")
category_usage_requested = _signals.signal("category-usage-requested")
speaker_sessions_requested = _signals.signal("speaker-sessions-requested")
author_comments_requested = _signals.signal("author-comments-requested")
roles_carried = _signals.signal("roles-carried")
theme_requested = _signals.signal("theme-requested")
recipient_locale_requested = _signals.signal("recipient-locale-requested")
