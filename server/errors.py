"""One error shape for the API: {"error": {"code", "message", "fields"}}; HTML for the admin pages."""
from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

from server.extensions import db

_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "invalid", 429: "too_many_requests",
}


class ApiError(HTTPException):
    """An HTTP error with SIKK's code, message and per-field details."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(description=message)
        self.code = status
        self.error_code = code
        self.fields = fields or {}
        self.extra_headers = headers or {}

    def get_headers(self, environ=None, scope=None):  # the HTML rendering keeps e.g. Retry-After too
        return [*super().get_headers(environ, scope), *self.extra_headers.items()]


def error_response(status: int, code: str, message: str, fields: dict | None = None) -> Response:
    """Build the JSON error response: ``{"error": {"code", "message", "fields"}}``."""
    resp = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    resp.status_code = status
    return resp


def wants_json() -> bool:
    """True when the error should be the JSON shape (the API, or a client that does not take HTML)."""
    return request.path.startswith("/api/") or not request.accept_mimetypes.accept_html


_wants_json = wants_json


def _fields_of(exc: HTTPException) -> dict[str, Any]:
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if not messages:
        return {}
    # webargs nests by location: {"json": {...}, "query": {...}}
    merged: dict[str, Any] = {}
    for value in messages.values():
        if isinstance(value, dict):
            merged.update(value)
    return merged or messages


def handle_http_exception(exc: HTTPException):
    """Render any HTTP error as the JSON error shape under /api/, as the default page elsewhere."""
    status = exc.code or 500
    if status >= 500:
        db.session.rollback()
    if not _wants_json():
        return exc
    if isinstance(exc, ApiError):
        resp = error_response(status, exc.error_code, exc.description or "", exc.fields)
        resp.headers.update(exc.extra_headers)
        return resp
    message = exc.description or ""
    if status == 413:
        message = "Request body too large (limit %d bytes)." % (request.max_content_length or 0)
    resp = error_response(status, _CODES.get(status, "error"), message, _fields_of(exc))
    if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        resp.headers["Allow"] = ", ".join(exc.valid_methods)
    return resp


def handle_unexpected(exc: Exception):
    """Log and answer 500 in the same shape, after rolling back."""
    db.session.rollback()
    from flask import current_app

    current_app.logger.exception("unhandled error")
    if not _wants_json():
        return current_app.handle_http_exception(InternalServerError())  # the friendly page, when registered
    return error_response(500, "internal_error", "Internal server error.")


def init_app(app: Flask) -> None:
    """Register the handlers (after flask-smorest's, so these win)."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
