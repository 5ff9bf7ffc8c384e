"""The nesting bound of request bodies (server.jsonio.depth_exceeds): exact at the limit, on any shape."""
from __future__ import annotations

import random

import pytest

from server.jsonio import MAX_DEPTH, depth_exceeds


def _depth(node) -> int:
    """The reference: how deep containers nest (a scalar 0, the document's own container 1)."""
    if isinstance(node, dict):
        return 1 + max((_depth(v) for v in node.values()), default=0)
    if isinstance(node, list):
        return 1 + max((_depth(v) for v in node), default=0)
    return 0


def _nested(depth: int, inner=1):
    doc = inner
    for level in range(depth):
        doc = [doc] if level % 2 else {"k": doc, "scalar": 2}
    return doc


@pytest.mark.parametrize("depth", [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, MAX_DEPTH + 5])
def test_bound_is_exact_at_the_limit(depth):
    doc = {"submissions": [{"data": _nested(depth - 3)}]}  # the envelope, its list and the item: 3 levels
    assert _depth(doc) == depth
    assert depth_exceeds(doc) is (depth > MAX_DEPTH)


def _random_document(rng: random.Random, level: int = 0):
    roll = rng.random()
    if level > 12 or roll < 0.3:
        return rng.choice([1, "x", None, 2.5, True, [], {}])
    if roll < 0.65:
        return [_random_document(rng, level + 1) for _ in range(rng.randrange(0, 4))]
    return {str(i): _random_document(rng, level + 1) for i in range(rng.randrange(0, 4))}


def test_agrees_with_the_recursive_reference_on_random_documents():
    rng = random.Random(20261203)
    for _ in range(3000):
        doc = _random_document(rng)
        for limit in (1, 2, 3, 6, 13):
            assert depth_exceeds(doc, limit) is (_depth(doc) > limit), (doc, limit)
