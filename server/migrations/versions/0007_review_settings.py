"""review settings: per kecamatan and form, whether new records wait for review

Revision ID: 0007
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'review_settings',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('kecamatan_id', sa.Integer(), sa.ForeignKey('kecamatan.id'), nullable=False),
        sa.Column('form_code', sa.String(40), nullable=False),
        sa.Column('wait_for_review', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.UniqueConstraint('kecamatan_id', 'form_code', name='uq_review_settings_kecamatan_form'),
    )
    with op.batch_alter_table('review_settings') as batch:
        batch.create_index('ix_review_settings_kecamatan_id', ['kecamatan_id'])
    with op.batch_alter_table('submissions') as batch:
        batch.create_index('ix_submissions_reviewed', ['user_id', 'reviewed_at'])


def downgrade():
    with op.batch_alter_table('submissions') as batch:
        batch.drop_index('ix_submissions_reviewed')
    op.drop_table('review_settings')
