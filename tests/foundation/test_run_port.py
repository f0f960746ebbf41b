"""`make run PORT=…` builds links and the printed login URL with that port."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from conference.config import ROOT


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_passes_the_port_to_the_links():
    result = subprocess.run(
        ["make", "-n", "run", "PORT=5099"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    commands = [line for line in result.stdout.splitlines() if "flask seed-demo" in line]
    commands += [line for line in result.stdout.splitlines() if "flask run" in line]
    assert len(commands) == 2, result.stdout
    for command in commands:
        assert "BASE_URL=http://127.0.0.1:5099" in command, command


def test_seed_demo_prints_the_login_url_of_this_installation(app, runner):
    app.config["BASE_URL"] = "http://127.0.0.1:5099"
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:5099/login" in result.output
    assert "127.0.0.1:5000" not in result.output
