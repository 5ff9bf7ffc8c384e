"""service_type_versions: SOP durations and sections of service types, versioned by effective-from date

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'service_type_versions',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('code', sa.String(40), nullable=False),
        sa.Column('effective_from', sa.Date(), nullable=False),
        sa.Column('name', sa.String(160), nullable=False),
        sa.Column('group', sa.String(20), nullable=False),
        sa.Column('section', sa.String(80), nullable=False),
        sa.Column('sop_value', sa.Integer(), nullable=False),
        sa.Column('sop_unit', sa.String(20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table('service_type_versions') as batch:
        batch.create_index('ix_service_type_versions_code', ['code'])
    # Every existing service type becomes its first version, in force since the start of the window.
    op.execute(
        "INSERT INTO service_type_versions (code, effective_from, name, \"group\", section, sop_value, sop_unit, "
        "created_at) SELECT code, DATE '2000-01-01', name, \"group\", section, sop_value, sop_unit, CURRENT_TIMESTAMP "
        "FROM service_types"
        if op.get_bind().dialect.name == "postgresql" else
        "INSERT INTO service_type_versions (code, effective_from, name, \"group\", section, sop_value, sop_unit, "
        "created_at) SELECT code, '2000-01-01', name, \"group\", section, sop_value, sop_unit, CURRENT_TIMESTAMP "
        "FROM service_types"
    )


def downgrade():
    with op.batch_alter_table('service_type_versions') as batch:
        batch.drop_index('ix_service_type_versions_code')
    op.drop_table('service_type_versions')
