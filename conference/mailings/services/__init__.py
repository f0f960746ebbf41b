"""The rules of mailings: ``groups`` (who receives it), ``placeholders`` (each person's
message), ``sending`` (queueing, delivery at a rate, stop and resume)."""

from conference.mailings.services import groups, placeholders, sending

__all__ = ["groups", "placeholders", "sending"]
