"""Benchmark of issue 18: the programme grid next to the list, the private feed next to the
public one.

Same throw-away database and generated programme as ``bench/calendar.py`` (300 sessions over
3 days and 6 rooms, every 7th restricted). Pages are timed for an anonymous visitor with the
page cache off (every run builds the page): one day as a list and as a grid (target: the grid
no slower than the list). Feeds: the public ``programme.ics`` (anonymous) and the private
full-programme feed of a cleared attendee (secret URL, built in full each time).
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from bench.calendar import _app, _median_ms, generate


def _cleared_feed_url(app, edition) -> str:
    """A cleared (accredited, category Experts) attendee's private full-programme feed."""
    import sqlalchemy as sa

    from conference.accounts import services as accounts
    from conference.accreditation.models import (
        AccreditationCategory,
        Registration,
        RegistrationState,
    )
    from conference.calendar import private_feed
    from conference.extensions import db

    category = db.session.scalar(
        sa.select(AccreditationCategory).where(AccreditationCategory.edition_id == edition.id)
    )
    user = accounts.create_user(
        "bench-expert@example.org", "bench-password-1234", verified=True, full_name="Bench Expert"
    )
    db.session.flush()
    db.session.add(
        Registration(
            edition_id=edition.id,
            user_id=user.id,
            state=RegistrationState.ACCREDITED,
            requested_category_id=category.id,
            category_id=category.id,
            full_name=user.full_name,
            email=user.email,
        )
    )
    with app.test_request_context():
        token = private_feed.make_feed(user, edition)
        db.session.commit()
    return f"/calendar/programme/{token}.ics"


def run() -> None:
    from flask_migrate import upgrade

    logging.getLogger("alembic").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-agenda-") as tmp:
        app = _app(Path(tmp))
        with app.app_context():
            upgrade()
            edition = generate(2027, 300)
            client = app.test_client()
            app.config["PAGE_CACHE_ENABLED"] = False
            day = edition.start_date.isoformat()
            list_wall, list_cpu = _median_ms(client, f"/2027/programme?day={day}", 25)
            grid_wall, grid_cpu = _median_ms(client, f"/2027/programme/grid?day={day}", 25)
            print(
                f"agenda list page (one day of 300 sessions): {list_wall:.1f} ms"
                f" [cpu {list_cpu:.1f} ms]"
            )
            verdict = "met" if grid_cpu <= list_cpu * 1.05 else "NOT met"
            print(
                f"agenda grid page (one day of 300 sessions): {grid_wall:.1f} ms"
                f" [cpu {grid_cpu:.1f} ms] ({grid_cpu / list_cpu:.2f}x the list;"
                f" target no slower: {verdict})"
            )
            all_wall, all_cpu = _median_ms(client, "/2027/programme?day=all", 10)
            print(f"agenda list page (all 300 sessions): {all_wall:.1f} ms [cpu {all_cpu:.1f} ms]")
            public_wall, public_cpu = _median_ms(client, "/2027/programme.ics", 15)
            private_wall, private_cpu = _median_ms(client, _cleared_feed_url(app, edition), 15)
            print(
                f"agenda public programme.ics (300 sessions): {public_wall:.1f} ms"
                f" [cpu {public_cpu:.1f} ms]"
            )
            print(
                f"agenda private full-programme feed (300 sessions, cleared): {private_wall:.1f} ms"
                f" [cpu {private_cpu:.1f} ms] ({private_cpu / public_cpu:.2f}x the public feed)"
            )
            from conference.extensions import db

            db.engine.dispose()


if __name__ == "__main__":
    run()
