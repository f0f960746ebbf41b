"""Labelled materials (issue 23): per-material labels, watermarked personal copies, RED
materials view-only, the download log and its denials, no recordings for Chatham House."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader, PdfWriter

from conference.accreditation import privacy
from conference.accreditation.models import Registration
from conference.audit import AuditEntry
from conference.errors import DomainError
from conference.extensions import db
from conference.permissions import Channel
from conference.programme.services import downloads, files, materials
from conference.programme.speaker_models import MaterialDownload, SessionMaterial
from tests.factories import PASSWORD, make_user
from tests.programme.factories import make_session
from tests.speakers.helpers import pptx_bytes


def pages_pdf(count: int = 3) -> bytes:
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def upload(client, session, data: bytes, *, name="slides.pdf", title="Briefing", **extra):
    return client.post(
        f"/2027/sessions/{session.id}/materials/upload",
        data={"title": title, "kind": "slides", "file": (io.BytesIO(data), name), **extra},
        content_type="multipart/form-data",
    )


def latest() -> SessionMaterial:
    return db.session.scalar(sa.select(SessionMaterial).order_by(SessionMaterial.id.desc()))


def log_rows() -> list[MaterialDownload]:
    return list(db.session.scalars(sa.select(MaterialDownload).order_by(MaterialDownload.id)))


def page_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def registration_id(user, edition) -> int:
    return db.session.scalar(
        sa.select(Registration.id).where(
            Registration.user_id == user.id, Registration.edition_id == edition.id
        )
    )


@pytest.fixture
def amber_session(edition, people, category):
    return make_session(
        edition,
        title="Amber briefing",
        speakers=[people["speaker"]],
        restricted_to=[category],
        tlp="AMBER",
    )


@pytest.fixture
def red_session(edition, people, category):
    return make_session(
        edition,
        title="Red briefing",
        speakers=[people["speaker"]],
        restricted_to=[category],
        tlp="RED",
    )


@pytest.fixture
def amber_pdf(login, amber_session, people):
    assert upload(login(people["speaker"]), amber_session, pages_pdf(3)).status_code == 302
    return latest()


# --- watermarks -------------------------------------------------------------------------------


def test_every_page_of_a_downloaded_pdf_names_the_downloader(login, amber_pdf, people, edition):
    cleared = people["cleared"]
    response = login(cleared).get(f"/2027/materials/{amber_pdf.id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    texts = page_texts(response.data)
    assert len(texts) == 3
    number = f"Registration no. {registration_id(cleared, edition)}"
    for text in texts:
        assert cleared.full_name in text
        assert number in text
        assert "TLP:AMBER" in text
        assert "UTC" in text and "Europe/Brussels" in text


def test_a_labelled_copy_is_never_cached_and_has_no_etag(login, amber_pdf, people):
    response = login(people["cleared"]).get(f"/2027/materials/{amber_pdf.id}")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers


def test_two_people_get_different_files_and_the_stored_original_is_unchanged(
    login, amber_pdf, people, edition, category
):
    original = files.file_store().read(amber_pdf.storage_key)
    other = people["organiser"]
    first = login(people["cleared"]).get(f"/2027/materials/{amber_pdf.id}").data
    second = login(other).get(f"/2027/materials/{amber_pdf.id}").data
    assert first != second
    assert people["cleared"].full_name in page_texts(first)[0]
    assert people["cleared"].full_name not in page_texts(second)[0]
    assert other.full_name in page_texts(second)[0]
    # Without a registration, the account identifies the person.
    assert f"Account no. {other.id}" in page_texts(second)[0]
    assert files.file_store().read(amber_pdf.storage_key) == original
    assert all(not text.strip() for text in page_texts(original))


@pytest.mark.parametrize("label", ["GREEN", "AMBER+STRICT"])
def test_green_and_amber_strict_pdfs_are_watermarked(login, edition, people, label):
    session = make_session(edition, speakers=[people["speaker"]], tlp=label)
    assert upload(login(people["speaker"]), session, pages_pdf(2)).status_code == 302
    response = login(people["cleared"]).get(f"/2027/materials/{latest().id}")
    assert response.status_code == 200
    assert all(f"TLP:{label}" in text for text in page_texts(response.data))


def test_clear_materials_are_served_as_before_and_not_logged(login, edition, people):
    session = make_session(edition, speakers=[people["speaker"]])
    assert upload(login(people["speaker"]), session, pages_pdf(1)).status_code == 302
    material = latest()
    response = login(people["cleared"]).get(f"/2027/materials/{material.id}")
    assert response.status_code == 200
    assert response.data == files.file_store().read(material.storage_key)
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert log_rows() == []


def test_a_stricter_own_label_watermarks_a_material_of_a_clear_session(login, edition, people):
    session = make_session(edition, speakers=[people["speaker"]])
    assert upload(login(people["speaker"]), session, pages_pdf(1), tlp="AMBER").status_code == 302
    material = latest()
    assert material.tlp == "AMBER"
    response = login(people["cleared"]).get(f"/2027/materials/{material.id}")
    assert "TLP:AMBER" in page_texts(response.data)[0]
    assert response.headers["Cache-Control"] == "private, no-store"


def test_an_unreadable_stored_pdf_is_a_clear_422(login, amber_pdf, people):
    files.file_store().save(amber_pdf.storage_key, b"%PDF-1.4 broken beyond repair")
    response = login(people["cleared"]).get(f"/2027/materials/{amber_pdf.id}")
    assert response.status_code == 422
    assert "cannot be watermarked" in response.get_data(as_text=True)
    assert log_rows() == []


def test_an_encrypted_pdf_is_refused_at_upload(login, amber_session, people):
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    response = upload(login(people["speaker"]), amber_session, out.getvalue())
    assert response.status_code == 415
    assert latest() is None


# --- the download log -------------------------------------------------------------------------


def test_every_copy_of_a_labelled_material_is_logged(login, amber_pdf, people, edition):
    login(people["cleared"]).get(f"/2027/materials/{amber_pdf.id}")
    login(people["speaker"]).get(f"/2027/materials/{amber_pdf.id}")
    rows = log_rows()
    assert [(r.user_id, r.label, r.material_id, r.edition_id) for r in rows] == [
        (people["cleared"].id, "AMBER", amber_pdf.id, edition.id),
        (people["speaker"].id, "AMBER", amber_pdf.id, edition.id),
    ]
    assert all(r.watermarked and not r.inline for r in rows)


def test_organisers_list_the_downloads_newest_first(login, amber_pdf, people):
    login(people["cleared"]).get(f"/2027/materials/{amber_pdf.id}")
    login(people["speaker"]).get(f"/2027/materials/{amber_pdf.id}")
    response = login(people["organiser"]).get(f"/2027/materials/{amber_pdf.id}/downloads")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "2 copies handed out" in page
    assert page.index(people["speaker"].full_name) < page.index(people["cleared"].full_name)
    # linked from the session's materials page
    materials_page = login(people["organiser"]).get(
        f"/2027/sessions/{amber_pdf.session_id}/materials"
    )
    assert f"/2027/materials/{amber_pdf.id}/downloads" in materials_page.get_data(as_text=True)


def test_the_log_is_paginated(login, amber_pdf, people, edition):
    for _ in range(downloads.PAGE_SIZE + 3):
        downloads.record(
            people["cleared"], edition, amber_pdf, "AMBER", inline=False, watermarked=True
        )
    db.session.commit()
    client = login(people["organiser"])
    assert "Page 1 of 2" in client.get(f"/2027/materials/{amber_pdf.id}/downloads").get_data(
        as_text=True
    )
    assert client.get(f"/2027/materials/{amber_pdf.id}/downloads?page=2").status_code == 200
    assert client.get(f"/2027/materials/{amber_pdf.id}/downloads?page=x").status_code == 400


def test_organisers_export_the_log_as_csv(login, amber_pdf, people):
    login(people["cleared"]).get(f"/2027/materials/{amber_pdf.id}")
    response = login(people["organiser"]).get(f"/2027/materials/{amber_pdf.id}/downloads.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert "downloaded_at_utc,name,email,label" in body
    assert f"{people['cleared'].full_name},{people['cleared'].email},AMBER,no,yes" in body
    denied = login(people["speaker"]).get(f"/2027/materials/{amber_pdf.id}/downloads.csv")
    assert denied.status_code == 403


def test_removing_a_material_removes_its_log(login, amber_pdf, people, edition):
    login(people["cleared"]).get(f"/2027/materials/{amber_pdf.id}")
    assert len(log_rows()) == 1
    materials.delete_material(people["organiser"], edition, amber_pdf)
    db.session.commit()
    assert log_rows() == []


@pytest.mark.parametrize("who", ["speaker", "cleared", "uncleared"])
def test_only_organisers_see_the_log(login, amber_pdf, people, who):
    login(people["cleared"]).get(f"/2027/materials/{amber_pdf.id}")
    before = len(log_rows())
    response = login(people[who]).get(f"/2027/materials/{amber_pdf.id}/downloads")
    assert response.status_code == 403
    assert people["cleared"].full_name not in response.get_data(as_text=True)
    assert len(log_rows()) == before


def test_anonymous_visitors_are_sent_to_log_in_for_the_log(client, amber_pdf):
    response = client.get(f"/2027/materials/{amber_pdf.id}/downloads")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_downloads_of_a_deleted_account_stay_without_the_person(login, amber_pdf, people):
    cleared = people["cleared"]
    login(cleared).get(f"/2027/materials/{amber_pdf.id}")
    data = privacy.personal_data(cleared)
    assert [row["material_id"] for row in data["material_downloads"]] == [amber_pdf.id]
    assert data["material_downloads"][0]["label"] == "AMBER"
    privacy.delete_account(cleared, PASSWORD)
    db.session.commit()
    rows = log_rows()
    assert len(rows) == 1 and rows[0].user_id is None and rows[0].label == "AMBER"


# --- who receives a labelled material -----------------------------------------------------------


def test_uncleared_and_anonymous_people_get_nothing_and_nothing_is_logged(
    login, client, amber_pdf, people
):
    assert login(people["uncleared"]).get(f"/2027/materials/{amber_pdf.id}").status_code == 404
    response = client.get(f"/2027/materials/{amber_pdf.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert log_rows() == []


def test_red_material_is_shown_inline_watermarked_and_never_stored(
    login, client, red_session, people
):
    assert upload(login(people["speaker"]), red_session, pages_pdf(2)).status_code == 302
    material = latest()
    response = login(people["cleared"]).get(f"/2027/materials/{material.id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "sandbox" not in response.headers["Content-Security-Policy"]
    assert all("TLP:RED" in text for text in page_texts(response.data))
    assert log_rows()[0].inline is True
    assert login(people["uncleared"]).get(f"/2027/materials/{material.id}").status_code == 404
    assert client.get(f"/2027/materials/{material.id}").status_code == 302


def test_red_materials_never_reach_the_api_or_the_exports(
    app, login, red_session, amber_session, amber_pdf, people, edition
):
    assert upload(login(people["speaker"]), red_session, pages_pdf(1)).status_code == 302
    red = latest()
    cleared = people["cleared"]
    with app.test_request_context():
        for channel in (Channel.API, Channel.EXPORT, Channel.FEED, Channel.MAIL):
            found = materials.materials_by_session(cleared, edition, [red_session], channel=channel)
            assert red.id not in [m.id for m in found.get(red_session.id, [])]
            assert not materials.may_see_material(cleared, edition, red, channel=channel)
        # the site itself does show it to a cleared person, and AMBER reaches the API
        assert materials.visible_materials(cleared, edition, red_session) == [red]
        found = materials.materials_by_session(
            cleared, edition, [amber_session], channel=Channel.API
        )
        assert [m.id for m in found[amber_pdf.session_id]] == [amber_pdf.id]
    # and the session page shows it as view-only
    page = login(cleared).get(f"/2027/sessions/{red_session.id}").get_data(as_text=True)
    assert "TLP:RED" in page and "view in the browser only" in page


def test_a_red_material_must_be_a_pdf(login, red_session, amber_session, people):
    response = upload(login(people["speaker"]), red_session, pptx_bytes(), name="deck.pptx")
    assert response.status_code == 415
    assert "upload it as a PDF" in response.get_data(as_text=True)
    response = upload(
        login(people["speaker"]), amber_session, pptx_bytes(), name="deck.pptx", tlp="RED"
    )
    assert response.status_code == 415
    assert latest() is None


def test_a_material_not_shared_reaches_only_organisers_and_speakers(login, edition, people):
    session = make_session(edition, speakers=[people["speaker"]], tlp="GREEN")
    client = login(people["speaker"])
    assert upload(client, session, pages_pdf(1), confined="y").status_code == 302
    material = latest()
    assert material.shared is False
    assert login(people["cleared"]).get(f"/2027/materials/{material.id}").status_code == 404
    assert login(people["speaker"]).get(f"/2027/materials/{material.id}").status_code == 200
    assert login(people["organiser"]).get(f"/2027/materials/{material.id}").status_code == 200
    page = login(people["cleared"]).get(f"/2027/sessions/{session.id}").get_data(as_text=True)
    assert "Briefing" not in page


# --- labels -------------------------------------------------------------------------------------


def test_a_less_strict_label_is_refused_with_a_clear_message(login, amber_session, people):
    response = upload(login(people["speaker"]), amber_session, pages_pdf(1), tlp="GREEN")
    assert response.status_code == 400
    assert "cannot be less strict than its session" in response.get_data(as_text=True)
    assert latest() is None
    response = upload(login(people["speaker"]), amber_session, pages_pdf(1), tlp="BLUE")
    assert response.status_code == 400
    assert latest() is None


def test_the_label_select_offers_only_labels_at_least_as_strict(login, amber_session, people):
    page = login(people["speaker"]).get(f"/2027/sessions/{amber_session.id}/materials")
    text = page.get_data(as_text=True)
    assert 'value="AMBER+STRICT"' in text and 'value="RED"' in text
    assert 'value="GREEN"' not in text and 'value="CLEAR"' not in text


def test_speakers_change_a_label_to_a_stricter_one_and_it_is_audited(login, amber_pdf, people):
    client = login(people["speaker"])
    assert client.get(f"/2027/materials/{amber_pdf.id}/label").status_code == 200
    response = client.post(f"/2027/materials/{amber_pdf.id}/label", data={"tlp": "GREEN"})
    assert response.status_code == 400
    db.session.refresh(amber_pdf)
    assert amber_pdf.tlp is None
    response = client.post(f"/2027/materials/{amber_pdf.id}/label", data={"tlp": "AMBER+STRICT"})
    assert response.status_code == 302
    db.session.refresh(amber_pdf)
    assert amber_pdf.tlp == "AMBER+STRICT"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "material.label"))
    assert entry is not None and entry.details["tlp_to"] == "AMBER+STRICT"


@pytest.mark.parametrize("who", ["cleared", "uncleared"])
def test_people_who_do_not_manage_cannot_change_a_label(login, amber_pdf, people, who):
    response = login(people[who]).post(f"/2027/materials/{amber_pdf.id}/label", data={"tlp": "RED"})
    assert response.status_code == 403
    db.session.refresh(amber_pdf)
    assert amber_pdf.tlp is None


def test_a_submission_material_not_placed_takes_the_edition_default(edition):
    edition.tlp_default = "GREEN"
    material = SessionMaterial(edition_id=edition.id, submission_id=None, tlp=None)
    assert materials.label_floor(edition, None) == "GREEN"
    with pytest.raises(DomainError):
        materials.clean_label(edition, None, "CLEAR")
    assert materials.clean_label(edition, None, "tlp:amber") == "AMBER"
    assert materials.effective_label(edition, material) == "GREEN"


# --- Chatham House ------------------------------------------------------------------------------


def test_recordings_are_refused_for_chatham_house_sessions(login, edition, people):
    session = make_session(edition, speakers=[people["speaker"]], chatham_house=True)
    client = login(people["organiser"])
    response = client.post(
        f"/2027/sessions/{session.id}/materials/recording",
        data={"title": "Video", "url": "https://video.example.org/1"},
    )
    assert response.status_code == 409
    assert "Chatham House" in response.get_data(as_text=True)
    assert latest() is None


def test_existing_recordings_of_chatham_house_sessions_reach_nobody(login, edition, people):
    session = make_session(edition, speakers=[people["speaker"]])
    recording = materials.add_recording(
        people["organiser"],
        edition,
        title="Video",
        url="https://video.example.org/1",
        session=session,
    )
    session.chatham_house = True
    db.session.commit()
    url = f"/2027/materials/{recording.id}"
    assert login(people["cleared"]).get(url).status_code == 404
    assert "video.example.org" not in login(people["cleared"]).get(
        f"/2027/sessions/{session.id}"
    ).get_data(as_text=True)
    # The rule: no recording links at all; organisers still see (and can remove) it on the
    # materials page.
    assert login(people["speaker"]).get(url).status_code == 404
    assert login(people["organiser"]).get(url).status_code == 404
    managed = login(people["organiser"]).get(f"/2027/sessions/{session.id}/materials")
    assert "Video" in managed.get_data(as_text=True)


# --- the rule, per label, viewer and channel -----------------------------------------------------

VIEWERS = ("anonymous", "newcomer", "accredited", "speaker", "organiser")
EXPECTED = {
    # label: (page answers per viewer, API answers per viewer)
    "CLEAR": ((1, 1, 1, 1, 1), (1, 1, 1, 1, 1)),
    "GREEN": ((0, 0, 1, 1, 1), (0, 0, 1, 1, 1)),
    "AMBER": ((0, 0, 1, 1, 1), (0, 0, 1, 1, 1)),
    "AMBER+STRICT": ((0, 0, 1, 1, 1), (0, 0, 1, 1, 1)),
    "RED": ((0, 0, 1, 1, 1), (0, 0, 0, 0, 0)),
    "not shared": ((0, 0, 0, 1, 1), (0, 0, 0, 0, 0)),
}


@pytest.mark.parametrize("label", list(EXPECTED))
def test_material_download_rule_per_label_viewer_and_channel(app, edition, people, label):
    """An open session (its access rule lets everyone in): the material's own label decides."""
    session = make_session(edition, speakers=[people["speaker"]])
    material = SessionMaterial(
        edition_id=edition.id,
        session_id=session.id,
        title="M",
        kind="document",
        storage_key="0" * 32 + ".pdf",
        content_type="application/pdf",
        tlp=None if label in ("CLEAR", "not shared") else label,
        shared=label != "not shared",
    )
    db.session.add(material)
    db.session.commit()
    viewers = {
        "anonymous": None,
        "newcomer": make_user("newcomer@example.org"),
        "accredited": people["uncleared"],
        "speaker": people["speaker"],
        "organiser": people["organiser"],
    }
    page, api = EXPECTED[label]
    for who, want_page, want_api in zip(VIEWERS, page, api, strict=True):
        with app.test_request_context():
            user = viewers[who]
            got_page = materials.may_see_material(user, edition, material, channel=Channel.PAGE)
            got_api = materials.may_see_material(user, edition, material, channel=Channel.API)
        assert (who, got_page, got_api) == (who, bool(want_page), bool(want_api))
