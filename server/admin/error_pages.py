"""Friendly Indonesian error pages (400, 403, 404, 405, 500) with a way back, for every HTML request.

API requests (``/api/`` or clients that do not accept HTML) keep the JSON error shape: these
handlers hand them to :func:`server.errors.handle_http_exception`. The page is rendered with the
admin's look but without its blueprint context (an unknown URL matches no blueprint), so
everything the base template needs is passed here; if even that fails (the database is down),
a plain page is sent.
"""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_login import current_user
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from server.admin.i18n import current_language, translate
from server.admin.navigation import safe_admin_path

PAGES = {
    400: ("Permintaan tidak dapat diproses", "Isian atau alamat halaman tidak sesuai. Periksa lagi, lalu coba kembali."),
    403: ("Akses ditolak", "Anda tidak berhak membuka halaman ini."),
    404: ("Halaman tidak ditemukan", "Halaman atau rekaman ini tidak ada, atau berada di luar wilayah Anda."),
    405: ("Permintaan tidak dapat diproses", "Cara membuka halaman ini tidak didukung."),
    500: ("Terjadi gangguan", "Maaf, ada kesalahan di server. Coba lagi sebentar lagi; bila berulang, hubungi admin."),
}


def _way_back() -> tuple[str, str]:
    """(url, label) of the link back: the page the user came from when it is ours, else home."""
    referrer = request.referrer or ""
    host = request.host_url.rstrip("/")
    if referrer.startswith(host):
        path = safe_admin_path(referrer[len(host):])
        if path and path != request.full_path.rstrip("?"):
            return path, "Kembali ke halaman sebelumnya"
    authenticated = bool(current_user and current_user.is_authenticated)
    if authenticated and current_user.role in ("officer", "kiosk"):
        return "/app/", "Buka aplikasi lapangan"
    return "/admin/", "Ke dasbor"


def render_error(status: int):
    """The HTML page of one status."""
    title, text = PAGES.get(status, PAGES[400 if status < 500 else 500])
    try:
        url, label = _way_back()
        manager = bool(current_user and current_user.is_authenticated and current_user.role == "kecamatan_admin")
        body = render_template("admin/error.html", status=status, heading=translate(title), text=translate(text),
                               back_url=url, back_label=translate(label), _=translate, lang=current_language(),
                               nav_manage=manager, here=request.full_path.rstrip("?"))
    except Exception:  # noqa: BLE001 - the error page must not fail (database down, template error)
        body = (f'<!doctype html><html lang="id"><meta charset="utf-8"><title>{escape(title)}</title>'
                f'<h1>{escape(title)}</h1><p>{escape(text)}</p><p><a href="/admin/">Ke dasbor</a></p></html>')
    return body, status


def init_app(app: Flask) -> None:
    """Register the pages per status code (they win over the app-wide HTTPException handler)."""
    from server.errors import _wants_json, handle_http_exception

    def handler(exc: HTTPException):
        if _wants_json():
            return handle_http_exception(exc)
        return render_error(exc.code or 500)

    for status in PAGES:
        app.register_error_handler(status, handler)
