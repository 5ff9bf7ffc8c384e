import pytest

from server.extensions import db
from tests.xlsform.helpers import drop_imported_forms


@pytest.fixture(autouse=True)
def _no_imported_forms_left(app):
    """Imported versions live in the catalogue table, which the app fixture keeps: drop them."""
    yield
    with app.app_context():
        db.session.rollback()
        drop_imported_forms()
