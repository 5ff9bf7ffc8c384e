"""The operator's commands: release, import-wilayah, create-user, set-target, revoke-tokens."""
from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from server.extensions import db
from server.models import RW, AuditLog, DeviceToken, FormDefinition, Kecamatan, Kelurahan, ScoreOutbox, Target, User, UserScope
from server.security import check_password
from tests.factories import auth, make_user, make_wilayah

SHARED_CSV = Path(__file__).resolve().parents[2] / "server" / "data" / "kota-bandung-kelurahan.csv"


def _counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Kecamatan, Kelurahan, RW))


def _write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


# -- release ------------------------------------------------------------------------------------------

def test_release_is_idempotent(app, runner):
    for _ in range(2):
        result = runner.invoke(args=["release"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FormDefinition).where(
            FormDefinition.code == "skm")) == 1


# -- import-wilayah -----------------------------------------------------------------------------------

def test_import_csv_is_idempotent(app, runner, tmp_path):
    path = tmp_path / "wilayah.csv"
    path.write_text("kecamatan,kode_kelurahan,kelurahan,rw\n"
                    "Coblong,32.73.02.1001,Cipaganti,1\n"
                    "Coblong,32.73.02.1001,Cipaganti,02\n"
                    "Coblong,32.73.02.1004,Dago,RW 01\n", encoding="utf-8")
    first = runner.invoke(args=["import-wilayah", str(path)])
    assert first.exit_code == 0, first.output
    assert "2 kelurahan" in first.output and "3 RW created" in first.output
    assert _counts(app) == (1, 2, 3)
    second = runner.invoke(args=["import-wilayah", str(path)])
    assert second.exit_code == 0, second.output
    assert "0 kecamatan, 0 kelurahan, 0 RW created; 0 kelurahan renamed" in second.output
    assert _counts(app) == (1, 2, 3)
    with app.app_context():
        kec = db.session.scalar(select(Kecamatan))
        assert (kec.kode, kec.nama) == ("32.73.02", "Coblong")
        dago = db.session.scalar(select(Kelurahan).where(Kelurahan.kode == "32.73.02.1004"))
        assert [r.nomor for r in dago.rw] == ["01"]


def test_import_xlsx_is_idempotent(app, runner, tmp_path):
    path = _write_xlsx(tmp_path / "wilayah.xlsx", [
        ["Kecamatan", "Kode Kelurahan", "Kelurahan", "RW"],
        ["Coblong", "32.73.02.1001", "Cipaganti", 1],
        ["Coblong", "32.73.02.1001", "Cipaganti", 2.0],
        [None, None, None, None],
        ["Coblong", "3273021002", " Lebak  Gede ", "rw.10"],
    ])
    for _ in range(2):
        result = runner.invoke(args=["import-wilayah", str(path)])
        assert result.exit_code == 0, result.output
        assert _counts(app) == (1, 2, 3)
    with app.app_context():
        lebak = db.session.scalar(select(Kelurahan).where(Kelurahan.kode == "32.73.02.1002"))
        assert lebak.nama == "Lebak Gede"
        assert [r.nomor for r in lebak.rw] == ["10"]


