"""Records in people's words (server.admin.describe) and the safe back links, as pure functions."""
from __future__ import annotations

import pytest

from server.admin.describe import coordinates, device_label, fields_in_order, value_text
from server.admin.navigation import safe_admin_path

ANDROID = ("Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/131.0.6778.104 Mobile Safari/537.36")


@pytest.mark.parametrize("ua, words", [
    (ANDROID, "Android · Chrome 131"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.5 Mobile/15E148 Safari/604.1", "iOS · Safari 17"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0", "Windows · Firefox 132"),
    ("Mozilla/5.0 (Linux; Android 12) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 "
     "Chrome/121.0.0.0 Mobile Safari/537.36", "Android · Samsung Internet 25"),
    ("pytest", "pytest"),
    (None, "–"),
])
def test_device_in_words(ua, words):
    assert device_label(ua) == words


def test_values_in_words():
    choice = {"key": "pengelolaan_sampah", "type": "select_one",
              "choices": [{"value": "baik", "label": "Baik", "label_en": "Good"}]}
    assert value_text(choice, "baik") == "Baik" and value_text(choice, "baik", english=True) == "Good"
    assert value_text({"type": "boolean"}, True) == "Ya" and value_text({"type": "boolean"}, False) == "Tidak"
    assert value_text({"type": "date"}, "2026-11-23") == "23/11/2026"
    assert value_text({"type": "text"}, "") == "–"
    assert value_text({"key": "jenis_layanan"}, "sktm", service_names={"sktm": "Surat keterangan tidak mampu"}) \
        == "Surat keterangan tidak mampu"
    assert coordinates({"lat": -6.8950001, "lon": 107.61866666}) == "-6.895000, 107.618667"


def test_fields_follow_the_form_order_and_unknown_keys_come_last():
    definition = {"fields": [{"key": "b", "label": "Bee"}, {"key": "a", "label": "Ay"}, {"key": "foto", "label": "F"}]}
    shown = fields_in_order(definition, {"a": 1, "zz": 2, "b": 3, "foto": ["x"]}, skip={"foto"})
    assert [(f.label, f.text) for f in shown] == [("Bee", "3"), ("Ay", "1"), ("zz", "2")]


@pytest.mark.parametrize("path, ok", [
    ("/admin/cari?q=x", True), ("/admin/", True), ("//evil.example/admin/", False), ("https://evil.example/", False),
    ("/admin/\\evil", False), ("/admin/x\r\nSet-Cookie: a=b", False), ("/app/", False), ("", False),
])
def test_back_links_stay_inside_the_admin(path, ok):
    assert (safe_admin_path(path) == path) is ok
