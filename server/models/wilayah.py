"""The administrative hierarchy: kecamatan → kelurahan → RW."""
from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db


class Kecamatan(db.Model):
    __tablename__ = "kecamatan"

    id: Mapped[int] = mapped_column(primary_key=True)
    kode: Mapped[str | None] = mapped_column(String(16), unique=True)  # PP.KK.CC
    nama: Mapped[str] = mapped_column(String(120), unique=True)
    # Service population of the kecamatan office, for the IKM minimum sample.
    service_population: Mapped[int | None] = mapped_column(Integer)

    kelurahan: Mapped[list["Kelurahan"]] = relationship(
        back_populates="kecamatan", order_by="Kelurahan.kode"
    )


class Kelurahan(db.Model):
    __tablename__ = "kelurahan"

    id: Mapped[int] = mapped_column(primary_key=True)
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id"), index=True)
    kode: Mapped[str] = mapped_column(String(16), unique=True)  # PP.KK.CC.DDDD
    nama: Mapped[str] = mapped_column(String(120))
    service_population: Mapped[int | None] = mapped_column(Integer)
    # Approximate centroid (WGS84), the map's offline base layer; None: derived from inspections.
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)

    kecamatan: Mapped[Kecamatan] = relationship(back_populates="kelurahan")
    rw: Mapped[list["RW"]] = relationship(back_populates="kelurahan", order_by="RW.nomor")


class RW(db.Model):
    __tablename__ = "rw"
    __table_args__ = (UniqueConstraint("kelurahan_id", "nomor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kelurahan_id: Mapped[int] = mapped_column(ForeignKey("kelurahan.id"), index=True)
    nomor: Mapped[str] = mapped_column(String(8))  # "01", "02", …
    # Approximate centroid (WGS84), the map's offline base layer; None: derived from inspections.
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)

    kelurahan: Mapped[Kelurahan] = relationship(back_populates="rw")
