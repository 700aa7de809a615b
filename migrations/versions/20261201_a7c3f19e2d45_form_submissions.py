"""form submissions: one-time tokens that make a double-submitted create form make one item

Revision ID: a7c3f19e2d45
Revises: e54aead5c9f5
Create Date: 2026-12-01 22:21:17.930831

"""
from alembic import op
import sqlalchemy as sa

import competency.db  # the UTCDateTime column type


# revision identifiers, used by Alembic.
revision = 'a7c3f19e2d45'
down_revision = 'e54aead5c9f5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('form_submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('created_at', competency.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_form_submission_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_submission')),
    sa.UniqueConstraint('user_id', 'token', name=op.f('uq_form_submission_user_id_token'))
    )
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.create_index('ix_form_submission_created', ['created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.drop_index('ix_form_submission_created')

    op.drop_table('form_submission')
