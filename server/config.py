"""Every setting, read from the environment (the names PaaS platforms set)."""
from __future__ import annotations

import os
from pathlib import Path

from domain.clock import DEFAULT_TIMEZONE

INSTANCE_DIR = Path(os.environ.get("SIKK_INSTANCE_DIR", Path(__file__).resolve().parent.parent / "instance"))


def parse_boolean(value: str) -> bool:
    """Parse yes/true/on/1 and no/false/off/0; raise ValueError on anything else."""
    lowered = value.strip().lower()
    if lowered in {"yes", "true", "on", "1"}:
        return True
    if lowered in {"no", "false", "off", "0", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def database_url() -> str:
    """Return the SQLAlchemy URL: DATABASE_URL, or SQLite under instance/."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{INSTANCE_DIR / 'sikk.sqlite'}"
    # Heroku-style URLs; we use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def broker_url() -> str:
    """Return the Celery broker: REDIS_URL, or kombu's SQLAlchemy transport on SQLite (no server)."""
    url = os.environ.get("REDIS_URL", "").strip()
    if url:
        return url
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqla+sqlite:///{INSTANCE_DIR / 'broker.sqlite'}"


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    # Embedded default: a key generated once and kept under instance/.
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    """Configuration from the environment; tests subclass or override keys."""

    SECRET_KEY = _secret_key()
    SQLALCHEMY_DATABASE_URI = database_url()
    # No ping on every checkout (one round trip per request): connections older than 5 minutes are
    # replaced, and a request that meets a dead one retries once (server.security, server.sync).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_recycle": 300}
    REDIS_URL = os.environ.get("REDIS_URL", "").strip() or None
    CELERY = {
        "broker_url": broker_url(),
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {"visibility_timeout": 120},  # a killed worker's task comes back within 2 min
    }
    # Limits of POST /api/v1/submissions (documented in docs/api.md).
    MAX_BATCH_ITEMS = int(os.environ.get("SIKK_MAX_BATCH_ITEMS", "100"))
    MAX_CONTENT_LENGTH = int(os.environ.get("SIKK_MAX_BODY_BYTES", str(2 * 1024 * 1024)))
    MAX_ATTACHMENT_BYTES = int(os.environ.get("SIKK_MAX_ATTACHMENT_BYTES", str(5 * 1024 * 1024)))
    # Pixels of one photo (a 4000 × 3000 camera photo has 12 M); more is refused before decoding (413).
    MAX_ATTACHMENT_PIXELS = int(os.environ.get("SIKK_MAX_ATTACHMENT_PIXELS", str(24_000_000)))
    CLOCK_SKEW_SECONDS = int(os.environ.get("SIKK_CLOCK_SKEW_SECONDS", "600"))
    # Map tiles under the admin map (a URL template with {z}/{x}/{y}); unset: points and a list only.
    MAP_TILE_URL = os.environ.get("SIKK_MAP_TILE_URL") or None
    # Behind a reverse proxy (nginx): how many proxies set X-Forwarded-For/-Proto. 0 trusts none, so
    # the login limit keys on the real client address only when this matches the deployment.
    PROXY_FIX_X_FOR = int(os.environ.get("SIKK_PROXY_FIX_X_FOR", "0"))
    TIMEZONE = os.environ.get("SIKK_TIMEZONE", DEFAULT_TIMEZONE)
    # Scoring pipeline (docs/operations.md): a recompute runs this long after the first change of
    # its interval, with everything that arrived meanwhile (SIKK_SCORING_COALESCE_SECONDS) …
    SCORING_COALESCE_SECONDS = 0.25
    # … and a pair's recomputes take at most this share of a worker process (SIKK_SCORING_MAX_SHARE) …
    SCORING_MAX_SHARE = 0.5
    # … and start at least this long after the pair's last one ended (SIKK_SCORING_MIN_INTERVAL_SECONDS;
    # 0: off): under a steady stream one recompute per interval takes everything that arrived …
    SCORING_MIN_INTERVAL_SECONDS = 0.3
    # … the beat sweeps outbox rows older than this that no recompute took (SIKK_RELAY_GRACE_SECONDS) …
    RELAY_GRACE_SECONDS = 2.0
    # … every RELAY_EVERY_SECONDS (SIKK_RELAY_EVERY_SECONDS); years before this one are never scored.
    RELAY_EVERY_SECONDS = 5.0
    SCORING_MIN_YEAR = 2000
    # Per-process caches of the sync's hot path (server/local_cache.py): how long a change made by
    # ANOTHER process may go unseen here (this process's own changes apply at once); 0 turns one off.
    # A revoked token, a deactivated user or a changed scope (SIKK_TOKEN_CACHE_SECONDS) …
    TOKEN_CACHE_SECONDS = float(os.environ.get("SIKK_TOKEN_CACHE_SECONDS", "0"))
    # … and where an RW, kelurahan or kecamatan is (SIKK_WILAYAH_CACHE_SECONDS).
    WILAYAH_CACHE_SECONDS = float(os.environ.get("SIKK_WILAYAH_CACHE_SECONDS", "60"))
    PWA_DIST = os.environ.get("SIKK_PWA_DIST", str(Path(__file__).resolve().parent.parent / "pwa" / "dist"))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = parse_boolean(os.environ.get("SIKK_SECURE_COOKIES", "no"))
    WTF_CSRF_TIME_LIMIT = None
    # flask-smorest / OpenAPI
    API_TITLE = "SIKK API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = None
