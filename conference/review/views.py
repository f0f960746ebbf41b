"""Review pages: reviewers' work list, expertise, conflicts and reviews; chairs' dashboard,
assignment, decisions, mail templates and placing accepted submissions in the programme."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from conference import confirm
from conference.accreditation.services import speaker_category
from conference.confirm import Confirmation, MailPreview
from conference.errors import DomainError
from conference.extensions import db
from conference.permissions import Channel, can, clearance, require
from conference.programme.services import free_minutes as programme_free_minutes
from conference.programme.services import room_day
from conference.programme.services import session_view as programme_session_view
from conference.programme.services import span as programme_span
from conference.query_args import arg_choice, arg_float, arg_id
from conference.review import bp, services
from conference.review.forms import (
    AutoAssignForm,
    ConflictForm,
    ConflictOverrideForm,
    ConflictRulesForm,
    DecisionForm,
    DiscussionForm,
    ExpertiseForm,
    JoinSessionForm,
    MailTemplateForm,
    ManualAssignForm,
    PlacementForm,
    ReviewForm,
)
from conference.review.models import ConflictSource
from conference.submissions.models import Decision
from conference.text import csv_response, ngettext


def _submission(submission_id: int, **_):
    return services.get_submission(g.edition, submission_id)


# --- reviewers -----------------------------------------------------------------------------


@bp.get("/<int:year>/review")
@require("review.participate")
def my_reviews():
    rows = services.my_assignments(current_user, g.edition)
    progress = services.progress_of(current_user, g.edition, rows)
    return render_template(
        "review/my_reviews.html",
        rows=rows,
        done=progress.done,
        progress=progress,
        closed=services.review_closed(g.edition),
        statuses=services.STATUS_LABELS,
    )


@bp.route("/<int:year>/review/expertise", methods=["GET", "POST"])
@require("review.participate")
def expertise():
    return _expertise_page(current_user)


@bp.route("/<int:year>/review/expertise/<int:user_id>", methods=["GET", "POST"])
@require("review.manage")
def expertise_of(user_id: int):
    user = services.get_user(user_id)
    if not can(user, "review.participate", edition=g.edition):
        abort(404, _("This person is not on the programme committee."))
    return _expertise_page(user)


def _expertise_page(user):
    tracks = services.tracks(g.edition)
    form = ExpertiseForm()
    form.tracks.choices = [SelectChoice(t.id, t.name) for t in tracks]
    if request.method == "GET":
        form.tracks.data = sorted(services.expertise_of(user, g.edition))
    elif form.validate_on_submit():
        try:
            services.set_expertise(current_user, user, g.edition, form.tracks.data or [])
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return render_template("review/expertise.html", form=form, person=user), 400
        flash(_("Expertise saved."), "success")
        if user.id == current_user.id:
            return redirect(url_for("review.expertise"))
        return redirect(url_for("review.chair"))
    else:
        return render_template("review/expertise.html", form=form, person=user), 400
    return render_template("review/expertise.html", form=form, person=user)


@bp.get("/<int:year>/review/conflicts")
@require("review.participate")
def conflicts():
    mine = {c.submission_id: c for c in services.conflicts_of(current_user, g.edition)}
    submissions = [services.blinded(s) for s in services.reviewable_submissions(g.edition)]
    return render_template(
        "review/conflicts.html",
        submissions=submissions,
        mine=mine,
        form=ConflictForm(),
        declared=ConflictSource.DECLARED,
    )


@bp.post("/<int:year>/review/conflicts/<int:submission_id>")
@require("review.participate")
def declare_conflict(submission_id: int):
    form = ConflictForm()
    if not form.validate_on_submit():
        abort(400, _("The reason may have at most 400 characters."))
    submission = _submission(submission_id)
    services.declare_conflict(current_user, submission, form.reason.data or "")
    flash(_("Conflict declared with submission #%(id)d.", id=submission.id), "success")
    return redirect(url_for("review.conflicts"))


@bp.post("/<int:year>/review/conflicts/<int:submission_id>/withdraw")
@require("review.participate")
def withdraw_conflict(submission_id: int):
    form = ConflictForm()
    if not form.validate_on_submit():
        abort(400)
    services.withdraw_conflict(current_user, _submission(submission_id))
    flash(_("Conflict withdrawn."), "success")
    return redirect(url_for("review.conflicts"))


@bp.route("/<int:year>/review/submissions/<int:submission_id>", methods=["GET", "POST"])
@require("review.read", _submission)
def submission(submission_id: int):
    item = _submission(submission_id)
    review = services.own_review(current_user, item)
    form = ReviewForm(obj=None if request.method == "POST" else review)
    if request.method == "GET" and review is not None:
        for name in services.SCORE_FIELDS:
            getattr(form, name).data = str(getattr(review, name) or "")
        form.recommendation.data = review.recommendation or ""
    status = 200
    if request.method == "POST":
        if not can(current_user, "review.write", item):
            abort(403)
        if not form.validate_on_submit():
            status = 400
        else:
            data = {name: getattr(form, name).data for name in services.SCORE_FIELDS}
            data["recommendation"] = form.recommendation.data
            data["comments_to_authors"] = form.comments_to_authors.data
            data["confidential_comments"] = form.confidential_comments.data
            try:
                saved = services.save_review(
                    current_user, item, data, submit=bool(form.submit_review.data)
                )
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message, "error")
                status = exc.status_code
            else:
                flash(
                    _("Review submitted.") if saved.submitted_at else _("Draft saved."),
                    "success",
                )
                return redirect(url_for("review.submission", submission_id=item.id))
    chair = can(current_user, "review.chair")
    return (
        render_template(
            "review/submission.html",
            item=services.blinded(item),
            review=review,
            form=form,
            may_write=can(current_user, "review.write", item),
            closed=services.review_closed(g.edition),
            others=services.visible_reviews(current_user, item),
            may_see_others=can(current_user, "review.read_others", item),
            chair=chair,
            labels=services.RECOMMENDATION_LABELS,
            states=services.STATE_LABELS,
            neighbours=services.assignment_neighbours(current_user, g.edition, item.id),
            criteria=services.criteria(g.edition),
            discussion=services.comments(current_user, item),
            may_read_discussion=can(current_user, "review.discussion.read", item),
            may_discuss=can(current_user, "review.discuss", item),
            discussion_form=DiscussionForm(),
        ),
        status,
    )


# --- chairs --------------------------------------------------------------------------------


@bp.get("/<int:year>/review/chair")
@require("review.chair")
def chair():
    rows, people, hidden = services.dashboard(
        current_user,
        g.edition,
        track_id=arg_id("track"),
        min_mean=arg_float("min_mean", min=0, max=5),
        max_mean=arg_float("max_mean", min=0, max=5),
        decision=arg_choice("decision", [d.value for d in Decision], None),
        disagreement_only=arg_choice("disagreement", ["0", "1"]) == "1",
        sort=arg_choice("sort", services.SORTS, "id"),
        descending=arg_choice("order", ["asc", "desc"]) == "desc",
    )
    unpublished = sum(
        1
        for r in rows
        if r.submission.decision != Decision.PENDING and r.submission.decision_published_at is None
    )
    return render_template(
        "review/chair.html",
        rows=rows,
        people=people,
        hidden=hidden,
        tracks=services.tracks(g.edition),
        sorts={key: _SORT_NAMES[key] for key in services.SORTS},
        args=request.args,
        decision_form=DecisionForm(),
        decisions=services.DECISION_LABELS,
        unpublished=unpublished,
        labels=services.RECOMMENDATION_LABELS,
        withdrawn=services.withdrawn_submissions(current_user, g.edition),
    )


# The chairs' dashboard's sort keys (services.SORTS) as the sort menu names them.
_SORT_NAMES = {
    "id": _l("Number"),
    "title": _l("Title"),
    "track": _l("Track"),
    "mean": _l("Mean"),
    "spread": _l("Spread"),
    "progress": _l("Review progress"),
}


@bp.get("/<int:year>/review/chair/submissions/<int:submission_id>")
@require("review.chair")
def chair_submission(submission_id: int):
    item = _submission(submission_id)
    if not can(current_user, "review.read", item):
        abort(403)
    assign_form = ManualAssignForm()
    assign_form.reviewer_id.choices = [
        SelectChoice(r.id, r.display_name) for r in services.eligible_reviewers(item)
    ]
    decision_form = DecisionForm(decision=item.decision)
    conflicts = services.conflicts_on(item)
    return render_template(
        "review/chair_submission.html",
        item=item,
        speakers=services.speakers(item),
        assignments=services.assignments_of(item),
        reviews=services.visible_reviews(current_user, item),
        conflicts=[(c, services.get_user(c.reviewer_id)) for c in conflicts],
        sources=services.CONFLICT_SOURCE_LABELS,
        conflict_reason=services.conflict_reason,
        states=services.STATE_LABELS,
        assign_form=assign_form,
        decision_form=decision_form,
        decisions=services.DECISION_LABELS,
        labels=services.RECOMMENDATION_LABELS,
        session=services.session_for(item),
        score=services.review_score,
        overridable=services.OVERRIDABLE_SOURCES,
        override_form=ConflictOverrideForm(),
        overrides=[(o, services.get_user(o.reviewer_id)) for o in services.overrides_of(item)],
        discussion=services.comments(current_user, item),
        may_discuss=can(current_user, "review.discuss", item),
        discussion_form=DiscussionForm(),
    )


@bp.post(
    "/<int:year>/review/chair/submissions/<int:submission_id>/conflicts/<int:reviewer_id>/override"
)
@require("review.manage")
def override_conflict(submission_id: int, reviewer_id: int):
    """Lift an automatic conflict with a reason (audited); declared ones are refused."""
    item = _submission(submission_id)
    form = ConflictOverrideForm()
    if not form.validate_on_submit():
        abort(400, _("Give the reason for the override (at most 400 characters)."))
    services.override_conflict(current_user, item, services.get_user(reviewer_id), form.reason.data)
    flash(_("The automatic conflict is overridden; the reviewer can now be assigned."), "success")
    return redirect(url_for("review.chair_submission", submission_id=item.id))


@bp.post(
    "/<int:year>/review/chair/submissions/<int:submission_id>/conflicts/<int:reviewer_id>/restore"
)
@require("review.manage")
def restore_conflict(submission_id: int, reviewer_id: int):
    item = _submission(submission_id)
    services.restore_conflict(current_user, item, services.get_user(reviewer_id))
    flash(_("The automatic conflict applies again."), "success")
    return redirect(url_for("review.chair_submission", submission_id=item.id))


@bp.route("/<int:year>/admin/conflict-rules", methods=["GET", "POST"])
@require("edition.manage")
def conflict_rules():
    """Organisers: shared e-mail domains (no automatic conflict) and withdrawn talks."""
    edition = g.edition
    form = ConflictRulesForm()
    status = 200
    if request.method == "GET":
        form.conflict_free_domains.data = "\n".join(services.shared_domains(edition))
        form.withdrawn_talks.data = edition.withdrawn_talks
    elif not can(current_user, "edition.edit", edition=edition):
        abort(403, _("The %(year)s edition is archived and read-only.", year=edition.year))
    elif form.validate_on_submit():
        try:
            services.save_conflict_rules(
                current_user,
                edition,
                form.conflict_free_domains.data or "",
                form.withdrawn_talks.data,
            )
        except DomainError as exc:
            db.session.rollback()
            form.conflict_free_domains.errors = [*form.conflict_free_domains.errors, exc.message]
            status = exc.status_code
        else:
            flash(_("The rules are saved; the automatic conflicts are up to date."), "success")
            return redirect(url_for("review.conflict_rules"))
    else:
        status = 400
    return render_template("review/conflict_rules.html", form=form), status


@bp.post("/<int:year>/review/chair/submissions/<int:submission_id>/assign")
@require("review.manage")
def assign(submission_id: int):
    item = _submission(submission_id)
    form = ManualAssignForm()
    form.reviewer_id.choices = [
        SelectChoice(r.id, r.display_name) for r in services.reviewers(g.edition)
    ]
    if not form.validate_on_submit():
        abort(400, _("Choose a reviewer of this edition."))
    services.assign(current_user, item, services.get_user(form.reviewer_id.data))
    flash(_("Reviewer assigned."), "success")
    return redirect(url_for("review.chair_submission", submission_id=item.id))


@bp.post("/<int:year>/review/chair/submissions/<int:submission_id>/unassign/<int:reviewer_id>")
@require("review.manage")
def unassign(submission_id: int, reviewer_id: int):
    item = _submission(submission_id)
    services.unassign(current_user, item, services.get_user(reviewer_id))
    flash(_("Reviewer unassigned."), "success")
    return redirect(url_for("review.chair_submission", submission_id=item.id))


@bp.post("/<int:year>/review/chair/submissions/<int:submission_id>/decision")
@require("review.manage")
def decide(submission_id: int):
    item = _submission(submission_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400, _("Choose accept, reject, waitlist or pending."))
    changed = services.decide(current_user, item, form.decision.data)
    flash(_("Decision recorded.") if changed else _("The decision was already so."), "success")
    return redirect(url_for("review.chair_submission", submission_id=item.id))


@bp.post("/<int:year>/review/chair/decisions")
@require("review.manage")
def decide_many():
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400, _("Choose accept, reject, waitlist or pending."))
    ids = request.form.getlist("submission_ids")
    if any(not i.isdigit() or len(i) > 10 for i in ids):
        abort(400, _("The selection was damaged; please try again."))
    changed = services.decide_many(current_user, g.edition, ids, form.decision.data)
    flash(
        ngettext(
            "Decision recorded for %(num)d submission.",
            "Decision recorded for %(num)d submissions.",
            changed,
        ),
        "success",
    )
    return redirect(url_for("review.chair"))


PREVIEWED_MAILS = 5


def _decision_count(decision: str, n: int) -> str:
    """E.g. "2 accepted": one part of the publication's summary."""
    if decision == Decision.ACCEPTED:
        return ngettext("%(num)d accepted", "%(num)d accepted", n)
    if decision == Decision.REJECTED:
        return ngettext("%(num)d rejected", "%(num)d rejected", n)
    if decision == Decision.WAITLISTED:
        return ngettext("%(num)d waitlisted", "%(num)d waitlisted", n)
    return ngettext("%(num)d pending", "%(num)d pending", n)


