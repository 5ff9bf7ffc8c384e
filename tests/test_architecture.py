"""The dependency lines of STYLE.md, held by reading the imports of every module.

- `workers.scoring` imports only the standard library (the rules stay pure and trivially testable);
- `server.*` never imports `workers.*` at module level (the web enqueues tasks by name);
- models know nothing of requests, schemas or queues.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package.replace(".", "/")).rglob("*.py"))


def _top_level_imports(path: Path) -> set[str]:
    """Modules imported at module level (not inside functions), including `from x import y` as `x`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in tree.body:
        for sub in ast.walk(node) if isinstance(node, (ast.If, ast.Try)) else [node]:
            if isinstance(sub, ast.Import):
                names.update(alias.name for alias in sub.names)
            elif isinstance(sub, ast.ImportFrom) and sub.level == 0 and sub.module:
                names.add(sub.module)
    return names


def _all_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for sub in ast.walk(tree):
        if isinstance(sub, ast.Import):
            names.update(alias.name for alias in sub.names)
        elif isinstance(sub, ast.ImportFrom) and sub.level == 0 and sub.module:
            names.add(sub.module)
    return names


def test_scoring_imports_only_the_standard_library():
    files = _modules("workers.scoring")
    assert files, "workers/scoring has no modules"
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in _all_imports(path)
            if name.split(".")[0] not in sys.stdlib_module_names and not name.startswith("workers.scoring")
        )
        for path in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_server_does_not_import_workers_at_module_level():
    offenders = [
        str(path.relative_to(ROOT)) for path in _modules("server")
        if any(name == "workers" or name.startswith("workers.") for name in _top_level_imports(path))
    ]
    assert offenders == []


def test_models_know_nothing_of_requests_schemas_or_queues():
    banned = ("flask_smorest", "marshmallow", "celery", "server.api", "server.schemas", "server.sync")
    offenders = {
        str(path.relative_to(ROOT)): sorted(n for n in _all_imports(path) if n.startswith(banned))
        for path in _modules("server.models")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_checkers_see_a_foreign_import(tmp_path):
    """The checks above can fail: a module-level and a nested import are both seen."""
    module = tmp_path / "m.py"
    module.write_text("import flask\nfrom sqlalchemy.orm import Session\nfrom .model import X\n"
                      "def f():\n    import celery\n")
    assert _all_imports(module) == {"flask", "sqlalchemy.orm", "celery"}
    assert _top_level_imports(module) == {"flask", "sqlalchemy.orm"}
