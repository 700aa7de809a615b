"""Audit chain keyed and placed at commit: key_id per event; seq and hashes empty until commit.

``key_id`` names the audit key whose HMAC an event's ``hash`` is; existing rows keep NULL
(plain SHA-256) and count only once a keyed event follows them (``flask audit anchor``
seals every such chain).  ``seq``, ``prev_hash`` and ``hash`` become nullable because an
event takes its place in its chain when its transaction commits.

Downgrade restores NOT NULL (it fails if a row without a place exists); the previous
verifier cannot check keyed events, so run it only together with the previous code.

Revision ID: a7d1c3e9f042
Revises: 2a23a79b6877
Create Date: 2026-12-01 22:23:23.220285

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d1c3e9f042'
down_revision = '2a23a79b6877'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_id', sa.String(length=40), nullable=True))
        batch_op.alter_column('seq', existing_type=sa.INTEGER(), nullable=True)
        batch_op.alter_column('prev_hash', existing_type=sa.VARCHAR(length=64), nullable=True)
        batch_op.alter_column('hash', existing_type=sa.VARCHAR(length=64), nullable=True)


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.alter_column('hash', existing_type=sa.VARCHAR(length=64), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.VARCHAR(length=64), nullable=False)
        batch_op.alter_column('seq', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('key_id')
