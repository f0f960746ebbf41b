"""Review pages for phases, discussion, criteria and progress: the chairs switch the phase,
describe the score criteria and remind reviewers; reviewers and chairs discuss a submission.

HTTP only: parse, ask ``permissions``, call ``services``, render or redirect. The current
phase is given to every review page by the blueprint's context processor below.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from conference.errors import DomainError
from conference.extensions import db
from conference.permissions import can, require
from conference.review import bp, services
from conference.review.forms import CriteriaForm, DiscussionForm, PhaseForm, ReminderForm
from conference.text import ngettext


@bp.context_processor
def review_phase_context() -> dict:
    """Every review page states the phase and what it lets reviewers do."""
    edition = g.get("edition")
    if edition is None:
        return {}
    phase = services.current_phase(edition)
    return {
        "review_phase": phase,
        "review_phase_label": services.PHASE_LABELS[phase],
        "review_phase_rules": services.phase_rules(phase),
    }


def _submission(submission_id: int, **_):
    return services.get_submission(g.edition, submission_id)


@bp.route("/<int:year>/review/phase", methods=["GET", "POST"])
@require("review.chair")
def phase():
    """The chairs switch the phase; everyone on the committee sees it on every review page."""
    settings = services.settings_of(g.edition)
    form = PhaseForm()
    form.phase.choices = [SelectChoice(p.value, services.PHASE_LABELS[p]) for p in services.PHASES]
    status = 200
    if request.method == "GET":
        form.phase.data = settings.phase
        form.reviewer_names_visible.data = settings.reviewer_names_visible
    elif not can(current_user, "review.manage"):
        abort(403, _("The %(year)s edition is archived and read-only.", year=g.edition.year))
    elif form.validate_on_submit() and form.phase.data in {p.value for p in services.PHASES}:
        try:
            changed = services.set_phase(
                current_user,
                g.edition,
                form.phase.data,
                names_visible=bool(form.reviewer_names_visible.data),
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = exc.status_code
        else:
            flash(
                _(
                    "The review phase is now: %(phase)s.",
                    phase=services.PHASE_LABELS[form.phase.data],
                )
                if changed
                else _("Nothing changed."),
                "success",
            )
            return redirect(url_for("review.phase"))
    else:
        if not form.phase.errors:
            form.phase.errors = [_("Choose one of the review phases.")]
        status = 400
    return (
        render_template(
            "review/phase.html",
            form=form,
            settings=settings,
            phases=[
                (p, services.PHASE_LABELS[p], services.phase_rules(p)) for p in services.PHASES
            ],
        ),
        status,
    )


@bp.route("/<int:year>/review/criteria", methods=["GET", "POST"])
@require("review.chair")
def criteria():
    """The score criteria's descriptions and descriptors, shown next to the review radios."""
    current = services.criteria(g.edition)
    form = CriteriaForm()
    status = 200
    if request.method == "GET":
        for criterion in current:
            sub = getattr(form, criterion.key).form
            sub.description.data = criterion.description
            for n in range(1, 6):
                getattr(sub, f"descriptor_{n}").data = criterion.descriptors.get(n, "")
    elif not can(current_user, "review.manage"):
        abort(403, _("The %(year)s edition is archived and read-only.", year=g.edition.year))
    elif form.validate_on_submit():
        data = {}
        for key in services.CRITERIA_KEYS:
            sub = getattr(form, key).form
            data[key] = {"description": sub.description.data or ""}
            for n in range(1, 6):
                data[key][n] = getattr(sub, f"descriptor_{n}").data or ""
        try:
            services.save_criteria(current_user, g.edition, data)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = exc.status_code
        else:
            flash(_("The criteria are saved; reviewers see them next to the scores."), "success")
            return redirect(url_for("review.criteria"))
    else:
        status = 400
    return render_template("review/criteria.html", form=form, criteria=current), status


@bp.post("/<int:year>/review/submissions/<int:submission_id>/discussion")
@require("review.read", _submission)
def discuss(submission_id: int):
    """Post a comment to the discussion (assigned reviewers who may see the others' reviews,
    and the chairs, in the discussion phase); the others are notified."""
    item = _submission(submission_id)
    if not can(current_user, "review.discuss", item):
        abort(403, _("The discussion is open only in the discussion phase."))
    form = DiscussionForm()
    back = request.form.get("back") == "chair" and can(current_user, "review.chair")
    target = url_for(
        "review.chair_submission" if back else "review.submission", submission_id=item.id
    )
    if not form.validate_on_submit():
        abort(
            400,
            " ".join(str(e) for e in form.body.errors)
            or _("The form has expired; please try again."),
        )
    try:
        services.add_comment(current_user, item, form.body.data)
    except DomainError as exc:
        db.session.rollback()
        abort(exc.status_code, exc.message)
    flash(_("Your comment is posted; the others taking part were notified."), "success")
    return redirect(target + "#discussion-h")


@bp.get("/<int:year>/review/chair/progress")
@require("review.chair")
def progress():
    """Per-reviewer progress with a one-click reminder for those with reviews outstanding."""
    return render_template(
        "review/progress.html",
        people=services.committee_progress(current_user, g.edition),
        form=ReminderForm(),
    )


@bp.post("/<int:year>/review/chair/progress/<int:reviewer_id>/remind")
@require("review.manage")
def remind(reviewer_id: int):
    """One click: mail the reviewer their outstanding reviews (outbox, audited)."""
    form = ReminderForm()
    if not form.validate_on_submit():
        abort(400, _("The form has expired; please try again."))
    reviewer = services.get_user(reviewer_id)
    try:
        count = services.send_reminder(current_user, g.edition, reviewer)
    except DomainError as exc:
        db.session.rollback()
        if exc.status_code != 409:
            abort(exc.status_code, exc.message)
        flash(exc.message, "error")
        page = render_template(
            "review/progress.html",
            people=services.committee_progress(current_user, g.edition),
            form=ReminderForm(),
        )
        return page, 409
    flash(
        ngettext(
            "%(name)s was reminded of %(num)d outstanding review.",
            "%(name)s was reminded of %(num)d outstanding reviews.",
            count,
            name=reviewer.display_name,
        ),
        "success",
    )
    return redirect(url_for("review.progress"))
