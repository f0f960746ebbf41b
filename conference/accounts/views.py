"""Account pages: login, logout, sign-up and verification, password reset and change,
profile, personal API tokens, and the site administrator's user management."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from conference import audit, confirm
from conference.accounts import bp, services, throttle, twofactor
from conference.accounts.forms import (
    ChangePasswordForm,
    EmailForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    SignupForm,
    TokenForm,
    UserSearchForm,
    role_choices,
)
from conference.accounts.models import ApiToken, RoleAssignment, User
from conference.confirm import Confirmation
from conference.db import utcnow
from conference.errors import DomainError
from conference.extensions import db, limiter
from conference.permissions import login_required, require
from conference.query_args import arg_page, arg_str
from conference.urls import safe_next

# The same answer for an unknown address and a wrong password (English; shown translated).
NEUTRAL_LOGIN_ERROR = "The e-mail address or password is not correct."
USERS_PER_PAGE = 50


def _reset_limit() -> str:
    return current_app.config["RESET_RATE_LIMIT"]


def _start_session(user: User) -> None:
    """A fresh session on login: nothing from before survives (no session fixation), except
    a second factor this browser has already given for this account."""
    second_factor_given = twofactor.is_verified_session(user)
    session.clear()
    user.last_login_at = utcnow()
    db.session.commit()
    login_user(user)
    if second_factor_given:
        twofactor.mark_verified(user)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    throttle.address_limit,
    methods=["POST"],
    deduct_when=throttle.login_failed,
    error_message=throttle.retry_message,
)
@limiter.limit(
    throttle.account_limit,
    key_func=throttle.account_key,
    methods=["POST"],
    deduct_when=throttle.login_failed,
    error_message=throttle.retry_message,
)
def login():
    form = LoginForm()
    next_url = safe_next(request.values.get("next"), default="")
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            flash(_("The e-mail address or password is not correct."), "error")
            return render_template("accounts/login.html", form=form, next=next_url), 200
        if (second_step := twofactor.start_second_step(user, next_url)) is not None:
            return second_step
        _start_session(user)
        flash(_("You are logged in."), "success")
        if user.email_verified_at is None:
            flash(
                _(
                    "Please confirm your e-mail address with the link we sent you; registering "
                    "for an edition and submitting abstracts need a confirmed address."
                ),
                "warning",
            )
        return redirect(next_url or services.landing_url(user))
    if request.method == "GET" and (second_step := twofactor.resume_second_step(next_url)):
        return second_step
    return render_template("accounts/login.html", form=form, next=next_url)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.rotate_session(current_user)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out."), "success")
    return redirect(url_for("editions.home"))


# --- sign-up and e-mail verification -------------------------------------------------------


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def signup():
    next_url = safe_next(request.values.get("next"), default="")
    if current_user.is_authenticated:
        return redirect(next_url or url_for("accounts.profile"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            services.sign_up(
                form.email.data, form.password.data, form.full_name.data, next_url=next_url
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return render_template("accounts/signup.html", form=form, next=next_url), 400
        except sa.exc.IntegrityError:
            db.session.rollback()  # the same address signed up at the same moment: same page
        return _check_email_page(services.normalise_email(form.email.data), next_url)
    status = 400 if form.errors else 200
    return render_template("accounts/signup.html", form=form, next=next_url), status


def _check_email_page(email: str, next_url: str):
    """After sign-up (or a resend): what became of the mail, truthfully (sent, queued, or
    queued after a failed attempt); a button sends the link again."""
    ids = services.queued_in_this_request()
    session["mail_status_ids"] = ids[-5:]
    session["mail_status_email"] = email
    return _mail_status_page(email, services.send_and_wait(ids), next_url)


def _mail_status_page(email: str, state: str | None, next_url: str):
    if state == "sent":
        message = _(
            "We have sent a message to %(email)s. "
            "Follow the link in it to confirm your address, then log in.",
            email=email,
        )
    elif state == "failed":
        message = _(
            "Your message to %(email)s is queued; it could not be delivered yet (our mail "
            "server did not accept it). We will keep trying: it may take a while to arrive.",
            email=email,
        )
    else:
        message = _(
            "Your message to %(email)s is queued and will be sent in a moment. "
            "Follow the link in it to confirm your address, then log in.",
            email=email,
        )
    return render_template(
        "accounts/check_email.html",
        heading=_("Check your e-mail"),
        message=message,
        mail_state=state or "queued",
        resend_email=email,
        next=next_url,
    )


@bp.get("/signup/mail-status")
def signup_mail_status():
    """The state now of the mail the last sign-up (or resend) in this browser queued."""
    email = session.get("mail_status_email")
    if not email:
        return redirect(url_for("accounts.signup"))
    ids = [i for i in session.get("mail_status_ids", []) if isinstance(i, int)]
    next_url = safe_next(request.args.get("next"), default="")
    return _mail_status_page(email, services.delivery_state(ids), next_url)


@bp.route("/verify/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def verify_email(token):
    """GET shows the confirmation button and changes nothing (mail gateways open links to
    scan them); the POST confirms."""
    next_url = safe_next(request.values.get("next"), default="")
    try:
        if request.method == "GET":
            user = services.user_for_email_token(token)
            return render_template("accounts/verify.html", token=token, user=user, next=next_url)
        services.verify_email(token)
    except DomainError as exc:
        db.session.rollback()
        return render_template(
            "accounts/check_email.html", heading=_("Link not valid"), message=exc.message
        ), 400
    db.session.commit()
    flash(_("Thank you: your e-mail address is confirmed."), "success")
    if current_user.is_authenticated:
        return redirect(next_url or url_for("accounts.profile"))
    return redirect(url_for("accounts.login", next=next_url or None))


@bp.post("/verify/resend")
@limiter.limit(_reset_limit)
def resend_verification_by_email():
    """Send the confirmation link again to an address (no login needed; same answer whether
    or not the address has an account waiting for confirmation)."""
    next_url = safe_next(request.form.get("next"), default="")
    form = EmailForm()
    if not form.validate_on_submit():
        flash(_("Please give a valid e-mail address."), "error")
        return redirect(url_for("accounts.login", next=next_url or None))
    services.resend_verification(form.email.data, next_url)
    db.session.commit()
    return _check_email_page(services.normalise_email(form.email.data), next_url)


@bp.post("/account/verify/resend")
@limiter.limit(_reset_limit)
@login_required
def resend_verification():
    next_url = safe_next(request.form.get("next"), default="")
    if current_user.email_verified_at is not None:
        flash(_("Your e-mail address is already confirmed."), "info")
    else:
        services.send_verification(current_user, next_url)
        db.session.commit()
        flash(
            _("We have sent a new confirmation link to %(email)s.", email=current_user.email),
            "success",
        )
    return redirect(next_url or url_for("accounts.profile"))


# --- password reset and change -------------------------------------------------------------


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template(
            "accounts/check_email.html",
            heading=_("Check your e-mail"),
            message=_(
                "If an account exists for this address, we have sent it a link to choose a "
                "new password. The link works once and expires after %(minutes)s minutes.",
                minutes=current_app.config["RESET_TOKEN_MAX_AGE"] // 60,
            ),
        )
    status = 400 if form.errors else 200
    return render_template("accounts/forgot_password.html", form=form), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def reset_password(token):
    try:
        services.user_for_reset_token(token)
    except DomainError as exc:
        return render_template(
            "accounts/check_email.html", heading=_("Link not valid"), message=exc.message
        ), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return render_template("accounts/reset_password.html", form=form, token=token), 400
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("Your password has been changed. Please log in with the new one."), "success")
        return redirect(url_for("accounts.login"))
    status = 400 if form.errors else 200
    return render_template("accounts/reset_password.html", form=form, token=token), status


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except DomainError as exc:
            db.session.rollback()
            target = form.current_password if exc.code == "wrong_password" else form.password
            target.errors = [*target.errors, exc.message]
            return render_template("accounts/change_password.html", form=form), 400
        db.session.commit()
        # The session token rotated with the password: log this browser in again.
        _start_session(current_user._get_current_object())
        flash(_("Your password has been changed; other sessions have been logged out."), "success")
        return redirect(url_for("accounts.profile"))
    status = 400 if form.errors else 200
    return render_template("accounts/change_password.html", form=form), status


# --- profile -------------------------------------------------------------------------------


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        try:
            changed = services.update_profile(
                user, **{name: getattr(form, name).data for name in services.PROFILE_FIELDS}
            )
            if (form.locale.data or None) != user.locale:
                user.locale = form.locale.data or None
                changed = [*changed, "locale"]
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return render_template(
                "accounts/profile.html", form=form, user=user, data_links=data_links()
            ), 400
        db.session.commit()
        flash(_("Your profile is saved.") if changed else _("Nothing changed."), "success")
        return redirect(url_for("accounts.profile"))
    roles = [(assignment.edition.year, assignment.role) for assignment in _assignments_of(user)]
    status = 400 if form.errors else 200
    return render_template(
        "accounts/profile.html", form=form, user=user, roles=roles, data_links=data_links()
    ), status


# Pages of other areas about one's own data, shown once they exist.
DATA_LINKS = [
    (_l("Download all my data (JSON)"), "accreditation.data_export"),
    (_l("Delete my account"), "accreditation.delete_account"),
]


@bp.app_template_global("data_protection_links")
def data_links() -> list[tuple[str, str]]:
    """(label, url) of the data-protection pages that exist in this installation."""
    return [
        (str(label), url_for(endpoint))
        for label, endpoint in DATA_LINKS
        if endpoint in current_app.view_functions
    ]


# --- personal API tokens -------------------------------------------------------------------


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    """Create (scope, edition, expiry) and list one's tokens; Bearer callers never get here
    (``accounts.scopes`` refuses them on every page outside the API)."""
    editions = services.checkin_editions(current_user)
    form = TokenForm(editions=editions)
    plain = None
    status = 200
    if form.validate_on_submit():
        by_year = {str(e.year): e for e in editions}
        try:
            _token, plain = services.create_api_token(
                current_user,
                form.name.data,
                form.scope.data,
                expires=form.expires.data,
                edition=by_year.get(form.edition.data) if form.scope.data == "checkin" else None,
            )
        except DomainError as exc:
            db.session.rollback()
            target = {
                "bad_scope": form.scope,
                "bad_edition": form.edition,
                "bad_expiry": form.expires,
            }.get(exc.code, form.name)
            target.errors = [*target.errors, exc.message]
            status = 400
        else:
            db.session.commit()
            form = TokenForm(formdata=None, editions=editions)
    elif form.errors:
        status = 400
    user_tokens = db.session.scalars(
        sa.select(ApiToken)
        .where(ApiToken.user_id == current_user.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
    ).all()
    return render_template(
        "accounts/tokens.html", form=form, tokens=user_tokens, plain=plain, now=utcnow()
    ), status


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id):
    token = services.revoke_api_token(current_user, token_id)
    db.session.commit()
    flash(_("The token “%(name)s” is revoked.", name=token.name), "success")
    return redirect(url_for("accounts.tokens"))


# --- site administration: users and roles --------------------------------------------------


@bp.get("/admin/users")
@require("site.admin")
def admin_users():
    form = UserSearchForm(request.args)
    query = arg_str("q", max_len=200)
    page = arg_page()
    users, total = services.search_users(
        query or "", limit=USERS_PER_PAGE, offset=(page - 1) * USERS_PER_PAGE
    )
    pages = max((total + USERS_PER_PAGE - 1) // USERS_PER_PAGE, 1)
    return render_template(
        "accounts/admin_users.html",
        form=form,
        users=users,
        total=total,
        page=page,
        pages=pages,
        query=query or "",
    )


def _load_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        abort(404, _("There is no such account."))
    return user


@bp.get("/admin/users/<int:user_id>")
@require("site.admin")
def admin_user(user_id):
    user = _load_user(user_id)
    assignments = [(assignment, assignment.edition) for assignment in _assignments_of(user)]
    editions = services.editions_newest_first()
    return render_template(
        "accounts/admin_user.html",
        user=user,
        assignments=assignments,
        editions=editions,
        role_choices=role_choices(),
    )


@bp.route("/admin/users/<int:user_id>/admin", methods=["GET", "POST"])
@require("site.admin")
def admin_set_admin(user_id):
    """Make a site administrator, or remove the rights after a confirmation."""
    user = _load_user(user_id)
    value = request.values.get("value")
    if value not in {"0", "1"}:
        raise DomainError(_("Say whether to make (1) or unmake (0) an administrator."))
    make_admin = value == "1"
    back = url_for("accounts.admin_user", user_id=user.id)
    if not make_admin:
        services.ensure_admin_removable(user, current_user)
        if not user.is_admin:
            flash(_("%(email)s is not a site administrator.", email=user.email), "info")
            return redirect(back)
        step = confirm.check(
            Confirmation(
                title=_("Remove the administrator rights of %(name)s?", name=user.display_name),
                consequences=[
                    _(
                        "%(name)s (%(email)s) is no longer a site administrator.",
                        name=user.display_name,
                        email=user.email,
                    ),
                    _(
                        "They lose at once the site administration (accounts, roles, editions) "
                        "and the organiser's powers in every edition that came with it."
                    ),
                    _("The roles they hold in editions are kept (see the list on their page)."),
                ],
                subject=["admin.remove", user.id],
                submit_label=_("Remove administrator rights"),
                cancel_url=back,
                fields=[("value", "0")],
            )
        )
        if step is not None:
            return step
    elif request.method != "POST":
        return redirect(back)
    services.set_admin(user, make_admin, actor=current_user)
    db.session.commit()
    if make_admin:
        flash(_("%(email)s is now a site administrator.", email=user.email), "success")
    else:
        flash(_("%(email)s is no longer a site administrator.", email=user.email), "success")
    return redirect(back)


def _assignments_of(user: User) -> list[RoleAssignment]:
    """The user's roles with their editions, newest edition first."""
    assignments = db.session.scalars(
        sa.select(RoleAssignment)
        .options(so.joinedload(RoleAssignment.edition))
        .where(RoleAssignment.user_id == user.id)
    ).all()
    return sorted(assignments, key=lambda a: (-a.edition.year, a.role))