def _publication_confirmation(submissions, mails, fields) -> Confirmation:
    """The confirmation of publishing decisions: counts, every recipient, the mails."""
    counts: dict[str, int] = {}
    for submission in submissions:
        counts[submission.decision] = counts.get(submission.decision, 0) + 1
    summary = ", ".join(_decision_count(decision, n) for decision, n in counts.items())
    n = len(submissions)
    # One preview of each decision's mail first, then the next ones in order.
    chosen, kinds = [], set()
    for i, mail in enumerate(mails):
        if mail.submission.decision not in kinds:
            kinds.add(mail.submission.decision)
            chosen.append(i)
    taken = set(chosen)
    rest = [i for i in range(len(mails)) if i not in taken]
    chosen += rest[: max(PREVIEWED_MAILS - len(chosen), 0)]
    previews = [mails[i] for i in sorted(chosen)]
    return Confirmation(
        title=ngettext(
            "Publish %(num)d decision and mail the speakers?",
            "Publish %(num)d decisions and mail the speakers?",
            n,
        ),
        consequences=[
            ngettext(
                "%(num)d decision (%(summary)s) become visible to the speakers at once, on "
                "their submission pages.",
                "%(num)d decisions (%(summary)s) become visible to the speakers at once, on "
                "their submission pages.",
                n,
                summary=summary,
            ),
            ngettext(
                "%(num)d mail are sent: to each author and confirmed co-speaker listed below, "
                "with the comments meant for the authors.",
                "%(num)d mails are sent: to each author and confirmed co-speaker listed below, "
                "with the comments meant for the authors.",
                len(mails),
            ),
            _(
                "Mails cannot be taken back once sent; changing a decision later needs a new "
                "publication."
            ),
        ],
        people=[
            (
                f"{m.name} <{m.to}>",
                f"#{m.submission.id} {m.submission.title} — "
                f"{services.DECISION_LABELS[m.submission.decision]}",
            )
            for m in mails
        ],
        people_heading=_("Recipients"),
        mails=[MailPreview(m.to, m.subject, m.body) for m in previews],
        mails_total=len(mails),
        blocked=None if submissions else _("There are no decided, unpublished decisions here."),
        subject=[[s.id, s.decision] for s in submissions] + sorted(m.to for m in mails),
        submit_label=ngettext(
            "Publish and send %(num)d mail", "Publish and send %(num)d mails", len(mails)
        ),
        cancel_url=url_for("review.chair"),
        fields=fields,
        danger=False,
    )


