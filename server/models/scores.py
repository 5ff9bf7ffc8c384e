"""Derived scores (recomputable at any time), targets, rule-set versions and the audit log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models._types import JsonDoc, utcnow


class IndicatorResult(db.Model):
    """One IKU for one scope (kelurahan_id 0 = the whole kecamatan) and one period."""

    __tablename__ = "indicator_results"
    __table_args__ = (UniqueConstraint("kecamatan_id", "kelurahan_id", "period", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kecamatan_id: Mapped[int] = mapped_column(Integer)
    kelurahan_id: Mapped[int] = mapped_column(Integer, default=0)
    period: Mapped[str] = mapped_column(String(8))  # "2026" | "2026-Q1"
    code: Mapped[str] = mapped_column(String(8))  # IKU1…IKU6
    name: Mapped[str] = mapped_column(String(160))
    value: Mapped[float | None] = mapped_column(Float)
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    capaian: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(12))
    mutu: Mapped[str | None] = mapped_column(String(1))
    rule_version: Mapped[int] = mapped_column(Integer)
    details: Mapped[dict] = mapped_column(JsonDoc, default=dict)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Target(db.Model):
    """The year's target of one IKU (kecamatan_id 0 = every kecamatan)."""

    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("code", "year", "kecamatan_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(Integer)
    kecamatan_id: Mapped[int] = mapped_column(Integer, default=0)
    value: Mapped[float] = mapped_column(Float)


class RuleSetVersion(db.Model):
    """A versioned rule set (thresholds, criteria), effective from a period on."""

    __tablename__ = "rule_sets"

    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    effective_from: Mapped[str] = mapped_column(String(8))
    rules: Mapped[dict] = mapped_column(JsonDoc)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AuditLog(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str | None] = mapped_column(String(120))
    detail: Mapped[dict] = mapped_column(JsonDoc, default=dict)
