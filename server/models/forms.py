"""Versioned form definitions, the service-type catalogue and holidays (all data)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models._types import JsonDoc, utcnow


class FormDefinition(db.Model):
    __tablename__ = "form_definitions"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(120))
    definition: Mapped[dict] = mapped_column(JsonDoc)  # the whole JSON form definition (docs/forms.md)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ServiceType(db.Model):
    __tablename__ = "service_types"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    group: Mapped[str] = mapped_column(String(20))  # adminduk | umum
    section: Mapped[str] = mapped_column(String(80))
    sop_value: Mapped[int] = mapped_column(Integer)
    sop_unit: Mapped[str] = mapped_column(String(20))  # minutes | working_days
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Holiday(db.Model):
    __tablename__ = "holidays"

    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(160))


class ServiceTypeVersion(db.Model):
    """One version of a service type's SOP (duration, unit, section), in force from ``effective_from``.

    Reference data is versioned like rule sets: a service is judged by the version in force on the
    day it was received, so an edit applies from its date on and never silently rewrites a closed
    period. ``service_types`` keeps the catalogue as it reads today (names, active) for the forms.
    """

    __tablename__ = "service_type_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(160))
    group: Mapped[str] = mapped_column(String(20))
    section: Mapped[str] = mapped_column(String(80))
    sop_value: Mapped[int] = mapped_column(Integer)
    sop_unit: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
