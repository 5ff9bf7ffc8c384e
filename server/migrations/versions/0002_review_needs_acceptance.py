"""review: needs_acceptance (a form that waits for review counts its records only once accepted)

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('submissions') as batch:
        batch.add_column(sa.Column('needs_acceptance', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('submissions') as batch:
        batch.drop_column('needs_acceptance')
