"""Speaker profiles: the form, photo rules, where profiles show and where they never do."""

from __future__ import annotations

import io
import os

import pytest
import sqlalchemy as sa
from PIL import Image

from conference.extensions import db
from conference.programme.services import files
from conference.programme.speaker_models import SpeakerProfile
from tests.programme.factories import make_session
from tests.speakers.helpers import HTML, SVG, image_bytes


def save(client, photo: bytes | None = None, name: str = "me.jpg", **fields):
    data = {"biography": "Works on export control.", "organisation": "Uni S", "position": "Prof"}
    data.update(fields)
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), name)
    return client.post("/2027/me/speaker-profile", data=data, content_type="multipart/form-data")


def _profile() -> SpeakerProfile | None:
    return db.session.scalar(sa.select(SpeakerProfile))


def test_profile_form_is_prefilled_from_the_account(login, people):
    page = login(people["speaker"]).get("/2027/me/speaker-profile").get_data(as_text=True)
    assert 'value="Uni S"' in page
    assert 'enctype="multipart/form-data"' in page
    assert '<label for="biography"' in page and '<label for="photo"' in page


def test_anonymous_visitors_are_sent_to_log_in(client, edition):
    response = client.get("/2027/me/speaker-profile")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_photo_is_shrunk_re_encoded_and_stripped_of_metadata(login, people):
    client = login(people["speaker"])
    assert save(client, image_bytes("JPEG", (1600, 1200))).status_code == 302
    profile = _profile()
    stored = files.file_store().read(profile.photo_key)
    assert b"SecretCameraMaker" not in stored
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG"
    assert max(image.size) == files.PHOTO_SIZE
    assert not image.getexif()


def test_png_with_transparency_is_accepted(login, people):
    out = io.BytesIO()
    Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(out, "PNG")
    assert save(login(people["speaker"]), out.getvalue(), name="me.png").status_code == 302
    assert _profile().photo_key.endswith(".jpg")


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (HTML, "me.jpg"),
        (SVG, "me.svg"),
        (image_bytes("GIF", exif=False), "me.gif"),
        (b"\xff\xd8\xff\xe0 truncated", "me.jpg"),
    ],
)
def test_photos_that_are_not_jpeg_or_png_are_refused(login, people, data, name):
    response = save(login(people["speaker"]), data, name=name)
    assert response.status_code == 415
    assert "The photo must be a JPEG or PNG image." in response.get_data(as_text=True)
    assert _profile() is None


def test_oversized_photo_is_refused(login, people, app):
    app.config["PHOTO_MAX_BYTES"] = 1000
    noise = io.BytesIO()
    Image.frombytes("RGB", (100, 100), os.urandom(30000)).save(noise, "PNG")
    response = save(login(people["speaker"]), noise.getvalue())
    assert response.status_code == 413
    assert _profile() is None


def test_too_long_biography_is_a_400_and_nothing_is_saved(login, people):
    response = save(login(people["speaker"]), biography="word " * 1000)
    assert response.status_code == 400
    assert _profile() is None


def test_replacing_and_removing_the_photo_deletes_the_old_file(login, people):
    client = login(people["speaker"])
    save(client, image_bytes())
    first = _profile().photo_key
    save(client, image_bytes("PNG", exif=False), name="new.png")
    second = _profile().photo_key
    assert second != first
    with pytest.raises(FileNotFoundError):
        files.file_store().read(first)
    save(client, remove_photo="y")
    assert _profile().photo_key is None
    with pytest.raises(FileNotFoundError):
        files.file_store().read(second)


def test_profile_shows_on_the_session_page_and_the_photo_is_served(login, client, edition, people):
    session = make_session(edition, title="Open talk", speakers=[people["speaker"]])
    save(login(people["speaker"]), image_bytes())
    page = client.get(f"/2027/sessions/{session.id}").get_data(as_text=True)
    assert "Works on export control." in page
    assert "Prof" in page
    photo_url = f"/2027/speakers/{people['speaker'].id}/photo"
    assert photo_url in page
    response = client.get(photo_url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_profile_of_someone_speaking_only_in_a_restricted_session_is_hidden(
    login, client, edition, people, category
):
    session = make_session(
        edition, title="Closed", speakers=[people["speaker"]], restricted_to=[category]
    )
    save(login(people["speaker"]), image_bytes())
    photo_url = f"/2027/speakers/{people['speaker'].id}/photo"
    for viewer in (client, login(people["uncleared"])):
        page = viewer.get(f"/2027/sessions/{session.id}").get_data(as_text=True)
        assert "Works on export control." not in page
        assert viewer.get(photo_url).status_code == 404
        assert "Works on export control." not in viewer.get("/2027/schedule.json").get_data(
            as_text=True
        )
    cleared = login(people["cleared"])
    assert "Works on export control." in cleared.get(f"/2027/sessions/{session.id}").get_data(
        as_text=True
    )
    assert cleared.get(photo_url).status_code == 200
    assert cleared.get(photo_url).headers["Cache-Control"].startswith("private")


def test_profile_of_a_person_who_speaks_nowhere_is_not_public(login, client, people):
    save(login(people["speaker"]), image_bytes())
    assert client.get(f"/2027/speakers/{people['speaker'].id}/photo").status_code == 404
    assert (
        login(people["speaker"]).get(f"/2027/speakers/{people['speaker'].id}/photo").status_code
        == 200
    )


def test_profile_is_part_of_the_data_download_and_goes_with_the_account(login, people, app):
    from conference.signals import account_deleting, personal_data_requested

    save(login(people["speaker"]), image_bytes())
    key = _profile().photo_key
    sections = dict(r for _, r in personal_data_requested.send(people["speaker"]))
    assert sections["speaker_profiles"][0]["biography"] == "Works on export control."
    account_deleting.send(people["speaker"])
    db.session.commit()
    assert _profile() is None
    with pytest.raises(FileNotFoundError):
        files.file_store().read(key)


def test_a_changed_profile_reaches_cached_pages_and_exports(login, client, edition, people):
    make_session(edition, title="Open talk", speakers=[people["speaker"]])
    speaker = login(people["speaker"])
    save(speaker, biography="First version.")
    assert "First version." in client.get("/2027/schedule.json").get_data(as_text=True)
    save(speaker, biography="Second version.")
    export = client.get("/2027/schedule.json").get_data(as_text=True)
    assert "Second version." in export and "First version." not in export


def test_a_photo_taken_sideways_is_stored_upright(app):
    image = Image.new("RGB", (200, 100), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    stored = Image.open(io.BytesIO(files.clean_photo(out.getvalue())))
    assert stored.size == (100, 200)
