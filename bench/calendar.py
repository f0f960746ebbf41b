"""Benchmark of the calendar feed and the schedule exports (issue: calendar feeds).

Builds a throw-away migrated SQLite database, generates a programme of 300 sessions over
3 days and 6 rooms (then 3,000), and times ``programme.ics``, ``schedule.json`` and
``schedule.xml`` through the Flask test client (median of several runs, anonymous caller,
no conditional headers so every run builds the body). Target: under 50 ms each for 300.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
import tempfile
import time
from pathlib import Path

URLS = ("programme.ics", "schedule.json", "schedule.xml")
DAYS = 3
ROOMS = 6
TARGET_MS = 50.0


def _app(tmp: Path):
    from conference import create_app

    instance = tmp / "instance"
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}",
            "INSTANCE_DIR": instance,
            "BADGE_KEY_DIR": instance / "badge-keys",
            "REDIS_URL": None,
            "RATELIMIT_STORAGE_URI": "memory://",
        },
        mode="testing",
    )


def generate(year: int, count: int):
    """An open edition with ``count`` sessions over 3 days and 6 rooms (every 7th restricted)."""
    from conference.accreditation.models import AccreditationCategory
    from conference.db import utcnow
    from conference.editions.models import Edition, EditionState
    from conference.extensions import db
    from conference.programme.models import (
        AccessPolicy,
        ProgrammeSession,
        Room,
        SessionSpeaker,
        SessionType,
        Track,
    )

    edition = Edition(
        year=year,
        title=f"Research Security Conference {year}",
        acronym="RSC",
        venue="Egmont Palace",
        timezone="Europe/Brussels",
        start_date=dt.date(year, 6, 9),
        end_date=dt.date(year, 6, 9) + dt.timedelta(days=DAYS - 1),
        state=EditionState.OPEN,
    )
    db.session.add(edition)
    db.session.flush()
    rooms = [Room(edition_id=edition.id, name=f"Room {i + 1}", position=i) for i in range(ROOMS)]
    tracks = [Track(edition_id=edition.id, name=f"Track {i + 1}") for i in range(4)]
    types = [
        SessionType(edition_id=edition.id, name=name, code=name.lower())
        for name in ("Plenary", "Panel", "Workshop")
    ]
    category = AccreditationCategory(edition_id=edition.id, name="Experts", code="EXP")
    db.session.add_all([*rooms, *tracks, *types, category])
    db.session.flush()
    per_room_day = -(-count // (DAYS * ROOMS))
    spacing = max(int(10 * 60 / per_room_day), 5)
    for i in range(count):
        room = i % ROOMS
        day = (i // ROOMS) % DAYS
        slot = i // (ROOMS * DAYS)
        starts = dt.datetime.combine(
            edition.start_date + dt.timedelta(days=day), dt.time(8), edition.tz
        ) + dt.timedelta(minutes=slot * spacing)
        session = ProgrammeSession(
            edition_id=edition.id,
            title=f"Session {i}: research security, export controls; and more",
            description=("A description with *Markdown*, commas, semicolons; " * 6).strip(),
            starts_at=starts.astimezone(dt.UTC),
            ends_at=(starts + dt.timedelta(minutes=max(spacing - 5, 5))).astimezone(dt.UTC),
            room=rooms[room],
            track=tracks[i % len(tracks)],
            type=types[i % len(types)],
        )
        if i % 7 == 0:
            session.access = AccessPolicy.CATEGORIES
            session.categories = [category]
        session.speakers = [
            SessionSpeaker(name=f"Speaker {i}-{n}", organisation="University", position=n)
            for n in range(1 + i % 2)
        ]
        db.session.add(session)
    edition.programme_changed_at = utcnow()
    db.session.commit()
    return edition


def _median_ms(client, url: str, runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds of ``runs`` GETs (CPU time is steadier on a busy
    machine; on a quiet one the two are close)."""
    client.get(url)  # warm caches (templates, VTIMEZONE) once
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    return statistics.median(wall), statistics.median(cpu)


def run() -> None:
    """Print one figure per line: ms per export for 300 and 3,000 sessions, and growth."""
    from flask_migrate import upgrade

    logging.getLogger("alembic").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-calendar-") as tmp:
        app = _app(Path(tmp))
        with app.app_context():
            upgrade()
            generate(2027, 300)
            generate(2028, 3000)
            client = app.test_client()
            app.config["PAGE_CACHE_ENABLED"] = False  # these figures time building the body
            cpu_results: dict[tuple[str, int], float] = {}
            for year, count, runs in ((2027, 300, 15), (2028, 3000, 5)):
                for name in URLS:
                    wall, cpu = _median_ms(client, f"/{year}/{name}", runs)
                    cpu_results[(name, count)] = cpu
                    verdict = ""
                    if count == 300:
                        verdict = " (target < 50 ms: met)" if wall < TARGET_MS else " (SLOW)"
                    print(
                        f"calendar {name} {count} sessions: {wall:.1f} ms"
                        f" [cpu {cpu:.1f} ms]{verdict}"
                    )
            for name in URLS:  # on CPU time: wall-clock ratios are noise on a busy machine
                ratio = cpu_results[(name, 3000)] / cpu_results[(name, 300)]
                print(f"calendar {name} growth 300->3000 sessions: {ratio:.1f}x cpu (linear: 10x)")
            _cached_figures(app, client)
            from conference.extensions import db

            db.engine.dispose()


def _cached_figures(app, client) -> None:
    """Issue 22: an unchanged programme served from the page cache, against building it
    (target: at least 10x the throughput; CPU time per request, anonymous caller)."""
    for year, count in ((2027, 300), (2028, 3000)):
        for name in (*URLS, "programme"):
            url = f"/{year}/{name}"
            app.config["PAGE_CACHE_ENABLED"] = False
            _built_wall, built = _median_ms(client, url, 5)
            app.config["PAGE_CACHE_ENABLED"] = True
            _cached_wall, cached = _median_ms(client, url, 30)
            ratio = built / max(cached, 0.001)
            verdict = "met" if ratio >= 10 else "NOT met"
            print(
                f"cached {name} {count} sessions: {cached:.2f} ms cpu"
                f" (built: {built:.1f} ms; {ratio:.0f}x, target >= 10x: {verdict})",
                flush=True,
            )


if __name__ == "__main__":
    run()
