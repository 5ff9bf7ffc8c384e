"""scoring_set_aside: (kecamatan, year) pairs whose recompute failed repeatedly, with the error

Revision ID: 0006
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scoring_set_aside',
        sa.Column('kecamatan_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False, server_default='1'),
        sa.Column('failed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('kecamatan_id', 'year'),
    )
    with op.batch_alter_table('score_outbox') as batch:
        batch.create_index('ix_score_outbox_pair', ['kecamatan_id', 'year'])


def downgrade():
    with op.batch_alter_table('score_outbox') as batch:
        batch.drop_index('ix_score_outbox_pair')
    op.drop_table('scoring_set_aside')
