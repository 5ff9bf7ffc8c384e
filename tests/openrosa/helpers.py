"""What a phone does: turn a SIKK item into an XForm instance and POST it the OpenRosa way."""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from server.forms.catalogue import default_forms

ODK_HEADERS = {"X-OpenRosa-Version": "1.0", "Date": "Mon, 05 Jan 2026 02:00:01 GMT+00:00"}


def definition_of(code: str) -> dict:
    return next(d for d in default_forms() if d["code"] == code)


def _text(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, dict):
        return " ".join(str(value[k]) for k in ("lat", "lon", "altitude", "accuracy") if k in value)
    return str(value)


def instance_xml(item: dict, definition: dict | None = None, photos: dict[str, str] | None = None) -> bytes:
    """The XForm instance of a JSON item (photo fields name files: ``photos`` = {key: file name})."""
    definition = definition or definition_of(item["form"])
    code = item["form"]
    parts = [f"<start>{escape(item['observed_at'])}</start>"]
    for key, value in (item.get("subject") or {}).items():
        parts.append(f"<{key}>{value}</{key}>")
    if item.get("ref"):
        parts.append(f"<ref>{item['ref']}</ref>")
    for field in definition["fields"]:
        key = field["key"]
        if field["type"] == "photo" and photos and key in photos:
            parts.append(f"<{key}>{escape(photos[key])}</{key}>")
            continue
        value = item["data"].get(key)
        parts.append(f"<{key}/>" if value is None else f"<{key}>{escape(_text(value))}</{key}>")
    parts.append(f"<meta><instanceID>uuid:{item['id']}</instanceID></meta>")
    return (f'<?xml version="1.0"?><{code} xmlns:jr="http://openrosa.org/javarosa" id="{code}" '
            f'version="{item["form_version"]}">{"".join(parts)}</{code}>').encode()


def post_instance(client, token: str, xml: bytes, files: dict[str, bytes] | None = None, headers: dict | None = None):
    """POST one instance as ODK Collect does (multipart: xml_submission_file + one part per file)."""
    data = {"xml_submission_file": (io.BytesIO(xml), "instance.xml", "text/xml")}
    for name, body in (files or {}).items():
        data[name] = (io.BytesIO(body), name, "image/jpeg")
    return client.post(f"/openrosa/key/{token}/submission", data=data, content_type="multipart/form-data",
                       headers={**ODK_HEADERS, **(headers or {})})