@bp.route("/<int:year>/review/chair/publish", methods=["GET", "POST"])
@require("review.manage")
def publish():
    """Publish decisions, after a confirmation previewing the mails and listing recipients."""
    # CSRF is checked for every POST by CSRFProtect.
    # "Publish the selected" sends scope=selected: an empty selection then publishes nothing
    # (never everything); the "publish all" button sends no scope.
    values = request.values
    ids = values.getlist("submission_ids")
    fields: list = []
    if values.get("scope") != "selected":
        ids = None
    elif not ids:
        abort(400, _("Select the submissions whose decisions you want to publish."))
    elif any(not i.isdigit() or len(i) > 10 for i in ids):
        abort(400, _("The selection was damaged; please try again."))
    else:
        fields = [("scope", "selected"), ("submission_ids", ids)]
    submissions = services.decisions_to_publish(current_user, g.edition, ids)
    mails = services.publication_mails(submissions)
    step = confirm.check(_publication_confirmation(submissions, mails, fields))
    if step is not None:
        return step
    count = services.publish_decisions(current_user, g.edition, [s.id for s in submissions])
    flash(
        ngettext(
            "Published %(num)d decision; the speaker is being notified.",
            "Published %(num)d decisions; the speakers are being notified.",
            count,
        ),
        "success",
    )
    return redirect(url_for("review.chair"))


