"""Signals between areas, so that one area reacts to another without importing it.

- ``registration_changed(registration, from_state, to_state, actor)``: sent by accreditation
  after every state change (badges issue/revoke, bookings release seats…).
- ``session_changed(session, actor)``: sent by the programme after a session is created,
  edited or cancelled.
"""

from blinker import Namespace

_signals = Namespace()

registration_changed = _signals.signal("registration-changed")
session_changed = _signals.signal("session-changed")
