"""Signals between areas, so that one area reacts to another without importing it.

- ``registration_changed``: sent by accreditation after every state change, with the
  registration as the sender and ``from_state``, ``to_state`` and ``actor`` as keywords
  (badges are issued or revoked, bookings release their seats…).
- ``session_changed``: sent by the programme after a session is created, edited or
  cancelled, with the session as the sender and ``actor`` as a keyword.
"""

from blinker import Namespace

_signals = Namespace()

registration_changed = _signals.signal("registration-changed")
session_changed = _signals.signal("session-changed")
