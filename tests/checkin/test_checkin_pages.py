"""Scanner page (no-JS form), service worker, scanner bundle, counts, scan log and CSV."""

import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa

from conference.badges import services as badge_services
from conference.checkin.models import Scan
from conference.db import utcnow
from conference.programme.models import AccessPolicy
from tests.badges.factories import accredited, make_category, make_session
from tests.factories import bearer, make_user

URL = "/api/v1/editions/2027/checkins"


def scan_count(db):
    return db.session.scalar(sa.select(sa.func.count(Scan.id)))


# --- scanner page ------------------------------------------------------------------------


def test_scanner_page_for_staff_only(client, login, edition, staff):
    page = login(staff).get("/2027/scan")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="scan-form"' in html
    assert 'data-checkin-url="/api/v1/editions/2027/checkins"' in html
    assert 'data-bundle-url="/api/v1/editions/2027/scanner-bundle"' in html
    assert "js/vendor/jsQR.js" in html and "js/checkin.js" in html
    assert '<label for="code">' in html and '<label for="checkpoint">' in html
    assert "<script>" not in html  # CSP: no inline scripts
    assert page.headers["Cache-Control"] == "no-store"
    assert login(make_user()).get("/2027/scan").status_code == 403
    assert client.get("/2027/scan").status_code == 302


def test_manual_entry_without_javascript(login, db, edition, staff, attendee):
    _registration, _badge, code = attendee
    client = login(staff)
    page = client.post("/2027/scan", data={"checkpoint": "venue", "code": code})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "scan-admitted" in html and "Ana Atanasova" in html
    page = client.post("/2027/scan", data={"checkpoint": "venue", "code": code})
    html = page.get_data(as_text=True)
    assert "scan-admitted_again" in html and "First admitted here" in html
    page = client.post("/2027/scan", data={"checkpoint": "venue", "code": "forged"})
    html = page.get_data(as_text=True)
    assert "scan-denied" in html and "Not a valid badge code" in html
    scans = db.session.scalars(sa.select(Scan).order_by(Scan.id)).all()
    assert [s.result for s in scans] == ["admitted", "admitted_again", "denied"]
    assert all(s.staff_id == staff.id for s in scans)


def test_manual_entry_bad_input_is_400_and_records_nothing(login, db, edition, staff):
    client = login(staff)
    page = client.post("/2027/scan", data={"checkpoint": "venue", "code": ""})
    assert page.status_code == 400
    assert "Type or scan the badge code." in page.get_data(as_text=True)
    page = client.post("/2027/scan", data={"checkpoint": "session:999", "code": "x"})
    assert page.status_code == 400
    page = client.post("/2027/scan", data={"checkpoint": "venue", "code": "x" * 3000})
    assert page.status_code == 400
    assert scan_count(db) == 0


def test_manual_entry_needs_csrf(app, login, db, edition, staff, attendee):
    app.config["WTF_CSRF_ENABLED"] = True
    _registration, _badge, code = attendee
    page = login(staff).post("/2027/scan", data={"checkpoint": "venue", "code": code})
    assert page.status_code == 400
    assert scan_count(db) == 0


def test_session_checkpoint_in_the_picker(login, edition, staff):
    session = make_session(edition, access=AccessPolicy.INVITATION, title="Closed meeting")
    page = login(staff).get(f"/2027/scan?checkpoint=session:{session.id}")
    html = page.get_data(as_text=True)
    import re

    [option] = re.findall(rf'<option[^>]*value="session:{session.id}"[^>]*>', html)
    assert "selected" in option
    assert "Closed meeting (restricted)" in html


def test_service_worker_is_served_with_its_scope(client, edition):
    response = client.get("/2027/scan/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/2027/scan"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)
    assert '"/2027/scan"' in body and '"/static/js/checkin.js"' in body
    assert "__PRECACHE__" not in body and "__VERSION__" not in body


# --- scanner bundle ----------------------------------------------------------------------


