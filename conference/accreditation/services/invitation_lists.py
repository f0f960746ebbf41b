"""The people an organiser invites, read from the text box and an uploaded CSV file."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from flask_babel import gettext as _

from conference.accreditation.services.common import RegistrationError

MAX_RECIPIENTS = 500
MAX_CSV_BYTES = 200_000
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


@dataclass
class Recipient:
    email: str
    full_name: str


def parse_recipients(text: str = "", csv_data: bytes | None = None) -> list[Recipient]:
    """Addresses and names from the text box (one per line: ``address`` or ``address, name``
    or ``name, address``) and an uploaded CSV of the same columns (a header line is skipped).
    Every bad line is reported at once."""
    rows: list[list[str]] = []
    if csv_data:
        if len(csv_data) > MAX_CSV_BYTES:
            raise RegistrationError(
                _("The CSV file is too large (at most 200 kB)."), field="csv_file"
            )
        try:
            decoded = csv_data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise RegistrationError(
                _("The CSV file must be UTF-8 text."), field="csv_file"
            ) from None
        try:
            dialect = csv.Sniffer().sniff(decoded[:2000], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        rows.extend(csv.reader(io.StringIO(decoded), dialect))
    for line in (text or "").splitlines():
        rows.extend(csv.reader([line]))
    recipients: list[Recipient] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        cells = [" ".join(cell.split()) for cell in row if cell and cell.strip()]
        if not cells:
            continue
        addresses = [c for c in cells if "@" in c]
        if not addresses:
            if number == 1 or any(c.lower() in ("email", "e-mail", "address") for c in cells):
                continue  # a header line
            problems.append(_("“%(line)s” has no e-mail address", line=", ".join(cells)[:80]))
            continue
        email = addresses[0].lower()
        names = [c for c in cells if c is not addresses[0]]
        name = names[0] if names else ""
        if len(email) > 254 or not _EMAIL.match(email):
            problems.append(_("“%(address)s” is not a valid e-mail address", address=email[:80]))
            continue
        if len(name) > 200:
            problems.append(_("the name for %(address)s is too long", address=email))
            continue
        if email in seen:
            continue
        seen.add(email)
        recipients.append(Recipient(email, name))
    if problems:
        raise RegistrationError(
            _("Please correct these lines: %(problems)s.", problems="; ".join(problems[:20])),
            field="addresses",
        )
    if not recipients:
        raise RegistrationError(
            _("Give at least one e-mail address (or a CSV file of addresses)."),
            field="addresses",
        )
    if len(recipients) > MAX_RECIPIENTS:
        raise RegistrationError(
            _("At most %(max)d invitations at a time, please.", max=MAX_RECIPIENTS),
            field="addresses",
        )
    return recipients
