"""What each pytest-xdist worker keeps to itself when `make test` runs the suite in parallel.

Most of the isolation is already per test process: every session makes its own PostgreSQL
databases (random names), SQLite files under its own tmp_path, and free ports. What is not is the
shared Redis: the tests use its databases 10–13 by number (10 for the app's kicks, 11–13 for the
Celery tests). Two workers using the same number would flush and read each other's queues, so each
worker shifts the numbers down by four: the first worker (and a plain run without xdist) uses
10–13 as written, the second 6–9, the third 2–5. Databases 0 and 1 stay the developer's own.
"""
from __future__ import annotations

import os

FIRST_TEST_DB = 10  # the lowest database number a test names
TEST_DBS = 4  # 10, 11, 12, 13


def worker_index() -> int:
    """0 for xdist's first worker ("gw0") and for a run without xdist; n for "gw<n>"."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker[2:]) if worker.startswith("gw") else 0


def redis_db(number: int) -> int:
    """The Redis database this worker uses for the test database numbered ``number`` (10–13)."""
    assert FIRST_TEST_DB <= number < FIRST_TEST_DB + TEST_DBS, f"tests use Redis databases 10–13, not {number}"
    shifted = number - TEST_DBS * worker_index()
    assert shifted >= 2, "at most three xdist workers share one Redis (its databases 2–13); use -n 3 or fewer"
    return shifted


# Modules that take a minute or more of a run (measured: `pytest --durations`), longest first.
# Under xdist (`make test`: --dist loadscope, whole modules per worker) they are handed out first,
# so the two workers end together instead of one starting the drills while the other is idle.
LONG_MODULES = (
    "tests/hardening/test_drills.py",
    "tests/server/test_demo.py",
    "tests/hardening/test_hostile_params.py",
    "tests/e2e/test_field_app.py",
    "tests/e2e/test_review_loop.py",
    "tests/e2e/test_xform_enketo.py",
    "tests/hardening/test_schemathesis.py",
    "tests/server/test_platform.py",
    "tests/invariant/test_life_of_a_record.py",
    "tests/hardening/test_web_security.py",
    "tests/integration/test_celery_worker.py",
    "tests/hardening/test_csp_browser.py",
    "tests/integration/test_poisoned_pipeline.py",
)


def long_modules_first(items: list) -> None:
    """Reorder ``items`` in place: the LONG_MODULES' tests first (in that order), every other test
    after them; within a module the order stays as collected."""
    rank = {path: n for n, path in enumerate(LONG_MODULES)}

    def key(indexed: tuple[int, object]) -> tuple[int, int]:
        index, item = indexed
        return rank.get(item.nodeid.split("::", 1)[0], len(rank)), index

    items[:] = [item for _, item in sorted(enumerate(items), key=key)]