@bp.route("/<int:year>/review/assign", methods=["GET", "POST"])
@require("review.manage")
def auto_assign():
    form = AutoAssignForm()
    if request.method == "GET":
        form.reviewers_per_submission.data = g.edition.reviewers_per_submission
        return render_template("review/assign.html", form=form)
    if not form.validate_on_submit():
        return render_template("review/assign.html", form=form), 400
    n = form.reviewers_per_submission.data
    proposal = services.propose_assignments(current_user, g.edition, n)
    submissions = {s.id: s for s in services.reviewable_submissions(g.edition)}
    people = {r.id: r for r in services.reviewers(g.edition)}
    expertise = services.expertise_map(g.edition)
    return render_template(
        "review/assign_preview.html",
        reasons=services.shortage_reasons(g.edition, proposal, n),
        proposal=proposal,
        by_submission=proposal.by_submission,
        submissions=submissions,
        people=people,
        expertise=expertise,
        n=n,
        form=form,
    )


@bp.post("/<int:year>/review/assign/save")
@require("review.manage")
def save_assignments():
    pairs = services.parse_pairs(request.form.getlist("pair"))
    if not pairs:
        flash(_("The proposal was empty; nothing was saved."), "info")
        return redirect(url_for("review.chair"))
    count = services.save_assignments(current_user, g.edition, pairs)
    flash(
        ngettext(
            "Saved %(num)d new assignment; the reviewer is being notified.",
            "Saved %(num)d new assignments; the reviewers are being notified.",
            count,
        ),
        "success",
    )
    return redirect(url_for("review.chair"))


