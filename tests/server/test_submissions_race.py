"""Identical batches sent at the same moment: every item stored once, the losers get `duplicate`.

Each thread is its own request with its own app context, session and database connection, so on
PostgreSQL the INSERTs really race (the loser waits on the primary key, then does nothing).
"""
from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import func, select

from server.extensions import db
from server.models import Submission
from tests.factories import auth, make_user, make_wilayah
from tests.server.test_submissions import inspeksi

THREADS = 4
ROUNDS = 3


def test_identical_batches_racing(app):
    with app.app_context():
        w = make_wilayah()
        rw_id = w.rw[w.kelurahan[0].id][0].id
        _, token = make_user("petugas", "officer", w.kecamatan)
    total = 0
    for _ in range(ROUNDS):
        batch = [inspeksi(rw_id) for _ in range(50)]
        total += len(batch)
        barrier = threading.Barrier(THREADS)
        answers: list = [None] * THREADS

        def send(n: int) -> None:
            client = app.test_client()
            mine = batch if n % 2 == 0 else batch[::-1]  # other orders too: no deadlock either
            barrier.wait()
            resp = client.post("/api/v1/submissions", json={"submissions": mine}, headers=auth(token))
            body = resp.get_json()
            assert [r["id"] for r in body["results"]] == [i["id"] for i in mine]  # input order
            answers[n] = (resp.status_code, {r["id"]: r["status"] for r in body["results"]})

        threads = [threading.Thread(target=send, args=(n,)) for n in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(status == 200 for status, _ in answers), answers
        for item in batch:
            statuses = Counter(by_id[item["id"]] for _, by_id in answers)
            assert statuses == {"created": 1, "duplicate": THREADS - 1}, (item["id"], statuses)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == total
