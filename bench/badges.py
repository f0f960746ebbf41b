"""Part 3: badge PDFs — seconds for 2,000 badges on A4 sheets (four A6 badges a sheet).

The badges live in a throw-away PostgreSQL database (rows written in bulk: names in many EU
scripts, organisations, countries); the figure is the whole bulk print job of the badges
area (``start_print_job`` → query, sign every QR code, draw, store the PDF) run inline, the
same code an RQ worker runs when REDIS_URL is set.
"""

from __future__ import annotations

import os
import time

from bench import seed
from bench.common import Skip, bench_app, figure, note, throwaway_database

BADGES = int(os.environ.get("BENCH_BADGES", "2000"))
BASELINE_S = 37.0  # 2,000 badges before issue 22 (mask search, one rect per run, N+1 loads)
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


def run() -> None:
    try:
        from conference.badges import services as badges
        from conference.badges.signing import ensure_key
    except ImportError as exc:
        raise Skip(f"the badges services are missing ({exc})") from None
    with throwaway_database("badges") as url, bench_app(url):
        edition = seed.edition()
        ensure_key(edition.year)
        _bulk_badges(edition, BADGES)
        organiser = seed.organiser(edition)
        note(f"badges: {BADGES} badges, A4 sheets of four, print job run inline")
        started, started_cpu = time.perf_counter(), time.process_time()
        job = badges.start_print_job(edition, actor=organiser)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - started_cpu
        if job.state != "done" or job.total != BADGES:
            raise RuntimeError(f"print job {job.state} with {job.total} badges: {job.error}")
        pages = job.pdf.count(b"/Type /Page\n") or job.pdf.count(b"/Type /Page")
    scale = 2000 / BADGES
    figure("badges_pdf_seconds", elapsed, f"s (2,000: baseline {BASELINE_S:.0f} s, target < 8 s)")
    figure("badges_pdf_cpu_seconds", cpu, "s (this process; the wall figure includes waiting)")
    if scale != 1:
        note(f"scaled to 2,000 badges: {elapsed * scale:.1f} s wall, {cpu * scale:.1f} s CPU")
    figure("badges_pdf_per_second", BADGES / elapsed, "badges/s")
    figure("badges_pdf_size", round(len(job.pdf) / 1_000_000, 1), "MB")
    if pages:
        note(f"{pages} page objects in the PDF")
