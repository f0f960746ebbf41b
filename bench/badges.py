"""Part 3: badge PDFs — seconds for 2,000 badges on A4 sheets (four A6 badges a sheet), the
way an organiser gets them.

The badges live in a throw-away PostgreSQL database (rows written in bulk: names in many EU
scripts, organisations, countries). The figure is the organiser's wait: from the "Print"
form's POST (``/<year>/organise/badges/print``: the print job queries the badges, signs
every QR code, draws and stores the PDF; without Redis it runs in that request, with Redis an
RQ worker runs the same code) to the last byte of the PDF downloaded from the job's page,
through the application's routes (Flask test client, logged in as an organiser).
"""

from __future__ import annotations

import os
import time

from bench import seed
from bench.common import Skip, bench_app, figure, note, throwaway_database

BADGES = int(os.environ.get("BENCH_BADGES", "2000"))
BASELINE_S = 37.0  # 2,000 badges before issue 22 (mask search, one rect per run, N+1 loads)
TARGET_S = 8.0  # on two CPUs
NAMES = [
    "Zoë Łukasiewicz-Ångström",
    "Ελένη Παπαδοπούλου",
    "Antonín Dvořák",
    "Siobhán Ní Bhriain",
    "Jürgen Groß",
    "Мария Иванова",
    "Jean-Baptiste Lefèvre de la Tour d'Auvergne",
    "Ana Núñez",
]
COUNTRIES = ["BE", "DE", "FR", "GR", "PL", "IE", "BG", "ES", "CZ", "SE"]


def _bulk_badges(edition, n: int) -> None:
    """``n`` accredited registrations with valid badges, inserted in bulk."""
    import sqlalchemy as sa

    from conference.accounts.models import User
    from conference.accreditation.models import Registration
    from conference.badges.models import Badge
    from conference.db import utcnow
    from conference.extensions import db

    organiser = seed.organiser(edition)
    category = seed.category(edition, organiser)
    now = utcnow()
    db.session.execute(
        sa.insert(User),
        [
            {"email": f"badge{i}@bench.example.org", "full_name": NAMES[i % len(NAMES)]}
            for i in range(n)
        ],
    )
    users = db.session.execute(
        sa.select(User.id, User.full_name).where(User.email.like("badge%@bench.example.org"))
    ).all()
    db.session.execute(
        sa.insert(Registration),
        [
            {
                "edition_id": edition.id,
                "user_id": user_id,
                "state": "accredited",
                "requested_category_id": category.id,
                "category_id": category.id,
                "full_name": f"{name} {user_id}",
                "email": f"badge{user_id}@bench.example.org",
                "organisation": "Université libre de Bruxelles – Institut d'études européennes",
                "organisation_type": "university",
                "country": COUNTRIES[user_id % len(COUNTRIES)],
                "position": "Researcher",
                "decided_at": now,
            }
            for user_id, name in users
        ],
    )
    registration_ids = db.session.scalars(
        sa.select(Registration.id).where(Registration.edition_id == edition.id)
    ).all()
    db.session.execute(
        sa.insert(Badge),
        [
            {
                "edition_id": edition.id,
                "registration_id": rid,
                "version": 1,
                "category_code": category.code,
                "state": "valid",
                "issued_at": now,
            }
            for rid in registration_ids
        ],
    )
    db.session.commit()


def _organiser_client(app, organiser):
    """A test client logged in as ``organiser`` with its CSRF token (a real login, but the
    second factor marked as passed, as after a code: the bench has no authenticator)."""
    import re

    from conference.accounts.twofactor import VERIFIED_KEY

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = organiser.get_id()
        session["_fresh"] = True
        session[VERIFIED_KEY] = organiser.id
    page = client.get(f"/{seed.YEAR}/organise/badges")
    if page.status_code != 200:
        raise RuntimeError(f"the badges page answered {page.status_code}")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    return client, token.group(1) if token else ""


def run() -> None:
    try:
        from conference.badges.signing import ensure_key
    except ImportError as exc:
        raise Skip(f"the badges services are missing ({exc})") from None
    with throwaway_database("badges") as url, bench_app(url) as (app, _workdir):
        edition = seed.edition()
        ensure_key(edition.year)
        _bulk_badges(edition, BADGES)
        organiser = seed.organiser(edition)
        client, token = _organiser_client(app, organiser)
        note(f"badges: {BADGES} badges, A4 sheets of four, organiser's print form to PDF")
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.post(f"/{edition.year}/organise/badges/print", data={"csrf_token": token})
        if response.status_code not in (302, 303):
            raise RuntimeError(f"the print form answered {response.status_code}")
        job_page = response.headers["Location"]
        pdf = client.get(job_page.rstrip("/") + "/badges.pdf")
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - started_cpu
        if pdf.status_code != 200 or not pdf.data.startswith(b"%PDF"):
            raise RuntimeError(f"the job's PDF answered {pdf.status_code}")
        pages = pdf.data.count(b"/Type /Page\n") or pdf.data.count(b"/Type /Page")
        size = len(pdf.data)
    scale = 2000 / BADGES
    verdict = "met" if elapsed * scale < TARGET_S else "NOT met on this run"
    figure(
        "badges_pdf_seconds",
        elapsed,
        f"s (2,000: baseline {BASELINE_S:.0f} s, target < {TARGET_S:.0f} s: {verdict})",
    )
    figure("badges_pdf_cpu_seconds", cpu, "s (this process; the wall figure includes waiting)")
    if scale != 1:
        note(f"scaled to 2,000 badges: {elapsed * scale:.1f} s wall, {cpu * scale:.1f} s CPU")
    figure("badges_pdf_per_second", BADGES / elapsed, "badges/s")
    figure("badges_pdf_size", round(size / 1_000_000, 1), "MB")
    if pages:
        note(f"{pages} page objects in the PDF")
