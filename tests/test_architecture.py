"""The dependency lines of STYLE.md and the size of a function, held by reading the code.

- ``domain`` imports only the standard library (the shared vocabulary: periods, indicators, clock);
- ``workers.scoring`` imports only the standard library and ``domain`` (pure, trivially testable);
- ``server.*`` never imports ``workers.*``, at module level or inside a function (the web enqueues
  tasks by name; ``recompute`` is the workers' CLI plugin) — also stated as import-linter contracts
  in ``pyproject.toml`` (``lint-imports`` runs in ``make test``);
- models know nothing of requests, schemas or queues;
- views are leaves: no module of ``server/api`` or ``server/admin`` that defines routes imports
  another (an import-linter ``independence`` contract; a test keeps its list equal to the modules
  that define routes, so a new view module cannot slip out of it);
- no function is longer than 80 lines outside migrations and tests (Python and the PWA's JS).
"""
from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_FUNCTION_LINES = 80


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
    """Every module imported anywhere in the file: module level, functions, methods, conditionals."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for sub in ast.walk(tree):
        if isinstance(sub, ast.Import):
            names.update(alias.name for alias in sub.names)
        elif isinstance(sub, ast.ImportFrom) and sub.level == 0 and sub.module:
            names.add(sub.module)
    return names


def _foreign(package: str, allowed: tuple[str, ...]) -> dict[str, list[str]]:
    files = _modules(package)
    assert files, f"{package} has no modules"
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in _all_imports(path)
            if name.split(".")[0] not in sys.stdlib_module_names
            and not any(name == a or name.startswith(a + ".") for a in allowed))
        for path in files
    }
    return {k: v for k, v in offenders.items() if v}


def test_domain_imports_only_the_standard_library():
    assert _foreign("domain", ("domain",)) == {}


def test_scoring_imports_only_the_standard_library_and_domain():
    assert _foreign("workers.scoring", ("workers.scoring", "domain")) == {}


def test_server_never_imports_workers_not_even_inside_a_function():
    offenders = [
        str(path.relative_to(ROOT)) for path in _modules("server")
        if any(name == "workers" or name.startswith("workers.") for name in _all_imports(path))
    ]
    assert offenders == []


def test_models_know_nothing_of_requests_schemas_or_queues():
    banned = ("flask_smorest", "marshmallow", "celery", "server.api", "server.schemas", "server.sync")
    offenders = {
        str(path.relative_to(ROOT)): sorted(n for n in _all_imports(path) if n.startswith(banned))
        for path in _modules("server.models")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_import_linter_contracts_state_the_layering():
    """The contracts exist in the repository's config (``lint-imports`` runs them in ``make test``)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    contracts = config["contracts"]
    assert {"type": "forbidden", "source_modules": ["server"], "forbidden_modules": ["workers"]}.items() <= {
        **next(c for c in contracts if c["source_modules"] == ["server"])}.items()
    scoring = next(c for c in contracts if c.get("source_modules") == ["workers.scoring"])
    assert {"server", "flask", "sqlalchemy", "celery", "workers.loader"} <= set(scoring["forbidden_modules"])
    assert any(c["type"] == "layers" and c["layers"] == ["workers", "server", "domain"] for c in contracts)


_ROUTE = re.compile(r"^\s*@(?:bp|blp)\.(?:route|get|post|put|patch|delete)\(|\.add_url_rule\(", re.MULTILINE)


def _view_modules() -> set[str]:
    """The modules of server/api and server/admin that define routes (their source says so)."""
    return {".".join(path.relative_to(ROOT).with_suffix("").parts)
            for package in ("server.api", "server.admin") for path in _modules(package)
            if _ROUTE.search(path.read_text(encoding="utf-8"))}


def test_views_are_leaves_and_the_contract_lists_every_view():
    """The ``independence`` contract (run by ``lint-imports``) names exactly the modules that define routes."""
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]
    leaves = next(c for c in contracts if c["type"] == "independence")
    views = _view_modules()
    assert {"server.api.auth", "server.api.bootstrap", "server.admin.dashboard"} <= views  # the scan finds them
    assert set(leaves["modules"]) == views
    offenders = {module: sorted(_imported_names(ROOT / (module.replace(".", "/") + ".py")) & views) for module in views}
    assert {k: v for k, v in offenders.items() if v} == {}