def test_bundle_has_keys_revocations_and_door_rules(client, db, edition, staff_headers, attendee):
    from conference.badges import signing

    registration, badge, _code = attendee
    experts = make_category(edition, "MSE", "Member State expert")
    invited = make_user()
    by_category = make_session(edition, access=AccessPolicy.CATEGORIES, categories=[experts])
    by_invitation = make_session(edition, access=AccessPolicy.INVITATION, invited=[invited])
    open_session = make_session(edition)
    invited_badge = badge_services.valid_badge(accredited(invited, edition))
    new = badge_services.reissue_badge(registration, reason="lost")
    db.session.commit()

    response = client.get("/api/v1/editions/2027/scanner-bundle", headers=staff_headers)
    assert response.status_code == 200
    bundle = response.json
    assert bundle["edition"] == 2027
    [key] = bundle["public_keys"]
    current = signing.require_private_key(2027).public_key()
    assert key["raw"] == signing.b64url(signing.raw_public(current))
    assert key["jwk"] == {"kty": "OKP", "crv": "Ed25519", "x": key["raw"]}
    assert bundle["revoked_badge_ids"] == [badge.id]
    assert new.id not in bundle["revoked_badge_ids"]
    assert dt.datetime.fromisoformat(bundle["generated_at"])
    points = {p["id"]: p for p in bundle["checkpoints"]}
    assert points["venue"]["access"] == "venue"
    assert points[by_category.id]["categories"] == ["MSE"]
    assert points[by_invitation.id]["categories"] == []
    assert invited_badge.id in points[by_invitation.id]["badge_ids"]
    assert points[open_session.id]["access"] == "open"
    assert "Ana Atanasova" not in response.get_data(as_text=True)  # no personal data


def test_bundle_is_for_staff_only(client, edition, attendee):
    registration, _badge, _code = attendee
    url = "/api/v1/editions/2027/scanner-bundle"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=bearer(registration.user)).status_code == 403
    assert client.get("/api/v1/editions/2100/scanner-bundle").status_code == 404


def test_openapi_documents_both_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json
    assert "post" in spec["paths"]["/editions/{year}/checkins"]
    assert "get" in spec["paths"]["/editions/{year}/scanner-bundle"]
    assert {"CheckinRequest", "CheckinResult", "ScannerBundle"} <= set(
        spec["components"]["schemas"]
    )


# --- organisers: counts, log, export -----------------------------------------------------


def _scan(client, headers, code, checkpoint="venue", **extra):
    return client.post(URL, json={"code": code, "checkpoint": checkpoint, **extra}, headers=headers)


def test_counts_per_checkpoint(client, login, db, edition, staff_headers, attendee):
    _registration, _badge, code = attendee
    session = make_session(edition, access=AccessPolicy.INVITATION, title="Invitation only")
    _scan(client, staff_headers, code)
    _scan(client, staff_headers, code)
    _scan(client, staff_headers, "garbage")
    _scan(client, staff_headers, code, session.id)
    organiser = make_user(role="organiser", edition=edition)
    page = login(organiser).get("/2027/organise/checkin")
    assert page.status_code == 200
    data = login(organiser).get("/2027/organise/checkin/counts.json").json
    rows = {r["checkpoint"]: r for r in data["checkpoints"]}
    assert (rows["venue"]["people"], rows["venue"]["total"], rows["venue"]["denied"]) == (1, 3, 1)
    door = rows[f"session:{session.id}"]
    assert (door["people"], door["total"], door["denied"]) == (0, 1, 1)
    staff_user = make_user(role="staff", edition=edition)
    assert login(staff_user).get("/2027/organise/checkin").status_code == 403
    assert login(staff_user).get("/2027/organise/checkin/counts.json").status_code == 403


