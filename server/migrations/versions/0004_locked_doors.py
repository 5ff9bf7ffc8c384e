"""locked doors: photo links and uploaders, session anchors, login failures

Revision ID: 0004
Revises: 0006

Existing rows: every stored submission is linked to the photos named by the photo fields of its
form definition; the recorded uploader of each photo becomes its first uploader row (a photo with
no recorded uploader goes to the sender of the earliest submission naming it, so legacy data stays
visible to the admins who could see it before).
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'attachment_links',
        sa.Column('submission_id', sa.Uuid(), sa.ForeignKey('submissions.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('sha256', sa.String(64), primary_key=True),
        sa.Column('field_key', sa.String(80), primary_key=True),
    )
    op.create_index('ix_attachment_links_sha256', 'attachment_links', ['sha256'])
    op.create_table(
        'attachment_uploads',
        sa.Column('sha256', sa.String(64), sa.ForeignKey('attachments.sha256', ondelete='CASCADE'), primary_key=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('at', sa.DateTime(timezone=True)),
    )
    op.create_index('ix_attachment_uploads_user_id', 'attachment_uploads', ['user_id'])
    op.create_table(
        'login_failures',
        sa.Column('key', sa.String(200), primary_key=True),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('device_tokens') as batch:
        batch.add_column(sa.Column('anchor', sa.String(64), nullable=True))
    _fill_existing()


def _fill_existing():
    """Link the stored submissions to the photos of their photo fields; record known uploaders."""
    import json

    bind = op.get_bind()
    meta = sa.MetaData()
    forms = sa.Table('form_definitions', meta, autoload_with=bind)
    subs = sa.Table('submissions', meta, autoload_with=bind)
    atts = sa.Table('attachments', meta, autoload_with=bind)
    links = sa.Table('attachment_links', meta, autoload_with=bind)
    uploads = sa.Table('attachment_uploads', meta, autoload_with=bind)

    photo_keys = {}
    for row in bind.execute(sa.select(forms)).mappings():
        definition = row.get('definition')
        if isinstance(definition, str):
            definition = json.loads(definition)
        keys = [f['key'] for f in (definition or {}).get('fields', []) if f.get('type') == 'photo']
        if keys:
            photo_keys[(row['code'], row['version'])] = keys
    if not photo_keys:
        return
    first_sender = {}
    batch = []
    stmt = (sa.select(subs.c.id, subs.c.form_code, subs.c.form_version, subs.c.data, subs.c.user_id)
            .where(subs.c.form_code.in_({code for code, _ in photo_keys}))
            .order_by(subs.c.received_at, subs.c.id))
    for sid, code, version, data, user_id in bind.execute(stmt):
        if isinstance(data, str):
            data = json.loads(data)
        seen = set()
        for key in photo_keys.get((code, version), ()):
            value = (data or {}).get(key)
            for sha in value if isinstance(value, list) else ():
                if isinstance(sha, str) and len(sha) == 64 and (sha, key) not in seen:
                    seen.add((sha, key))
                    batch.append({'submission_id': sid, 'sha256': sha, 'field_key': key})
                    if user_id is not None:
                        first_sender.setdefault(sha, user_id)
        if len(batch) >= 1000:
            bind.execute(links.insert(), batch)
            batch = []
    if batch:
        bind.execute(links.insert(), batch)
    rows = []
    for sha, uploaded_by in bind.execute(sa.select(atts.c.sha256, atts.c.uploaded_by)):
        owner = uploaded_by if uploaded_by is not None else first_sender.get(sha)
        if owner is not None:
            rows.append({'sha256': sha, 'user_id': owner})
    for start in range(0, len(rows), 1000):
        bind.execute(uploads.insert(), rows[start:start + 1000])


def downgrade():
    with op.batch_alter_table('device_tokens') as batch:
        batch.drop_column('anchor')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('session_version')
    op.drop_table('login_failures')
    op.drop_index('ix_attachment_uploads_user_id', 'attachment_uploads')
    op.drop_table('attachment_uploads')
    op.drop_index('ix_attachment_links_sha256', 'attachment_links')
    op.drop_table('attachment_links')
