"""submissions: a lean insert — changed_xid by column default, ref/supersedes indexed only where set

Every sync inserts up to 100 submissions in one statement, and PostgreSQL's work per row is what
bounds the batch rate, so two things that cost per row and bought nothing change here:

- ``changed_xid`` (the transaction that last wrote the row, read by the scoring worker) gets the
  column default ``txid_current()``, and the trigger that also sets it now fires only when the
  row does not carry the current transaction's id already (``WHEN`` is checked without calling
  the function): an INSERT that leaves the column to its default calls no function at all, while
  an UPDATE, or an INSERT or COPY that names the column, is still stamped by the trigger — the
  column keeps meaning "the last writer" whatever the statement.
- ``ref`` and ``supersedes`` are NULL on most rows (only follow-ups refer, only corrections
  replace), so their indexes hold the set values only (partial indexes). Every query that uses
  them asks ``ref IN (…)``/``supersedes IN (…)``, which implies IS NOT NULL on both databases.

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_PARTIAL = ("ref", "supersedes")


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("ALTER TABLE submissions ALTER COLUMN changed_xid SET DEFAULT txid_current()")
        op.execute("DROP TRIGGER submissions_changed_xid ON submissions")
        op.execute("CREATE TRIGGER submissions_changed_xid BEFORE INSERT OR UPDATE ON submissions FOR EACH ROW "
                   "WHEN (NEW.changed_xid IS DISTINCT FROM txid_current()) "
                   "EXECUTE FUNCTION submissions_set_changed_xid()")
    for column in _PARTIAL:
        op.drop_index(f"ix_submissions_{column}", table_name="submissions")
        op.create_index(f"ix_submissions_{column}", "submissions", [column],
                        postgresql_where=sa.text(f"{column} IS NOT NULL"),
                        sqlite_where=sa.text(f"{column} IS NOT NULL"))


def downgrade():
    for column in _PARTIAL:
        op.drop_index(f"ix_submissions_{column}", table_name="submissions")
        op.create_index(f"ix_submissions_{column}", "submissions", [column])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER submissions_changed_xid ON submissions")
        op.execute("CREATE TRIGGER submissions_changed_xid BEFORE INSERT OR UPDATE ON submissions "
                   "FOR EACH ROW EXECUTE FUNCTION submissions_set_changed_xid()")
        op.execute("ALTER TABLE submissions ALTER COLUMN changed_xid DROP DEFAULT")
