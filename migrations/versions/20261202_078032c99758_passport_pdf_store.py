"""passport PDFs rendered in the background and stored (issue 18)

- passport_pdf: one row per holder with the last rendered PDF and the credential-set key of what it
  shows (a download serves it only while the key matches the passport as it is now), a change
  count raised with every change the PDF shows and the count the stored render covers (a row
  behind is owed a render, found by the worker's sweep), and a worker's claim on the render.

Starts empty: the first download of each holder renders in the request (or the passport page has it
rendered in the background first). Downgrade drops the table; nothing else depends on it.

Revision ID: 078032c99758
Revises: 27138c93a2c3
Create Date: 2026-12-02 07:53:37.687119

"""
from alembic import op
import sqlalchemy as sa

import competency.db  # the UTCDateTime column type


# revision identifiers, used by Alembic.
revision = '078032c99758'
down_revision = '27138c93a2c3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('passport_pdf',
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('content_key', sa.String(length=64), nullable=True),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('rendered_at', competency.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('change_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rendered_change_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('changed_at', competency.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('render_started_at', competency.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['holder_id'], ['user_account.id'], name=op.f('fk_passport_pdf_holder_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('holder_id', name=op.f('pk_passport_pdf'))
    )


def downgrade():
    op.drop_table('passport_pdf')