@bp.get("/<int:year>/review/templates")
@require("review.manage")
def mail_templates():
    items = [(key, *services.mail_template(g.edition, key)) for key in services.DEFAULT_TEMPLATES]
    return render_template("review/templates.html", items=items)


@bp.route("/<int:year>/review/templates/<key>", methods=["GET", "POST"])
@require("review.manage")
def edit_mail_template(key: str):
    subject, body, _customised = services.mail_template(g.edition, key)
    form = MailTemplateForm(subject=subject, body=body)
    preview = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.save_mail_template(
                    current_user, g.edition, key, form.subject.data, form.body.data
                )
            except DomainError as exc:
                db.session.rollback()
                form.body.errors = [*form.body.errors, exc.message]
                status = 400
            else:
                flash(_("Template saved."), "success")
                return redirect(url_for("review.mail_templates"))
        else:
            status = 400
    else:
        try:
            preview = services.render_template_source(body, services.SAMPLE_CONTEXT)
        except DomainError:
            preview = None
    return (
        render_template(
            "review/template_edit.html",
            form=form,
            key=key,
            preview=preview,
            variables=services.TEMPLATE_VARIABLES,
        ),
        status,
    )


@bp.route(
    "/<int:year>/review/chair/submissions/<int:submission_id>/programme", methods=["GET", "POST"]
)
@require("review.manage")
def place(submission_id: int):
    """Placement form. "Check for clashes" shows the clashes and that day in that room
    without saving; saving over clashes needs the "place despite the clashes" box."""
    item = _submission(submission_id)
    if not can(current_user, "review.decide", item):
        abort(403)
    edition = g.edition
    form = PlacementForm()
    rooms = services.placement_rooms(edition)
    types = services.placement_types(edition)
    form.room_id.choices = [SelectChoice(0, _("— no room yet —"))] + [
        SelectChoice(r.id, r.name) for r in rooms
    ]
    form.type_id.choices = [SelectChoice(0, _("— none —"))] + [
        SelectChoice(t.id, t.name) for t in types
    ]
    status = 200
    clashes = None
    day_sessions = []
    join_form = _join_form(edition)

    def page(code):
        return render_template(
            "review/place.html",
            form=form,
            join_form=join_form,
            item=item,
            speakers=services.speakers(item),
            existing=services.session_for(item),
            clashes=clashes,
            day_sessions=day_sessions,
            room=next((r for r in rooms if r.id == form.room_id.data), None),
        ), code

    if request.method == "GET":
        join_form.talk_minutes.data = item.type.duration_minutes if item.type else 20
        matching = services.matching_session_type(item)
        form.type_id.data = matching.id if matching else 0
        form.duration_minutes.data = item.type.duration_minutes if item.type else 30
        form.day.data = edition.start_date
        return page(200)
    if not form.validate_on_submit():
        return page(400)
    starts = dt.datetime.combine(form.day.data, form.start.data, tzinfo=edition.tz)
    if starts.astimezone(dt.UTC).astimezone(edition.tz).replace(tzinfo=None) != (
        starts.replace(tzinfo=None)
    ):
        form.start.errors = [
            *form.start.errors,
            _("This time does not exist in %(zone)s (clock change).", zone=edition.timezone),
        ]
        return page(400)
    room_id = form.room_id.data or None
    day_sessions = room_day(edition, room_id, form.day.data)
    if form.check.data:
        clashes = services.placement_clashes(
            item, starts_at=starts, duration_minutes=form.duration_minutes.data, room_id=room_id
        )
        return page(200)
    try:
        session = services.place_in_programme(
            current_user,
            item,
            starts_at=starts,
            duration_minutes=form.duration_minutes.data,
            room_id=room_id,
            type_id=form.type_id.data or None,
            allow_clashes=bool(form.allow_clashes.data),
        )
    except services.PlacementClash as exc:
        db.session.rollback()
        clashes = exc.clashes
        flash(
            _(
                "This placement clashes with the programme; nothing was saved. Tick “place "
                "despite the clashes” to save it anyway."
            ),
            "error",
        )
        status = exc.status_code
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        status = exc.status_code
    else:
        flash(_("“%(title)s” is now in the programme.", title=session.title), "success")
        if speaker_category(edition) is None:
            flash(
                _(
                    "The edition has no speaker accreditation category, so none was offered; "
                    "speakers without a registration were sent the link to register."
                ),
                "warning",
            )
        return redirect(url_for("review.chair_submission", submission_id=item.id))
    return page(status)


