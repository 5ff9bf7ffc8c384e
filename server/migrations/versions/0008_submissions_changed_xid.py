"""submissions.changed_xid: the transaction that last wrote each row, so the scoring worker reads only what changed

PostgreSQL only. A BEFORE INSERT OR UPDATE trigger sets ``changed_xid`` to ``txid_current()`` (the
64-bit transaction id, never wrapping) on every row version, COPY included; an index on it lets
the worker ask "which rows did transactions from id W on write?" without visiting every row of a
kecamatan (``workers/row_cache.py``). Rows written before this revision keep NULL: they are
read by the worker's first full read, and any later write sets the column. Nothing else reads
the column; the web writes nothing new (the trigger does). SQLite: nothing (the worker always
reads in full there).

Revision ID: 0008
Revises: 0007
"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE submissions ADD COLUMN changed_xid bigint")
    op.execute("""
        CREATE FUNCTION submissions_set_changed_xid() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.changed_xid := txid_current();
            RETURN NEW;
        END $$""")
    op.execute("CREATE TRIGGER submissions_changed_xid BEFORE INSERT OR UPDATE ON submissions "
               "FOR EACH ROW EXECUTE FUNCTION submissions_set_changed_xid()")
    op.execute("CREATE INDEX ix_submissions_changed_xid ON submissions (changed_xid)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS submissions_changed_xid ON submissions")
    op.execute("DROP FUNCTION IF EXISTS submissions_set_changed_xid()")
    op.execute("DROP INDEX IF EXISTS ix_submissions_changed_xid")
    op.execute("ALTER TABLE submissions DROP COLUMN IF EXISTS changed_xid")
