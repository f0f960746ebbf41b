"""A speaker uploads slides after the talk, in headless Chromium, and an attendee finds them."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from conference.db import utcnow
from conference.extensions import db
from conference.programme.speaker_models import SessionMaterial
from tests.browser.conftest import assert_accessible
from tests.programme.factories import make_session
from tests.speakers.helpers import pdf_bytes

pytestmark = pytest.mark.browser


def test_speaker_uploads_slides_after_the_talk(
    live_server, browser, axe_context, browser_login, edition, people, tmp_path
):
    ended = utcnow() - dt.timedelta(hours=2)
    session = make_session(
        edition,
        title="Due diligence in practice",
        speakers=[people["speaker"]],
        starts_at=ended - dt.timedelta(hours=1),
        ends_at=ended,
    )
    slides = tmp_path / "due-diligence.pdf"
    slides.write_bytes(pdf_bytes(author="Sam Speaker"))

    page = axe_context.new_page()
    browser_login(page, people["speaker"])
    page.goto(live_server.url(f"/2027/sessions/{session.id}"))
    with page.expect_navigation():
        page.get_by_role("link", name="My speaker profile (biography and photo)").click()
    assert_accessible(page)
    page.get_by_label("Biography").fill("Sam works on due diligence.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save my speaker profile").click()
    assert "Your speaker profile is saved." in page.content()
    page.goto(live_server.url(f"/2027/sessions/{session.id}"))
    with page.expect_navigation():
        page.get_by_role("link", name="Upload slides and other materials").click()
    assert_accessible(page)
    page.get_by_label("Title").first.fill("Slides: due diligence in practice")
    page.get_by_label("Slides").check()
    page.get_by_label("File (PDF, PPTX, ODP or DOCX)").set_input_files(str(slides))
    with page.expect_navigation():
        page.get_by_role("button", name="Upload", exact=True).click()
    assert "The file is uploaded." in page.content()
    material = db.session.scalar(sa.select(SessionMaterial))
    assert material is not None and material.session_id == session.id

    # An attendee finds the slides on the session page and downloads them (no metadata).
    attendee_context = browser.new_context(accept_downloads=True, bypass_csp=True)
    attendee = attendee_context.new_page()
    browser_login(attendee, people["cleared"])
    attendee.goto(live_server.url(f"/2027/sessions/{session.id}"))
    assert_accessible(attendee)
    assert "Sam works on due diligence." in attendee.content()
    with attendee.expect_download() as info:
        attendee.get_by_role("link", name="Slides: due diligence in practice").click()
    path = info.value.path()
    data = Path(path).read_bytes()
    assert data.startswith(b"%PDF-") and b"Sam Speaker" not in data
    assert info.value.suggested_filename == "due-diligence.pdf"


def test_organiser_labels_a_material_and_reads_its_download_log(
    live_server, axe_context, browser_login, edition, people, login
):
    """Issue 23: the label page and the download log, keyboard-free but axe-checked."""
    session = make_session(
        edition, title="Amber briefing", speakers=[people["speaker"]], tlp="AMBER"
    )
    client = login(people["speaker"])
    response = client.post(
        f"/2027/sessions/{session.id}/materials/upload",
        data={"title": "Briefing", "kind": "slides", "file": (io.BytesIO(pdf_bytes()), "b.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    material = db.session.scalar(sa.select(SessionMaterial))
    assert login(people["cleared"]).get(f"/2027/materials/{material.id}").status_code == 200

    page = axe_context.new_page()
    browser_login(page, people["organiser"])
    page.goto(live_server.url(f"/2027/sessions/{session.id}/materials"))
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Label of Briefing").click()
    assert_accessible(page)
    page.get_by_label("TLP label").select_option("AMBER+STRICT")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert "The label of the material is saved." in page.content()
    db.session.refresh(material)
    assert material.tlp == "AMBER+STRICT"
    with page.expect_navigation():
        page.get_by_role("link", name="1 download of Briefing").click()
    assert_accessible(page)
    assert people["cleared"].full_name in page.content()
