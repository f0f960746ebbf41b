"""Registration questions over HTTP: the organisers' list and form (``/{year}/admin/questions``),
the download of a file answer (organisers only, always as an attachment), and the pieces the
registration pages use to ask the questions and show the answers. Views parse, ask
``permissions``, call ``services.questions`` and render."""

from __future__ import annotations

import io

from flask import flash, g, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from conference import crud
from conference.accreditation import bp, services
from conference.accreditation.question_forms import (
    QuestionForm,
    prepare_question_fields,
    raw_answers,
    with_questions,
)
from conference.accreditation.question_models import QuestionKind
from conference.accreditation.services import question_files
from conference.accreditation.services import questions as question_services
from conference.confirm import Confirmation
from conference.errors import NotFound
from conference.permissions import can, require
from conference.text import ngettext

# --- the registration form's part ---------------------------------------------------------


def registration_form_class(form_class, edition):
    """(``form_class`` with a field per question of ``edition``, the questions)."""
    edition_questions = question_services.questions(edition)
    return with_questions(form_class, edition_questions), edition_questions


def question_problems(form, edition, edition_questions, registration=None):
    """(answers to keep, form field → message) for the answers the form sent."""
    return question_services.check_answers(
        edition,
        form.requested_category.data,
        raw_answers(form, edition_questions),
        question_services.existing_answers(registration),
    )


def question_context(form, edition_questions, categories) -> dict:
    """What ``accreditation/_questions.html`` needs to render the questions."""
    names = {c.id: c.name for c in categories}
    return {
        "question_fields": prepare_question_fields(form, edition_questions),
        "question_category_names": {
            q.id: ", ".join(names[c] for c in q.category_ids if c in names)
            for q in edition_questions
        },
        "question_labels": {q.id: q.label for q in edition_questions},
    }


@bp.app_template_global("registration_answers")
def registration_answers(registration, include_sensitive=True):
    """[(answer, text)] of a registration, for its pages."""
    return [
        (answer, question_services.display(answer))
        for answer in question_services.answers_of(
            registration, include_sensitive=include_sensitive
        )
    ]


@bp.app_template_global("question_condition_value")
def question_condition_value(question) -> str:
    """The answer a question's condition waits for, as people read it ("Yes", not "yes")."""
    parent = question.condition_question
    if parent is not None and parent.kind == QuestionKind.YES_NO:
        return {"yes": _("Yes"), "no": _("No")}.get(question.condition_value, "")
    return question.condition_value


# --- the organisers' pages ----------------------------------------------------------------


@bp.get("/<int:year>/admin/questions")
@require("question.view")
def questions():
    edition = g.edition
    return render_template(
        "accreditation/questions.html",
        questions=question_services.questions(edition),
        answer_counts=question_services.answer_counts(edition),
        kind_labels=question_services.KIND_LABELS,
        category_names={c.id: c.name for c in services.categories(edition)},
        may_manage=can(current_user, "question.manage", edition=edition),
    )


def _question_form(question=None):
    edition = g.edition
    form = QuestionForm(obj=None if request.method == "POST" else question)
    if question is not None and request.method != "POST":
        form.choices.data = "\n".join(question.choices)
        form.condition_question_id.data = (
            str(question.condition_question_id) if question.condition_question_id else ""
        )
    others = [
        q for q in question_services.questions(edition) if question is None or q.id != question.id
    ]
    form.set_choices(services.categories(edition), others)

    def page(status=200):
        return render_template(
            "accreditation/question_form.html",
            form=form,
            question=question,
            answered=bool(question and question_services.answer_counts(edition).get(question.id)),
        ), status

    def refused(exc) -> int:
        field = getattr(exc, "field", None)
        if field and field in form:
            form[field].errors = [*form[field].errors, exc.message]
        else:
            flash(exc.message, "error")
        return exc.status_code

    return crud.save_form(
        form,
        page=page,
        save=lambda: question_services.save_question(
            current_user, edition, form.values(), question
        ),
        message=lambda saved: _("The question “%(label)s” is saved.", label=saved.label),
        done=url_for("accreditation.questions"),
        refused=refused,
    )


@bp.route("/<int:year>/admin/questions/new", methods=["GET", "POST"])
@require("question.manage")
def question_new():
    return _question_form()


@bp.route("/<int:year>/admin/questions/<int:question_id>", methods=["GET", "POST"])
@require("question.manage")
def question_edit(question_id):
    return _question_form(question_services.get_question(g.edition, question_id))


@bp.route("/<int:year>/admin/questions/<int:question_id>/delete", methods=["GET", "POST"])
@require("question.manage")
def question_delete(question_id):
    question = question_services.get_question(g.edition, question_id)
    label = question.label
    answered = question_services.answer_counts(g.edition).get(question.id, 0)
    consequences = [_("The question “%(label)s” is no longer asked.", label=label)]
    if answered:
        consequences.append(
            ngettext(
                "The answer already given is kept and stays readable on its registration.",
                "The %(num)d answers already given are kept and stay readable on the "
                "registrations.",
                answered,
            )
        )
    return crud.confirm_delete(
        Confirmation(
            title=_("Delete the question “%(label)s”?", label=label),
            consequences=consequences,
            subject=["question", question.id],
            submit_label=_("Delete the question"),
            cancel_url=url_for("accreditation.questions"),
        ),
        delete=lambda: question_services.delete_question(current_user, question),
        message=_("The question “%(label)s” is deleted.", label=label),
        done=url_for("accreditation.questions"),
    )


@bp.get("/<int:year>/admin/registrations/<int:registration_id>/answers/<key>/file")
@require("question.view")
def answer_file(registration_id, key):
    """A file answer, to organisers only, as an attachment that no browser renders."""
    registration = services.get_registration(g.edition, registration_id)
    answer = question_services.existing_answers(registration).get(key)
    if answer is None or answer.kind != QuestionKind.FILE or not answer.stored_name:
        raise NotFound(_("There is no such file."))
    path = question_files.path_of(answer.stored_name)
    response = send_file(
        io.BytesIO(path.read_bytes()),
        mimetype=answer.file_type or "application/octet-stream",
        as_attachment=True,
        download_name=answer.file_name or "file",
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
