"""`flask --app server import-form FILE.xlsx`: publish an XLSForm as a SIKK form version."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from server.extensions import db


@click.command("import-form")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--role", "roles", multiple=True,
              type=click.Choice(("officer", "kiosk", "kelurahan_admin", "kecamatan_admin")),
              help="Who may fill the form (repeat for more); default: the sheet's sikk_roles, else officers.")
@with_appcontext
def import_form_command(file: str, roles: tuple[str, ...]) -> None:
    """Publish the XLSForm FILE: code = settings form_id, version = settings version.

    Prints one line naming code and version. Anything SIKK does not support is refused with the
    offending rows (non-zero exit status); nothing is stored then.
    """
    from server.xlsform.convert import XLSFormError
    from server.xlsform.publish import import_xlsform_file

    try:
        published = import_xlsform_file(file, roles=list(roles) or None)
    except XLSFormError as err:
        db.session.rollback()
        raise click.ClickException(f"{file} tidak diimpor:\n" + "\n".join(f"- {p}" for p in err.problems)) from None
    db.session.commit()
    click.echo(published.line())
