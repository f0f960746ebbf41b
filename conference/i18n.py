"""Languages: which one a request is served in, the language switch, and translated fields.

The locale of a request is, among the languages offered (the edition's ``languages`` inside
``/<year>/…``, else the ``LANGUAGES`` setting): the switch's choice made in this request, the
logged-in person's profile, the ``lang`` cookie, the best match of ``Accept-Language``, else
the first language offered. The time zone stays the edition's (see ``templating``).

Tests may turn on ``I18N_PSEUDO``: the pseudo-locale ``en-XA`` is then offered, and every
translated string comes out as ``⟦…⟧``, so that a crawl finds the strings nobody marked.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from babel import Locale, localedata
from babel.support import NullTranslations
from flask import (
    Flask,
    abort,
    current_app,
    g,
    has_request_context,
    redirect,
    request,
)
from flask_babel import Domain, get_locale
from flask_login import current_user

DEFAULT_LANGUAGES = "en,fr,de"
PSEUDO_LOCALE = "en-XA"
COOKIE_NAME = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
_EDITION_PATH = re.compile(r"^/(\d{4})(?:/|$)")


def known_language(code: str) -> bool:
    """Is ``code`` (``fr``, ``pt-BR``) a language Babel has data for?"""
    return bool(code) and localedata.exists(code.replace("-", "_"))


def parse_languages(value) -> list[str]:
    """Language codes from ``"en, fr,de"`` or a list: known ones, in order, once each."""
    items = value.split(",") if isinstance(value, str) else list(value or ())
    codes: list[str] = []
    for item in items:
        code = str(item).strip().replace("_", "-")
        if known_language(code) and code not in codes:
            codes.append(code)
    return codes


def offered_languages(edition=None) -> list[str]:
    """The languages pages are offered in: the edition's, else the application's."""
    if edition is None and has_request_context():
        edition = g.get("edition")
    codes = parse_languages(getattr(edition, "languages", "") or "")
    if not codes:
        codes = parse_languages(current_app.config.get("LANGUAGES") or DEFAULT_LANGUAGES)
    codes = codes or ["en"]
    if current_app.config.get("I18N_PSEUDO"):
        codes = [*codes, PSEUDO_LOCALE]
    return codes


def _choose(offered: list[str]) -> str:
    candidates = [g.get("language_choice")]
    if current_user and current_user.is_authenticated:
        candidates.append(getattr(current_user, "locale", None))
    candidates.append(request.cookies.get(COOKIE_NAME))
    for code in candidates:
        if code in offered:
            return code
    return request.accept_languages.best_match(offered) or offered[0]


def select_locale() -> str:
    """Flask-Babel's locale selector (see the module's docstring for the order)."""
    if not has_request_context():
        return offered_languages()[0].replace("-", "_")
    code = _choose(offered_languages())
    g.i18n_pseudo = code == PSEUDO_LOCALE
    return "en" if code == PSEUDO_LOCALE else code.replace("-", "_")


def select_timezone() -> str:
    """The edition's zone inside an edition, else UTC (pages name their zone)."""
    edition = g.get("edition") if has_request_context() else None
    return edition.timezone if edition is not None else "UTC"


def current_locale() -> str:
    """The request's language as HTML's ``lang`` writes it (``fr``, ``pt-BR``, ``en-XA``)."""
    if has_request_context() and g.get("i18n_pseudo") and not _forced():
        return PSEUDO_LOCALE
    locale = get_locale()
    return str(locale).replace("_", "-") if locale is not None else "en"


def language_name(code: str) -> str:
    """A language's name in itself (``Français``), as a switch shows it."""
    if code == PSEUDO_LOCALE:
        return "Pseudo"
    name = Locale.parse(code.replace("-", "_")).get_display_name() or code
    return name[:1].upper() + name[1:]


def _forced() -> bool:
    return hasattr(g.get("_flask_babel"), "forced_babel_locale")


# --- the pseudo-locale --------------------------------------------------------------------------


