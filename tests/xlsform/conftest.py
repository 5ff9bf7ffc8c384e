"""Every test here may import XLSForms: the versions it imported are dropped afterwards."""
from tests.xlsform.helpers import _no_imported_forms_left  # noqa: F401  (an autouse fixture)
