"""``flask --app server recompute``: the workers' command, registered as a Flask CLI plugin.

The project declares it under the ``flask.commands`` entry points (``pyproject.toml``; the project
is installed editable by ``make install`` / ``pip install -r requirements.txt``), so Flask's
``flask`` command finds it beside the app's own commands while ``server`` never imports
``workers``. The heavy imports wait until the command runs: every ``flask`` call loads plugins.
"""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("recompute")
@with_appcontext
@click.option("--period", "period_label", default=None, help="Only the year of this period (2026 or 2026-Q3).")
@click.option("--processes", type=click.IntRange(min=1), default=None,
              help="Processes to use (default: every core on PostgreSQL, 1 on SQLite).")
def recompute_command(period_label: str | None, processes: int | None = None) -> None:
    """Recompute every score from the submissions, synchronously, and print what was done."""
    from domain.periods import Period
    from workers.recompute import recompute_everything

    try:
        period = None if period_label is None else Period.parse(period_label)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--period") from None
    for line in recompute_everything(period, processes=processes):
        click.echo(line)
