"""Sessions that end, platform roles apart from organisation roles, framework owners.

- ``user_account.session_generation``: part of every session's id; raised to end them all.
- ``platform_grant``: platform administrator, framework editor (per owner), trust-list manager
  and analyst (per region). Existing ``analyst`` memberships become analyst grants for that
  organisation's region, ``framework_editor`` memberships become editor grants for the
  platform's own frameworks (what they could edit before); both roles leave the membership
  CHECK constraint. Organisation administrators keep nothing platform-wide: an operator
  grants the first platform administrator with ``flask platform grant EMAIL platform_admin``.
- ``framework_owner``: whose editors change a framework (no row: the platform's own); a table of
  its own, so SQLite never rebuilds ``framework`` (which would fail on the rows referring to it).
- Text attachments (``evidence_attachment``) stored as ``text/plain; charset=utf-8`` become
  ``text/plain``: the server adds the charset once when serving them.

Downgrade puts the two roles back as memberships where it can (analysts at a regional body of
their region, editors at their owner) and drops the grants; other platform roles are lost.

Revision ID: ea88e7e48469
Revises: 49e28c935b25
Create Date: 2026-12-01 23:07:38.475968

"""
from alembic import op
import sqlalchemy as sa

import competency.db  # the UTCDateTime column type

ORG_ROLES = ('practitioner', 'preceptor', 'lead', 'admin')
OLD_ROLES = (*ORG_ROLES, 'analyst', 'framework_editor')


def _role_enum(values):
    return sa.Enum(*values, name='role', native_enum=False, create_constraint=True, length=32)


def _set_membership_roles(values, before):
    """Change the CHECK constraint on membership.role (batch recreate on SQLite, in place elsewhere)."""
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('membership', recreate='always') as batch_op:
            batch_op.alter_column('role', existing_type=_role_enum(before), type_=_role_enum(values),
                                  existing_nullable=False)
    else:
        op.drop_constraint(op.f('ck_membership_role'), 'membership', type_='check')
        listed = ", ".join(f"'{value}'" for value in values)
        op.create_check_constraint(op.f('ck_membership_role'), 'membership', f"role IN ({listed})")


# revision identifiers, used by Alembic.
revision = 'ea88e7e48469'
down_revision = '49e28c935b25'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('platform_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('platform_admin', 'framework_editor', 'trust_list_manager', 'analyst', name='platformrole', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('region', sa.String(length=120), nullable=True),
    sa.Column('scope_key', sa.String(length=140), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', competency.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', competency.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['granted_by_id'], ['user_account.id'], name=op.f('fk_platform_grant_granted_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_platform_grant_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_platform_grant_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_grant')),
    sa.UniqueConstraint('user_id', 'role', 'scope_key', name=op.f('uq_platform_grant_user_id_role_scope_key'))
    )
    with op.batch_alter_table('platform_grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_platform_grant_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_platform_grant_user_id'), ['user_id'], unique=False)

    op.create_table('framework_owner',
    sa.Column('framework_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['framework_id'], ['framework.id'], name=op.f('fk_framework_owner_framework_id_framework'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_framework_owner_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('framework_id', name=op.f('pk_framework_owner'))
    )
    with op.batch_alter_table('framework_owner', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_framework_owner_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))

    # Analysts and editors were organisation roles; they become platform grants.
    op.execute(sa.text(
        "INSERT INTO platform_grant (user_id, role, organisation_id, region, scope_key, granted_by_id, created_at, "
        "updated_at) SELECT DISTINCT m.user_id, 'analyst', CAST(NULL AS INTEGER), o.region, 'region:' || o.region, CAST(NULL AS INTEGER), "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM membership m JOIN organisation o ON o.id = m.organisation_id "
        "WHERE m.role = 'analyst' AND m.is_active"))
    op.execute(sa.text(
        "INSERT INTO platform_grant (user_id, role, organisation_id, region, scope_key, granted_by_id, created_at, "
        "updated_at) SELECT DISTINCT m.user_id, 'framework_editor', CAST(NULL AS INTEGER), CAST(NULL AS VARCHAR(120)), 'owner:platform', CAST(NULL AS INTEGER), "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM membership m WHERE m.role = 'framework_editor' AND m.is_active"))
    op.execute(sa.text("DELETE FROM membership WHERE role IN ('analyst', 'framework_editor')"))
    _set_membership_roles(ORG_ROLES, OLD_ROLES)

    op.execute(sa.text("UPDATE evidence_attachment SET media_type = 'text/plain' "
                       "WHERE media_type = 'text/plain; charset=utf-8'"))


def downgrade():
    op.execute(sa.text("UPDATE evidence_attachment SET media_type = 'text/plain; charset=utf-8' "
                       "WHERE media_type = 'text/plain'"))
    _set_membership_roles(OLD_ROLES, ORG_ROLES)
    op.execute(sa.text(
        "INSERT INTO membership (user_id, organisation_id, role, is_active, created_at, updated_at) "
        "SELECT DISTINCT g.user_id, (SELECT MIN(o.id) FROM organisation o WHERE o.region = g.region "
        "AND o.kind = 'regional_body'), 'analyst', 1 = 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP "
        "FROM platform_grant g WHERE g.role = 'analyst' AND EXISTS (SELECT 1 FROM organisation o "
        "WHERE o.region = g.region AND o.kind = 'regional_body')"))
    op.execute(sa.text(
        "INSERT INTO membership (user_id, organisation_id, role, is_active, created_at, updated_at) "
        "SELECT DISTINCT g.user_id, g.organisation_id, 'framework_editor', 1 = 1, CURRENT_TIMESTAMP, "
        "CURRENT_TIMESTAMP FROM platform_grant g WHERE g.role = 'framework_editor' "
        "AND g.organisation_id IS NOT NULL"))

    if op.get_bind().dialect.name == 'sqlite':
        # In place: rebuilding user_account would delete (ON DELETE CASCADE) every row that refers to it.
        op.execute(sa.text('ALTER TABLE user_account DROP COLUMN session_generation'))
    else:
        op.drop_column('user_account', 'session_generation')

    with op.batch_alter_table('framework_owner', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_framework_owner_organisation_id'))

    op.drop_table('framework_owner')

    with op.batch_alter_table('platform_grant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_platform_grant_user_id'))
        batch_op.drop_index(batch_op.f('ix_platform_grant_organisation_id'))

    op.drop_table('platform_grant')