def _join_form(edition) -> JoinSessionForm:
    """The "add to an existing session" form, its sessions listed with the time they have left:
    only those the chair may see in detail (their access rule and TLP label, as on the
    programme page), so that a session the chair is not cleared for is neither named nor
    accepted."""
    form = JoinSessionForm()
    viewer = clearance(current_user, edition)
    form.session_id.choices = [
        SelectChoice(
            s.id,
            _(
                "%(when)s · %(title)s (%(free)s min free)",
                when=programme_span(s, edition),
                title=s.title,
                free=programme_free_minutes(s),
            ),
        )
        for s in services.placement_sessions(edition)
        if not programme_session_view(s, viewer, channel=Channel.PAGE).hidden
    ]
    return form


@bp.post("/<int:year>/review/chair/submissions/<int:submission_id>/programme/session")
@require("review.manage")
def place_in_session(submission_id: int):
    """Add an accepted talk to an existing session (the other form of the placement page)."""
    item = _submission(submission_id)
    if not can(current_user, "review.decide", item):
        abort(403)
    edition = g.edition
    join_form = _join_form(edition)
    clashes = None
    if join_form.validate_on_submit():
        try:
            session = services.place_in_session(
                current_user,
                item,
                join_form.session_id.data,
                duration_minutes=join_form.talk_minutes.data,
                allow_clashes=bool(join_form.join_allow_clashes.data),
            )
        except services.PlacementClash as exc:
            db.session.rollback()
            clashes = exc.clashes
            flash(exc.message, "error")
            status = exc.status_code
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = exc.status_code
        else:
            flash(
                _(
                    "“%(title)s” is now a talk in “%(session)s”.",
                    title=item.title,
                    session=session.title,
                ),
                "success",
            )
            return redirect(url_for("review.chair_submission", submission_id=item.id))
    else:
        status = 400
    form = PlacementForm()
    form.room_id.choices = [SelectChoice(0, _("— no room yet —"))] + [
        SelectChoice(r.id, r.name) for r in services.placement_rooms(edition)
    ]
    form.type_id.choices = [SelectChoice(0, _("— none —"))] + [
        SelectChoice(t.id, t.name) for t in services.placement_types(edition)
    ]
    form.day.data = edition.start_date
    return render_template(
        "review/place.html",
        form=form,
        join_form=join_form,
        join_clashes=clashes,
        item=item,
        speakers=services.speakers(item),
        existing=services.session_for(item),
        clashes=None,
        day_sessions=[],
        room=None,
    ), status


@bp.get("/<int:year>/review/export.csv")
@require("review.participate")
def export_mine():
    """The reviewer's own assignments and reviews (blinded; the file name names no one)."""
    rows = services.my_assignments(current_user, g.edition)
    return csv_response(
        f"review-assignments-{g.edition.year}.csv",
        services.REVIEWER_EXPORT_HEADER,
        services.reviewer_export_rows(rows),
    )


@bp.get("/<int:year>/review/chair/export.csv")
@require("review.chair")
def export_chair():
    """Every visible submission with speakers, scores and decision (chairs see everything)."""
    rows, _, _ = services.dashboard(current_user, g.edition)
    return csv_response(
        f"review-overview-{g.edition.year}.csv",
        services.CHAIR_EXPORT_HEADER,
        services.chair_export_rows(g.edition, rows),
    )
