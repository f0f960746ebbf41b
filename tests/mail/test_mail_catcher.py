"""The development mail catcher (make run): a real SMTP server writing each message to a file."""

import os
import signal
import smtplib
import subprocess
import sys
import time
from email import message_from_bytes, policy

from conference import mail, mailcatcher
from conference.config import ROOT
from tests.conftest import free_port
from tests.factories import PASSWORD


def test_catcher_writes_each_message_with_both_parts(app, client, db, tmp_path):
    lines = []
    port = free_port()
    controller = mailcatcher.start(tmp_path / "mail", port=port, report=lines.append)
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        client.post(
            "/signup",
            data={"full_name": "Zoë Test", "email": "zoe@example.org", "password": PASSWORD},
        )
        assert mail.send_pending() == (1, 0)
    finally:
        controller.stop()
    [path] = (tmp_path / "mail").glob("*.eml")
    assert "zoe@example.org" in path.name
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["Subject"] == "Please confirm your e-mail address"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "http://conference.test/verify/" in text
    assert '<a href="http://conference.test/verify/' in html
    # The terminal line gives the link to click.
    assert "zoe@example.org" in lines[0] and "http://conference.test/verify/" in lines[0]


def test_flask_mail_catcher_command_runs_a_server(tmp_path):
    port = free_port()
    env = {**os.environ, "FLASK_APP": "wsgi.py", "INSTANCE_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(  # noqa: S603 (our own command)
        [sys.executable, "-m", "flask", "mail", "catcher", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                smtp = smtplib.SMTP("127.0.0.1", port, timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        with smtp:
            smtp.sendmail(
                "conference@localhost",
                ["x@example.org"],
                b"Subject: Hi\r\nTo: x@example.org\r\n\r\nSee http://127.0.0.1:5000/verify/abc\r\n",
            )
        deadline = time.monotonic() + 10
        while not list((tmp_path / "mail").glob("*.eml")) and time.monotonic() < deadline:
            time.sleep(0.1)
        [path] = (tmp_path / "mail").glob("*.eml")
        assert b"Subject: Hi" in path.read_bytes()
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
    assert process.returncode == 0, output
    assert f"Mail catcher on 127.0.0.1:{port}" in output
    assert "Mail to x@example.org: Hi" in output


def test_make_run_starts_the_catcher_and_points_the_app_at_it():
    result = subprocess.run(
        ["make", "-n", "run", "MAIL_CATCHER_PORT=8099"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    [line] = [line for line in result.stdout.splitlines() if "flask run" in line]
    assert "flask mail catcher --port 8099 &" in line
    assert "MAIL_SERVER=127.0.0.1 MAIL_PORT=8099" in line
