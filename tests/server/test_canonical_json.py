"""The canonical JSON behind every stored content_hash never changes, whichever writer writes it.

A replay of an item stored years ago must hash to the stored value (else it is a `conflict`, not a
`duplicate`), so ``canonical_json`` must give the standard library's bytes exactly, also where
orjson writes them; and the caller's promise that lets orjson write (no NaN or infinity) must hold
for every item a native form accepts.
"""
from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from server.forms.catalogue import default_forms, default_service_types
from server.forms.validate import refuses_non_finite, validate
from server.sync import canonical_json

_reference = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode

_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(min_value=-1e-3, max_value=1e-3, allow_nan=False),
    st.sampled_from([0.0, -0.0, 1e-4, 9.999e-5, 1e-5, 1e16, 1e15, 123.00001, 5e-324, 1.7976931348623157e308]),
    st.text(), st.text(st.characters(codec="utf-8")), st.sampled_from(["e-KTP", "\x00\x1f\x7f\u2028\"\\", "é😀"]),
)
_documents = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=5) | st.sampled_from(["a", "B", "é", "😀", "Z", "_"]), inner, max_size=4), max_leaves=25)


@settings(max_examples=1500, deadline=None)
@given(document=_documents)
def test_both_writers_give_the_standard_librarys_bytes(document):
    expected = _reference(document).encode()
    assert canonical_json(document, finite=True) == expected
    assert canonical_json(document) == expected


def test_a_realistic_item_is_written_by_orjson_and_still_the_same_bytes(monkeypatch):
    item = {"form": "inspeksi-rw", "form_version": 1, "subject": {"rw_id": 7}, "ref": None, "supersedes": None,
            "observed_at": "2026-03-14T02:30:00+00:00",
            "data": {"lokasi": {"lat": -6.884211, "lon": 107.613452, "accuracy": 12}, "kebun_toga": True,
                     "catatan": "Saluran air tersumbat di RT 03", "kejadian_kriminal": 0}}
    import server.sync as sync

    calls = []
    monkeypatch.setattr(sync, "_canonical_json", lambda doc: calls.append(doc) or _reference(doc))
    assert canonical_json(item, finite=True) == _reference(item).encode()
    assert calls == []  # orjson wrote it


def test_no_native_form_accepts_nan_or_infinity_anywhere():
    """What ``refuses_non_finite`` (the sync's ``finite=True`` for native forms) promises: every value
    in `data` is a declared field's, checked by its type, and no type lets a non-finite number through."""
    bad_values = [math.nan, math.inf, -math.inf, [math.nan], {"lat": math.nan, "lon": 0.0},
                  {"lat": 0.0, "lon": 0.0, "accuracy": math.inf}, {"lat": 0.0, "lon": 0.0, "altitude": -math.inf}]
    service_types = frozenset(t["code"] for t in default_service_types())
    checked = 0
    assert not refuses_non_finite({"source": "xlsform", "fields": []})
    for definition in default_forms():
        assert refuses_non_finite(definition)
        for field in definition["fields"]:
            for value in bad_values:
                errors = validate(definition, {field["key"]: value}, service_types)
                assert field["key"] in errors, (definition["code"], field["key"], value)
                checked += 1
        assert validate(definition, {"not_a_field": math.nan}).get("not_a_field")
    assert checked > 100