class PseudoTranslations(NullTranslations):
    """Every message (translated or not) wrapped in ⟦…⟧."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def ugettext(self, message):
        return f"⟦{self.inner.ugettext(message)}⟧"

    gettext = ugettext

    def ungettext(self, singular, plural, num):
        return f"⟦{self.inner.ungettext(singular, plural, num)}⟧"

    ngettext = ungettext

    def upgettext(self, context, message):
        return f"⟦{self.inner.upgettext(context, message)}⟧"

    pgettext = upgettext

    def unpgettext(self, context, singular, plural, num):
        return f"⟦{self.inner.unpgettext(context, singular, plural, num)}⟧"

    npgettext = unpgettext


class AppDomain(Domain):
    """The application's message domain, aware of the pseudo-locale."""

    def get_translations(self):
        translations = super().get_translations()
        if has_request_context() and g.get("i18n_pseudo") and not _forced():
            return PseudoTranslations(translations)
        return translations


# --- translated fields of entered text --------------------------------------------------------


def localised(obj, name: str, locale: str | None = None) -> str:
    """``obj.<name>`` in the current language when a translation was entered, else as entered.

    Translations live in ``obj.<name>_translations`` (language → text)."""
    text = getattr(obj, name, "") or ""
    translations = getattr(obj, f"{name}_translations", None) or {}
    code = locale or current_locale()
    return translations.get(code) or translations.get(code.split("-")[0]) or text


def translation_languages(edition) -> list[str]:
    """The languages that get a translation field next to an entered text: every language
    offered but the first, in which the text itself is entered."""
    return [c for c in parse_languages(edition.languages or DEFAULT_LANGUAGES)[1:]]


def translation_field_name(name: str, code: str) -> str:
    return f"{name}__{code.replace('-', '_')}"


def with_translation_fields(form_class, fields: dict[str, tuple], languages: list[str]):
    """A subclass of ``form_class`` with one optional field per language for each entry of
    ``fields`` (name → (field class, label, maximum length))."""
    from wtforms.validators import Length, Optional

    attrs = {}
    for name, (field_class, label, max_length) in fields.items():
        for code in languages:
            validators = [Optional()]
            if max_length:
                validators.append(Length(max=max_length))
            attrs[translation_field_name(name, code)] = field_class(
                f"{label} ({language_name(code)})",
                validators=validators,
                render_kw={"lang": code},
            )
    return type(form_class.__name__, (form_class,), attrs)


def translation_fields(form, name: str) -> list:
    """The form's translation fields of ``name``, in the order of the languages."""
    prefix = f"{name}__"
    return [field for key, field in form._fields.items() if key.startswith(prefix)]


def fill_translations(form, name: str, translations: dict | None) -> None:
    """Show stored translations in a form's translation fields (on GET)."""
    for field in translation_fields(form, name):
        code = field.short_name[len(name) + 2 :].replace("_", "-")
        field.data = (translations or {}).get(code, "")


def translations_from(form, name: str) -> dict[str, str]:
    """{language: text} of the non-empty translation fields of ``name``."""
    result = {}
    for field in translation_fields(form, name):
        text = (field.data or "").strip()
        if text:
            result[field.short_name[len(name) + 2 :].replace("_", "-")] = text
    return result


def merged_translations(obj, form, name: str) -> dict:
    """``obj.<name>_translations`` updated from the form's translation fields (languages
    without a field in the form keep what they had); a new dict, ``obj`` is untouched."""
    kept = {
        code: text
        for code, text in (getattr(obj, f"{name}_translations", None) or {}).items()
        if translation_field_name(name, code) not in form._fields
    }
    return {**kept, **translations_from(form, name)}


def store_translations(obj, form, names) -> None:
    """Copy the form's translation fields of each of ``names`` into ``obj.<name>_translations``."""
    for name in names:
        setattr(obj, f"{name}_translations", merged_translations(obj, form, name))


# --- catalogues -------------------------------------------------------------------------------