def _imported_names(path: Path) -> set[str]:
    """Like :func:`_all_imports`, and ``from package import module`` also counts as ``package.module``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = _all_imports(path)
    for sub in ast.walk(tree):
        if isinstance(sub, ast.ImportFrom) and sub.level == 0 and sub.module:
            names.update(f"{sub.module}.{alias.name}" for alias in sub.names)
    return names


def test_recompute_is_the_workers_flask_plugin():
    """``flask --app server recompute`` comes from the installed project's entry point, not from server/."""
    found = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="flask.commands")}
    assert found.get("recompute") == "workers.cli:recompute_command", (
        "the project is not installed: run `make install` (requirements.txt installs it with `-e .`)")


# -- function length -----------------------------------------------------------------------------------

def _long_python_functions(path: Path, limit: int = MAX_FUNCTION_LINES) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [(node.name, node.end_lineno - node.lineno + 1) for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > limit]


_JS_FUNCTION = re.compile(r"(?:^|[^\w$.])(?:async\s+)?function\s*\*?\s*([\w$]+)\s*\("
                          r"|(?:const|let|var)\s+([\w$]+)\s*=\s*(?:async\s+)?(?:\([^()]*\)|[\w$]+)\s*=>\s*\{")


def _closing(text: str, start: int, open_: str, close: str) -> int:
    """The index of the bracket closing the one at ``start`` (plain counting: a simple scan, no parser)."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == open_:
            depth += 1
        elif text[index] == close:
            depth -= 1
            if depth == 0:
                return index
    return len(text) - 1


def _long_js_functions(text: str, limit: int = MAX_FUNCTION_LINES) -> list[tuple[str, int]]:
    """Functions (declarations and arrow functions bound to a name) whose body spans more than ``limit`` lines."""
    found = []
    for match in _JS_FUNCTION.finditer(text):
        if match.group(1):  # function name(...) { — skip the parameters, then the body
            body = text.index("{", _closing(text, match.end() - 1, "(", ")"))
        else:
            body = match.end() - 1
        lines = text.count("\n", body, _closing(text, body, "{", "}")) + 1
        if lines > limit:
            found.append((match.group(1) or match.group(2), lines))
    return found


def _python_files() -> list[Path]:
    skip = {".venv", "tests", "pwa", "node_modules", "migrations", "instance"}
    return [p for p in sorted(ROOT.rglob("*.py")) if not skip & set(p.relative_to(ROOT).parts)]


def test_no_function_is_longer_than_80_lines():
    offenders = {f"{p.relative_to(ROOT)}:{name}": n for p in _python_files() for name, n in _long_python_functions(p)}
    for path in sorted((ROOT / "pwa" / "src").rglob("*.js")):
        for name, n in _long_js_functions(path.read_text(encoding="utf-8")):
            offenders[f"{path.relative_to(ROOT)}:{name}"] = n
    assert offenders == {}


def test_the_checkers_see_a_foreign_import(tmp_path):
    """The checks above can fail: a module-level and a nested import are both seen."""
    module = tmp_path / "m.py"
    module.write_text("import flask\nfrom sqlalchemy.orm import Session\nfrom .model import X\n"
                      "def f():\n    import celery\n")
    assert _all_imports(module) == {"flask", "sqlalchemy.orm", "celery"}
    assert _top_level_imports(module) == {"flask", "sqlalchemy.orm"}


def test_the_length_checkers_see_a_long_function(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def short():\n    return 1\n\n\ndef long():\n" + "    x = 1\n" * 81)
    assert _long_python_functions(module) == [("long", 82)]
    js = ("export function renderX(a, b = {}) {\n" + "  f({ a: 1 });\n" * 81 + "}\n"
          "const ok = () => {\n  return 1;\n};\nconst big = async (x) => {\n" + "  y();\n" * 90 + "};\n")
    assert _long_js_functions(js) == [("renderX", 83), ("big", 92)]
