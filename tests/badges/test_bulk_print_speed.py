"""Issue 22: a bulk badge print loads what it draws in a constant number of statements
(the holder's account too, for the badge's language), and the QR codewords computed with
tables are exactly the ``qrcode`` library's."""

from __future__ import annotations

import random
import string

import pytest
import qrcode
import sqlalchemy as sa
from qrcode import util
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

from conference.badges import qr_codewords
from conference.badges import services as badges
from conference.extensions import db
from tests.badges.factories import accredited, keys_for, make_category
from tests.factories import make_edition, make_user

ALPHANUMERIC = string.ascii_uppercase + string.digits + " $%*+-./:"


@pytest.mark.parametrize(
    "level", [ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q, ERROR_CORRECT_H]
)
@pytest.mark.parametrize("length", [1, 17, 64, 110, 300])
@pytest.mark.parametrize("alphabet", [ALPHANUMERIC, string.printable])
def test_codewords_are_the_librarys(level, length, alphabet):
    rng = random.Random(f"{level}-{length}-{len(alphabet)}")
    text = "".join(rng.choice(alphabet) for _ in range(length))
    qr = qrcode.QRCode(error_correction=level)
    qr.add_data(text)
    qr.make(fit=True)
    expected = util.create_data(qr.version, level, qr.data_list)
    assert qr_codewords.create_data(qr.version, level, qr.data_list) == expected


def _print_statements(edition, organiser) -> int:
    seen = []

    def record(*args):
        seen.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        job = badges.start_print_job(edition, actor=organiser)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert job.state == "done", job.error
    return len(seen)


def test_a_print_job_takes_no_statement_per_badge(app, db):
    edition = make_edition()
    keys_for(edition.year)
    category = make_category(edition)
    organiser = make_user("organiser@example.org", role="organiser", edition=edition)
    for n in range(3):
        accredited(make_user(f"few{n}@example.org", locale="fr"), edition, category)
    db.session.commit()
    _print_statements(edition, organiser)  # once-per-process work (fonts, the key) done
    few = _print_statements(edition, organiser)
    for n in range(9):
        accredited(make_user(f"more{n}@example.org", locale="de"), edition, category)
    db.session.commit()
    db.session.expunge_all()
    edition = db.session.merge(edition)
    organiser = db.session.merge(organiser)
    more = _print_statements(edition, organiser)
    assert more <= few + 1  # one per badge (a lazy load) would be nine more
