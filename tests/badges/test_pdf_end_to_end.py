"""End to end: a badge PDF, rendered to an image and decoded by zbar, is admitted at the door."""

import shutil
import subprocess

import pytest

from conference.badges.models import Badge
from tests.badges.factories import accredited, keys_for, make_category
from tests.factories import bearer, make_edition, make_user

pytestmark = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="needs poppler-utils and zbar-tools (make system-deps)",
)


def _decode_qr(pdf: bytes, tmp_path) -> list[str]:
    (tmp_path / "badge.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", str(tmp_path / "badge.pdf"), str(tmp_path / "page")],
        check=True,
    )
    images = sorted(tmp_path.glob("page*.png"))
    assert images
    out = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", *map(str, images)],
        capture_output=True,
        text=True,
        check=False,
    )
    return [line for line in out.stdout.splitlines() if line.strip()]


def test_printed_badge_is_decoded_and_admitted(client, login, db, tmp_path):
    edition = make_edition()
    keys_for(2027)
    user = make_user(full_name="Zoë Łukasiewicz-Παπαδοπούλου")
    registration = accredited(user, edition, make_category(edition, "SPK", "Speaker"))
    response = login(user).get("/2027/me/badge.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")

    codes = _decode_qr(response.data, tmp_path)
    assert len(codes) == 1
    assert codes[0].startswith("EF1.")

    staff = make_user(role="staff", edition=edition)
    answer = client.post(
        "/api/v1/editions/2027/checkins",
        json={"code": codes[0], "checkpoint": "venue"},
        headers=bearer(staff),
    )
    assert answer.status_code == 200
    assert answer.json["result"] == "admitted"
    assert answer.json["attendee"]["name"] == registration.full_name
    badge = db.session.scalar(db.select(Badge).where(Badge.registration_id == registration.id))
    assert badge.state == "valid"


def test_a4_sheet_holds_four_decodable_badges(login, db, tmp_path):
    edition = make_edition()
    keys_for(2027)
    category = make_category(edition)
    for n in range(5):
        accredited(make_user(full_name=f"Person {n} " + "Verylongname" * n), edition, category)
    organiser = make_user(role="organiser", edition=edition)
    client = login(organiser)
    response = client.post("/2027/organise/badges/print", data={}, follow_redirects=False)
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "done" in page.get_data(as_text=True)
    job_id = response.headers["Location"].rstrip("/").split("/")[-1]
    pdf = client.get(f"/2027/organise/badges/print-jobs/{job_id}/badges.pdf")
    assert pdf.status_code == 200
    codes = _decode_qr(pdf.data, tmp_path)
    assert len(codes) == 5
    assert len(set(codes)) == 5
    assert all(b.printed_at is not None for b in db.session.scalars(db.select(Badge)))
