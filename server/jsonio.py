"""JSON at the edge: hostile nesting becomes a clean 400, never a RecursionError (a 500).

Flask turns a ValueError from the JSON provider into 400 Bad Request; Python's json module raises
RecursionError instead for deeply nested arrays, so the provider translates it. `check_depth` bounds
what a parsed document may hold before anything walks it recursively (hashing, storage).
"""
from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider

MAX_DEPTH = 32


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, with nesting too deep for the parser reported as invalid JSON."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def depth_exceeds(document: Any, limit: int = MAX_DEPTH) -> bool:
    """Tell whether containers nest deeper than `limit` (the document itself is depth 1).

    Iterative, level by level, and only containers are carried to the next level (a batch of 100
    items holds thousands of scalars): safe on any input, and cheap on the usual one.
    """
    level = [document]
    depth = 0
    while level:
        depth += 1
        deeper: list[Any] = []
        for node in level:
            if isinstance(node, dict):
                children = node.values()
            elif isinstance(node, list):
                children = node
            else:
                continue
            if depth > limit:
                return True
            deeper += [child for child in children if isinstance(child, (dict, list))]
        level = deeper
    return False
