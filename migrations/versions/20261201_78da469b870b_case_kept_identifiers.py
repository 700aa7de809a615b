"""Identifiers another CASE tool gave to a version's associations, item types and concepts, kept for export (#17).

Revision ID: 78da469b870b
Revises: a7c3f19e2d45
Create Date: 2026-12-01 23:58:51.184700

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '78da469b870b'
down_revision = 'a7c3f19e2d45'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('framework_case_identifier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('ref', sa.String(length=600), nullable=False),
    sa.Column('identifier', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['framework_version.id'], name=op.f('fk_framework_case_identifier_version_id_framework_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_framework_case_identifier')),
    sa.UniqueConstraint('version_id', 'kind', 'ref', name=op.f('uq_framework_case_identifier_version_id_kind_ref'))
    )
    with op.batch_alter_table('framework_case_identifier', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_framework_case_identifier_version_id'), ['version_id'], unique=False)



def downgrade():
    with op.batch_alter_table('framework_case_identifier', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_framework_case_identifier_version_id'))

    op.drop_table('framework_case_identifier')
