# ruff: noqa: F811 - the shared browser fixtures are imported by name
"""Headless Chromium at a phone's size (390×844): the verdict stays on screen, a repeated
code is ignored for a few seconds, door mode hides the site and locks the checkpoint."""

from __future__ import annotations

import shutil

import pytest

from tests.checkin.test_scanner_browser import (  # noqa: F401 - fixtures
    browser,
    live,
    logged_in_context,
    pytestmark,
    recorded_scans,
    setup,
)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def app_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    app_config["CHECKIN_REPEAT_SECONDS"] = 5
    return app_config


def _in_viewport(page, selector: str) -> bool:
    return page.evaluate(
        """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0; }""",
        selector,
    )


def test_verdict_stays_on_a_phone_screen_and_a_repeat_is_ignored(app, db, live, browser, setup):
    staff, code = setup
    context = logged_in_context(browser, app, live, staff)
    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.goto("/2027/scan")
    page.get_by_label("Badge code").fill(code)
    page.get_by_label("Badge code").press("Enter")  # a keyboard-wedge reader ends with Enter
    result = page.locator("#scan-result")
    result.locator(".scan-verdict", has_text="Admitted").wait_for()
    assert _in_viewport(page, "#scan-result")
    page.mouse.wheel(0, 600)  # even scrolled down to the form, the verdict stays at the top
    page.wait_for_timeout(200)
    assert _in_viewport(page, "#scan-result")

    page.get_by_label("Badge code").fill(code)
    page.get_by_label("Badge code").press("Enter")
    page.wait_for_timeout(500)
    assert [s.result for s in recorded_scans(db)] == ["admitted"]  # the repeat was ignored
    context.close()


def test_door_mode_hides_the_site_locks_the_checkpoint_and_offers_next(
    app, db, live, browser, setup
):
    staff, code = setup
    context = logged_in_context(browser, app, live, staff)
    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.goto("/2027/scan?door=1&checkpoint=venue")
    assert not page.locator(".site-header").is_visible()
    assert page.locator("#scan-next").is_visible()
    page.get_by_label("Badge code").fill(code)
    page.get_by_label("Badge code").press("Enter")
    page.locator("#scan-result .scan-verdict", has_text="Admitted").wait_for()
    assert _in_viewport(page, "#scan-result")
    page.locator("#scan-next").click()
    page.locator("#scan-result .scan-verdict", has_text="Ready").wait_for()
    page.evaluate(
        "() => { const s = document.querySelector('select[name=checkpoint]');"
        " s.value = s.options[s.options.length - 1].value;"
        " s.dispatchEvent(new Event('change')); }"
    )
    assert page.locator("select[name=checkpoint]").input_value() == "venue"
    page.locator("#scan-result .scan-verdict", has_text="Ready").wait_for()
    context.close()


IDB_COUNT = """() => new Promise((resolve) => {
  const open = indexedDB.open('scanner-2027', 1);
  open.onsuccess = () => {
    const req = open.result.transaction('queue').objectStore('queue').count();
    req.onsuccess = () => { const n = req.result; open.result.close(); resolve(n); };
  };
})"""


def test_offline_queue_is_appended_to_indexeddb_and_emptied_when_sent(
    app, db, live, browser, setup
):
    staff, code = setup
    context = logged_in_context(browser, app, live, staff)
    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.goto("/2027/scan")
    page.wait_for_function("() => localStorage.getItem('scanbundle:2027') !== null")
    page.locator("#scanner-status", has_text="are ready").wait_for()
    context.set_offline(True)
    page.evaluate("() => window.dispatchEvent(new Event('offline'))")
    page.get_by_label("Badge code").fill(code)
    page.get_by_label("Badge code").press("Enter")
    page.locator("#scan-result", has_text="Decided offline").wait_for()
    assert _in_viewport(page, "#scan-result")
    page.get_by_label("Badge code").fill("garbage")
    page.get_by_label("Badge code").press("Enter")
    page.locator("#queue-status", has_text="2 scans are waiting").wait_for()
    assert page.evaluate(IDB_COUNT) == 2
    assert page.evaluate("() => localStorage.getItem('scanqueue:2027')") is None
    context.set_offline(False)
    page.locator("#queue-status", has_text="waiting").wait_for(state="detached")
    page.wait_for_timeout(300)
    assert page.evaluate(IDB_COUNT) == 0
    assert len(recorded_scans(db)) == 2
    context.close()


def _zbar(path) -> str:
    import subprocess

    out = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(path)], capture_output=True, text=True, timeout=30
    )
    return out.stdout.strip()


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="needs zbar-tools")
def test_attendee_badge_on_screen_decodes_with_zbar(app, db, live, browser, tmp_path):
    from conference.badges import services as badge_services
    from tests.badges.factories import accredited, keys_for, make_category
    from tests.factories import make_edition, make_user

    edition = make_edition()
    keys_for(2027)
    person = make_user(full_name="Zoë Screen")
    registration = accredited(person, edition, make_category(edition, "ATT", "Attendee"))
    badge = badge_services.valid_badge(registration)
    code = badge_services.badge_code(badge)
    context = logged_in_context(browser, app, live, person)
    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.goto("/2027/me/badge")
    assert "Zoë Screen" in page.inner_text("body")
    assert f"Badge No. {badge.number}" in page.inner_text("body")
    shot = tmp_path / "badge.png"
    page.locator(".badge-screen-qr").screenshot(path=str(shot))
    assert _zbar(shot).upper() == code.upper()
    context.close()


