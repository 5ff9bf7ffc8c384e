"""submissions: the five references every synced row carries checked once per statement (PostgreSQL)

A sync inserts up to 100 rows in one statement. A foreign key checks each row on its own: one
trigger event and one locking lookup per row and key, five keys per row (kecamatan, kelurahan,
RW, user, device token) — 42 % of PostgreSQL's CPU per batch of 100, measured. On PostgreSQL
those five keys are checked here once per statement instead, with the same guarantees:

- **Rows that refer** (INSERT or UPDATE on ``submissions``): every referenced row must exist; it is
  locked ``FOR KEY SHARE`` as a foreign key locks it (it cannot be deleted, nor its id changed,
  until the writing transaction ends; a row being deleted by another transaction is waited for)
  and counted: fewer locked than distinct ids named means one is missing, and the statement fails
  with the foreign key's own error (SQLSTATE 23503, constraint ``submissions_<column>_fkey``,
  "Key (…)=(…) is not present in table …"). Referenced rows are locked table by table in id
  order, so two batches never wait for each other in a circle.
- **Rows referred to** (DELETE, or a changed id, on the five tables): refused with the same error
  while a submission refers to the row. The check runs after the row is locked for the delete, on
  a fresh snapshot (READ COMMITTED), so it sees a submission committed meanwhile by a writer that
  held the row's key-share lock. A snapshot that cannot see such writers (REPEATABLE READ or
  SERIALIZABLE) could miss one, so there the delete is refused outright; SIKK never deletes these
  rows (users and tokens are deactivated or revoked, wilayah rows kept), only operators by hand.
  TRUNCATE of one of the five tables is refused while ``submissions`` holds rows (empty it first).

``reviewed_by`` (NULL when a row is inserted, set by one review at a time) keeps its foreign key,
and SQLite keeps all six (the models still declare them; ``PRAGMA foreign_keys=ON``). Alembic's
autogenerate would propose the five keys again on PostgreSQL: this migration is why.

Revision ID: 0011
Revises: 0010
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# (column of submissions, the table it refers to); the foreign keys were named submissions_<column>_fkey.
REFERENCES = (("kecamatan_id", "kecamatan"), ("kelurahan_id", "kelurahan"), ("rw_id", "rw"),
              ("user_id", "users"), ("device_token_id", "device_tokens"))


def _missing_raises(column: str, table: str) -> str:
    """The foreign key's own error for a written row that names a missing ``table`` row."""
    message = f"'insert or update on table \"submissions\" violates foreign key constraint \"submissions_{column}_fkey\"'"
    detail = f"format('Key ({column})=(%s) is not present in table \"{table}\".', missing)"
    return (f"RAISE EXCEPTION {message} USING ERRCODE = 'foreign_key_violation', TABLE = 'submissions', "
            f"CONSTRAINT = 'submissions_{column}_fkey', DETAIL = {detail};")


def _referring_check() -> str:
    """The statement trigger function of ``submissions``: lock and count what the written rows name."""
    wanted = ", ".join(f"count(DISTINCT {column})" for column, _ in REFERENCES)
    checks = "".join(f"""
  SELECT count(*) INTO locked FROM (SELECT 1 FROM {table} WHERE id IN (SELECT {column} FROM new_rows)
                                    ORDER BY id FOR KEY SHARE) AS referenced;
  IF locked < wanted[{number}] THEN
    SELECT n.{column} INTO missing FROM new_rows AS n
     WHERE n.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {table} WHERE {table}.id = n.{column}) LIMIT 1;
    {_missing_raises(column, table)}
  END IF;""" for number, (column, table) in enumerate(REFERENCES, start=1))
    return f"""CREATE FUNCTION submissions_references_exist() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  wanted bigint[];
  locked bigint;
  missing bigint;
BEGIN
  SELECT ARRAY[{wanted}] INTO wanted FROM new_rows;{checks}
  RETURN NULL;
END $fn$"""


# TG_ARGV[0]: the column of submissions that refers to the trigger's table.
_REFERRED_CHECK = """CREATE FUNCTION submissions_referred_row_kept() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  referring bigint;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'delete or re-key a row of "%" in a READ COMMITTED transaction (submissions may refer to it)',
      TG_TABLE_NAME USING ERRCODE = 'object_in_use';
  END IF;
  EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM submissions WHERE %I = $1 LIMIT 1) AS s', TG_ARGV[0])
    INTO referring USING OLD.id;
  IF referring > 0 THEN
    RAISE EXCEPTION 'update or delete on table "%" violates foreign key constraint "submissions_%_fkey" on table "submissions"',
      TG_TABLE_NAME, TG_ARGV[0]
      USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME, CONSTRAINT = 'submissions_' || TG_ARGV[0] || '_fkey',
            DETAIL = format('Key (id)=(%s) is still referenced from table "submissions".', OLD.id);
  END IF;
  RETURN NULL;
END $fn$"""

_TRUNCATE_CHECK = """CREATE FUNCTION submissions_referred_table_kept() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF EXISTS (SELECT 1 FROM submissions) THEN
    RAISE EXCEPTION 'cannot truncate table "%": submissions refer to it (empty submissions first)', TG_TABLE_NAME
      USING ERRCODE = 'feature_not_supported';
  END IF;
  RETURN NULL;
END $fn$"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_referring_check())
    op.execute(_REFERRED_CHECK)
    op.execute(_TRUNCATE_CHECK)
    for event in ("INSERT", "UPDATE"):
        op.execute(f"CREATE TRIGGER submissions_references_on_{event.lower()} AFTER {event} ON submissions "
                   "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION submissions_references_exist()")
    for column, table in REFERENCES:
        op.execute(f"ALTER TABLE submissions DROP CONSTRAINT submissions_{column}_fkey")
        op.execute(f"CREATE TRIGGER {table}_referred_on_delete AFTER DELETE ON {table} FOR EACH ROW "
                   f"EXECUTE FUNCTION submissions_referred_row_kept('{column}')")
        op.execute(f"CREATE TRIGGER {table}_referred_on_rekey AFTER UPDATE OF id ON {table} FOR EACH ROW "
                   f"WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION submissions_referred_row_kept('{column}')")
        op.execute(f"CREATE TRIGGER {table}_referred_on_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT "
                   "EXECUTE FUNCTION submissions_referred_table_kept()")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for column, table in REFERENCES:
        for event in ("delete", "rekey", "truncate"):
            op.execute(f"DROP TRIGGER {table}_referred_on_{event} ON {table}")
        op.execute(f"ALTER TABLE submissions ADD CONSTRAINT submissions_{column}_fkey "
                   f"FOREIGN KEY ({column}) REFERENCES {table} (id)")
    for event in ("insert", "update"):
        op.execute(f"DROP TRIGGER submissions_references_on_{event} ON submissions")
    for function in ("submissions_references_exist", "submissions_referred_row_kept", "submissions_referred_table_kept"):
        op.execute(f"DROP FUNCTION {function}()")
