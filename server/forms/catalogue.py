"""The default catalogue (the seven forms and the service types) and a per-process registry of it.

Form versions are immutable: a (code, version) pair, once stored, never changes, so the registry
caches definitions per process for good. What may change (a version withdrawn, a service type
edited by the kecamatan admin) is re-read after ``REFRESH_SECONDS``.
"""
from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import select

from server.extensions import db
from server.models import FormDefinition, ServiceType
from server.models.forms import ServiceTypeVersion
from server.periods import EARLIEST_DATE

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
REFRESH_SECONDS = 30.0
FORM_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}\Z")
BASE_EFFECTIVE_FROM = EARLIEST_DATE  # the shipped SOPs are in force since the start of the date window


@cache
def default_forms() -> tuple[dict, ...]:
    """Return the shipped form definitions (one JSON file per form version)."""
    return tuple(
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(DEFINITIONS_DIR.glob("*.json"))
        if path.name != "service_types.json"
    )


@cache
def default_service_types() -> tuple[dict, ...]:
    """Return the shipped service-type catalogue (code, name, group, section, SOP duration)."""
    return tuple(json.loads((DEFINITIONS_DIR / "service_types.json").read_text(encoding="utf-8")))


def ensure_default_catalogue() -> None:
    """Insert the shipped form versions and service types that are missing; never change existing ones.

    Adds to the current session; the caller commits.
    """
    have = set(db.session.execute(select(FormDefinition.code, FormDefinition.version)).tuples())
    for form in default_forms():
        if (form["code"], form["version"]) not in have:
            db.session.add(FormDefinition(code=form["code"], version=form["version"], title=form["title"],
                                          definition=form, published=True))
    codes = set(db.session.scalars(select(ServiceType.code)))
    versioned = set(db.session.scalars(select(ServiceTypeVersion.code)))
    for st in default_service_types():
        if st["code"] not in codes:
            db.session.add(ServiceType(**st, active=True))
            if st["code"] not in versioned:
                db.session.add(ServiceTypeVersion(**st, effective_from=BASE_EFFECTIVE_FROM))
    db.session.flush()
    registry.invalidate()


@dataclass(frozen=True)
class FormVersion:
    """One stored form version: its definition and whether it still accepts submissions."""

    code: str
    version: int
    definition: dict
    published: bool


class Registry:
    """Per-process cache of form versions and service-type codes (thread-safe, lazily refreshed)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._forms: dict[tuple[str, int], FormVersion] = {}
        self._service_types: frozenset[str] = frozenset()
        self._loaded_at = float("-inf")
        self._db_key: object = None

    def invalidate(self) -> None:
        """Forget everything; the next lookup reloads."""
        with self._lock:
            self._loaded_at = float("-inf")

    def _fresh(self) -> None:
        # One registry per process may serve several apps (tests): key the cache by the app's engine
        # (its identity: rendering the URL cost more than the rest of a lookup).
        key = db.engine
        if key is self._db_key and time.monotonic() - self._loaded_at < REFRESH_SECONDS:
            return
        rows = db.session.execute(
            select(FormDefinition.code, FormDefinition.version, FormDefinition.definition, FormDefinition.published)
        ).all()
        codes = db.session.scalars(select(ServiceType.code).where(ServiceType.active.is_(True))).all()
        with self._lock:
            self._forms = {(r.code, r.version): FormVersion(r.code, r.version, r.definition, r.published) for r in rows}
            self._service_types = frozenset(codes)
            self._loaded_at = time.monotonic()
            self._db_key = key

    def form(self, code: str, version: int) -> FormVersion | None:
        """Return the stored form version; one not cached yet (published since) is looked up."""
        self._fresh()
        found = self._forms.get((code, version))
        if found is None and FORM_CODE_RE.match(code) and -(2**31) < version < 2**31:
            row = db.session.execute(
                select(FormDefinition.definition, FormDefinition.published)
                .where(FormDefinition.code == code, FormDefinition.version == version)
            ).first()
            if row is not None:
                found = FormVersion(code, version, row.definition, row.published)
                with self._lock:
                    self._forms[(code, version)] = found
        return found

    def versions(self, code: str) -> list[FormVersion]:
        """Every stored version of a form, oldest first."""
        self._fresh()
        return sorted((f for f in self._forms.values() if f.code == code), key=lambda f: f.version)

    def known_codes(self) -> set[str]:
        """The codes of every stored form."""
        self._fresh()
        return {code for code, _ in self._forms}

    def service_types(self) -> frozenset[str]:
        """The codes of the active service types."""
        self._fresh()
        return self._service_types


registry = Registry()