@pytest.mark.skipif(not shutil.which("pdfinfo"), reason="needs poppler-utils")
def test_door_print_page_renders_one_a6_badge(app, db, live, browser, tmp_path, setup):
    import re
    import subprocess

    from conference.badges.models import Badge
    from conference.editions.models import Edition
    from tests.factories import make_user

    badge = db.session.scalars(db.select(Badge)).first()
    edition = db.session.get(Edition, badge.edition_id)
    organiser = make_user(role="organiser", edition=edition)
    context = logged_in_context(browser, app, live, organiser)
    page = context.new_page()
    page.goto(f"/2027/organise/badges/{badge.id}/print")
    assert "Łucja Ørsted" in page.inner_text(".badge-a6")
    pdf = tmp_path / "badge.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M), info
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    mm = 72 / 25.4
    assert abs(width - 105 * mm) < 2 and abs(height - 148 * mm) < 2, info
    context.close()


def test_lookup_and_manual_admission_on_a_phone(app, db, live, browser, setup):
    staff, _code = setup
    context = logged_in_context(browser, app, live, staff)
    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.goto("/2027/scan?door=1&checkpoint=venue")
    page.get_by_label("Name, organisation or badge number").fill("Ørsted")
    page.get_by_role("button", name="Find").click()
    page.locator(".lookup-result", has_text="Łucja Ørsted").wait_for()
    page.get_by_label("Reason", exact=True).select_option("forgotten_badge")
    page.get_by_role("button", name="Admit manually").click()
    page.locator("#scan-result .scan-verdict", has_text="Admitted").wait_for()
    assert "Manual admission" in page.inner_text("#scan-result")
    assert _in_viewport(page, "#scan-result")
    assert not page.locator(".site-header").is_visible()  # still in door mode
    [scan] = recorded_scans(db)
    assert (scan.manual_reason, scan.staff_id) == ("forgotten_badge", staff.id)
    context.close()