def _edition_from_form():
    year = request.values.get("edition", type=int)
    edition = services.edition_for_year(year) if year else None
    if edition is None:
        raise DomainError(_("Please choose an edition."))
    return edition


@bp.post("/admin/users/<int:user_id>/roles")
@require("site.admin")
def admin_grant_role(user_id):
    user = _load_user(user_id)
    edition = _edition_from_form()
    role = services.parse_role(request.form.get("role", ""))
    services.grant_role(user, edition, role, actor=current_user, notify=True)
    db.session.commit()
    flash(
        _(
            "%(email)s is now %(role)s for %(year)s.",
            email=user.email,
            role=services.role_name(role),
            year=edition.year,
        ),
        "success",
    )
    return redirect(url_for("accounts.admin_user", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/roles/revoke", methods=["GET", "POST"])
@require("site.admin")
def admin_revoke_role(user_id):
    """Revoke a role in an edition, after a confirmation saying what the person loses."""
    user = _load_user(user_id)
    edition = _edition_from_form()
    role = services.parse_role(request.values.get("role", ""))
    back = url_for("accounts.admin_user", user_id=user.id)
    if not services.has_role(user, edition, role):
        flash(
            _(
                "%(email)s did not have that role in %(year)s.",
                email=user.email,
                year=edition.year,
            ),
            "info",
        )
        return redirect(back)
    step = confirm.check(
        Confirmation(
            title=_(
                "Revoke %(name)s’s role %(role)s in %(year)s?",
                name=user.display_name,
                role=services.role_name(role),
                year=edition.year,
            ),
            consequences=services.role_revocation_consequences(user, edition, role),
            subject=["role.revoke", user.id, edition.id, role.value],
            submit_label=_("Revoke %(role)s", role=services.role_name(role)),
            cancel_url=back,
            fields=[("edition", edition.year), ("role", role.value)],
        )
    )
    if step is not None:
        return step
    services.revoke_role(user, edition, role, actor=current_user)
    db.session.commit()
    flash(
        _(
            "%(email)s is no longer %(role)s for %(year)s.",
            email=user.email,
            role=services.role_name(role),
            year=edition.year,
        ),
        "success",
    )
    return redirect(back)


# --- names in the audit log ----------------------------------------------------------------
@audit.describes("User")
def _describe_users(ids: list[int]) -> dict:
    """People by name (and address); administrators get a link to the account."""
    admin = current_user.is_authenticated and current_user.is_admin
    found = {}
    for user in db.session.scalars(sa.select(User).where(User.id.in_(ids))):
        if user.deleted_at is not None:
            found[user.id] = (_("an erased account"), None)
            continue
        label = f"{user.full_name} ({user.email})" if user.full_name else user.email
        url = url_for("accounts.admin_user", user_id=user.id) if admin else None
        found[user.id] = (label, url)
    return found
