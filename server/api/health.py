"""Health: the PWA's online check (SIKK's own signature) and the operator's readiness probe."""
from __future__ import annotations

from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import func, select, text

from domain.clock import aware_utc
from server.extensions import db
from server.models import Kecamatan, ScoreOutbox, ScoringSetAside
from server.models._types import utcnow
from server.schemas.health import HealthSchema, ReadySchema
from server.settings import HEALTH_PING_TIMEOUT_SECONDS, settings

bp = Blueprint("health", __name__, description="Liveness and readiness")

# Outbox rows older than this mean the workers are not keeping up (or the broker is down).
OUTBOX_LAG_WARN_SECONDS = 60


def _signed(payload: dict, healthy: bool):
    resp = jsonify({"service": "sikk", "status": "ok" if healthy else "degraded", **payload})
    resp.status_code = 200 if healthy else 503
    resp.headers["X-SIKK"] = "1"
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - a health check reports, it does not raise
        db.session.rollback()
        return False


def _broker_ok() -> bool | None:
    url = settings().redis_url
    if not url:
        return None  # embedded broker: nothing separate to ping
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=HEALTH_PING_TIMEOUT_SECONDS,
                                         socket_timeout=HEALTH_PING_TIMEOUT_SECONDS).ping())
    except redis.RedisError:
        return False


@bp.route("/health")
class Health(MethodView):
    @bp.response(200, HealthSchema)
    @bp.alt_response(503, schema=HealthSchema, description="The database does not answer")
    def get(self):
        """Answer with SIKK's signature (header X-SIKK and `service: sikk`); checks the database."""
        database = _database_ok()
        return _signed({"database": "ok" if database else "error"}, database)


@bp.route("/health/ready")
class Ready(MethodView):
    @bp.response(200, ReadySchema)
    @bp.alt_response(503, schema=ReadySchema, description="Database or broker down, or the outbox lags")
    def get(self):
        """Readiness for operators: database, broker and the scoring outbox lag in seconds."""
        database = _database_ok()
        broker = _broker_ok()
        lag = 0.0
        pending = 0
        if database:
            oldest, pending = db.session.execute(
                select(func.min(ScoreOutbox.created_at), func.count(ScoreOutbox.id))
            ).one()
            if oldest is not None:
                now = utcnow()
                oldest = aware_utc(oldest)
                lag = max(0.0, (now - oldest).total_seconds())
        set_aside = _set_aside() if database else []
        # A pair set aside does not take the web out of rotation (it serves everything else): it is
        # reported, with its error, for the operator.
        healthy = database and broker is not False and lag < OUTBOX_LAG_WARN_SECONDS
        return _signed({
            "database": "ok" if database else "error",
            "broker": {None: "embedded", True: "ok", False: "error"}[broker],
            "outbox_pending": pending,
            "outbox_lag_seconds": round(lag, 1),
            "scoring": "set_aside" if set_aside else "ok",
            "scoring_set_aside": set_aside,
        }, healthy)


def _set_aside() -> list[dict]:
    """The recomputes that failed for good, newest first (``workers.tasks``)."""
    rows = db.session.execute(
        select(ScoringSetAside, Kecamatan.nama).outerjoin(Kecamatan, Kecamatan.id == ScoringSetAside.kecamatan_id)
        .order_by(ScoringSetAside.failed_at.desc()).limit(20)).all()
    return [{"kecamatan_id": row.kecamatan_id, "kecamatan": nama, "year": row.year, "error": row.error,
             "attempts": row.attempts, "failed_at": row.failed_at.isoformat()} for row, nama in rows]
