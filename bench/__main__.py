"""``python -m bench`` (``make bench``): run every part and print one figure per line.

Each part is a module ``bench/<part>.py`` with a ``run()`` that prints its figures; a part whose
prerequisite is missing prints one ``<part>: skipped (…)`` line, so the run always completes.
Run some parts only with ``python -m bench checkin pages``.
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
import time
import traceback

from bench.common import Skip, note

PARTS = [
    "checkin",
    "pages",
    "calendar",
    "agenda",
    "schedule_release",
    "badges",
    "review",
    "registration_rush",
    "health",
]


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def main(argv: list[str]) -> int:
    wanted = argv or PARTS
    note(f"machine: {_machine()}")
    failed = False
    for part in wanted:
        try:
            module = importlib.import_module(f"bench.{part}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bench.{part}":
                print(f"{part}: skipped (missing module {exc.name})", flush=True)
            else:
                print(f"{part}: skipped (bench/{part}.py not written yet)", flush=True)
            continue
        run = getattr(module, "run", None)
        if run is None:
            print(f"{part}: skipped (no run() in bench/{part}.py)", flush=True)
            continue
        started = time.monotonic()
        try:
            run()
        except Skip as exc:
            print(f"{part}: skipped ({exc})", flush=True)
        except Exception:
            failed = True
            print(f"{part}: failed", flush=True)
            traceback.print_exc()
        else:
            note(f"{part} took {time.monotonic() - started:.0f}s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
