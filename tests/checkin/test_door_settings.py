"""The organisers' door choices (names in the offline bundle, exit scans per door), offline
manual admissions sent later, and badges printed or reissued from door mode."""

import datetime as dt
import uuid

from conference.audit import AuditEntry
from conference.badges.models import Badge
from conference.checkin import services
from conference.checkin.models import CheckpointSettings, DoorSettings, Scan
from conference.db import utcnow
from tests.factories import make_user

URL = "/api/v1/editions/2027/checkins"
BUNDLE = "/api/v1/editions/2027/scanner-bundle"
SETTINGS = "/2027/organise/checkin/settings"


def scans(db):
    db.session.expire_all()
    return db.session.scalars(db.select(Scan).order_by(Scan.id)).all()


def audit(db, action):
    return db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action)).all()


def organiser_of(edition):
    return make_user(role="organiser", edition=edition)


# --- exit scans per door -----------------------------------------------------------------


def test_a_door_without_exit_scans_refuses_an_exit_and_records_nothing(
    client, db, staff_headers, attendee
):
    _registration, _badge, code = attendee
    response = client.post(
        URL, json={"code": code, "checkpoint": "venue", "direction": "out"}, headers=staff_headers
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "exit_scans_off"
    assert "exit scans" in response.json["error"]["message"]
    assert scans(db) == []


def test_an_organiser_switches_exit_scans_on_for_one_door(
    client, db, edition, staff_headers, attendee, login
):
    _registration, _badge, code = attendee
    organiser = login(organiser_of(edition))
    response = organiser.post(SETTINGS, data={"exit_scans": ["venue"]})
    assert response.status_code == 303
    assert services.exit_scan_checkpoints(edition) == {"venue"}
    assert [e.details["exit_scans"] for e in audit(db, "checkin.settings")] == [["venue"]]
    client.post(URL, json={"code": code, "checkpoint": "venue"}, headers=staff_headers)
    out = client.post(
        URL, json={"code": code, "checkpoint": "venue", "direction": "out"}, headers=staff_headers
    )
    assert out.status_code == 200
    assert [s.direction for s in scans(db)] == ["in", "out"]
    # Switched off again: exits are refused again.
    organiser.post(SETTINGS, data={})
    assert services.exit_scan_checkpoints(edition) == set()
    again = client.post(
        URL, json={"code": code, "checkpoint": "venue", "direction": "out"}, headers=staff_headers
    )
    assert again.status_code == 400


def test_door_settings_are_for_organisers_and_refuse_unknown_doors(
    db, edition, staff, attendee, login
):
    assert login(staff).post(SETTINGS, data={"exit_scans": ["venue"]}).status_code == 403
    assert login(make_user()).post(SETTINGS, data={"names_offline": "y"}).status_code == 403
    organiser = login(organiser_of(edition))
    response = organiser.post(SETTINGS, data={"exit_scans": ["session:999999"]})
    assert response.status_code == 400
    assert db.session.scalars(db.select(CheckpointSettings)).all() == []
    assert db.session.scalars(db.select(DoorSettings)).all() == []


def test_the_check_in_page_shows_the_door_settings_to_organisers_only(db, edition, staff, login):
    page = login(organiser_of(edition)).get("/2027/organise/checkin")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="door-settings"' in text and 'name="exit_scans"' in text
    assert 'for="names_offline"' in text


def test_the_scanner_offers_exit_only_at_doors_that_take_them(db, edition, staff, attendee, login):
    staff_client = login(staff)
    assert 'id="direction-field" hidden' in staff_client.get("/2027/scan").get_data(as_text=True)
    services.update_door_settings(edition, names=False, exits={"venue"}, actor=None)
    db.session.commit()
    text = staff_client.get("/2027/scan?checkpoint=venue").get_data(as_text=True)
    assert 'id="direction-field">' in text
    assert 'data-exit-checkpoints="venue"' in text


# --- names in the offline bundle ---------------------------------------------------------


def test_the_bundle_carries_numbers_always_and_names_only_when_allowed(
    client, db, edition, staff_headers, attendee
):
    _registration, badge, _code = attendee
    bundle = client.get(BUNDLE, headers=staff_headers).json
    assert bundle["names_offline"] is False
    assert bundle["attendees"] == [
        {
            "badge_id": badge.id,
            "badge_number": badge.number,
            "name": None,
            "organisation": None,
            "category": None,
            "category_code": "ATT",
        }
    ]
    assert "Ana Atanasova" not in client.get(BUNDLE, headers=staff_headers).get_data(as_text=True)
    assert bundle["checkpoints"][0]["exit_scans"] is False

    services.update_door_settings(edition, names=True, exits={"venue"}, actor=None)
    db.session.commit()
    bundle = client.get(BUNDLE, headers=staff_headers).json
    assert bundle["names_offline"] is True
    [person] = bundle["attendees"]
    assert (person["name"], person["organisation"], person["category"]) == (
        "Ana Atanasova",
        "Sofia University",
        "Attendee",
    )
    assert set(person) == {
        "badge_id",
        "badge_number",
        "name",
        "organisation",
        "category",
        "category_code",
    }  # no e-mail, no country, nothing else
    assert bundle["checkpoints"][0]["exit_scans"] is True


def test_the_bundle_leaves_out_revoked_and_unaccredited_people(
    client, db, edition, staff_headers, attendee
):
    from conference.badges import services as badge_services

    registration, _badge, _code = attendee
    services.update_door_settings(edition, names=True, exits=set(), actor=None)
    badge_services.reissue_badge(registration, reason="lost")
    db.session.commit()
    bundle = client.get(BUNDLE, headers=staff_headers).json
    valid = db.session.scalar(
        db.select(Badge.id).where(Badge.registration_id == registration.id, Badge.state == "valid")
    )
    assert [p["badge_id"] for p in bundle["attendees"]] == [valid]


def test_the_scanner_page_says_whether_lookup_works_offline(db, edition, staff, login):
    staff_client = login(staff)
    assert "Names are found online only" in staff_client.get("/2027/scan").get_data(as_text=True)
    services.update_door_settings(edition, names=True, exits=set(), actor=None)
    db.session.commit()
    assert "Works offline too" in staff_client.get("/2027/scan").get_data(as_text=True)


# --- manual admissions decided offline and sent later -----------------------------------


def test_an_offline_manual_admission_is_recorded_once_with_its_time(
    client, db, staff_headers, attendee
):
    _registration, badge, _code = attendee
    scan_id = str(uuid.uuid4())
    when = (utcnow() - dt.timedelta(minutes=20)).replace(microsecond=0)
    body = {
        "badge_number": badge.number,
        "checkpoint": "venue",
        "manual_reason": "forgotten_badge",
        "scan_id": scan_id,
        "scanned_at": when.astimezone(dt.timezone(dt.timedelta(hours=1))).isoformat(),
        "offline": True,
    }
    first = client.post(URL, json=body, headers=staff_headers)
    again = client.post(URL, json=body, headers=staff_headers)
    assert first.status_code == again.status_code == 200
    assert first.json["result"] == again.json["result"] == "admitted"
    [scan] = scans(db)
    assert (scan.scan_id, scan.offline, scan.manual_reason) == (scan_id, True, "forgotten_badge")
    assert scan.scanned_at == when
    assert len(audit(db, "checkin.manual")) == 1


def test_an_offline_manual_admission_with_bad_fields_is_refused(
    client, db, staff_headers, attendee
):
    _registration, badge, _code = attendee
    base = {"badge_number": badge.number, "checkpoint": "venue", "manual_reason": "forgotten_badge"}
    for extra in ({"scan_id": "not a uuid"}, {"offline": "yes"}, {"scanned_at": "yesterday"}):
        response = client.post(URL, json={**base, **extra}, headers=staff_headers)
        assert response.status_code == 400, extra
    assert scans(db) == []


# --- printing and reissuing at the door --------------------------------------------------


def test_door_staff_print_a_badge_from_door_mode_and_it_is_audited(
    db, edition, staff, attendee, login
):
    _registration, badge, _code = attendee
    response = login(staff).get(f"/2027/scan/badges/{badge.id}/print")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "badge-a6" in text and "Ana Atanasova" in text
    assert 'href="/2027/scan?door=1"' in text
    [entry] = audit(db, "badge.print")
    assert entry.actor_id == staff.id


def test_attendees_and_other_editions_staff_cannot_print_at_the_door(db, edition, attendee, login):
    from tests.factories import make_edition

    registration, badge, _code = attendee
    url = f"/2027/scan/badges/{badge.id}/print"
    assert login(registration.user).get(url).status_code == 403
    other = make_edition(year=2029)
    assert login(make_user(role="staff", edition=other)).get(url).status_code == 403
    assert (
        login(make_user(role="staff", edition=edition))
        .get("/2027/scan/badges/999999/print")
        .status_code
        == 404
    )
    assert audit(db, "badge.print") == []


def test_a_lost_badge_is_reissued_at_the_door_and_the_new_one_printed(
    db, edition, staff, attendee, login
):
    registration, badge, _code = attendee
    staff_client = login(staff)
    response = staff_client.post(
        f"/2027/scan/badges/{badge.id}/reissue", data={"reason": "lost in the cloakroom"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    new = db.session.scalar(
        db.select(Badge).where(Badge.registration_id == registration.id, Badge.state == "valid")
    )
    assert new.id != badge.id and new.version == 2 and new.number == badge.number
    assert response.headers["Location"].endswith(f"/2027/scan/badges/{new.id}/print")
    assert db.session.get(Badge, badge.id).state == "revoked"
    [entry] = audit(db, "badge.reissue")
    assert entry.actor_id == staff.id
    # The old badge cannot be reissued or printed again.
    assert staff_client.post(f"/2027/scan/badges/{badge.id}/reissue").status_code == 409
    assert staff_client.get(f"/2027/scan/badges/{badge.id}/print").status_code == 409


def test_attendees_cannot_reissue_a_badge_at_the_door(db, attendee, login):
    registration, badge, _code = attendee
    response = login(registration.user).post(f"/2027/scan/badges/{badge.id}/reissue")
    assert response.status_code == 403
    assert db.session.get(Badge, badge.id).state == "valid"


def test_lookup_results_offer_print_and_reissue_to_door_staff(db, staff, attendee, login):
    _registration, badge, _code = attendee
    text = login(staff).get("/2027/scan/find", query_string={"q": "atanas"}).get_data(as_text=True)
    assert f"/2027/scan/badges/{badge.id}/print" in text
    assert f"/2027/scan/badges/{badge.id}/reissue" in text


# --- the on-screen badge offline ---------------------------------------------------------


def test_the_badge_page_registers_a_service_worker_scoped_to_it(client, db, attendee, login):
    registration, _badge, _code = attendee
    text = login(registration.user).get("/2027/me/badge").get_data(as_text=True)
    assert 'data-sw-url="/2027/me/badge/sw.js"' in text and 'data-scope="/2027/me/badge"' in text
    worker = client.get("/2027/me/badge/sw.js")
    assert worker.status_code == 200
    assert worker.mimetype == "text/javascript"
    assert worker.headers["Service-Worker-Allowed"] == "/2027/me/badge"
    source = worker.get_data(as_text=True)
    assert "__ASSETS__" not in source and "/static/css/app.css" in source


# --- the scanner's script speaks the page's language -------------------------------------


def test_the_scanner_script_gets_its_texts_in_the_page_language(db, edition, staff, login):
    import html
    import json
    import re

    edition.languages = "en,fr,de"
    db.session.commit()
    page = login(staff).get("/2027/scan", headers={"Accept-Language": "fr"})
    raw = re.search(r"data-texts='([^']*)'", page.get_data(as_text=True)).group(1)
    texts = json.loads(html.unescape(raw))
    assert texts["words"]["admitted"] == "Admis"
    assert texts["online"] == "En ligne : les badges sont vérifiés par le serveur."
    assert "{n}" in texts["queueMany"] and "{time}" in texts["firstAdmitted"]
