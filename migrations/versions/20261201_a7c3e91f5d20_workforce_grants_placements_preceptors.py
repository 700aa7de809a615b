"""One workforce across employers: grants of assessing and precepting rights, placements, the
assessing organisation on sign-offs, and preceptor history, training and time logs.

Existing enrolments get their current preceptor as the first row of their preceptor history
(from the programme start), so a later change of preceptor has something to close.

Revision ID: a7c3e91f5d20
Revises: 935e54c10b61
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

import competency.db  # the UTCDateTime column type


# revision identifiers, used by Alembic.
revision = 'a7c3e91f5d20'
down_revision = '935e54c10b61'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('placement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('learner_kind', sa.Enum('student', 'apprentice', name='learnerkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('host_organisation_id', sa.Integer(), nullable=False),
    sa.Column('home_organisation_id', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('ended_at', competency.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.Column('end_reason', sa.Text(), nullable=True),
    sa.Column('created_at', competency.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', competency.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_placement_dates_ordered')),
    sa.CheckConstraint('host_organisation_id <> home_organisation_id', name=op.f('ck_placement_host_not_home')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_placement_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['ended_by_id'], ['user_account.id'], name=op.f('fk_placement_ended_by_id_user_account')),
    sa.ForeignKeyConstraint(['home_organisation_id'], ['organisation.id'], name=op.f('fk_placement_home_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['host_organisation_id'], ['organisation.id'], name=op.f('fk_placement_host_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['learner_id'], ['user_account.id'], name=op.f('fk_placement_learner_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supervisor_id'], ['user_account.id'], name=op.f('fk_placement_supervisor_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement'))
    )
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.create_index('ix_placement_host', ['host_organisation_id', 'ends_on'], unique=False)
        batch_op.create_index('ix_placement_learner', ['learner_id', 'ends_on'], unique=False)

    op.create_table('preceptor_time_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('preceptor_id', sa.Integer(), nullable=False),
    sa.Column('spent_on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('activity', sa.String(length=500), nullable=False),
    sa.Column('created_at', competency.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', competency.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('minutes > 0', name=op.f('ck_preceptor_time_entry_minutes_positive')),
    sa.ForeignKeyConstraint(['preceptor_id'], ['user_account.id'], name=op.f('fk_preceptor_time_entry_preceptor_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_preceptor_time_entry'))
    )
    with op.batch_alter_table('preceptor_time_entry', schema=None) as batch_op:
        batch_op.create_index('ix_preceptor_time_entry_preceptor', ['preceptor_id', 'spent_on'], unique=False)

    op.create_table('preceptor_training',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('preceptor_id', sa.Integer(), nullable=False),
    sa.Column('course', sa.String(length=200), nullable=False),
    sa.Column('provider', sa.String(length=200), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', competency.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', competency.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('expires_on IS NULL OR expires_on >= completed_on', name=op.f('ck_preceptor_training_dates_ordered')),
    sa.ForeignKeyConstraint(['preceptor_id'], ['user_account.id'], name=op.f('fk_preceptor_training_preceptor_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_preceptor_training_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_preceptor_training'))
    )
    with op.batch_alter_table('preceptor_training', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_preceptor_training_preceptor_id'), ['preceptor_id'], unique=False)

    op.create_table('workforce_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('assessor', 'trained_assessor', 'preceptor', name='grantkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('granting_organisation_id', sa.Integer(), nullable=False),
    sa.Column('grantee_id', sa.Integer(), nullable=False),
    sa.Column('grantee_organisation_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('pillar_codes', sa.JSON(), nullable=False),
    sa.Column('level_codes', sa.JSON(), nullable=False),
    sa.Column('capability_uuids', sa.JSON(), nullable=False),
    sa.Column('person_ids', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('training_course', sa.String(length=200), nullable=True),
    sa.Column('training_completed_on', sa.Date(), nullable=True),
    sa.Column('granted_by_id', sa.Integer(), nullable=False),
    sa.Column('revoked_at', competency.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revocation_reason', sa.Text(), nullable=True),
    sa.Column('created_at', competency.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', competency.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_workforce_grant_dates_ordered')),
    sa.ForeignKeyConstraint(['granted_by_id'], ['user_account.id'], name=op.f('fk_workforce_grant_granted_by_id_user_account')),
    sa.ForeignKeyConstraint(['grantee_id'], ['user_account.id'], name=op.f('fk_workforce_grant_grantee_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['grantee_organisation_id'], ['organisation.id'], name=op.f('fk_workforce_grant_grantee_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['granting_organisation_id'], ['organisation.id'], name=op.f('fk_workforce_grant_granting_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user_account.id'], name=op.f('fk_workforce_grant_revoked_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workforce_grant'))
    )
    with op.batch_alter_table('workforce_grant', schema=None) as batch_op:
        batch_op.create_index('ix_workforce_grant_grantee', ['grantee_id', 'kind', 'ends_on'], unique=False)
        batch_op.create_index('ix_workforce_grant_granting', ['granting_organisation_id', 'ends_on'], unique=False)

    op.create_table('preceptor_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('preceptor_id', sa.Integer(), nullable=False),
    sa.Column('preceptor_name', sa.String(length=120), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('grant_id', sa.Integer(), nullable=True),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('reason', sa.Enum('rotation', 'preceptor_left', 'preceptor_absent', 'relationship', 'other', name='changereason', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('reason_detail', sa.Text(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', competency.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', competency.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ended_on IS NULL OR ended_on >= started_on', name=op.f('ck_preceptor_assignment_dates_ordered')),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['user_account.id'], name=op.f('fk_preceptor_assignment_assigned_by_id_user_account')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_preceptor_assignment_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['grant_id'], ['workforce_grant.id'], name=op.f('fk_preceptor_assignment_grant_id_workforce_grant')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_preceptor_assignment_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['preceptor_id'], ['user_account.id'], name=op.f('fk_preceptor_assignment_preceptor_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_preceptor_assignment'))
    )
    with op.batch_alter_table('preceptor_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_preceptor_assignment_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_preceptor_assignment_preceptor_id'), ['preceptor_id'], unique=False)
        batch_op.create_index('uq_preceptor_assignment_current', ['enrolment_id'], unique=True, sqlite_where=sa.text('ended_on IS NULL'), postgresql_where=sa.text('ended_on IS NULL'))

    # Preceptor history for enrolments made before it was kept: the named preceptor since the start.
    op.execute(sa.text(
        "INSERT INTO preceptor_assignment (enrolment_id, preceptor_id, preceptor_name, organisation_id, started_on, "
        "reason_detail, created_at, updated_at) "
        "SELECT e.id, e.preceptor_id, u.display_name, e.organisation_id, e.start_on, '', e.created_at, e.created_at "
        "FROM enrolment e JOIN user_account u ON u.id = e.preceptor_id"))

    with op.batch_alter_table('signoff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assessing_organisation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('assessing_organisation_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('assessor_basis', sa.Enum('employment', 'placement', 'grant', 'trained_assessor', name='assessorbasis', native_enum=False, create_constraint=True, length=32), nullable=True))
        batch_op.add_column(sa.Column('grant_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('placement_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_signoff_assessing_organisation_id_organisation'), 'organisation', ['assessing_organisation_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_signoff_placement_id_placement'), 'placement', ['placement_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_signoff_grant_id_workforce_grant'), 'workforce_grant', ['grant_id'], ['id'])



def downgrade():
    with op.batch_alter_table('signoff', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_signoff_grant_id_workforce_grant'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_signoff_placement_id_placement'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_signoff_assessing_organisation_id_organisation'), type_='foreignkey')
        batch_op.drop_column('placement_id')
        batch_op.drop_column('grant_id')
        # The enum's CHECK goes first, or SQLite's table rebuild would keep a check on a missing column.
        batch_op.drop_constraint(batch_op.f('ck_signoff_assessorbasis'), type_='check')
        batch_op.drop_column('assessor_basis')
        batch_op.drop_column('assessing_organisation_name')
        batch_op.drop_column('assessing_organisation_id')

    with op.batch_alter_table('preceptor_assignment', schema=None) as batch_op:
        batch_op.drop_index('uq_preceptor_assignment_current', sqlite_where=sa.text('ended_on IS NULL'), postgresql_where=sa.text('ended_on IS NULL'))
        batch_op.drop_index(batch_op.f('ix_preceptor_assignment_preceptor_id'))
        batch_op.drop_index(batch_op.f('ix_preceptor_assignment_enrolment_id'))

    op.drop_table('preceptor_assignment')
    with op.batch_alter_table('workforce_grant', schema=None) as batch_op:
        batch_op.drop_index('ix_workforce_grant_granting')
        batch_op.drop_index('ix_workforce_grant_grantee')

    op.drop_table('workforce_grant')
    with op.batch_alter_table('preceptor_training', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_preceptor_training_preceptor_id'))

    op.drop_table('preceptor_training')
    with op.batch_alter_table('preceptor_time_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_preceptor_time_entry_preceptor')

    op.drop_table('preceptor_time_entry')
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.drop_index('ix_placement_learner')
        batch_op.drop_index('ix_placement_host')

    op.drop_table('placement')
