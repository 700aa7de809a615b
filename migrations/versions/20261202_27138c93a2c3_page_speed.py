"""Pages under 50 ms at ICS scale: report snapshots and the indexes the slow pages need.

- ``report_snapshot``: one stored section of the organisation dashboard or the system view per
  set of organisations (reporting/snapshots.py); rebuilt by the worker, never read past its age.
- ``ix_signoff_decision_decider`` (decided_by_id, decided_at): the preceptor queue's "recently
  decided by you" was a parallel sequential scan of every decision.
- ``ix_enrolment_milestone_open``: a partial index of open required reviews, which the cohort
  state reads for each enrolment (overdue, due soon) instead of scanning every milestone.

Downgrade drops the three; snapshots are derived data, nothing is lost.

Revision ID: 27138c93a2c3
Revises: ea88e7e48469
Create Date: 2026-12-02 07:52:02.491508

"""
from alembic import op
import sqlalchemy as sa

import competency.db  # the UTCDateTime column type


# revision identifiers, used by Alembic.
revision = '27138c93a2c3'
down_revision = 'ea88e7e48469'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('view', sa.String(length=16), nullable=False),
    sa.Column('scope_key', sa.String(length=64), nullable=False),
    sa.Column('variant', sa.String(length=32), nullable=False),
    sa.Column('org_ids', sa.JSON(), nullable=False),
    sa.Column('section', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('shape', sa.Integer(), nullable=False),
    sa.Column('computed_at', competency.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', competency.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('html', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_snapshot')),
    sa.UniqueConstraint('view', 'scope_key', 'section', name=op.f('uq_report_snapshot_view_scope_key_section'))
    )
    with op.batch_alter_table('report_snapshot', schema=None) as batch_op:
        batch_op.create_index('ix_report_snapshot_read_at', ['read_at'], unique=False)

    with op.batch_alter_table('enrolment_milestone', schema=None) as batch_op:
        batch_op.create_index('ix_enrolment_milestone_open', ['enrolment_id', 'due_on', 'due_soon_on'], unique=False, postgresql_where=sa.text('is_required IS true AND completed_on IS NULL AND is_after_completion IS false'), sqlite_where=sa.text('is_required IS 1 AND completed_on IS NULL AND is_after_completion IS 0'))

    with op.batch_alter_table('signoff_decision', schema=None) as batch_op:
        batch_op.create_index('ix_signoff_decision_decider', ['decided_by_id', 'decided_at'], unique=False)



def downgrade():
    with op.batch_alter_table('signoff_decision', schema=None) as batch_op:
        batch_op.drop_index('ix_signoff_decision_decider')

    with op.batch_alter_table('enrolment_milestone', schema=None) as batch_op:
        batch_op.drop_index('ix_enrolment_milestone_open', postgresql_where=sa.text('is_required IS true AND completed_on IS NULL AND is_after_completion IS false'), sqlite_where=sa.text('is_required IS 1 AND completed_on IS NULL AND is_after_completion IS 0'))

    with op.batch_alter_table('report_snapshot', schema=None) as batch_op:
        batch_op.drop_index('ix_report_snapshot_read_at')

    op.drop_table('report_snapshot')
