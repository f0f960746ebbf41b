"""Benchmarks run by ``make bench`` (``python -m bench``); each module has a ``run()``."""
