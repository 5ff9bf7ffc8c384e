"""wilayah coordinates: an optional WGS84 centroid (lat, lon) for every kelurahan and RW

The admin's map draws these labelled centroids as its offline base layer. Nullable: a wilayah
imported without coordinates falls back to centroids derived from located inspections.

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('kelurahan', 'rw'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('lat', sa.Float(), nullable=True))
            batch.add_column(sa.Column('lon', sa.Float(), nullable=True))


def downgrade():
    for table in ('rw', 'kelurahan'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('lon')
            batch.drop_column('lat')
