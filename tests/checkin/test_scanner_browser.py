"""Headless Chromium on the scanner page: manual entry online, and a scan decided offline."""

from __future__ import annotations

import base64
import datetime as dt
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from conference.badges import services as badge_services
from conference.badges import signing
from conference.checkin.models import Scan
from conference.db import utcnow
from tests.badges.factories import accredited, keys_for, make_category
from tests.conftest import free_port
from tests.factories import make_edition, make_user

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
    pytest.mark.skipif(
        not Path("static/js/vendor/jsQR.js").exists() and not shutil.which("npm"),
        reason="needs the vendored jsQR (make assets)",
    ),
]


@pytest.fixture
def app_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True  # the page must send X-CSRFToken like in production
    app_config["CHECKIN_REPEAT_SECONDS"] = 0  # these tests scan one badge twice in a row
    return app_config


@pytest.fixture
def live(app):
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def logged_in_context(browser, app, base_url, user):
    """A browser context carrying a signed session cookie for ``user``."""
    serializer = app.session_interface.get_signing_serializer(app)
    # As login_client does: the session has passed the second factor too.
    cookie = serializer.dumps({"_user_id": user.get_id(), "_fresh": True, "_2fa_user": user.id})
    context = browser.new_context(base_url=base_url, service_workers="allow")
    context.add_cookies(
        [{"name": app.config["SESSION_COOKIE_NAME"], "value": cookie, "url": base_url}]
    )
    return context


def recorded_scans(db):
    db.session.expire_all()
    return db.session.scalars(db.select(Scan).order_by(Scan.id)).all()


@pytest.fixture
def setup(app, db):
    edition = make_edition()
    keys_for(2027)
    staff = make_user(role="staff", edition=edition)
    registration = accredited(
        make_user(full_name="Łucja Ørsted"), edition, make_category(edition, "ATT", "Attendee")
    )
    code = badge_services.badge_code(badge_services.valid_badge(registration))
    return staff, code


def test_manual_entry_shows_the_result(app, db, live, browser, setup):
    staff, code = setup
    context = logged_in_context(browser, app, live, staff)
    page = context.new_page()
    page.goto("/2027/scan")
    page.get_by_label("Badge code").fill(code)
    page.get_by_role("button", name="Check the badge").click()
    result = page.locator("#scan-result")
    result.locator(".scan-verdict", has_text="Admitted").wait_for()
    assert "Łucja Ørsted" in result.inner_text()
    assert "scan-admitted" in result.get_attribute("class")

    page.get_by_label("Badge code").fill(code)
    page.get_by_label("Badge code").press("Enter")
    result.locator(".scan-verdict", has_text="Admitted again").wait_for()
    assert "scan-admitted_again" in result.get_attribute("class")

    page.get_by_label("Badge code").fill("not a badge")
    page.get_by_role("button", name="Check the badge").click()
    result.locator(".scan-verdict", has_text="Denied").wait_for()
    assert "Not a valid badge code" in result.inner_text()
    assert [s.result for s in recorded_scans(db)] == ["admitted", "admitted_again", "denied"]
    context.close()


def _forge(code: str) -> str:
    body = code[len(signing.PREFIX) :]
    raw = bytearray(base64.b32decode(body + "=" * (-len(body) % 8)))
    raw[-5] ^= 0x01
    return signing.PREFIX + base64.b32encode(bytes(raw)).decode().rstrip("=")


