"""The organisers' overview of an edition, its CSV downloads and the comparison of editions."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, g, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from conference.dashboard import bp, services
from conference.dashboard.charts import figure_chart
from conference.editions.models import Edition
from conference.extensions import db
from conference.permissions import can, clearance, require
from conference.query_args import arg_int
from conference.text import csv_response


@bp.get("/<int:year>/admin")
@require("edition.manage")
def overview():
    figures = services.overview(g.edition)
    others = [
        e
        for e in db.session.scalars(
            sa.select(Edition).where(Edition.id != g.edition.id).order_by(Edition.year.desc())
        )
        if can(current_user, "edition.manage", edition=e)
    ]
    return render_template(
        "dashboard/overview.html", figures=figures, chart=figure_chart, others=others
    )


@bp.get("/<int:year>/admin/figures/<key>.csv")
@require("edition.manage")
def figure_csv(key: str):
    # CSV stays English whatever the page language: programs read its headers and labels.
    with force_locale("en"):
        figure = services.export_figure(key, g.edition, clearance(current_user, g.edition))
    if figure is None:
        abort(404, _("There is no such figure."))
    return csv_response(f"{g.edition.year}-{figure.key}.csv", figure.columns, figure.rows)


def _other_edition() -> Edition:
    year = arg_int("with", min=1, max=9999)
    if year is None:
        abort(400, _("Choose the edition to compare with (a year)."))
    other = db.session.scalar(sa.select(Edition).where(Edition.year == year))
    if other is None:
        abort(404, _("There is no edition %(year)s.", year=year))
    if not can(current_user, "edition.manage", edition=other):
        abort(403, _("You do not organise the %(year)s edition.", year=other.year))
    return other


@bp.get("/<int:year>/admin/compare")
@require("edition.manage")
def compare():
    other = _other_edition()
    first, second = sorted([g.edition, other], key=lambda e: e.year)
    a, b = services.summarise(first), services.summarise(second)
    return render_template(
        "dashboard/compare.html", a=a, b=b, rows=services.comparison_rows(a, b), other=other
    )


@bp.get("/<int:year>/admin/compare.csv")
@require("edition.manage")
def compare_csv():
    other = _other_edition()
    first, second = sorted([g.edition, other], key=lambda e: e.year)
    # CSV stays English whatever the page language (see ``figure_csv``).
    with force_locale("en"):
        a, b = services.summarise(first), services.summarise(second)
        rows = services.comparison_rows(a, b)
    return csv_response(
        f"compare-{first.year}-{second.year}.csv",
        ["Measure", str(first.year), str(second.year)],
        rows,
    )
