"""Fuzz the OpenAPI document with schemathesis: no 500, every answer matches the document.

Each operation of /api/v1/openapi.json is called with generated inputs, anonymously and with
the Bearer token of an account that holds every role in the 2027 edition, against the app on
this test's database (a few rows exist so that some calls find something).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi import checks

from tests.factories import api_token, grant, make_edition, make_user

MAX_EXAMPLES = 20
# Services answer a broken business rule ("no such checkpoint", "registration closed") with a
# documented 400 even when the request's shape is valid; schemathesis's
# positive_data_acceptance check would call that a failure. Everything else is checked.
EXCLUDED_CHECKS = [checks.positive_data_acceptance]


def _operation_labels() -> list[str]:
    """ "GET /editions/{year}" … for every operation in the document (built without a DB)."""
    from conference import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, mode="testing")
    with app.test_request_context():
        from conference.api.openapi import build_spec

        spec = build_spec()
    return [
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    ]


@pytest.fixture
def fuzz_token(app):
    edition = make_edition()
    make_edition(2026, state="archived")
    admin = make_user("fuzz-admin@example.org", admin=True, full_name="Fuzz Admin")
    for role in ("organiser", "chair", "reviewer", "staff"):
        grant(admin, role, edition)
    return api_token(admin)


def _fuzz(app, label: str, mode: GenerationMode, headers: dict) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema.find_operation_by_label(label)
    assert operation is not None, label

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case):
        case.call_and_validate(headers=headers, excluded_checks=EXCLUDED_CHECKS)

    run()


@pytest.mark.parametrize("label", _operation_labels())
@pytest.mark.parametrize("who", ["anonymous", "bearer"])
def test_api_conforms_to_its_document(app, fuzz_token, label, who):
    headers = {"Authorization": f"Bearer {fuzz_token}"} if who == "bearer" else {}
    _fuzz(app, label, GenerationMode.POSITIVE, headers)


@pytest.mark.parametrize("label", _operation_labels())
def test_api_rejects_invalid_input_cleanly(app, fuzz_token, label):
    try:
        _fuzz(app, label, GenerationMode.NEGATIVE, {"Authorization": f"Bearer {fuzz_token}"})
    except Unsatisfiable:
        pytest.skip(f"{label} takes no input that could be invalid")


def test_document_lists_every_api_route(app):
    """Every /api/v1 route (but the document itself) is described in the document."""
    spec = app.test_client().get("/api/v1/openapi.json").json
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api.openapi_document":
            continue
        path = rule.rule.removeprefix("/api/v1")
        for arg in rule.arguments:
            for converter in ("int", "string", "path", "uuid"):
                path = path.replace(f"<{converter}:{arg}>", "{" + arg + "}")
            path = path.replace(f"<{arg}>", "{" + arg + "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (path, method) not in documented:
                missing.append(f"{method} {path}")
    assert missing == []