def test_offline_scan_is_verified_in_the_browser_and_synced_once(app, db, live, browser, setup):
    staff, code = setup
    context = logged_in_context(browser, app, live, staff)
    page = context.new_page()
    page.goto("/2027/scan")
    # The bundle (keys and rules) is stored and the service worker has cached the page.
    page.wait_for_function("() => localStorage.getItem('scanbundle:2027') !== null")
    page.wait_for_function(
        "() => navigator.serviceWorker.ready.then((r) => !!r.active)", timeout=15000
    )
    page.locator("#scanner-status", has_text="are ready").wait_for()

    context.set_offline(True)
    page.reload()  # served by the service worker from its cache
    page.locator("#scanner-status", has_text="Offline").wait_for()
    before = utcnow()

    page.get_by_label("Badge code").fill(code)
    page.get_by_role("button", name="Check the badge").click()
    result = page.locator("#scan-result")
    result.locator(".scan-verdict", has_text="Admitted").wait_for()
    assert "Decided offline" in result.inner_text()

    page.get_by_label("Badge code").fill(_forge(code))
    page.get_by_role("button", name="Check the badge").click()
    result.locator(".scan-verdict", has_text="Denied").wait_for()
    assert "Not a valid badge code" in result.inner_text()
    page.locator("#queue-status", has_text="2 scans are waiting").wait_for()
    assert recorded_scans(db) == []

    context.set_offline(False)
    page.locator("#queue-status", has_text="waiting").wait_for(state="detached")
    page.wait_for_timeout(500)
    scans = recorded_scans(db)
    assert [(s.result, s.reason) for s in scans] == [
        ("admitted", None),
        ("denied", "invalid_code"),
    ]
    assert all(s.offline for s in scans)
    assert all(s.scan_id for s in scans)
    # Original scan times, not the time they reached the server.
    assert all(before - dt.timedelta(seconds=5) <= s.scanned_at <= s.received_at for s in scans)
    assert scans[0].staff_id == staff.id

    # Sending the same queued scan again (a retry) records nothing new.
    page.evaluate(
        """([url, scanId, code, when]) => fetch(url, {method: 'POST', credentials: 'same-origin',
             headers: {'Content-Type': 'application/json',
                       'X-CSRFToken': document.getElementById('scanner').dataset.csrf},
             body: JSON.stringify({code: code, checkpoint: 'venue', scan_id: scanId,
                                   scanned_at: when, offline: true})}).then(r => r.status)""",
        [
            "/api/v1/editions/2027/checkins",
            scans[0].scan_id,
            code,
            scans[0].scanned_at.isoformat(),
        ],
    )
    assert len(recorded_scans(db)) == 2
    context.close()


def test_stale_csrf_token_is_renewed_transparently(app, db, live, browser, setup):
    staff, code = setup
    context = logged_in_context(browser, app, live, staff)
    page = context.new_page()
    page.goto("/2027/scan")
    page.locator("#scanner-status", has_text="are ready").wait_for()
    # A new session (as after the cookie expired and the staff member logged in elsewhere):
    # the token in the open page no longer matches.
    serializer = app.session_interface.get_signing_serializer(app)
    cookie = serializer.dumps({"_user_id": staff.get_id(), "_fresh": True, "_2fa_user": staff.id})
    context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": cookie, "url": live}])
    page.get_by_label("Badge code").fill(code)
    page.get_by_role("button", name="Check the badge").click()
    page.locator("#scan-result .scan-verdict", has_text="Admitted").wait_for()
    assert [s.result for s in recorded_scans(db)] == ["admitted"]
    context.close()


def _y4m_with_qr(text: str, path: Path) -> Path:
    """A tiny Y4M video (Chromium's fake camera input) showing ``text`` as a QR code."""
    import qrcode
    from PIL import Image

    width, height = 640, 480
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    qr.add_data(text)
    qr.make(fit=True)
    symbol = qr.make_image(fill_color="black", back_color="white").convert("RGB")
    symbol = symbol.resize((440, 440), Image.NEAREST)
    frame = Image.new("RGB", (width, height), "white")
    frame.paste(symbol, ((width - 440) // 2, (height - 440) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    data = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(3):
            out.write(b"FRAME\n" + data)
    return path


def test_camera_reads_the_badge_qr(app, db, live, setup, tmp_path):
    from playwright.sync_api import sync_playwright

    staff, code = setup
    video = _y4m_with_qr(code, tmp_path / "badge.y4m")
    args = [
        *ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            context = logged_in_context(browser, app, live, staff)
            context.grant_permissions(["camera"], origin=live)
            page = context.new_page()
            page.goto("/2027/scan")
            page.get_by_role("button", name="Start the camera").click()
            result = page.locator("#scan-result .scan-verdict", has_text="Admitted")
            result.first.wait_for(timeout=20000)
            assert "Łucja Ørsted" in page.locator("#scan-result").inner_text()
            page.get_by_role("button", name="Stop the camera").click()
        finally:
            browser.close()
    results = [s.result for s in recorded_scans(db)]
    assert results[0] == "admitted"
    assert set(results) <= {"admitted", "admitted_again"}
