"""assessor identifiers: one random, stable credential identifier per unregistered (trained) assessor

Revision ID: 49e28c935b25
Revises: b4e8c2d71f35
Create Date: 2026-12-01 00:19:24.393017

Credentials issued before this named every unregistered assessor by one shared id derived
from a "not recorded" placeholder; they stay as signed (and keep verifying). New ones name
each such assessor by the identifier stored here.
"""
from alembic import op
import sqlalchemy as sa

import competency.db  # the UTCDateTime column type


# revision identifiers, used by Alembic.
revision = '49e28c935b25'
down_revision = 'b4e8c2d71f35'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('passport_assessor_identifier',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('identifier', sa.String(length=36), nullable=False),
    sa.Column('created_at', competency.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_passport_assessor_identifier_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_passport_assessor_identifier')),
    sa.UniqueConstraint('identifier', name=op.f('uq_passport_assessor_identifier_identifier'))
    )


def downgrade():
    op.drop_table('passport_assessor_identifier')
