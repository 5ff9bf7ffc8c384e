"""A small, safe evaluator for the XPath subset XLSForms use in `relevant`, `constraint` and `calculation`.

Parsed by a recursive-descent parser into tuples and evaluated by walking them: never `eval`.
Supported: ``.``, ``${name}``, numbers, 'strings', ``= != < <= > >=``, ``and or``, ``+ - * div mod``,
unary minus, parentheses, and the functions in :data:`FUNCTIONS` (``not``, ``selected``,
``count-selected``, ``string-length``, ``regex``, ``if``, ``today``, ``true``, ``false``, ``number``,
``int``, ``string``, ``concat``, ``coalesce``, ``round``). Anything else (``pulldata``, ``instance(…)``,
paths such as ``/data/x``) is a :class:`ExprError`, which the importer reports as unsupported.

Values follow XPath 1.0 loosely: an empty answer is ``""``; comparing a number with a string that
reads as a number compares numbers; a multiple choice is a list (``selected`` looks inside it).
"""
from __future__ import annotations

import datetime as dt
import math
import re
from functools import lru_cache
from typing import Any

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<num>\d+(?:\.\d*)?|\.\d+)
    | (?P<str>'[^']*'|"[^"]*")
    | (?P<ref>\$\{[A-Za-z_][A-Za-z0-9_.\-]*\})
    | (?P<op><=|>=|!=|=|<|>|\+|-|\*|\(|\)|,)
    | (?P<dot>\.)
    | (?P<name>[A-Za-z_][A-Za-z0-9_\-]*(?::[A-Za-z_][A-Za-z0-9_\-]*)?)
    )""", re.VERBOSE)


class ExprError(ValueError):
    """The expression is outside the supported subset (or malformed)."""


def _tokens(source: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = source.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExprError(f"tidak dipahami di posisi {pos + 1}: {text[pos:pos + 12]!r}")
        kind = m.lastgroup
        value = m.group(kind)
        if kind == "name" and value in ("and", "or", "div", "mod"):
            kind = "op"
        out.append((kind, value))
        pos = m.end()
    return out


FUNCTIONS = {"not": (1, 1), "selected": (2, 2), "count-selected": (1, 1), "string-length": (1, 1),
             "regex": (2, 2), "if": (3, 3), "today": (0, 0), "true": (0, 0), "false": (0, 0),
             "number": (1, 1), "int": (1, 1), "string": (1, 1), "concat": (1, 20), "coalesce": (2, 2),
             "round": (1, 2)}
_LEVELS = (("or",), ("and",), ("=", "!="), ("<", "<=", ">", ">="), ("+", "-"), ("*", "div", "mod"))


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens, self.i = tokens, 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise ExprError("ekspresi terpotong")
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        tok = self.take()
        if tok != ("op", value):
            raise ExprError(f"diharapkan {value!r}, ditemukan {tok[1]!r}")

    def binary(self, level: int) -> tuple:
        if level == len(_LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while (tok := self.peek()) and tok[0] == "op" and tok[1] in _LEVELS[level]:
            self.i += 1
            left = ("op", tok[1], left, self.binary(level + 1))
        return left

    def unary(self) -> tuple:
        tok = self.peek()
        if tok == ("op", "-"):
            self.i += 1
            return ("neg", self.unary())
        return self.primary()

    def primary(self) -> tuple:
        kind, value = self.take()
        if kind == "num":
            return ("lit", float(value))
        if kind == "str":
            return ("lit", value[1:-1])
        if kind == "ref":
            return ("ref", value[2:-1])
        if kind == "dot":
            return ("self",)
        if (kind, value) == ("op", "("):
            inner = self.binary(0)
            self.expect(")")
            return inner
        if kind == "name":
            if value not in FUNCTIONS:
                raise ExprError(f"fungsi atau jalur tidak didukung: {value}")
            self.expect("(")
            args: list[tuple] = []
            if self.peek() != ("op", ")"):
                args.append(self.binary(0))
                while self.peek() == ("op", ","):
                    self.i += 1
                    args.append(self.binary(0))
            self.expect(")")
            lo, hi = FUNCTIONS[value]
            if not lo <= len(args) <= hi:
                raise ExprError(f"{value}() menerima {lo}–{hi} argumen")
            return ("call", value, tuple(args))
        raise ExprError(f"tidak diharapkan: {value!r}")


@lru_cache(maxsize=1024)
def parse(source: str) -> tuple:
    """Parse an expression into a tree; :class:`ExprError` when it is outside the subset."""
    if not isinstance(source, str) or not source.strip():
        raise ExprError("ekspresi kosong")
    if len(source) > 2000:
        raise ExprError("ekspresi terlalu panjang")
    parser = _Parser(_tokens(source))
    tree = parser.binary(0)
    if parser.peek() is not None:
        raise ExprError(f"tidak diharapkan: {parser.peek()[1]!r}")
    return tree


def references(tree: tuple) -> set[str]:
    """The field names an expression reads through ``${name}``."""
    if tree[0] == "ref":
        return {tree[1]}
    found: set[str] = set()
    for part in tree[1:]:
        if isinstance(part, tuple):
            if part and isinstance(part[0], str):
                found |= references(part)
            else:
                for arg in part:
                    found |= references(arg)
    return found


# -- evaluation ------------------------------------------------------------------------------------

def _num(value: Any) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return math.nan
    return math.nan


def _str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list):
        return " ".join(_str(v) for v in value)
    if isinstance(value, dict):  # a geopoint
        return " ".join(_str(value.get(k)) for k in ("lat", "lon", "altitude", "accuracy") if value.get(k) is not None)
    return str(value)


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0 and not math.isnan(value)
    if isinstance(value, (list, dict)):
        return bool(value)
    return value not in (None, "")


def _instant(text: str) -> dt.datetime | None:
    """A datetime with an offset, as an instant (so +07:00 and Z compare right); None otherwise."""
    if "T" not in text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else None


def _compare(op: str, a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        if op in ("=", "!="):
            same = _bool(a) == _bool(b) if (isinstance(a, bool) and isinstance(b, bool)) else _str(a) == _str(b)
            return same if op == "=" else not same
    numeric = isinstance(a, (int, float)) or isinstance(b, (int, float)) or op not in ("=", "!=")
    if numeric:
        x, y = _num(a), _num(b)
        if math.isnan(x) or math.isnan(y):
            if op in ("=", "!="):
                same = _str(a) == _str(b)
                return same if op == "=" else not same
            sa, sb = _str(a), _str(b)  # dates and times in ISO form compare as text
            if not sa or not sb:
                return False
            ta, tb = _instant(sa), _instant(sb)
            if ta is not None and tb is not None:
                return {"<": ta < tb, "<=": ta <= tb, ">": ta > tb, ">=": ta >= tb}[op]
            return {"<": sa < sb, "<=": sa <= sb, ">": sa > sb, ">=": sa >= sb}[op]
        return {"=": x == y, "!=": x != y, "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]
    same = _str(a) == _str(b)
    return same if op == "=" else not same


def evaluate(tree: tuple, values: dict[str, Any], current: Any = None, today: dt.date | None = None) -> Any:
    """Evaluate a parsed expression against the answers (``values``; ``current`` is ``.``)."""
    kind = tree[0]
    if kind == "lit":
        return tree[1]
    if kind == "ref":
        value = values.get(tree[1])
        return "" if value is None else value
    if kind == "self":
        return "" if current is None else current
    if kind == "neg":
        return -_num(evaluate(tree[1], values, current, today))
    if kind == "op":
        op = tree[1]
        if op == "and":
            return _bool(evaluate(tree[2], values, current, today)) and _bool(evaluate(tree[3], values, current, today))
        if op == "or":
            return _bool(evaluate(tree[2], values, current, today)) or _bool(evaluate(tree[3], values, current, today))
        a, b = evaluate(tree[2], values, current, today), evaluate(tree[3], values, current, today)
        if op in ("=", "!=", "<", "<=", ">", ">="):
            return _compare(op, a, b)
        x, y = _num(a), _num(b)
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        if op == "div":
            return x / y if y else (math.nan if x == 0 or math.isnan(x) else math.copysign(math.inf, x))
        return math.fmod(x, y) if y else math.nan
    name, args = tree[1], tree[2]
    ev = [evaluate(a, values, current, today) for a in args] if name != "if" else []
    if name == "not":
        return not _bool(ev[0])
    if name == "selected":
        pool = ev[0] if isinstance(ev[0], list) else _str(ev[0]).split()
        return _str(ev[1]) in [_str(v) for v in pool]
    if name == "count-selected":
        return float(len(ev[0]) if isinstance(ev[0], list) else len(_str(ev[0]).split()))
    if name == "string-length":
        return float(len(_str(ev[0])))
    if name == "regex":
        try:
            return re.search(_str(ev[1]), _str(ev[0])) is not None
        except re.error:
            return False
    if name == "if":
        cond = _bool(evaluate(args[0], values, current, today))
        return evaluate(args[1] if cond else args[2], values, current, today)
    if name == "today":
        return (today or dt.date.today()).isoformat()
    if name == "true":
        return True
    if name == "false":
        return False
    if name == "number":
        return _num(ev[0])
    if name == "int":
        x = _num(ev[0])
        return x if math.isnan(x) or math.isinf(x) else float(math.trunc(x))
    if name == "string":
        return _str(ev[0])
    if name == "concat":
        return "".join(_str(v) for v in ev)
    if name == "coalesce":
        return ev[0] if _str(ev[0]) != "" else ev[1]
    if name == "round":
        x, places = _num(ev[0]), int(_num(ev[1])) if len(ev) > 1 else 0
        if math.isnan(x) or math.isinf(x):
            return x
        factor = 10 ** places
        return math.floor(x * factor + 0.5) / factor
    raise ExprError(f"fungsi tidak didukung: {name}")  # unreachable: parse() refuses unknown names


def truthy(value: Any) -> bool:
    """XPath boolean() of a value."""
    return _bool(value)


def as_text(value: Any) -> str:
    """XPath string() of a value."""
    return _str(value)
