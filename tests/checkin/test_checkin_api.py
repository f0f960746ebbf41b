"""POST /api/v1/editions/{year}/checkins: every kind of code gets a clean answer."""

import base64
import datetime as dt
import uuid

import pytest

from conference.accreditation.models import RegistrationState
from conference.badges import services as badge_services
from conference.badges import signing
from conference.checkin.models import Scan
from conference.db import utcnow
from conference.programme.models import AccessPolicy
from tests.badges.factories import (
    accredited,
    keys_for,
    make_category,
    make_registration,
    make_session,
    set_state,
)
from tests.factories import bearer, make_edition, make_user

URL = "/api/v1/editions/2027/checkins"


def scan(client, headers, code, checkpoint="venue", **extra):
    return client.post(URL, json={"code": code, "checkpoint": checkpoint, **extra}, headers=headers)


def scans(db):
    return db.session.scalars(db.select(Scan).order_by(Scan.id)).all()


def test_genuine_badge_is_admitted_with_the_exact_answer_shape(
    client, db, staff, staff_headers, attendee
):
    registration, badge, code = attendee
    response = scan(client, staff_headers, code)
    assert response.status_code == 200
    body = response.json
    assert set(body) == {"result", "reason", "attendee", "first_admitted_at"}
    assert body["result"] == "admitted"
    assert body["reason"] is None
    assert body["attendee"] == {
        "name": "Ana Atanasova",
        "organisation": "Sofia University",
        "category": "Attendee",
    }
    assert dt.datetime.fromisoformat(body["first_admitted_at"])
    [logged] = scans(db)
    assert (logged.result, logged.badge_id, logged.registration_id) == (
        "admitted",
        badge.id,
        registration.id,
    )
    assert logged.staff_id == staff.id
    assert logged.offline is False


def test_second_scan_at_the_same_door_is_admitted_again(client, db, staff_headers, attendee):
    _registration, _badge, code = attendee
    first = scan(client, staff_headers, code).json
    again = scan(client, staff_headers, code).json
    assert again["result"] == "admitted_again"
    assert again["reason"] is None
    assert again["first_admitted_at"] == first["first_admitted_at"]
    assert again["attendee"]["name"] == "Ana Atanasova"
    assert [s.result for s in scans(db)] == ["admitted", "admitted_again"]


def test_lowercase_code_and_surrounding_spaces_are_accepted(client, staff_headers, attendee):
    _registration, _badge, code = attendee
    assert scan(client, staff_headers, f"  {code.lower()}\n").json["result"] == "admitted"


def _flip_one_byte(code: str) -> str:
    body = code[len(signing.PREFIX) :]
    raw = bytearray(base64.b32decode(body + "=" * (-len(body) % 8)))
    raw[5] ^= 0x01  # inside the badge id
    return signing.PREFIX + base64.b32encode(bytes(raw)).decode().rstrip("=")


@pytest.mark.parametrize("where", ["payload", "signature"])
def test_forged_code_with_one_byte_changed_is_denied(client, db, staff_headers, attendee, where):
    _registration, _badge, code = attendee
    body = code[len(signing.PREFIX) :]
    raw = bytearray(base64.b32decode(body + "=" * (-len(body) % 8)))
    raw[5 if where == "payload" else -3] ^= 0x01
    forged = signing.PREFIX + base64.b32encode(bytes(raw)).decode().rstrip("=")
    assert forged != code
    response = scan(client, staff_headers, forged)
    assert response.status_code == 200
    assert response.json == {
        "result": "denied",
        "reason": "invalid_code",
        "attendee": None,
        "first_admitted_at": None,
    }
    [logged] = scans(db)
    assert logged.result == "denied" and logged.badge_id is None


def test_code_signed_with_a_foreign_key_is_denied(client, staff_headers, attendee):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _registration, badge, _code = attendee
    claims = signing.BadgeClaims(2027, badge.id, badge.version, badge.category_code)
    forged = signing.make_code(claims, Ed25519PrivateKey.generate())
    assert scan(client, staff_headers, forged).json["reason"] == "invalid_code"


