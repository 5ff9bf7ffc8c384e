"""workers.scoring imports only the standard library (and itself): no Flask, SQLAlchemy or Celery."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import workers.scoring

PACKAGE = Path(workers.scoring.__file__).parent


def imported_top_level_modules(source: str) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def test_scoring_imports_only_the_standard_library() -> None:
    files = sorted(PACKAGE.glob("*.py"))
    assert len(files) >= 5
    for path in files:
        foreign = imported_top_level_modules(path.read_text()) - set(sys.stdlib_module_names) - {"__future__"}
        assert not foreign, f"{path.name} imports {sorted(foreign)}"


def test_the_checker_sees_a_foreign_import() -> None:
    assert imported_top_level_modules("import flask\nfrom sqlalchemy.orm import Session\nfrom .model import X") == {
        "flask", "sqlalchemy"}