def compile_catalogues(directory=None) -> list[str]:
    """Compile every ``messages.po`` whose ``.mo`` is missing or older (``make
    translations-compile`` does the same with pybabel; the tests call this). Fuzzy entries are
    left out, as pybabel does. Returns the compiled paths."""
    import os
    import tempfile
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = Path(directory or Path(__file__).parent / "translations")
    compiled = []
    for po in sorted(root.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        # Written aside, then renamed: parallel test workers never read half a file.
        fd, tmp = tempfile.mkstemp(dir=mo.parent, suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as target:
            write_mo(target, catalog)
        os.replace(tmp, mo)
        compiled.append(str(mo))
    return compiled


# --- the language switch ----------------------------------------------------------------------


def _languages_for_next(target: str) -> list[str]:
    offered = offered_languages()
    match = _EDITION_PATH.match(target)
    if match:
        import sqlalchemy as sa

        from conference.editions.models import Edition
        from conference.extensions import db

        edition = db.session.scalar(sa.select(Edition).where(Edition.year == int(match[1])))
        if edition is not None:
            offered = [*offered, *offered_languages(edition)]
    return offered


def set_language(code: str):
    """Remember the chosen language (cookie, and profile when logged in); go back."""
    from conference.extensions import db
    from conference.urls import safe_next

    target = safe_next(request.args.get("next"), default="/")
    if code not in _languages_for_next(target):
        abort(404, description=f"This site is not offered in the language {code!r}.")
    g.language_choice = code
    if current_user.is_authenticated and code != PSEUDO_LOCALE and current_user.locale != code:
        current_user.locale = code
        db.session.commit()
    response = redirect(target)
    response.set_cookie(
        COOKIE_NAME,
        code,
        max_age=COOKIE_MAX_AGE,
        samesite="Lax",
        secure=request.is_secure,
        httponly=True,
    )
    return response


def _this_page() -> str:
    """The current page to come back to: its path and query, but not its own ``next=``,
    which that page checks itself and which must not travel in every link."""
    if not has_request_context():
        return "/"
    from urllib.parse import urlencode

    query = [(k, v) for k, v in request.args.items(multi=True) if k != "next"]
    return request.path + ("?" + urlencode(query) if query else "")


def switch_links() -> list[dict]:
    """The language switch of every page: one link per offered language."""
    here = _this_page()
    current = current_locale()
    from flask import url_for

    return [
        {
            "code": code,
            "name": language_name(code),
            # "=" and "?" may stay as they are inside a query value: readable links.
            "url": url_for("set_language", code=code) + "?next=" + quote(here, safe="/?=,"),
            "current": code == current,
        }
        for code in offered_languages()
        if code != PSEUDO_LOCALE
    ]


def alternate_links() -> list[dict]:
    """``<link rel="alternate" hreflang>`` targets: this page through each language's switch."""
    base = current_app.config["BASE_URL"]
    return [{**link, "url": base + link["url"]} for link in switch_links()]


def register(app: Flask) -> None:
    """Bind the selectors, the switch route and the template globals."""
    from conference.extensions import babel

    app.config.setdefault("LANGUAGES", DEFAULT_LANGUAGES)
    config = app.extensions["babel"]
    config.locale_selector = select_locale
    config.timezone_selector = select_timezone
    babel.domain_instance = AppDomain(domain=config.default_domain)
    app.add_url_rule("/language/<code>", "set_language", set_language)
    app.jinja_env.globals.update(
        current_locale=current_locale,
        language_links=switch_links,
        alternate_language_links=alternate_links,
        localised=localised,
        translation_fields=translation_fields,
    )
    app.jinja_env.filters["localised"] = localised

    @app.after_request
    def vary_on_language(response):
        # Anything rendered for a visitor may be in another language for the next one.
        if response.mimetype in ("text/html", "application/json", "text/calendar"):
            response.vary.add("Accept-Language")
            response.vary.add("Cookie")
        return response
