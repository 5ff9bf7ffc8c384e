"""What every admin page is about: the kecamatan, the kelurahan scope and the period picked."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, request
from sqlalchemy import select

from domain import clock
from domain.periods import Period
from server.admin.access import active_kecamatan, admin_scope, chosen_kelurahan_id, visible_kelurahan
from server.extensions import db
from server.models import Kecamatan, Kelurahan
from server.reports.performance import periods_with_data, sort_periods
from server.settings import settings

def current_year() -> int:
    """This year in the deployment's time zone."""
    return clock.today(settings().timezone).year


def valid_period(period: str) -> bool:
    """True for ``2026`` and ``2026-Q1`` … ``2026-Q4``, spelled exactly as stored."""
    return Period.from_label(period) is not None


@dataclass
class PageContext:
    """The kecamatan, the kelurahan (0 = whole kecamatan) and the period of a page."""

    kecamatan: Kecamatan
    kelurahan_id: int
    period: str
    kelurahan: list[Kelurahan]
    periods: list[str]
    whole_kecamatan: bool
    kecamatan_choices: list[Kecamatan] = field(default_factory=list)  # city-level admins pick one

    @property
    def kelurahan_nama(self) -> str | None:
        """The name of the kelurahan shown (None for the whole kecamatan)."""
        for kel in self.kelurahan:
            if kel.id == self.kelurahan_id:
                return kel.nama
        return None

    @property
    def visible_ids(self) -> set[int]:
        """The ids of the kelurahan the admin may see."""
        return {k.id for k in self.kelurahan}

    @property
    def year(self) -> int:
        """The year of the period (a quarter's year for a quarter)."""
        return Period.parse(self.period).year

    def args(self, **extra) -> dict:
        """Query-string arguments that keep this context on a link."""
        out: dict = {"period": self.period}
        if self.kelurahan_id:
            out["kelurahan_id"] = self.kelurahan_id
        if admin_scope().kecamatan_id is None:
            out["kecamatan_id"] = self.kecamatan.id
        out.update(extra)
        return out


def page_context() -> PageContext:
    """Read kecamatan, kelurahan and period from the query string, checked against the admin's scope."""
    kecamatan = active_kecamatan()
    scope = admin_scope()
    kelurahan_id = chosen_kelurahan_id(kecamatan.id)
    visible = visible_kelurahan(kecamatan.id)
    ids = None if scope.whole_kecamatan else {k.id for k in visible}
    periods = set(periods_with_data(kecamatan.id, ids))
    default = str(current_year())
    periods.add(default)
    period = request.args.get("period", default)
    if not valid_period(period):
        abort(400, "Periode tidak dikenal.")
    periods.add(period)
    choices = [] if scope.kecamatan_id is not None else list(
        db.session.scalars(select(Kecamatan).order_by(Kecamatan.nama)))
    return PageContext(kecamatan, kelurahan_id, period, visible, sort_periods(periods), scope.whole_kecamatan,
                       choices)