def _y4m_of_qr(text: str, path, *, width: int = 640, height: int = 480, frames: int = 20):
    """A Y4M video (Chromium's fake camera) showing ``text`` as a QR code, black on white."""
    import qrcode

    qr = qrcode.QRCode(border=4)
    qr.add_data(text)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    count = len(matrix)
    module = min(width, height) // count
    left, top = (width - module * count) // 2, (height - module * count) // 2
    luma = bytearray(b"\xff" * (width * height))
    for row, cells in enumerate(matrix):
        for col, dark in enumerate(cells):
            if dark:
                for y in range(top + row * module, top + (row + 1) * module):
                    start = y * width + left + col * module
                    luma[start : start + module] = b"\x00" * module
    chroma = b"\x80" * (width * height // 4)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + bytes(luma) + chroma + chroma)


def test_camera_scan_of_a_real_badge_keeps_the_verdict_on_screen(app, db, live, setup, tmp_path):
    from playwright.sync_api import sync_playwright

    from tests.checkin.test_scanner_browser import ARGS, CHROMIUM

    staff, code = setup
    video = tmp_path / "badge.y4m"
    _y4m_of_qr(code, video)
    args = ARGS + [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            context = logged_in_context(chromium, app, live, staff)
            context.grant_permissions(["camera"], origin=live)
            page = context.new_page()
            page.set_viewport_size(PHONE)
            page.goto("/2027/scan")
            page.get_by_role("button", name="Start the camera").click()
            page.locator("#scan-result .scan-verdict", has_text="Admitted").wait_for(timeout=20000)
            assert _in_viewport(page, "#scan-result")
            assert page.evaluate("() => document.activeElement.name") != "code"
            page.wait_for_timeout(1500)  # the badge stays in front of the camera
            assert [s.result for s in recorded_scans(db)] == ["admitted"]
            context.close()
        finally:
            chromium.close()


def _offline(context, page):
    context.set_offline(True)
    page.evaluate("() => window.dispatchEvent(new Event('offline'))")


def _scanner_ready(context, page):
    page.goto("/2027/scan?door=1&checkpoint=venue")
    page.wait_for_function("() => localStorage.getItem('scanbundle:2027') !== null")
    page.locator("#scanner-status", has_text="are ready").wait_for()


def test_offline_lookup_by_name_admits_manually_and_sends_it_later(app, db, live, browser, setup):
    from conference.checkin import services
    from conference.editions.models import Edition

    staff, _code = setup
    edition = db.session.scalar(db.select(Edition).where(Edition.year == 2027))
    services.update_door_settings(edition, names=True, exits=set(), actor=None)
    db.session.commit()
    context = logged_in_context(browser, app, live, staff)
    page = context.new_page()
    page.set_viewport_size(PHONE)
    _scanner_ready(context, page)
    _offline(context, page)
    page.get_by_label("Name, organisation or badge number").fill("ørsted")
    page.get_by_role("button", name="Find").click()
    found = page.locator("#offline-lookup .lookup-result", has_text="Łucja Ørsted")
    found.wait_for()
    found.get_by_label("Reason").select_option("unreadable_print")
    found.get_by_role("button", name="Admit manually").click()
    result = page.locator("#scan-result")
    result.locator(".scan-verdict", has_text="Admitted").wait_for()
    assert "Łucja Ørsted" in result.inner_text()
    assert "Manual admission" in result.inner_text()
    assert _in_viewport(page, "#scan-result")
    page.locator("#queue-status", has_text="1 scan is waiting").wait_for()
    assert recorded_scans(db) == []

    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.locator("#queue-status", has_text="waiting").wait_for(state="detached")
    page.wait_for_timeout(300)
    [scan] = recorded_scans(db)
    assert (scan.manual_reason, scan.offline, scan.staff_id) == (
        "unreadable_print",
        True,
        staff.id,
    )
    context.close()


def test_offline_lookup_without_names_still_admits_by_printed_number(app, db, live, browser, setup):
    from conference.badges.models import Badge

    staff, _code = setup
    number = db.session.scalar(db.select(Badge.number))
    context = logged_in_context(browser, app, live, staff)
    page = context.new_page()
    page.set_viewport_size(PHONE)
    _scanner_ready(context, page)
    assert "Names are found online only" in page.inner_text("#lookup")
    _offline(context, page)
    page.get_by_label("Name, organisation or badge number").fill("Ørsted")
    page.get_by_role("button", name="Find").click()
    page.locator("#offline-lookup", has_text="keeps no names").wait_for()
    page.get_by_label("Name, organisation or badge number").fill(str(number))
    page.get_by_role("button", name="Find").click()
    found = page.locator("#offline-lookup .lookup-result", has_text=f"badge No. {number}")
    found.wait_for()
    assert "Ørsted" not in page.inner_text("#offline-lookup")
    found.get_by_role("button", name="Admit manually").click()
    page.locator("#scan-result .scan-verdict", has_text="Admitted").wait_for()
    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.locator("#queue-status", has_text="waiting").wait_for(state="detached")
    page.wait_for_timeout(300)
    [scan] = recorded_scans(db)
    assert scan.manual_reason == "forgotten_badge"
    context.close()


def test_exit_direction_appears_only_at_a_door_that_takes_exits(app, db, live, browser, setup):
    from conference.checkin import services
    from conference.editions.models import Edition

    staff, _code = setup
    edition = db.session.scalar(db.select(Edition).where(Edition.year == 2027))
    context = logged_in_context(browser, app, live, staff)
    page = context.new_page()
    page.goto("/2027/scan?checkpoint=venue")
    assert not page.get_by_label("Direction").is_visible()
    services.update_door_settings(edition, names=False, exits={"venue"}, actor=None)
    db.session.commit()
    page.reload()
    page.get_by_label("Direction").wait_for()
    assert page.get_by_label("Direction").is_visible()
    context.close()


def test_the_on_screen_badge_opens_offline_after_one_visit(app, db, live, browser):
    from conference.badges import services as badge_services
    from tests.badges.factories import accredited, keys_for, make_category
    from tests.factories import make_edition, make_user

    edition = make_edition()
    keys_for(2027)
    person = make_user(full_name="Oskar Offline")
    registration = accredited(person, edition, make_category(edition, "ATT", "Attendee"))
    badge = badge_services.valid_badge(registration)
    context = logged_in_context(browser, app, live, person)
    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.goto("/2027/me/badge")
    page.wait_for_function(
        "() => navigator.serviceWorker.ready.then((r) => !!r.active)", timeout=15000
    )
    page.wait_for_function(
        "() => caches.keys().then((keys) => Promise.all(keys.map((k) => caches.open(k)"
        ".then((c) => c.match('/2027/me/badge'))))).then((found) => found.some(Boolean))",
        timeout=15000,
    )
    context.set_offline(True)
    page.reload()
    assert "Oskar Offline" in page.inner_text("body")
    assert f"Badge No. {badge.number}" in page.inner_text("body")
    assert page.locator(".badge-screen-qr svg").count() == 1
    context.close()


def test_door_staff_print_a_badge_from_the_lookup_in_door_mode(app, db, live, browser, setup):
    staff, _code = setup
    context = logged_in_context(browser, app, live, staff)
    page = context.new_page()
    page.goto("/2027/scan?door=1&checkpoint=venue")
    page.get_by_label("Name, organisation or badge number").fill("Ørsted")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Print the badge").click()
    page.locator(".badge-a6", has_text="Łucja Ørsted").wait_for()
    page.get_by_role("link", name="Back").click()
    page.wait_for_url("**/2027/scan?door=1")
    context.close()
