"""The scanner and the monitor show times on the 24-hour clock, like every other page."""

from __future__ import annotations

import re
from pathlib import Path

from conference.config import ROOT


def _calls(js: str) -> list[str]:
    return re.findall(r"toLocale(?:Time)?String\(([^)]*)\)", js)


def test_scanner_script_formats_times_on_the_24_hour_clock(client):
    response = client.get("/static/js/checkin.js")
    assert response.status_code == 200
    calls = _calls(response.get_data(as_text=True))
    response.close()
    assert calls, "the scanner formats times"
    for arguments in calls:
        assert 'hourCycle: "h23"' in arguments, arguments


def test_no_page_or_script_uses_the_12_hour_clock():
    sources = [*(ROOT / "templates").rglob("*.html"), *(ROOT / "templates").rglob("*.txt")]
    sources += [p for p in (ROOT / "static" / "js").glob("*.js")]
    sources += list((ROOT / "conference").rglob("*.py"))
    offenders = []
    for path in sources:
        text = Path(path).read_text(encoding="utf-8")
        if re.search(r"%-?[Ilp]\b|hour12:\s*true|hourCycle:\s*\"h12\"", text):
            offenders.append(str(path.relative_to(ROOT)))
        for arguments in _calls(text) if path.suffix == ".js" else []:
            if "hourCycle" not in arguments and "hour12" not in arguments:
                offenders.append(f"{path.relative_to(ROOT)}: toLocale…String({arguments})")
    assert offenders == []
