# ruff: noqa: E501  (a table of demo people reads best one per line)
"""Demo accreditation data: categories for 2025 and 2027, registrations in every state.

Idempotent: categories are matched by code, people by e-mail, and a person who already has a
registration for an edition is left alone.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from conference.accounts import services as accounts
from conference.accreditation.models import (
    AccreditationCategory,
    EndorsementState,
    Registration,
    RegistrationEvent,
)
from conference.accreditation.models import RegistrationState as S
from conference.accreditation.services import registration_from_profile, transition
from conference.extensions import db

CATEGORIES = [
    # code, name, colour, requires nomination, quota, speaker, staff, description
    ("MSE", "Member State expert", "#1f4e79", True, 220, False, False,
     "Experts nominated by a national ministry or agency of an EU Member State or an "
     "associated country."),
    ("EUI", "EU institution", "#6f2da8", False, 60, False, False,
     "Staff of the European Commission, the Council, the Parliament and EU agencies."),
    ("RES", "Research organisation", "#0b6e4f", False, 80, False, False,
     "Universities, research performing and research funding organisations."),
    ("PRS", "Press", "#b35900", False, 20, False, False,
     "Accredited journalists; some sessions are held under the Chatham House rule."),
    ("SPK", "Speaker", "#a4133c", False, None, True, False,
     "Speakers, panellists and session chairs (offered when a contribution is accepted)."),
    ("STF", "Staff", "#4a4a4a", False, None, False, True,
     "Organising team, venue and door staff."),
]  # fmt: skip

# email, name, country, organisation, organisation type, position, category, state
PEOPLE_2027 = [
    ("lukas.gruber@bmbwf.example.at", "Lukas Gruber", "AT", "Federal Ministry of Education, Science and Research", "government", "Head of Unit, International Research Cooperation", "MSE", S.ACCREDITED),
    ("sofie.peeters@ewi.example.be", "Sofie Peeters", "BE", "Flemish Department of Economy, Science and Innovation", "government", "Policy Adviser", "MSE", S.ACCREDITED),
    ("ivan.petrov@mon.example.bg", "Ivan Petrov", "BG", "Ministry of Education and Science", "government", "Senior Expert", "MSE", S.SUBMITTED),
    ("ana.kovacic@mzo.example.hr", "Ana Kovačić", "HR", "Ministry of Science and Education", "government", "Head of Sector", "MSE", S.WAITLISTED),
    ("eleni.georgiou@dmrid.example.cy", "Eleni Georgiou", "CY", "Deputy Ministry of Research, Innovation and Digital Policy", "government", "Research Policy Officer", "MSE", S.SUBMITTED),
    ("jana.novakova@msmt.example.cz", "Jana Nováková", "CZ", "Ministry of Education, Youth and Sports", "government", "Director, Research Department", "MSE", S.ACCREDITED),
    ("mette.nielsen@ufm.example.dk", "Mette Nielsen", "DK", "Ministry of Higher Education and Science", "government", "Chief Adviser", "MSE", S.ACCREDITED),
    ("kadri.tamm@hm.example.ee", "Kadri Tamm", "EE", "Ministry of Education and Research", "government", "Adviser", "MSE", S.REJECTED),
    ("mikko.virtanen@okm.example.fi", "Mikko Virtanen", "FI", "Ministry of Education and Culture", "government", "Ministerial Adviser", "MSE", S.SUBMITTED),
    ("claire.dubois@esr.example.fr", "Claire Dubois", "FR", "Ministry of Higher Education and Research", "government", "Security and Defence Official", "MSE", S.ACCREDITED),
    ("jonas.becker@bmbf.example.de", "Jonas Becker", "DE", "Federal Ministry of Research, Technology and Space", "government", "Head of Division, Research Security", "MSE", S.ACCREDITED),
    ("dimitra.papadopoulou@gsri.example.gr", "Dimitra Papadopoulou", "GR", "General Secretariat for Research and Innovation", "government", "Policy Officer", "MSE", S.CANCELLED),
    ("zsofia.nagy@nkfih.example.hu", "Zsófia Nagy", "HU", "National Research, Development and Innovation Office", "funder", "International Officer", "MSE", S.SUBMITTED),
    ("siobhan.murphy@dfhe.example.ie", "Siobhán Murphy", "IE", "Department of Further and Higher Education, Research, Innovation and Science", "government", "Principal Officer", "MSE", S.WAITLISTED),
    ("giulia.rossi@mur.example.it", "Giulia Rossi", "IT", "Ministry of University and Research", "government", "Senior Official", "MSE", S.ACCREDITED),
    ("janis.berzins@izm.example.lv", "Jānis Bērziņš", "LV", "Ministry of Education and Science", "government", "Deputy Director", "MSE", S.REVOKED),
    ("ruta.kazlauskiene@smsm.example.lt", "Rūta Kazlauskienė", "LT", "Ministry of Education, Science and Sport", "government", "Chief Specialist", "MSE", S.SUBMITTED),
    ("marc.weber@mesr.example.lu", "Marc Weber", "LU", "Ministry of Higher Education and Research", "government", "Attaché", "MSE", S.ACCREDITED),
    ("maria.borg@mcst.example.mt", "Maria Borg", "MT", "Malta Council for Science and Technology", "funder", "Research Programme Manager", "MSE", S.SUBMITTED),
    ("pieter.devries@ocw.example.nl", "Pieter de Vries", "NL", "Ministry of Education, Culture and Science", "government", "Senior Policy Officer, Knowledge Security", "MSE", S.ACCREDITED),
    ("katarzyna.nowak@nauka.example.pl", "Katarzyna Nowak", "PL", "Ministry of Science and Higher Education", "government", "Head of Unit", "MSE", S.WAITLISTED),
    ("joao.silva@fct.example.pt", "João Silva", "PT", "Foundation for Science and Technology", "funder", "Board Adviser", "MSE", S.SUBMITTED),
    ("andrei.popescu@research.example.ro", "Andrei Popescu", "RO", "Ministry of Research, Innovation and Digitalisation", "government", "State Counsellor", "MSE", S.ACCREDITED),
    ("lucia.horvathova@minedu.example.sk", "Lucia Horváthová", "SK", "Ministry of Education, Research, Development and Youth", "government", "Director General", "MSE", S.SUBMITTED),
    ("matej.kranjc@mvzi.example.si", "Matej Kranjc", "SI", "Ministry of Higher Education, Science and Innovation", "government", "Secretary", "MSE", S.REJECTED),
    ("carmen.garcia@ciencia.example.es", "Carmen García López", "ES", "Ministry of Science, Innovation and Universities", "government", "Deputy Director General", "MSE", S.ACCREDITED),
    ("erik.lindqvist@regeringskansliet.example.se", "Erik Lindqvist", "SE", "Ministry of Education and Research", "government", "Senior Adviser", "MSE", S.SUBMITTED),
    ("ingrid.solberg@kd.example.no", "Ingrid Solberg", "NO", "Ministry of Education and Research", "government", "Senior Adviser", "MSE", S.WAITLISTED),
    ("thomas.muller@sbfi.example.ch", "Thomas Müller", "CH", "State Secretariat for Education, Research and Innovation", "government", "Scientific Adviser", "MSE", S.SUBMITTED),
    ("helene.martin@ec.example.eu", "Hélène Martin", "BE", "European Commission, DG Research and Innovation", "eu", "Policy Officer, ERA Action 15", "EUI", S.ACCREDITED),
    ("stefan.ionescu@ec.example.eu", "Ștefan Ionescu", "RO", "European Commission, DG Defence Industry and Space", "eu", "Legal Officer", "EUI", S.SUBMITTED),
    ("anneke.jansen@erc.example.eu", "Anneke Jansen", "NL", "European Research Council Executive Agency", "eu", "Head of Sector", "EUI", S.ACCREDITED),
    ("paolo.bianchi@unibo.example.it", "Paolo Bianchi", "IT", "University of Bologna", "university", "Vice-Rector for International Relations", "RES", S.ACCREDITED),
    ("ewa.wisniewska@pan.example.pl", "Ewa Wiśniewska", "PL", "Polish Academy of Sciences", "research", "Research Security Officer", "RES", S.SUBMITTED),
    ("frederik.claes@kuleuven.example.be", "Frederik Claes", "BE", "KU Leuven", "university", "Export Control Officer", "RES", S.WAITLISTED),
    ("sara.lindberg@vr.example.se", "Sara Lindberg", "SE", "Swedish Research Council", "funder", "Analyst", "RES", S.REJECTED),
    ("martin.schneider@fraunhofer.example.de", "Martin Schneider", "DE", "Fraunhofer-Gesellschaft", "research", "Head of Research Security", "RES", S.CANCELLED),
    ("laura.moreau@lemonde.example.fr", "Laura Moreau", "FR", "Le Monde", "press", "Science Correspondent", "PRS", S.SUBMITTED),
    ("niamh.obrien@irishtimes.example.ie", "Niamh O'Brien", "IE", "The Irish Times", "press", "Science Editor", "PRS", S.ACCREDITED),
    ("tomas.horak@oecd.example.org", "Tomáš Horák", "CZ", "OECD Directorate for Science, Technology and Innovation", "international", "Policy Analyst", "EUI", S.SUBMITTED),
]  # fmt: skip

PEOPLE_2025 = [
    ("lukas.gruber@bmbwf.example.at", "MSE"),
    ("sofie.peeters@ewi.example.be", "MSE"),
    ("jonas.becker@bmbf.example.de", "MSE"),
    ("claire.dubois@esr.example.fr", "MSE"),
    ("giulia.rossi@mur.example.it", "MSE"),
    ("pieter.devries@ocw.example.nl", "MSE"),
    ("carmen.garcia@ciencia.example.es", "MSE"),
    ("helene.martin@ec.example.eu", "EUI"),
    ("paolo.bianchi@unibo.example.it", "RES"),
    ("niamh.obrien@irishtimes.example.ie", "PRS"),
    ("attendee@demo.test", "MSE"),
]

NOMINATING_AUTHORITY = {
    "government": "the ministry's permanent representation to the EU",
    "funder": "the national research ministry",
}

REASONS = {
    S.REJECTED: "The Member State's places are taken by its nominated delegation.",
    S.REVOKED: "The nominating ministry withdrew the nomination.",
    S.WAITLISTED: "The category is nearly full; we will confirm as places become free.",
}


def _categories(edition) -> dict[str, AccreditationCategory]:
    existing = {
        c.code: c
        for c in db.session.scalars(
            sa.select(AccreditationCategory).where(AccreditationCategory.edition_id == edition.id)
        )
    }
    for position, (code, name, colour, nomination, quota, speaker, staff, description) in enumerate(
        CATEGORIES
    ):
        if code in existing:
            continue
        category = AccreditationCategory(
            edition_id=edition.id,
            code=code,
            name=name,
            colour=colour,
            requires_nomination=nomination,
            quota=quota,
            position=position * 10,
            is_speaker_category=speaker,
            is_staff_category=staff,
            description=description,
        )
        db.session.add(category)
        existing[code] = category
    db.session.flush()
    return existing


def _new_registration(edition, user, category, *, created_at, **values) -> Registration:
    registration = registration_from_profile(
        edition,
        user,
        category,
        privacy_consent_at=created_at,
        created_at=created_at,
        updated_at=created_at,
        **values,
    )
    registration.events.append(
        RegistrationEvent(
            from_state=None, to_state=S.SUBMITTED, actor_id=user.id, created_at=created_at
        )  # fmt: skip
    )
    db.session.add(registration)
    db.session.flush()
    return registration


def _exists(edition, user) -> bool:
    return (
        db.session.scalar(
            sa.select(Registration.id).where(
                Registration.edition_id == edition.id, Registration.user_id == user.id
            )
        )
        is not None
    )


def seed(demo) -> None:
    edition_2025 = demo.editions[2025]
    edition_2027 = demo.editions[2027]
    cats_2025 = _categories(edition_2025)
    cats_2027 = _categories(edition_2027)
    organiser = demo.users["organiser@demo.test"]

    people = {}
    for email, name, country, organisation, org_type, position, _code, _state in PEOPLE_2027:
        people[email] = demo.user(
            email,
            name,
            country=country,
            organisation=organisation,
            organisation_type=org_type,
            position=position,
        )
    attendee = demo.users["attendee@demo.test"]
    attendee.organisation = attendee.organisation or "Demo organisation"
    if attendee.organisation == "Demo organisation":
        attendee.organisation = "Belgian Federal Science Policy Office"
        attendee.organisation_type = "government"
        attendee.position = "Research Security Adviser"
    people["attendee@demo.test"] = attendee
    staff = demo.users["staff@demo.test"]
    staff.organisation_type = staff.organisation_type or "other"
    staff.position = staff.position or "Door staff"

    # 2025 (archived): accredited registrations, written directly (the archive is read-only).
    base_2025 = dt.datetime(2025, 2, 3, 9, 0, tzinfo=dt.UTC)
    for index, (email, code) in enumerate(PEOPLE_2025):
        user = people[email]
        if _exists(edition_2025, user):
            continue
        created = base_2025 + dt.timedelta(hours=7 * index)
        category = cats_2025[code]
        registration = _new_registration(
            edition_2025,
            user,
            category,
            created_at=created,
            nominating_authority="National research ministry"
            if category.requires_nomination
            else "",  # fmt: skip
            nominator_email="nominations@ministry.example.eu"
            if category.requires_nomination
            else "",  # fmt: skip
            endorsement=EndorsementState.ENDORSED
            if category.requires_nomination
            else EndorsementState.NOT_NEEDED,  # fmt: skip
        )
        decided = created + dt.timedelta(days=5)
        registration.state = S.ACCREDITED
        registration.category_id = category.id
        registration.decided_at = decided
        registration.events.append(
            RegistrationEvent(
                from_state=S.SUBMITTED,
                to_state=S.ACCREDITED,
                actor_id=organiser.id,
                created_at=decided,
            )  # fmt: skip
        )
    db.session.flush()

    # 2027: ~40 people in every state, decided through the workflow (without mail).
    base_2027 = dt.datetime(2026, 9, 2, 8, 30, tzinfo=dt.UTC)
    plan = list(PEOPLE_2027) + [
        ("attendee@demo.test", attendee.full_name, "BE", attendee.organisation, "government",
         attendee.position, "MSE", S.ACCREDITED),
        ("staff@demo.test", staff.full_name, "BE", staff.organisation, "other", staff.position,
         "STF", S.ACCREDITED),
    ]  # fmt: skip
    people["staff@demo.test"] = staff
    for index, (email, _n, _c, _o, org_type, _p, code, state) in enumerate(plan):
        user = people[email]
        if _exists(edition_2027, user):
            continue
        category = cats_2027[code]
        created = base_2027 + dt.timedelta(hours=9 * index + (index % 5) * 31)
        nomination = {}
        if category.requires_nomination:
            authority = NOMINATING_AUTHORITY.get(org_type, "the national research ministry")
            country_code = user.country.lower() or "eu"
            # Some endorsed, some still pending, one declined.
            endorsement = (
                EndorsementState.DECLINED if state == S.REJECTED
                else EndorsementState.PENDING if state == S.SUBMITTED and index % 2
                else EndorsementState.ENDORSED
            )  # fmt: skip
            nomination = dict(
                nominating_authority=f"Permanent Representation ({user.country}), {authority}",
                nominator_email=f"research-attache@perm-rep.example.{country_code}",
                endorsement=endorsement,
                endorsement_at=None
                if endorsement == EndorsementState.PENDING
                else created + dt.timedelta(days=2),  # fmt: skip
            )
        if index % 7 == 3:
            nomination["dietary_needs"] = "Vegetarian"
            nomination["special_data_consent_at"] = created
        registration = _new_registration(
            edition_2027, user, category, created_at=created, **nomination
        )
        if state == S.SUBMITTED:
            continue
        if state in (S.ACCREDITED, S.REVOKED):
            transition(registration, S.ACCREDITED, organiser, category=category, notify=False)
            if state == S.REVOKED:
                transition(registration, S.REVOKED, organiser, reason=REASONS[S.REVOKED],
                           notify=False)  # fmt: skip
        elif state == S.CANCELLED:
            transition(registration, S.CANCELLED, user, notify=False)
        else:
            transition(registration, state, organiser, reason=REASONS.get(state, ""),
                       notify=False)  # fmt: skip
    db.session.flush()
    _unconfirmed_newcomer(demo)


NEWCOMER_EMAIL = "newcomer@demo.test"


def _unconfirmed_newcomer(demo) -> None:
    """An account that has not confirmed its address: /2027/register shows it the notice
    with the "send the confirmation link again" button instead of the form."""
    if accounts.find_user(NEWCOMER_EMAIL) is None:
        accounts.create_user(
            NEWCOMER_EMAIL, demo.password, full_name="Nora Newcomer", verified=False
        )
