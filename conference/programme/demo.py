"""Demo programme: 2027 (9–10 June, four rooms, about thirty sessions of every type, restricted
sessions, a bookable workshop, a cancelled session) and the past 2025 programme.

Both editions have sessions of every TLP label (issue 23: the closed-door briefings RED, a
roundtable with materials AMBER+STRICT, panels AMBER, talks GREEN, the rest CLEAR) and
sessions under the Chatham House Rule. ``release_demo`` gives a contribution a label
stricter than its session's.

Idempotent: rooms and tracks are matched by name, types by code, sessions by title.
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from conference.accounts.services import find_user
from conference.accreditation.models import AccreditationCategory
from conference.editions.services import touch_programme
from conference.errors import DomainError
from conference.extensions import db
from conference.programme import services
from conference.programme.models import (
    AccessPolicy,
    ProgrammeSession,
    Room,
    SessionInvitation,
    SessionSpeaker,
    SessionState,
    SessionType,
    Track,
)

log = logging.getLogger(__name__)

ROOMS = [
    # name, capacity, directions, daily hours (local: opens, closes; None: no limit)
    ("Plenary Hall", 400, "Level 0, straight ahead from the main entrance", ("08:00", "19:00")),
    ("Room Bruegel", 60, "Level −1, take the stairs left of the cloakroom", ("08:30", "18:30")),
    ("Room Magritte", 40, "Level 1, east wing", ("08:30", "18:00")),
    ("Room Horta", 20, "Level 2, west wing (badge check at the door)", ("09:00", "18:00")),
]
ROOMS_2025 = [
    ("Main auditorium", 300, "Ground floor", ("08:00", "18:00")),
    ("Meeting room 3", 40, "First floor", None),
    ("Meeting room 7", 20, "First floor, end of the corridor", None),
]
TYPES = [
    # code, name, is break
    ("plenary", "Plenary", False),
    ("keynote", "Keynote", False),
    ("panel", "Panel", False),
    ("workshop", "Workshop", False),
    ("closed-door", "Closed-door meeting", False),
    ("break", "Break", True),
]
TRACKS = [
    ("Risk assessment and due diligence", "#1f5f99"),
    ("Export control and dual use", "#a4262c"),
    ("Foreign interference", "#1d6b34"),
    ("International cooperation", "#6b3d9a"),
]

RISK, EXPORT, INTERFERENCE, COOPERATION = (t[0] for t in TRACKS)

# day (0/1), start "HH:MM", end, title, type, track, room, speakers, extra options
PROGRAMME_2027 = [
    (0, "08:00", "09:00", "Registration and welcome coffee", "break", None, None, [], {}),
    (0, "09:00", "09:45", "Opening plenary: research security as a shared European task",
     "plenary", None, "Plenary Hall",
     [("Commissioner for Research and Innovation", "European Commission"),
      ("Minister of Higher Education", "Presidency of the Council")],
     {"chair": "organiser@demo.test",
      "description": "Welcome to the 2027 conference. The opening session sets out the "
                     "**Council Recommendation on research security** and what has changed "
                     "since 2025."}),
    (0, "09:45", "10:30", "Keynote: safeguarding openness in an age of strategic competition",
     "keynote", COOPERATION, "Plenary Hall", [("Prof. Hanne Sørensen", "University of Copenhagen")],
     {}),
    (0, "10:30", "11:00", "Coffee break", "break", None, None, [], {}),
    (0, "11:00", "12:30", "Panel: due diligence for international partnerships", "panel", RISK,
     "Plenary Hall",
     [("Dr. Marieke Jansen", "Leiden University"), ("Per Lindqvist", "KTH"),
      ("Ana Ribeiro", "Foundation for Science and Technology")],
     {"chair": "chair@demo.test"}),
    (0, "11:00", "12:30", "Export control for university research offices", "panel", EXPORT,
     "Room Bruegel", [("Dr. Klaus Weber", "Federal Office for Economic Affairs")], {}),
    (0, "11:00", "12:30", "Workshop: running a due-diligence check in practice", "workshop", RISK,
     "Room Horta", [("Sofia Marchetti", "Politecnico di Milano")],
     {"booking_required": True, "capacity": 12, "tlp": "GREEN",
      "description": "A hands-on workshop with real (anonymised) partnership cases. "
                     "**Seats are limited: please book.**"}),
    (0, "11:00", "12:30", "Member State experts' roundtable on national frameworks",
     "closed-door", COOPERATION, "Room Magritte", [("Moderated by the Presidency", "")],
     {"categories": ["MSE"], "chatham_house": True, "tlp": "AMBER+STRICT",
      "description": "Exchange among nominated Member State experts on national research "
                     "security frameworks and support structures."}),
    (0, "12:30", "13:30", "Lunch", "break", None, None, [], {}),
    (0, "13:30", "15:00", "Panel: foreign interference in higher education", "panel",
     INTERFERENCE, "Plenary Hall",
     [("Dr. Jonas Becker", "Federal Ministry of Research"), ("Laura Moreau", "Le Monde")],
     {}),
    (0, "13:30", "15:00", "Dual-use technologies: classification clinic", "workshop", EXPORT,
     "Room Bruegel", [("Elena Petrova", "Sofia University")],
     {"booking_required": True, "capacity": 30}),
    (0, "13:30", "15:00", "Closed-door meeting: threat assessment exchange", "closed-door",
     INTERFERENCE, "Room Horta", [("National security services liaison", "")],
     {"categories": ["MSE", "EUI"], "chatham_house": True, "tlp": "RED",
      "description": "Briefing by security services for nominated experts and EU institutions "
                     "only. Chatham House rule."}),
    (0, "13:30", "15:00", "Research security in the Widening countries", "panel", COOPERATION,
     "Room Magritte", [("Dr. Andrei Popescu", "Ministry of Research, Romania")],
     {"tlp": "GREEN"}),
    (0, "15:00", "15:30", "Coffee break", "break", None, None, [], {}),
    (0, "15:30", "17:00", "Building a research security support office", "workshop", RISK,
     "Room Bruegel", [("Pieter de Vries", "Ministry of Education, Culture and Science")],
     {"booking_required": True, "capacity": 40}),
    (0, "15:30", "17:00", "Knowledge security in practice: the Dutch national desk", "panel",
     RISK, "Room Magritte", [("Dr. Marieke Jansen", "Leiden University")], {"tlp": "GREEN"}),
    (0, "15:30", "17:00", "Panel: cyber-enabled espionage against research infrastructures",
     "panel", INTERFERENCE, "Plenary Hall",
     [("Dr. Tomás Ruiz", "Barcelona Supercomputing Center"), ("Niamh O'Brien", "The Irish Times")],
     {"state": SessionState.CANCELLED,
      "cancel_reason": "Two panellists cannot travel; the topic is covered in the closing "
                       "plenary instead."}),
    (0, "17:00", "18:00", "Ministerial briefing (invitation only)", "closed-door", None,
     "Room Horta", [("Minister of Higher Education", "Presidency of the Council")],
     {"invited": ["attendee@demo.test", "lukas.gruber@bmbwf.example.at",
                  "jonas.becker@bmbf.example.de", "claire.dubois@esr.example.fr",
                  # registration still pending: sees a "Restricted session" until accredited
                  "ivan.petrov@mon.example.bg"],
      "chatham_house": True, "tlp": "RED"}),
    (0, "18:00", "20:00", "Networking reception", "break", None, None, [], {}),
    (1, "08:30", "09:00", "Welcome coffee", "break", None, None, [], {}),
    (1, "09:00", "09:45", "Keynote: trusted research and open science", "keynote", COOPERATION,
     "Plenary Hall", [("Prof. Luis García", "Spanish National Research Council")], {}),
    (1, "09:45", "11:00", "Panel: export control reform and the research community", "panel",
     EXPORT, "Plenary Hall",
     [("Dr. Klaus Weber", "Federal Office for Economic Affairs and Export Control"),
      ("Hélène Martin", "European Commission, DG RTD")],
     {"chair": "chair@demo.test"}),
    (1, "09:45", "11:00", "Screening foreign funding: tools and data", "workshop", RISK,
     "Room Bruegel", [("Dr. Ewa Wiśniewska", "Polish Academy of Sciences")],
     {"booking_required": True, "capacity": 25}),
    (1, "09:45", "11:00", "Talent programmes and conflicts of interest", "panel", INTERFERENCE,
     "Room Magritte", [("Mette Nielsen", "Ministry of Higher Education and Science")], {}),
    (1, "11:00", "11:30", "Coffee break", "break", None, None, [], {}),
    (1, "11:30", "12:30", "Member State experts: peer-learning exercise", "closed-door",
     COOPERATION, "Room Horta", [("ERA Forum secretariat", "European Commission")],
     {"categories": ["MSE"], "tlp": "AMBER"}),
    (1, "11:30", "12:30", "Research security for start-ups and spin-offs", "panel", EXPORT,
     "Room Bruegel", [("Sara Lindberg", "Swedish Research Council")], {}),
    (1, "11:30", "12:30", "Case studies: partnerships that went wrong", "panel", RISK,
     "Room Magritte", [("Frederik Claes", "KU Leuven")], {"tlp": "AMBER"}),
    (1, "12:30", "13:30", "Lunch", "break", None, None, [], {}),
    (1, "13:30", "15:00", "Closing plenary: next steps for the European research area",
     "plenary", None, "Plenary Hall",
     [("Director-General for Research and Innovation", "European Commission")],
     {"chair": "organiser@demo.test"}),
]  # fmt: skip

PROGRAMME_2025 = [
    (0, "09:00", "09:45", "Opening of the first flagship conference", "plenary", None,
     "Main auditorium", [("Commissioner for Research and Innovation", "European Commission")], {}),
    (0, "09:45", "11:00", "Panel: what is research security?", "panel", COOPERATION,
     "Main auditorium", [("Prof. Hanne Sørensen", "University of Copenhagen")], {}),
    (0, "11:00", "11:30", "Coffee break", "break", None, None, [], {}),
    (0, "11:30", "13:00", "Due diligence toolkits compared", "workshop", RISK, "Meeting room 3",
     [("Dr. Marieke Jansen", "Leiden University")], {"booking_required": True, "capacity": 30}),
    (0, "11:30", "13:00", "Export control basics for researchers", "panel", EXPORT,
     "Main auditorium", [("Dr. Klaus Weber", "BAFA")], {}),
    (0, "13:00", "14:00", "Lunch", "break", None, None, [], {}),
    (0, "14:00", "15:30", "Member State experts' meeting", "closed-door", COOPERATION,
     "Meeting room 7", [("Council Presidency", "")],
     {"categories": ["MSE"], "chatham_house": True, "tlp": "RED"}),
    (0, "14:00", "15:30", "Foreign interference: first lessons", "panel", INTERFERENCE,
     "Main auditorium", [("Dr. Jonas Becker", "Federal Ministry of Research")],
     {"tlp": "GREEN"}),
    (1, "09:00", "10:30", "Panel: international cooperation under uncertainty", "panel",
     COOPERATION, "Main auditorium", [("Prof. Luis García", "CSIC")], {"tlp": "AMBER"}),
    (1, "10:30", "11:00", "Coffee break", "break", None, None, [], {}),
    (1, "11:00", "12:30", "Building national contact points", "workshop", RISK, "Meeting room 3",
     [("Pieter de Vries", "Ministry of Education, Culture and Science")],
     {"tlp": "AMBER+STRICT"}),
    (1, "12:30", "13:30", "Closing session and the road to 2027", "plenary", None,
     "Main auditorium", [("Director-General for Research and Innovation", "European Commission")],
     {}),
]  # fmt: skip


def _by(model, edition, column, value):
    return db.session.scalar(
        sa.select(model).where(model.edition_id == edition.id, column == value)
    )


def _settings(edition, rooms):
    room_map, track_map, type_map = {}, {}, {}
    for position, (name, capacity, directions, hours) in enumerate(rooms):
        room = _by(Room, edition, Room.name, name)
        if room is None:
            room = Room(edition_id=edition.id, name=name, capacity=capacity,
                        directions=directions, position=position)  # fmt: skip
            db.session.add(room)
        if hours and room.opens_at is None and room.closes_at is None:
            # Rooms seeded before rooms had hours get them once; set hours are kept.
            room.opens_at, room.closes_at = (dt.time.fromisoformat(h) for h in hours)
        room_map[name] = room
    for position, (name, colour) in enumerate(TRACKS):
        track = _by(Track, edition, Track.name, name)
        if track is None:
            track = Track(edition_id=edition.id, name=name, colour=colour, position=position)
            db.session.add(track)
        track_map[name] = track
    for code, name, is_break in TYPES:
        session_type = _by(SessionType, edition, SessionType.code, code)
        if session_type is None:
            session_type = SessionType(edition_id=edition.id, code=code, name=name,
                                       is_break=is_break)  # fmt: skip
            db.session.add(session_type)
        type_map[code] = session_type
    db.session.flush()
    return room_map, track_map, type_map


def _local(edition, date: dt.date, hour: int, minute: int) -> dt.datetime:
    """A wall-clock time of the edition's zone (Brussels for the demo) as aware UTC."""
    return dt.datetime.combine(date, dt.time(hour, minute), tzinfo=edition.tz).astimezone(dt.UTC)