@pytest.mark.parametrize(
    "code",
    [
        "",
        "   ",
        "hello",
        "EF1.",
        "EF1.!!!!",
        "EF1.AAAA",
        "EF2.ABCDEFGH",
        "https://example.org/?q=1",
        "EF1." + "A" * 5000,
        "\ud7ff☃",  # a NUL byte is refused before the scan (tests/hardening/test_bad_input.py)
        "EF1.MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43UOV3HO6DZPI",
    ],
)
def test_garbage_and_empty_codes_are_denied_cleanly(client, db, staff_headers, edition, code):
    response = scan(client, staff_headers, code)
    assert response.status_code == 200
    assert response.json["result"] == "denied"
    assert response.json["reason"] == "invalid_code"
    assert response.json["attendee"] is None
    assert len(scans(db)) == 1


def test_truncated_code_is_denied(client, staff_headers, attendee):
    _registration, _badge, code = attendee
    for cut in (5, 20, 60, len(code) - 1):
        assert scan(client, staff_headers, code[:cut]).json["reason"] == "invalid_code"


def test_other_editions_badge_is_wrong_edition(client, db, staff_headers, edition):
    old = make_edition(2025, state="closed")
    keys_for(2025)
    registration = accredited(make_user(), old, make_category(old, "ATT", "Attendee"))
    code = badge_services.badge_code(badge_services.valid_badge(registration))
    body = scan(client, staff_headers, code).json
    assert body["result"] == "denied"
    assert body["reason"] == "wrong_edition"
    assert body["attendee"] is None


def test_revoked_badge_is_denied(client, db, staff_headers, attendee):
    _registration, badge, code = attendee
    badge_services.revoke_badge(badge, reason="test")
    db.session.commit()
    body = scan(client, staff_headers, code).json
    assert body["result"] == "denied"
    assert body["reason"] == "revoked"
    assert body["attendee"]["name"] == "Ana Atanasova"  # staff may keep the badge


def test_reissued_old_badge_is_denied_and_the_new_one_admitted(client, db, staff_headers, attendee):
    registration, old_badge, old_code = attendee
    new_badge = badge_services.reissue_badge(registration, reason="lost")
    db.session.commit()
    new_code = badge_services.badge_code(new_badge)
    assert new_badge.version == old_badge.version + 1
    assert scan(client, staff_headers, old_code).json["reason"] == "revoked"
    assert scan(client, staff_headers, new_code).json["result"] == "admitted"


def test_cancelled_registration_revokes_the_badge(client, db, staff_headers, attendee):
    registration, _badge, code = attendee
    set_state(registration, RegistrationState.CANCELLED)
    assert scan(client, staff_headers, code).json["reason"] == "revoked"


def test_valid_badge_of_a_no_longer_accredited_registration_is_not_accredited(
    client, db, staff_headers, attendee
):
    registration, _badge, code = attendee
    registration.state = RegistrationState.REVOKED  # changed without the signal
    db.session.commit()
    body = scan(client, staff_headers, code).json
    assert (body["result"], body["reason"]) == ("denied", "not_accredited")


def test_restricted_session_admits_cleared_categories_only(client, db, staff_headers, edition):
    officials = make_category(edition, "GOV", "Government")
    public = make_category(edition, "ATT", "Attendee")
    session = make_session(edition, access=AccessPolicy.CATEGORIES, categories=[officials])
    official = accredited(make_user(), edition, officials)
    attendee = accredited(make_user(), edition, public)
    code_ok = badge_services.badge_code(badge_services.valid_badge(official))
    code_no = badge_services.badge_code(badge_services.valid_badge(attendee))
    assert scan(client, staff_headers, code_ok, session.id).json["result"] == "admitted"
    denied = scan(client, staff_headers, code_no, str(session.id)).json
    assert (denied["result"], denied["reason"]) == ("denied", "not_cleared")
    # The same attendee is welcome at the venue.
    assert scan(client, staff_headers, code_no, "venue").json["result"] == "admitted"
    # Admission is counted per door.
    assert scan(client, staff_headers, code_ok, "venue").json["result"] == "admitted"


