"""CASE reference frameworks (packages kept as they came) and associations kept for framework versions (#17).

Revision ID: 935e54c10b61
Revises: a7d1c3e9f042
Create Date: 2026-12-01 23:29:11.268279

"""
from alembic import op
import sqlalchemy as sa

import competency.db  # the UTCDateTime column type


# revision identifiers, used by Alembic.
revision = '935e54c10b61'
down_revision = 'a7d1c3e9f042'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('identifier', sa.String(length=255), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('layout', sa.JSON(), nullable=False),
    sa.Column('source_name', sa.String(length=200), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('external_framework_id', sa.Integer(), nullable=True),
    sa.Column('created_at', competency.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', competency.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['external_framework_id'], ['external_framework.id'], name=op.f('fk_case_document_external_framework_id_external_framework')),
    sa.ForeignKeyConstraint(['imported_by_id'], ['user_account.id'], name=op.f('fk_case_document_imported_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_document')),
    sa.UniqueConstraint('key', name=op.f('uq_case_document_key'))
    )
    with op.batch_alter_table('case_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_document_external_framework_id'), ['external_framework_id'], unique=False)

    op.create_table('case_object',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('collection', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['case_document.id'], name=op.f('fk_case_object_document_id_case_document'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_object')),
    sa.UniqueConstraint('document_id', 'collection', 'key', name=op.f('uq_case_object_document_id_collection_key'))
    )
    with op.batch_alter_table('case_object', schema=None) as batch_op:
        batch_op.create_index('ix_case_object_collection_key', ['collection', 'key'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_object_document_id'), ['document_id'], unique=False)

    op.create_table('framework_case_association',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['framework_version.id'], name=op.f('fk_framework_case_association_version_id_framework_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_framework_case_association')),
    sa.UniqueConstraint('version_id', 'key', name=op.f('uq_framework_case_association_version_id_key'))
    )
    with op.batch_alter_table('framework_case_association', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_framework_case_association_version_id'), ['version_id'], unique=False)



def downgrade():
    with op.batch_alter_table('framework_case_association', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_framework_case_association_version_id'))

    op.drop_table('framework_case_association')
    with op.batch_alter_table('case_object', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_object_document_id'))
        batch_op.drop_index('ix_case_object_collection_key')

    op.drop_table('case_object')
    with op.batch_alter_table('case_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_document_external_framework_id'))

    op.drop_table('case_document')
