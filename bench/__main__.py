"""Run the benchmarks: ``python -m bench`` (all) or ``python -m bench calendar …`` (some).

Each module listed in ``BENCHMARKS`` has a ``run()`` that prints one figure per line.
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ["calendar"]


def main(argv: list[str]) -> int:
    names = argv or BENCHMARKS
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    for name in names:
        print(f"== {name}")
        importlib.import_module(f"bench.{name}").run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