def test_invitation_session_admits_the_invited_only(client, staff_headers, edition):
    category = make_category(edition)
    guest, other = make_user(), make_user()
    session = make_session(edition, access=AccessPolicy.INVITATION, invited=[guest])
    guest_code = badge_services.badge_code(
        badge_services.valid_badge(accredited(guest, edition, category))
    )
    other_code = badge_services.badge_code(
        badge_services.valid_badge(accredited(other, edition, category))
    )
    assert scan(client, staff_headers, guest_code, f"session:{session.id}").json["result"] == (
        "admitted"
    )
    assert scan(client, staff_headers, other_code, session.id).json["reason"] == "not_cleared"


def test_same_scan_id_twice_records_one_scan_and_returns_the_original(
    client, db, staff_headers, attendee
):
    _registration, _badge, code = attendee
    scan_id = str(uuid.uuid4())
    first = scan(client, staff_headers, code, scan_id=scan_id).json
    second = scan(client, staff_headers, code, scan_id=scan_id).json
    assert first["result"] == second["result"] == "admitted"
    assert first == second
    assert len(scans(db)) == 1
    # A different scan_id is a new scan.
    assert scan(client, staff_headers, code, scan_id=str(uuid.uuid4())).json["result"] == (
        "admitted_again"
    )
    assert len(scans(db)) == 2


def test_offline_scan_keeps_its_original_time(client, db, staff_headers, attendee):
    _registration, _badge, code = attendee
    when = (utcnow() - dt.timedelta(minutes=20)).replace(microsecond=0)
    body = scan(
        client,
        staff_headers,
        code,
        scan_id=str(uuid.uuid4()),
        scanned_at=when.isoformat().replace("+00:00", "Z"),
    ).json
    assert body["result"] == "admitted"
    assert dt.datetime.fromisoformat(body["first_admitted_at"]) == when
    [logged] = scans(db)
    assert logged.scanned_at == when
    assert logged.offline is True


def test_late_offline_scan_that_happened_first_moves_first_admitted_back(
    client, staff_headers, attendee
):
    _registration, _badge, code = attendee
    scan(client, staff_headers, code)
    earlier = (utcnow() - dt.timedelta(hours=1)).replace(microsecond=0)
    body = scan(client, staff_headers, code, scanned_at=earlier.isoformat(), offline=True).json
    assert body["result"] == "admitted_again"
    assert dt.datetime.fromisoformat(body["first_admitted_at"]) == earlier
    again = scan(client, staff_headers, code).json
    assert dt.datetime.fromisoformat(again["first_admitted_at"]) == earlier


@pytest.mark.parametrize(
    "payload, code",
    [
        ({"checkpoint": "venue"}, "bad_code"),
        ({"code": "x"}, "bad_request"),
        ({"code": 123, "checkpoint": "venue"}, "bad_code"),
        ({"code": ["x"], "checkpoint": "venue"}, "bad_code"),
        ({"code": "x", "checkpoint": "lobby"}, "bad_checkpoint"),
        ({"code": "x", "checkpoint": True}, "bad_checkpoint"),
        ({"code": "x", "checkpoint": None}, "bad_checkpoint"),
        ({"code": "x", "checkpoint": 999999}, "unknown_checkpoint"),
        ({"code": "x", "checkpoint": "venue", "scan_id": "not-a-uuid"}, "bad_scan_id"),
        ({"code": "x", "checkpoint": "venue", "scan_id": 5}, "bad_scan_id"),
        ({"code": "x", "checkpoint": "venue", "scanned_at": "yesterday"}, "bad_scanned_at"),
        (
            {"code": "x", "checkpoint": "venue", "scanned_at": "2027-06-09T10:00:00"},
            "bad_scanned_at",
        ),
        (
            {"code": "x", "checkpoint": "venue", "scanned_at": "2999-01-01T00:00:00Z"},
            "bad_scanned_at",
        ),
        ({"code": "x", "checkpoint": "venue", "offline": "yes"}, "bad_offline"),
    ],
)
def test_bad_bodies_get_400_json_and_record_nothing(
    client, db, staff_headers, edition, payload, code
):
    response = client.post(URL, json=payload, headers=staff_headers)
    assert response.status_code == 400
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]
    assert scans(db) == []