def test_scan_log_filters_and_csv(client, login, db, edition, staff_headers, attendee):
    _registration, _badge, code = attendee
    earlier = (utcnow() - dt.timedelta(hours=3)).replace(microsecond=0)
    _scan(client, staff_headers, code, scanned_at=earlier.isoformat())
    _scan(client, staff_headers, code)
    _scan(client, staff_headers, '=HYPERLINK("http://evil")')
    client_o = login(make_user(role="organiser", edition=edition))

    page = client_o.get("/2027/organise/checkin/scans")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "3 scans" in html and "Ana Atanasova" in html and "offline" in html

    assert "1 scan." in client_o.get("/2027/organise/checkin/scans?result=denied").get_data(
        as_text=True
    )
    local = (utcnow() - dt.timedelta(hours=1)).astimezone(edition.tz).strftime("%Y-%m-%dT%H:%M")
    recent = client_o.get(f"/2027/organise/checkin/scans?since={local}")
    assert "2 scans" in recent.get_data(as_text=True)
    for junk in ("since=yesterday", "result=nope", "page=abc", "since=0001-01-01T00:00"):
        response = client_o.get(f"/2027/organise/checkin/scans?{junk}")
        assert response.status_code == 400, junk
        assert junk.split("=")[0] in response.get_data(as_text=True)

    export = client_o.get("/2027/organise/checkin/scans.csv?result=admitted_again")
    assert export.status_code == 200
    assert export.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["scanned_at", "received_at", "checkpoint", "result"]
    assert len(rows) == 2 and rows[1][3] == "admitted_again" and rows[1][5] == "Ana Atanasova"
    everything = client_o.get("/2027/organise/checkin/scans.csv").get_data(as_text=True)
    assert "=HYPERLINK" not in everything  # the code itself is never stored or exported
    staff_user = make_user(role="staff", edition=edition)
    assert login(staff_user).get("/2027/organise/checkin/scans.csv").status_code == 403


@pytest.mark.demo
def test_demo_data_scans(app, client, db):
    from conference.badges.models import Badge
    from conference.demo import seed_demo

    seed_demo()  # idempotent: seeding the seeded demo again changes nothing
    staff = db.session.scalar(
        sa.select(__import__("conference.accounts.models", fromlist=["User"]).User).where(
            sa.text("email = 'staff@demo.test'")
        )
    )
    headers = bearer(staff)
    revoked = db.session.scalars(sa.select(Badge).where(Badge.state == "revoked")).all()
    valid = db.session.scalars(sa.select(Badge).where(Badge.state == "valid")).all()
    assert len(revoked) >= 1 and len(valid) >= 5
    assert _scan(client, headers, badge_services.badge_code(valid[0])).json["result"] == "admitted"
    assert _scan(client, headers, badge_services.badge_code(revoked[0])).json["reason"] == (
        "revoked"
    )
    bundle = client.get("/api/v1/editions/2027/scanner-bundle", headers=headers).json
    assert any(p["access"] in ("categories", "invitation") for p in bundle["checkpoints"])
    assert revoked[0].id in bundle["revoked_badge_ids"]


def test_bundle_clears_speakers_chairs_and_staff_individually(client, db, edition, staff):
    from conference.programme.models import SessionSpeaker

    category = make_category(edition)
    speaker, chair, outsider = make_user(), make_user(), make_user()
    session = make_session(edition, access=AccessPolicy.INVITATION)
    session.chair_id = chair.id
    db.session.add(SessionSpeaker(session_id=session.id, user_id=speaker.id, name="S"))
    db.session.commit()
    badge_of = {
        person.id: badge_services.valid_badge(accredited(person, edition, category)).id
        for person in (speaker, chair, outsider, staff)
    }
    bundle = client.get("/api/v1/editions/2027/scanner-bundle", headers=bearer(staff)).json
    [door] = [p for p in bundle["checkpoints"] if p["id"] == session.id]
    assert door["badge_ids"] == sorted(
        [badge_of[speaker.id], badge_of[chair.id], badge_of[staff.id]]
    )
    # The server decides the same way.
    for person, expected in ((speaker, "admitted"), (chair, "admitted"), (outsider, "denied")):
        code = badge_services.badge_code(
            badge_services.valid_badge(person_registration(db, person))
        )
        assert _scan(client, bearer(staff), code, session.id).json["result"] == expected


def person_registration(db, user):
    from conference.accreditation.models import Registration

    return db.session.scalar(sa.select(Registration).where(Registration.user_id == user.id))