def _seed_programme(demo, edition, plan, rooms) -> list[ProgrammeSession]:
    room_map, track_map, type_map = _settings(edition, rooms)
    categories = {
        c.code: c
        for c in db.session.scalars(
            sa.select(AccreditationCategory).where(AccreditationCategory.edition_id == edition.id)
        )
    }
    existing = {
        s.title: s
        for s in db.session.scalars(
            sa.select(ProgrammeSession).where(ProgrammeSession.edition_id == edition.id)
        )
    }
    created = []
    for day, start, end, title, type_code, track, room, speakers, options in plan:
        if title in existing:
            continue
        date = edition.start_date + dt.timedelta(days=day)
        (sh, sm), (eh, em) = (map(int, start.split(":")), map(int, end.split(":")))
        session = ProgrammeSession(
            edition_id=edition.id,
            title=title,
            description=options.get("description", ""),
            type_id=type_map[type_code].id,
            track_id=track_map[track].id if track else None,
            room_id=room_map[room].id if room else None,
            starts_at=_local(edition, date, sh, sm),
            ends_at=_local(edition, date, eh, em),
            booking_required=options.get("booking_required", False),
            capacity=options.get("capacity"),
            chatham_house=options.get("chatham_house", False),
            tlp=options.get("tlp", "CLEAR"),
            state=options.get("state", SessionState.SCHEDULED),
            cancel_reason=options.get("cancel_reason", ""),
            sequence=1 if options.get("state") == SessionState.CANCELLED else 0,
            booked_count=0,
        )
        if "chair" in options:
            chair = find_user(options["chair"])
            session.chair_id = chair.id if chair else None
        if "categories" in options:
            chosen = [categories[c] for c in options["categories"] if c in categories]
            if not chosen:
                log.warning(
                    "demo: no accreditation categories %s in %s; “%s” is not created",
                    options["categories"],
                    edition.year,
                    title,
                )
                continue
            session.access = AccessPolicy.CATEGORIES
            session.categories = chosen
        if "invited" in options:
            session.access = AccessPolicy.INVITATION
        session.speakers = [
            SessionSpeaker(name=name, organisation=organisation, position=position)
            for position, (name, organisation) in enumerate(speakers)
        ]
        db.session.add(session)
        db.session.flush()
        for email in options.get("invited", []):
            user = find_user(email)
            if user is not None:
                db.session.add(SessionInvitation(session_id=session.id, user_id=user.id))
        created.append(session)
    if created:
        touch_programme(edition)
    db.session.flush()
    return created


def _book_demo_seats(edition) -> None:
    """A few bookings so that the booking lists and the agenda are not empty."""
    workshop = db.session.scalar(
        sa.select(ProgrammeSession).where(
            ProgrammeSession.edition_id == edition.id,
            ProgrammeSession.title == "Workshop: running a due-diligence check in practice",
        )
    )
    if workshop is None:
        return
    for email in (
        "attendee@demo.test",
        "lukas.gruber@bmbwf.example.at",
        "sofie.peeters@ewi.example.be",
        "jana.novakova@msmt.example.cz",
        "paolo.bianchi@unibo.example.it",
    ):
        user = find_user(email)
        if user is None:
            continue
        try:
            services.book(user, edition, workshop.id)
        except DomainError:
            continue  # not accredited in this data set, or already booked: nothing to add


def seed(demo) -> None:
    if 2027 in demo.editions:
        _seed_programme(demo, demo.editions[2027], PROGRAMME_2027, ROOMS)
        _book_demo_seats(demo.editions[2027])
    if 2025 in demo.editions:
        _seed_programme(demo, demo.editions[2025], PROGRAMME_2025, ROOMS_2025)
