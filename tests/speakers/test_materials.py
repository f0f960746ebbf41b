"""Materials of sessions: uploads, refusals, and who reaches them on every channel."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from conference.extensions import db
from conference.programme.services import files
from conference.programme.speaker_models import SessionMaterial
from tests.programme.factories import make_session
from tests.speakers.helpers import (
    HTML,
    SVG,
    docx_bytes,
    odp_bytes,
    pdf_bytes,
    pptx_bytes,
)


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(SessionMaterial))


def upload(
    client, session, data: bytes, name: str = "slides.pdf", title="My slides", kind="slides"
):
    return client.post(
        f"/2027/sessions/{session.id}/materials/upload",
        data={"title": title, "kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


@pytest.fixture
def open_session(edition, people):
    return make_session(edition, title="Open talk", speakers=[people["speaker"]])


@pytest.fixture
def restricted_session(edition, people, category):
    return make_session(
        edition, title="Closed briefing", speakers=[people["speaker"]], restricted_to=[category]
    )


def _material(client, session, login_user=None) -> SessionMaterial:
    assert upload(client, session, pdf_bytes()).status_code == 302
    return db.session.scalar(sa.select(SessionMaterial).order_by(SessionMaterial.id.desc()))


# --- uploads ------------------------------------------------------------------------------


def test_speaker_uploads_slides_after_the_talk_and_metadata_is_stripped(
    login, open_session, people, app
):
    client = login(people["speaker"])
    response = upload(client, open_session, pdf_bytes(author="Sam Speaker"))
    assert response.status_code == 302
    material = db.session.scalar(sa.select(SessionMaterial))
    assert material.kind == "slides" and material.content_type == "application/pdf"
    stored = files.file_store().read(material.storage_key)
    assert stored.startswith(b"%PDF-")
    assert b"Sam Speaker" not in stored and b"Writer of Alice" not in stored
    # stored outside the web root, under a random name
    root = app.config["INSTANCE_DIR"] / "materials"
    assert (root / material.storage_key[:2] / material.storage_key).exists()
    assert "slides.pdf" not in material.storage_key


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (pptx_bytes(), "deck.pptx", files.PPTX.content_type),
        (odp_bytes(), "deck.odp", files.ODP.content_type),
        (docx_bytes(), "notes.docx", files.DOCX.content_type),
    ],
)
def test_office_formats_are_recognised_by_content(
    login, open_session, people, data, name, content_type
):
    client = login(people["organiser"])
    assert upload(client, open_session, data, name=name).status_code == 302
    assert db.session.scalar(sa.select(SessionMaterial.content_type)) == content_type


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (HTML, "slides.pdf"),  # renamed HTML
        (SVG, "diagram.svg"),  # SVG with a script
        (SVG, "diagram.pdf"),
        (b"%PDF-1.4 not really a pdf", "broken.pdf"),
        (b"PK\x03\x04garbage", "deck.pptx"),
    ],
)
def test_files_that_are_not_documents_are_refused(login, open_session, people, data, name):
    client = login(people["speaker"])
    response = upload(client, open_session, data, name=name)
    assert response.status_code == 415
    assert "This file is not a PDF" in response.get_data(as_text=True)
    assert _count() == 0


def test_a_zip_with_other_content_is_refused(login, open_session, people):
    out = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("index.html", HTML)
    response = upload(login(people["speaker"]), open_session, out.getvalue(), name="x.docx")
    assert response.status_code == 415
    assert _count() == 0


def test_oversized_file_is_refused(login, open_session, people, app):
    app.config["MATERIALS_MAX_BYTES"] = 2000
    data = pdf_bytes() + b"%" + b"x" * 3000
    response = upload(login(people["speaker"]), open_session, data)
    assert response.status_code == 413
    assert _count() == 0


def test_body_over_the_upload_limit_is_refused_before_reading(login, open_session, people, app):
    app.config["MATERIALS_MAX_BYTES"] = 1000
    response = upload(login(people["speaker"]), open_session, b"x" * (200 * 1024))
    assert response.status_code == 413
    assert _count() == 0


def test_uploads_larger_than_the_app_wide_form_limit_are_accepted(login, open_session, people):
    big = pdf_bytes(title="x" * (3 * 1024 * 1024))
    assert len(big) > 3 * 1024 * 1024
    # Encoded here, in memory: the test client would spool a body this large to a temporary
    # file it never closes.
    boundary, body = encode_multipart(
        {"title": "Big", "kind": "slides", "file": FileStorage(io.BytesIO(big), "big.pdf")}
    )
    response = login(people["speaker"]).post(
        f"/2027/sessions/{open_session.id}/materials/upload",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert _count() == 1


def test_path_tricks_in_the_file_name_go_nowhere(login, open_session, people, app):
    client = login(people["speaker"])
    assert (
        upload(client, open_session, pdf_bytes(), name="../../../etc/passwd.pdf").status_code == 302
    )
    material = db.session.scalar(sa.select(SessionMaterial))
    assert "/" not in material.storage_key and ".." not in material.storage_key
    response = client.get(f"/2027/materials/{material.id}")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "/" not in disposition and ".." not in disposition
    assert 'filename="passwd.pdf"' in disposition


def test_storage_keys_are_checked_by_the_local_store(tmp_path):
    store = files.LocalFileStore(tmp_path)
    with pytest.raises(ValueError):
        store.read("../../etc/passwd")
    with pytest.raises(ValueError):
        store.save("../x.pdf", b"x")


def test_missing_title_or_file_is_a_400(login, open_session, people):
    client = login(people["speaker"])
    response = client.post(
        f"/2027/sessions/{open_session.id}/materials/upload",
        data={"title": "", "kind": "slides"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert _count() == 0


@pytest.mark.parametrize("who", ["uncleared", "cleared", None])
def test_people_who_do_not_speak_cannot_upload(login, client, open_session, people, who):
    client = login(people[who]) if who else client
    response = upload(client, open_session, pdf_bytes())
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
    assert _count() == 0


def test_a_speaker_of_one_session_cannot_upload_to_another(login, edition, people, open_session):
    other = make_session(edition, title="Someone else's talk")
    response = upload(login(people["speaker"]), other, pdf_bytes())
    assert response.status_code == 403
    assert _count() == 0


def test_recording_link_must_be_a_web_address(login, open_session, people):
    client = login(people["speaker"])
    url = f"/2027/sessions/{open_session.id}/materials/recording"
    for bad in ("javascript:alert(1)", "ftp://example.org/x", "https://user:pw@host/x", "x" * 600):
        response = client.post(url, data={"title": "Video", "url": bad})
        assert response.status_code == 400
    assert _count() == 0
    response = client.post(url, data={"title": "Video", "url": "https://video.example.org/1"})
    assert response.status_code == 302
    assert _count() == 1


def test_removing_a_material_asks_first_and_deletes_the_file(login, open_session, people):
    client = login(people["speaker"])
    material = _material(client, open_session)
    key = material.storage_key
    page = client.get(f"/2027/materials/{material.id}/delete")
    assert page.status_code == 200
    assert _count() == 1
    token = page.get_data(as_text=True).split('name="confirm_token" value="')[1].split('"')[0]
    response = client.post(
        f"/2027/materials/{material.id}/delete", data={"confirm": "yes", "confirm_token": token}
    )
    assert response.status_code == 303
    assert _count() == 0
    with pytest.raises(FileNotFoundError):
        files.file_store().read(key)


def test_others_cannot_remove_a_material(login, open_session, people):
    material = _material(login(people["speaker"]), open_session)
    client = login(people["cleared"])
    assert (
        client.post(f"/2027/materials/{material.id}/delete", data={"confirm": "yes"}).status_code
        == 403
    )
    assert _count() == 1


# --- visibility on every channel ----------------------------------------------------------


def _channels(client, session, material) -> dict[str, bool]:
    """Whether the material shows on the page, the API, the schedule export, the file URL."""
    page = client.get(f"/2027/sessions/{session.id}").get_data(as_text=True)
    api = client.get(f"/api/v1/editions/2027/sessions/{session.id}").get_json()
    listing = client.get("/api/v1/editions/2027/sessions").get_json()
    in_list = [s for s in listing["sessions"] if s["id"] == session.id][0]
    export = client.get("/2027/schedule.json").get_data(as_text=True)
    ics = client.get("/2027/programme.ics").get_data(as_text=True)
    download = client.get(f"/2027/materials/{material.id}")
    assert material.title not in ics  # feeds never carry materials
    return {
        "page": material.title in page,
        "api": bool(api.get("materials")),
        "list": bool(in_list.get("materials")),
        "export": f"/2027/materials/{material.id}" in export,
        "file": download.status_code == 200,
    }


def _client_for(who, login, client, people):
    return login(people[who]) if who else client


@pytest.mark.parametrize(
    ("access", "expected"),
    [
        ("public", {None: True, "uncleared": True, "cleared": True}),
        ("accredited", {None: False, "uncleared": True, "cleared": True}),
        ("cleared", {None: False, "uncleared": True, "cleared": True}),
    ],
)
def test_open_session_materials_follow_the_organisers_choice(
    login, client, open_session, people, access, expected
):
    material = _material(login(people["speaker"]), open_session)
    open_session.materials_access = access
    db.session.commit()
    for who in (None, "uncleared", "cleared", "speaker", "organiser"):
        seen = _channels(_client_for(who, login, client, people), open_session, material)
        want = expected.get(who, True)
        assert seen == dict.fromkeys(seen, want), (who, seen)


@pytest.mark.parametrize("access", ["public", "accredited", "cleared"])
def test_restricted_session_materials_never_reach_the_uncleared(
    login, client, restricted_session, people, access
):
    material = _material(login(people["speaker"]), restricted_session)
    restricted_session.materials_access = access
    db.session.commit()
    for who, want in (
        (None, False),
        ("uncleared", False),
        ("cleared", True),
        ("speaker", True),
        ("organiser", True),
    ):
        seen = _channels(_client_for(who, login, client, people), restricted_session, material)
        assert seen == dict.fromkeys(seen, want), (who, seen)


def test_download_headers_for_public_and_private_files(login, client, open_session, people):
    material = _material(login(people["speaker"]), open_session)
    response = client.get(f"/2027/materials/{material.id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"].startswith("public")
    open_session.materials_access = "accredited"
    db.session.commit()
    response = login(people["cleared"]).get(f"/2027/materials/{material.id}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("private")
    assert "public" not in response.headers["Cache-Control"]


def test_uncleared_get_404_for_files_of_restricted_sessions(login, restricted_session, people):
    material = _material(login(people["speaker"]), restricted_session)
    response = login(people["uncleared"]).get(f"/2027/materials/{material.id}")
    assert response.status_code == 404
    assert b"%PDF" not in response.data


def test_material_of_another_edition_is_not_found(login, open_session, people):
    from tests.factories import make_edition

    material = _material(login(people["speaker"]), open_session)
    make_edition(2028)
    assert login(people["organiser"]).get(f"/2028/materials/{material.id}").status_code == 404


def test_only_organisers_decide_who_sees_materials(login, open_session, people):
    url = f"/2027/sessions/{open_session.id}/materials/access"
    response = login(people["speaker"]).post(url, data={"materials_access": "cleared"})
    assert response.status_code == 403
    db.session.refresh(open_session)
    assert open_session.materials_access == "public"
    organiser = login(people["organiser"])
    assert organiser.post(url, data={"materials_access": "nonsense"}).status_code == 400
    assert organiser.post(url, data={"materials_access": "cleared"}).status_code == 302
    db.session.refresh(open_session)
    assert open_session.materials_access == "cleared"


def test_schedule_exports_validate_with_materials_and_profiles(login, client, open_session, people):
    import json

    import jsonschema
    from lxml import etree

    client_speaker = login(people["speaker"])
    _material(client_speaker, open_session)
    client_speaker.post(
        f"/2027/sessions/{open_session.id}/materials/recording",
        data={"title": "Video", "url": "https://video.example.org/1"},
    )
    client_speaker.post(
        "/2027/me/speaker-profile",
        data={"biography": "Works on export control.", "organisation": "Uni S", "position": "Prof"},
    )
    document = client.get("/2027/schedule.json").get_json()
    with open("tests/calendar/schedule.schema.json") as fh:
        jsonschema.validate(document, json.load(fh), format_checker=jsonschema.FormatChecker())
    day = document["schedule"]["conference"]["days"][0]
    event = [e for events in day["rooms"].values() for e in events][0]
    assert event["attachments"][0]["type"] == "slides"
    assert event["links"][0]["url"] == "https://video.example.org/1"
    assert event["persons"][0]["biography"].startswith("Prof, Uni S")
    xml = client.get("/2027/schedule.xml").data
    schema = etree.XMLSchema(etree.parse("tests/calendar/schedule.xml.xsd"))
    schema.assertValid(etree.fromstring(xml))
    assert b"<attachment " in xml


def test_uploads_and_removals_are_in_the_audit_log(login, open_session, people):
    _material(login(people["speaker"]), open_session)
    page = login(people["organiser"]).get("/2027/admin/audit").get_data(as_text=True)
    assert "material.add" in page
    assert "Material “My slides”" in page


def test_organisers_reach_the_materials_from_the_session_administration(
    login, open_session, people
):
    page = login(people["organiser"]).get(f"/2027/admin/programme/sessions/{open_session.id}")
    assert f"/2027/sessions/{open_session.id}/materials" in page.get_data(as_text=True)
    response = login(people["organiser"]).get(f"/2027/sessions/{open_session.id}/materials")
    assert response.status_code == 200
    assert "Who sees the materials" in response.get_data(as_text=True)
    speaker_page = login(people["speaker"]).get(f"/2027/sessions/{open_session.id}/materials")
    assert "Who sees the materials</h2>" not in speaker_page.get_data(as_text=True)
