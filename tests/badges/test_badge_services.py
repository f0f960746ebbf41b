"""Badge rules: issue on accreditation, revoke on revocation, reissue, one valid badge each."""

import base64
import os
import stat
import threading

import pytest
import qrcode
import sqlalchemy as sa
from qrcode.constants import ERROR_CORRECT_M
from sqlalchemy.exc import IntegrityError

from conference.accreditation.models import RegistrationState
from conference.audit import AuditEntry
from conference.badges import services, signing
from conference.badges.models import Badge
from conference.errors import DomainError
from tests.badges.factories import accredited, keys_for, make_category, make_registration, set_state
from tests.factories import make_edition, make_user


def badges_of(db, registration):
    db.session.expire_all()
    return db.session.scalars(
        sa.select(Badge).where(Badge.registration_id == registration.id).order_by(Badge.version)
    ).all()


def test_accreditation_issues_one_badge(db):
    registration = make_registration()
    assert badges_of(db, registration) == []
    set_state(registration, RegistrationState.ACCREDITED)
    [badge] = badges_of(db, registration)
    assert (badge.state, badge.version, badge.category_code) == ("valid", 1, "ATT")
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "badge.issue"))
    # Issuing again returns the same badge.
    assert services.issue_badge(registration).id == badge.id


@pytest.mark.parametrize(
    "state", [RegistrationState.REVOKED, RegistrationState.CANCELLED, RegistrationState.REJECTED]
)
def test_leaving_accreditation_revokes_the_badge(db, state):
    registration = accredited()
    set_state(registration, state)
    [badge] = badges_of(db, registration)
    assert badge.state == "revoked"
    assert badge.revoked_at is not None
    assert state in badge.revoke_reason


def test_accredited_again_gets_a_new_version(db):
    registration = accredited()
    set_state(registration, RegistrationState.REVOKED)
    set_state(registration, RegistrationState.ACCREDITED)
    assert [(b.version, b.state) for b in badges_of(db, registration)] == [
        (1, "revoked"),
        (2, "valid"),
    ]


def test_reissue_revokes_the_old_badge_and_issues_the_next_version(db):
    registration = accredited()
    actor = make_user()
    new = services.reissue_badge(registration, actor=actor, reason="lost")
    db.session.commit()
    old, current = badges_of(db, registration)
    assert (old.state, old.revoke_reason) == ("revoked", "lost")
    assert (current.id, current.version, current.state) == (new.id, 2, "valid")
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"badge.issue", "badge.revoke", "badge.reissue"} <= actions


def test_only_accredited_registrations_get_badges(db):
    registration = make_registration()
    with pytest.raises(DomainError):
        services.issue_badge(registration)
    with pytest.raises(DomainError):
        services.reissue_badge(registration)
    assert badges_of(db, registration) == []


def test_the_database_refuses_a_second_valid_badge(db):
    registration = accredited()
    db.session.add(
        Badge(
            edition_id=registration.edition_id,
            registration_id=registration.id,
            version=2,
            category_code="ATT",
            state="valid",
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert len(badges_of(db, registration)) == 1


def test_category_change_on_reaccreditation_reissues(db):
    edition = make_edition()
    registration = accredited(edition=edition)
    speakers = make_category(edition, "SPK", "Speaker")
    registration.category_id = speakers.id
    db.session.commit()
    set_state(registration, RegistrationState.ACCREDITED)
    assert [(b.category_code, b.state) for b in badges_of(db, registration)] == [
        ("ATT", "revoked"),
        ("SPK", "valid"),
    ]


def test_issue_missing_covers_registrations_accredited_without_the_signal(db):
    edition = make_edition()
    registration = make_registration(edition=edition, state=RegistrationState.ACCREDITED)
    assert services.issue_missing(edition) == 1
    assert services.issue_missing(edition) == 0
    assert len(badges_of(db, registration)) == 1


@pytest.mark.postgres
def test_parallel_issue_yields_one_valid_badge(app, db):
    registration = make_registration(state=RegistrationState.ACCREDITED)
    reg_id = registration.id
    barrier = threading.Barrier(2)
    results, errors = [], []

    def issue():
        with app.app_context():
            from conference.accreditation.models import Registration
            from conference.extensions import db as _db

            try:
                reg = _db.session.get(Registration, reg_id)
                barrier.wait(timeout=10)
                badge = services.issue_badge(reg)
                _db.session.commit()
                results.append(badge.id)
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert errors == []
    assert len(results) == 2
    assert len(set(results)) == 1
    valid = [b for b in badges_of(db, registration) if b.state == "valid"]
    assert len(valid) == 1


# --- codes and keys ----------------------------------------------------------------------


def test_code_round_trip_and_compact_qr(app):
    keys_for(2027)
    claims = signing.BadgeClaims(2027, 123456, 3, "MSE")
    code = signing.make_code(claims, signing.require_private_key(2027))
    assert code.startswith("EF1.")
    assert set(code[4:]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")  # QR alphanumeric mode
    parsed = signing.parse_code(code)
    assert parsed.claims == claims
    assert signing.verify(parsed, [k for k, _ in signing.public_keys(2027)])
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    qr.add_data(code)
    qr.make(fit=True)
    assert qr.version <= 6
    longest = signing.make_code(
        signing.BadgeClaims(2027, 2**32 - 1, 65535, "X" * 20), signing.require_private_key(2027)
    )
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
    qr.add_data(longest)
    qr.make(fit=True)
    assert qr.version <= 7


def test_key_file_is_private(app):
    path = signing.generate_key(2027)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(DomainError):
        signing.generate_key(2027)


def test_key_from_the_environment(app, monkeypatch):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    monkeypatch.setenv("BADGE_SIGNING_KEY_2027", base64.b64encode(raw).decode())
    assert signing.raw_public(signing.require_private_key(2027).public_key()) == (
        signing.raw_public(key.public_key())
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    monkeypatch.setenv("BADGE_SIGNING_KEY_2027", pem)
    assert signing.require_private_key(2027) is not None
    assert not signing.key_path(2027).exists()  # never written to disk
    monkeypatch.setenv("BADGE_SIGNING_KEY_2027", "not a key")
    with pytest.raises(DomainError):
        signing.private_key(2027)


def test_parse_code_rejects_malformed_input():
    for text in (None, 5, "", "EF1.", "EF1.A", "EF1.1111", "EF1." + "A" * 401, "xx"):
        assert signing.parse_code(text) is None