def test_import_tolerates_bom_semicolons_and_whitespace(app, runner, tmp_path):
    path = tmp_path / "excel-export.csv"
    text = ("\ufeffKECAMATAN ; Kode_Kelurahan ; Kelurahan ; RW\r\n"
            " Coblong ; 32.73.02.1005 ; Sekeloa ; 001 \r\n"
            "\r\n"
            "Coblong;32.73.02.1005;Sekeloa;RW 02\r\n")
    path.write_bytes(text.encode("utf-8"))
    result = runner.invoke(args=["import-wilayah", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        kel = db.session.scalar(select(Kelurahan))
        assert (kel.kode, kel.nama, [r.nomor for r in kel.rw]) == ("32.73.02.1005", "Sekeloa", ["01", "02"])


def test_import_accepts_codes_without_dots(app, runner, tmp_path):
    path = _write_xlsx(tmp_path / "angka.xlsx", [
        ["kode_kecamatan", "kecamatan", "kode_kelurahan", "kelurahan", "rw"],
        [327302, "Coblong", 3273021004, "Dago", 3],
    ])
    result = runner.invoke(args=["import-wilayah", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        kel = db.session.scalar(select(Kelurahan))
        assert (kel.kode, kel.kecamatan.kode, [r.nomor for r in kel.rw]) == ("32.73.02.1004", "32.73.02", ["03"])


def test_import_skips_title_rows_above_the_header(app, runner, tmp_path):
    path = _write_xlsx(tmp_path / "judul.xlsx", [
        ["DAFTAR RW KECAMATAN COBLONG"], [None], ["Per 1 Januari 2026"],
        ["kecamatan", "kode_kelurahan", "kelurahan", "rw"],
        ["Coblong", "32.73.02.1004", "Dago", "01"],
    ])
    result = runner.invoke(args=["import-wilayah", str(path)])
    assert result.exit_code == 0, result.output
    assert _counts(app) == (1, 1, 1)


def test_import_of_the_shared_code_list_without_rw(app, runner):
    result = runner.invoke(args=["import-wilayah", str(SHARED_CSV)])
    assert result.exit_code == 0, result.output
    assert _counts(app) == (30, 151, 0)
    again = runner.invoke(args=["import-wilayah", str(SHARED_CSV)])
    assert again.exit_code == 0 and _counts(app) == (30, 151, 0)
    with app.app_context():
        coblong = db.session.scalar(select(Kecamatan).where(Kecamatan.nama == "Coblong"))
        assert coblong.kode == "32.73.02" and len(coblong.kelurahan) == 6


def test_import_renames_a_kelurahan_and_adds_rw(app, runner, tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("kecamatan,kode_kelurahan,kelurahan,rw\nCoblong,32.73.02.1001,Cipaganti Lama,1\n")
    assert runner.invoke(args=["import-wilayah", str(path)]).exit_code == 0
    path.write_text("kecamatan,kode_kelurahan,kelurahan,rw\nCoblong,32.73.02.1001,Cipaganti,1\n"
                    "Coblong,32.73.02.1001,Cipaganti,2\n")
    result = runner.invoke(args=["import-wilayah", str(path)])
    assert "1 RW created; 1 kelurahan renamed" in result.output
    assert _counts(app) == (1, 1, 2)


@pytest.mark.parametrize("content, message", [
    ("kecamatan,kelurahan,rw\nCoblong,Dago,1\n", "missing column(s) kode_kelurahan"),
    ("kecamatan,kode_kelurahan,kelurahan,rw\nCoblong,32.73.02.100,Dago,1\n", "row 2: kode_kelurahan '32.73.02.100'"),
    ("kecamatan,kode_kelurahan,kelurahan,rw\nCoblong,32.73.02.1004,Dago,1\nCoblong,32.73.02.1004,Dago,RW x\n",
     "row 3: rw 'RW x'"),
    ("kecamatan,kode_kelurahan,kelurahan,rw\nCoblong,32.73.02.1004,Dago,0\n", "row 2: rw '0'"),
    ("kecamatan,kode_kelurahan,kelurahan,rw\n,32.73.02.1004,Dago,1\n", "row 2: kecamatan is empty"),
    ("kecamatan,kode_kelurahan,kelurahan,rw\nCoblong,32.73.02.1004,Dago,1\nCoblong,32.73.02.1004,Sekeloa,2\n",
     "row 3: 32.73.02.1004 is 'Sekeloa'"),
    ("kode_kecamatan,kecamatan,kode_kelurahan,kelurahan\n32.73.01,Coblong,32.73.02.1004,Dago\n",
     "row 2: kode_kecamatan '32.73.01' does not match"),
    ("", "empty"),
    ("kecamatan,kode_kelurahan,kelurahan,rw\nCoblong,32.73.02.1004,Da\x00go,1\n", "row 2: contains a control character"),
    ("kecamatan,kode_kelurahan,kelurahan,rw\nCoblong,32.73.02.1004,\"" + "x" * 200_000 + "\",1\n",
     "not readable as CSV"),
    ("Daftar RW\n\nSumber: kecamatan\n" + "a,b\n" * 5, "row 1: missing column(s) kecamatan"),
])
def test_bad_files_fail_with_row_numbers_and_import_nothing(app, runner, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["import-wilayah", str(path)])
    assert result.exit_code != 0
    assert message in result.output, result.output
    assert "Traceback" not in result.output
    assert _counts(app) == (0, 0, 0)


def test_bad_xlsx_and_binary_files(app, runner, tmp_path):
    fake = tmp_path / "broken.xlsx"
    fake.write_bytes(b"PK\x03\x04 this is not a workbook")
    result = runner.invoke(args=["import-wilayah", str(fake)])
    assert result.exit_code != 0 and "XLSX" in result.output
    named = tmp_path / "named.xlsx"
    named.write_text("kecamatan,kode_kelurahan,kelurahan\n")
    assert runner.invoke(args=["import-wilayah", str(named)]).exit_code != 0
    xlsx = _write_xlsx(tmp_path / "bad.xlsx", [["kecamatan", "kode_kelurahan", "kelurahan", "rw"],
                                               ["Coblong", "32.73.02.1004", "Dago", "satu"]])
    result = runner.invoke(args=["import-wilayah", str(xlsx)])
    assert result.exit_code != 0 and "row 2: rw 'satu'" in result.output
    assert runner.invoke(args=["import-wilayah", str(tmp_path / "missing.csv")]).exit_code != 0
    assert _counts(app) == (0, 0, 0)


def test_import_refuses_a_kelurahan_moving_kecamatan(app, runner, tmp_path):
    with app.app_context():
        make_wilayah(nama="Coblong", kode="32.73.02", kelurahan=1, rw=0)
        make_wilayah(nama="Sukasari", kode="32.73.01", kelurahan=0, rw=0)
        db.session.commit()
    path = tmp_path / "w.csv"
    path.write_text("kecamatan,kode_kelurahan,kelurahan,rw\nSukasari,32.73.02.1001,Cipaganti,1\n")
    result = runner.invoke(args=["import-wilayah", str(path)])
    assert result.exit_code != 0
    assert "row 2: kecamatan 32.73.02 is 'Coblong', not 'Sukasari'" in result.output
    assert _counts(app) == (2, 1, 0)


# -- create-user ---------------------------------------------------------------------------------------

@pytest.fixture
def coblong(app):
    with app.app_context():
        w = make_wilayah(kelurahan=2, rw=1)
        db.session.commit()
        return {"kec": w.kecamatan.id, "kel": [k.id for k in w.kelurahan], "kode": [k.kode for k in w.kelurahan]}


def _user(app, username: str) -> tuple[User, set[int]]:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        scope = set(db.session.scalars(select(UserScope.kelurahan_id).where(UserScope.user_id == user.id)))
        db.session.expunge(user)
        return user, scope


def test_create_user_whole_kecamatan_then_login(app, runner, client, coblong):
    result = runner.invoke(args=["create-user", "camat", "--role", "kecamatan_admin", "--password", "rahasia1",
                                 "--name", "Ibu Camat"])
    assert result.exit_code == 0, result.output
    user, scope = _user(app, "camat")
    assert (user.role, user.kecamatan_id, user.name, scope) == ("kecamatan_admin", coblong["kec"], "Ibu Camat", set())
    login = client.post("/api/v1/auth/token", json={"username": "camat", "password": "rahasia1"})
    assert login.status_code == 201
    boot = client.get("/api/v1/bootstrap", headers=auth(login.json["token"])).json
    assert len(boot["kelurahan"]) == 2


def test_create_user_with_scope_and_rerun_updates(app, runner, coblong):
    args = ["create-user", "petugas", "--role", "officer", "--password", "rahasia1", "--scope", coblong["kode"][0]]
    assert runner.invoke(args=args).exit_code == 0
    assert _user(app, "petugas")[1] == {coblong["kel"][0]}
    again = runner.invoke(args=args)
    assert again.exit_code == 0 and "Updated" in again.output
    assert _user(app, "petugas")[1] == {coblong["kel"][0]}
    moved = runner.invoke(args=["create-user", "petugas", "--role", "kelurahan_admin", "--scope", coblong["kode"][1],
                                "--scope", coblong["kode"][0].replace(".", ""), "--password", "baru-lagi"])
    assert moved.exit_code == 0, moved.output
    user, scope = _user(app, "petugas")
    assert user.role == "kelurahan_admin" and scope == set(coblong["kel"])
    with app.app_context():
        actions = db.session.scalars(select(AuditLog.action).where(AuditLog.target == f"user:{user.id}")
                                     .order_by(AuditLog.id)).all()
    assert actions == ["user.create", "user.update", "user.update"]
    with app.app_context():
        assert check_password(db.session.get(User, user.id), "baru-lagi")
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_create_user_kecamatan_option_and_errors(app, runner, coblong):
    with app.app_context():
        make_wilayah(nama="Sukasari", kode="32.73.01", kelurahan=1, rw=0)
        db.session.commit()
    city = runner.invoke(args=["create-user", "walikota", "--role", "kecamatan_admin", "--password", "rahasia1"])
    assert city.exit_code == 0 and "every kecamatan" in city.output
    assert _user(app, "walikota")[0].kecamatan_id is None
    by_name = runner.invoke(args=["create-user", "camat", "--role", "kecamatan_admin", "--password", "rahasia1",
                                  "--kecamatan", "sukasari"])
    assert by_name.exit_code == 0, by_name.output
    by_code = runner.invoke(args=["create-user", "camat2", "--role", "kecamatan_admin", "--password", "rahasia1",
                                  "--kecamatan", "32.73.02"])
    assert by_code.exit_code == 0
    assert _user(app, "camat2")[0].kecamatan_id == coblong["kec"]
    for args, message in [
        (["create-user", "x", "--role", "officer", "--password", "rahasia1", "--scope", "32.73.02.9999"],
         "no kelurahan"),
        (["create-user", "x", "--role", "officer", "--password", "rahasia1", "--scope", coblong["kode"][0],
          "--kecamatan", "Sukasari"], "not in kecamatan"),
        (["create-user", "x", "--role", "officer", "--password", "rahasia1", "--scope", coblong["kode"][0],
          "--scope", "32.73.01.1001"], "not in kecamatan"),
        (["create-user", "x", "--role", "officer", "--password", "123", "--kecamatan", "Coblong"], "at least"),
        (["create-user", "x", "--role", "officer", "--kecamatan", "Coblong"], "--password is required"),
        (["create-user", "x", "--role", "boss", "--password", "rahasia1"], "Invalid value for '--role'"),
        (["create-user", "a b", "--role", "officer", "--password", "rahasia1", "--kecamatan", "Coblong"], "USERNAME"),
        (["create-user", "x", "--role", "officer", "--password", "rahasia1", "--kecamatan", "Atlantis"],
         "No kecamatan"),
    ]:
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "x")) == 0


def test_a_kecamatan_admin_with_scope_is_limited_to_it(app, runner, client, coblong):
    result = runner.invoke(args=["create-user", "kasi", "--role", "kecamatan_admin", "--password", "rahasia1",
                                 "--scope", coblong["kode"][1]])
    assert result.exit_code == 0, result.output
    token = client.post("/api/v1/auth/token", json={"username": "kasi", "password": "rahasia1"}).json["token"]
    boot = client.get("/api/v1/bootstrap", headers=auth(token)).json
    assert [k["id"] for k in boot["kelurahan"]] == [coblong["kel"][1]]


def test_create_user_needs_wilayah(app, runner):
    result = runner.invoke(args=["create-user", "camat", "--role", "kecamatan_admin", "--password", "rahasia1"])
    assert result.exit_code != 0 and "import-wilayah" in result.output


# -- set-target ----------------------------------------------------------------------------------------

def test_set_target_upserts_and_marks_the_year_stale(app, runner, coblong):
    assert runner.invoke(args=["set-target", "IKU1", "2026", "80"]).exit_code == 0
    assert runner.invoke(args=["set-target", "iku1", "2026", "82.5"]).exit_code == 0
    same = runner.invoke(args=["set-target", "IKU1", "2026", "82.5"])
    assert same.exit_code == 0 and "already" in same.output
    own = runner.invoke(args=["set-target", "IKU2", "2026", "90", "--kecamatan", "Coblong"])
    assert own.exit_code == 0, own.output
    wide = runner.invoke(args=["set-target", "IKU2", "2026", "88"])
    assert "Kecamatan Coblong keeps its own target 90" in wide.output
    with app.app_context():
        targets = db.session.execute(select(Target.code, Target.year, Target.kecamatan_id, Target.value)
                                     .order_by(Target.code)).tuples().all()
        assert sorted(targets) == [("IKU1", 2026, 0, 82.5), ("IKU2", 2026, 0, 88.0), ("IKU2", 2026, coblong["kec"], 90.0)]
        stale = set(db.session.execute(select(ScoreOutbox.kecamatan_id, ScoreOutbox.year)).tuples())
        assert stale == {(coblong["kec"], 2026)}
        changes = db.session.execute(select(AuditLog.action, AuditLog.target, AuditLog.detail)
                                     .where(AuditLog.action == "target.set").order_by(AuditLog.id)).all()
        assert [(a, t, d["value"], d["previous"], d["via"]) for a, t, d in changes] == [
            ("target.set", "target:IKU1:2026:0", 80.0, None, "cli"),
            ("target.set", "target:IKU1:2026:0", 82.5, 80.0, "cli"),
            ("target.set", f"target:IKU2:2026:{coblong['kec']}", 90.0, None, "cli"),
            ("target.set", "target:IKU2:2026:0", 88.0, None, "cli"),
        ]


@pytest.mark.parametrize("args, message", [
    (["set-target", "IKU7", "2026", "80"], "IKU_CODE"),
    (["set-target", "IKU1", "1999", "80"], "YEAR"),
    (["set-target", "IKU1", "2026", "101"], "VALUE"),
    (["set-target", "IKU1", "2026", "-1"], "VALUE"),
    (["set-target", "IKU1", "2026", "delapan"], "VALUE"),
    (["set-target", "IKU1", "2026", "80", "--kecamatan", "Atlantis"], "No kecamatan"),
])
def test_set_target_rejects_bad_arguments(app, runner, coblong, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Target)) == 0


# -- revoke-tokens -------------------------------------------------------------------------------------

def test_revoke_tokens_locks_out_every_device(app, runner, client, coblong):
    with app.app_context():
        kec = db.session.get(Kecamatan, coblong["kec"])
        _, first = make_user("petugas", "officer", kec)
        second = client.post("/api/v1/auth/token", json={"username": "petugas", "password": "rahasia123"}).json["token"]
        _, other = make_user("lurah", "kelurahan_admin", kec)
    assert client.get("/api/v1/auth/me", headers=auth(first)).status_code == 200
    result = runner.invoke(args=["revoke-tokens", "petugas"])
    assert result.exit_code == 0 and "Revoked 2 token(s)" in result.output
    assert client.get("/api/v1/auth/me", headers=auth(first)).status_code == 401
    assert client.get("/api/v1/auth/me", headers=auth(second)).status_code == 401
    assert client.get("/api/v1/auth/me", headers=auth(other)).status_code == 200
    again = runner.invoke(args=["revoke-tokens", "petugas"])
    assert again.exit_code == 0 and "Revoked 0 token(s)" in again.output
    # Logging in again works: revoking tokens is not disabling the account.
    assert client.post("/api/v1/auth/token", json={"username": "petugas", "password": "rahasia123"}).status_code == 201
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DeviceToken)
                                 .where(DeviceToken.revoked_at.is_(None))) == 2


def test_revoke_tokens_unknown_user(runner):
    result = runner.invoke(args=["revoke-tokens", "hantu"])
    assert result.exit_code != 0 and "No user" in result.output


def test_seed_demo_without_the_recompute_plugin_says_so(capsys):
    """`seed-demo` finds `recompute` by name (server never imports workers); absent, it says what to run."""
    import click

    from server.cli import _invoke_by_name

    with click.Context(click.Group("flask")) as ctx:
        _invoke_by_name(ctx, "recompute")
    assert "flask --app server recompute" in capsys.readouterr().out
