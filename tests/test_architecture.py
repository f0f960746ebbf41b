"""The architecture holds: import contracts kept, few imports hidden in functions, services
modules of a readable size (ARCHITECTURE.md says why)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.database_independent

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "conference"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

MAX_FUNCTION_IMPORTS = 15
MAX_SERVICES_LINES = 600


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def function_level_imports(tree: ast.AST) -> list[int]:
    """Line numbers of the imports inside function bodies (not under ``if TYPE_CHECKING``)."""
    found: list[int] = []

    def walk(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    walk(other, in_function)
                continue
            if in_function and isinstance(child, ast.Import | ast.ImportFrom):
                found.append(child.lineno)
            function = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            walk(child, in_function or function)

    walk(tree, False)
    return found


def test_function_level_import_counter_sees_functions_only():
    tree = ast.parse(
        "import os\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    import json\n"
        "def f():\n"
        "    import re\n"
        "    if TYPE_CHECKING:\n"
        "        import csv\n"
        "    class C:\n"
        "        def g(self):\n"
        "            from io import StringIO\n"
    )
    assert function_level_imports(tree) == [6, 11]


def test_few_function_level_imports():
    found = {
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line in function_level_imports(ast.parse(path.read_text(encoding="utf-8")))
    }
    assert len(found) < MAX_FUNCTION_IMPORTS, sorted(found)


def test_no_services_module_over_600_lines():
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in sorted(PACKAGE.rglob("services*.py")) + sorted(PACKAGE.rglob("services/*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_SERVICES_LINES
    }
    assert not too_long


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    """lint-imports with ``cwd`` first on the path, so that its ``conference`` is checked."""
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(  # noqa: S603 (our own tool, fixed arguments)
        [str(LINT_IMPORTS), "--no-cache", str(cwd / "pyproject.toml")],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_contracts_are_kept():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-4000:]


def test_an_upward_import_breaks_the_contracts(tmp_path):
    """A deliberately wrong import (accounts' models reaching up to the API) fails the check,
    whatever else is still being fixed: the contracts do catch what they promise to."""
    shutil.copytree(PACKAGE, tmp_path / "conference", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    models = tmp_path / "conference" / "accounts" / "models.py"
    models.write_text(models.read_text(encoding="utf-8") + "\nimport conference.api  # wrong\n")

    result = _lint_imports(tmp_path)

    assert result.returncode != 0
    assert "conference.accounts.models -> conference.api" in result.stdout
    assert str(tmp_path) in _imported_from(tmp_path)


def _imported_from(path: Path) -> str:
    """Where ``conference`` is imported from with ``path`` first: the copy, not the original."""
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import conference; print(conference.__file__)"],
        cwd=path,
        env={**os.environ, "PYTHONPATH": str(path)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
