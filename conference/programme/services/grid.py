"""The programme as a grid (rooms across, time down, one day at a time) and "now and next".

Both work on ``SessionView`` objects, i.e. on what the viewer may see: a restricted session the
viewer is not cleared for has no room in its view, so it sits in the column of sessions
without a room as a time-only placeholder and never reveals where it takes place.

The grid is a plain table: a row per interval between two consecutive start or end times of
the day, a column per room (more than one when sessions in a room overlap), each session one
cell spanning the rows of its duration. It needs no JavaScript and no inline styles.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from conference.programme.services.visibility import SessionView, filter_views

# Marks a table position covered by a session cell that started in an earlier row.
COVERED = object()


@dataclasses.dataclass(frozen=True)
class GridCell:
    view: SessionView
    rowspan: int


@dataclasses.dataclass(frozen=True)
class GridColumn:
    """One room (``room_id`` None: sessions without a room) with its number of lanes."""

    room_id: int | None
    name: str
    lanes: int


@dataclasses.dataclass(frozen=True)
class GridRow:
    starts_at: dt.datetime
    ends_at: dt.datetime
    # One entry per lane: a GridCell, COVERED, or None (nothing then).
    cells: tuple


@dataclasses.dataclass(frozen=True)
class Grid:
    columns: tuple[GridColumn, ...]
    rows: tuple[GridRow, ...]

    @property
    def lane_count(self) -> int:
        return sum(c.lanes for c in self.columns)

    @property
    def sessions(self) -> int:
        return sum(1 for r in self.rows for c in r.cells if isinstance(c, GridCell))


def build_grid(views: list[SessionView], rooms: list, no_room_label: str) -> Grid:
    """The grid of ``views`` (one day's sessions), rooms in the order of ``rooms`` (the
    edition's, each with ``id`` and ``name``); rooms without a session that day are left out."""
    if not views:
        return Grid((), ())
    bounds = sorted({v.starts_at for v in views} | {v.ends_at for v in views})
    index = {moment: i for i, moment in enumerate(bounds)}
    by_room: dict[int | None, list[SessionView]] = {}
    for view in views:
        by_room.setdefault(view.room.id if view.room else None, []).append(view)
    order = [(r.id, r.name) for r in rooms if r.id in by_room]
    known = {room_id for room_id, _ in order}
    # A room the list did not name (cannot happen with the edition's rooms) goes last.
    order += [(v[0].room.id, v[0].room.name) for k, v in by_room.items() if k and k not in known]
    if None in by_room:
        order.append((None, no_room_label))
    columns: list[GridColumn] = []
    placed: list[tuple[int, int, SessionView]] = []  # (lane, start row, view)
    lane_base = 0
    for room_id, name in order:
        lane_ends: list[int] = []
        for view in sorted(by_room[room_id], key=lambda v: (v.starts_at, v.ends_at, v.id)):
            start, end = index[view.starts_at], index[view.ends_at]
            for lane, last_end in enumerate(lane_ends):
                if last_end <= start:
                    lane_ends[lane] = end
                    break
            else:
                lane = len(lane_ends)
                lane_ends.append(end)
            placed.append((lane_base + lane, start, view))
        columns.append(GridColumn(room_id, name, len(lane_ends)))
        lane_base += len(lane_ends)
    matrix: list[list] = [[None] * lane_base for _ in range(len(bounds) - 1)]
    for lane, start, view in placed:
        end = index[view.ends_at]
        matrix[start][lane] = GridCell(view, end - start)
        for row in range(start + 1, end):
            matrix[row][lane] = COVERED
    rows = tuple(
        GridRow(bounds[i], bounds[i + 1], tuple(matrix[i])) for i in range(len(bounds) - 1)
    )
    return Grid(tuple(columns), rows)


def narrow(
    views: list[SessionView],
    *,
    track: int | None = None,
    type: int | None = None,  # noqa: A002 (the conference's word)
    room: int | None = None,
    q: str = "",
    starred: frozenset[int] | None = None,
) -> list[SessionView]:
    """The programme filters shared by the list and the grid: track, type, room, search
    words, and "starred only" (``starred``: the ids the person starred, or None for all)."""
    views = filter_views(views, track=track, type=type, room=room, q=q)
    if starred is not None:
        views = [v for v in views if v.id in starred and not v.hidden]
    return views


@dataclasses.dataclass(frozen=True)
class NowAndNext:
    now: tuple[SessionView, ...]
    next: tuple[SessionView, ...]


def now_and_next(views: list[SessionView], moment: dt.datetime, tz) -> NowAndNext | None:
    """What runs at ``moment`` and what starts next on the same day (in zone ``tz``), without
    cancelled sessions; None when nothing is left today."""
    today = moment.astimezone(tz).date()
    todays = [v for v in views if not v.is_cancelled and v.starts_at.astimezone(tz).date() == today]
    running = tuple(v for v in todays if v.starts_at <= moment < v.ends_at)
    upcoming = [v for v in todays if v.starts_at > moment]
    following: tuple[SessionView, ...] = ()
    if upcoming:
        first = min(v.starts_at for v in upcoming)
        following = tuple(v for v in upcoming if v.starts_at == first)
    if not running and not following:
        return None
    return NowAndNext(running, following)