def test_not_json_is_415_and_a_json_list_is_400(client, db, staff_headers, edition):
    response = client.post(URL, data="code=x", headers=staff_headers)
    assert response.status_code == 415
    assert response.json["error"]["code"] == "unsupported_media_type"
    response = client.post(URL, json=["x"], headers=staff_headers)
    assert response.status_code == 400
    response = client.post(
        URL, data="{broken", headers={**staff_headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert scans(db) == []


def test_session_of_another_edition_is_not_a_checkpoint(client, db, staff_headers, edition):
    other = make_edition(2029)
    session = make_session(other)
    response = scan(client, staff_headers, "x", session.id)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "unknown_checkpoint"


def test_anonymous_is_401_and_attendees_are_403(client, db, edition, attendee):
    registration, _badge, code = attendee
    response = client.post(
        URL, json={"code": code, "checkpoint": "venue"}, headers={"Authorization": "Bearer nope"}
    )
    assert response.status_code == 401
    # Without a token the call rides on the (absent) cookie and needs a CSRF token first.
    response = client.post(URL, json={"code": code, "checkpoint": "venue"})
    assert response.status_code in (400, 401)
    response = scan(client, bearer(registration.user), code)
    assert response.status_code == 403
    other_staff = make_user(role="staff", edition=make_edition(2029))
    assert scan(client, bearer(other_staff), code).status_code == 403
    assert scans(db) == []


def test_organisers_and_admins_may_scan(client, edition, attendee):
    _registration, _badge, code = attendee
    organiser = make_user(role="organiser", edition=edition)
    admin = make_user(admin=True)
    assert scan(client, bearer(organiser), code).json["result"] == "admitted"
    assert scan(client, bearer(admin), code).json["result"] == "admitted_again"


def test_unknown_edition_is_404(client, staff_headers):
    response = client.post(
        "/api/v1/editions/2100/checkins",
        json={"code": "x", "checkpoint": "venue"},
        headers=staff_headers,
    )
    assert response.status_code == 404


def test_cookie_writes_need_the_csrf_header(app, db, login, staff, attendee):
    _registration, _badge, code = attendee
    app.config["WTF_CSRF_ENABLED"] = True
    client = login(staff)
    response = client.post(URL, json={"code": code, "checkpoint": "venue"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "csrf_failed"
    assert scans(db) == []
    page = client.get("/2027/scan")
    token = page.get_data(as_text=True).split('data-csrf="')[1].split('"')[0]
    response = client.post(
        URL, json={"code": code, "checkpoint": "venue"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 200
    assert response.json["result"] == "admitted"


def test_archived_edition_cannot_be_scanned(client, db, staff_headers, attendee, edition):
    _registration, _badge, code = attendee
    edition.state = "archived"
    db.session.commit()
    assert scan(client, staff_headers, code).status_code == 403


def test_without_a_key_every_code_is_invalid(client, app, staff_headers, attendee):
    _registration, _badge, code = attendee
    signing.key_path(2027).unlink()
    assert scan(client, staff_headers, code).json["reason"] == "invalid_code"


def test_not_yet_accredited_registration_has_no_badge(client, db, edition):
    registration = make_registration(edition=edition)
    assert badge_services.valid_badge(registration) is None


@pytest.mark.postgres
def test_parallel_retries_of_one_scan_id_record_one_scan(app, db, staff, attendee):
    import threading

    from conference.checkin import services
    from conference.editions.models import Edition

    _registration, _badge, code = attendee
    scan_id = str(uuid.uuid4())
    barrier = threading.Barrier(3)
    results, errors = [], []

    def send(text):
        with app.app_context():
            from conference.extensions import db as _db

            try:
                edition = _db.session.scalar(db.select(Edition).where(Edition.year == 2027))
                barrier.wait(timeout=10)
                outcome = services.check_in(edition, code=text, checkpoint="venue", scan_id=scan_id)
                results.append(outcome.result)
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=send, args=("garbage",)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert errors == []
    assert results == ["denied"] * 3
    assert len(scans(db)) == 1
