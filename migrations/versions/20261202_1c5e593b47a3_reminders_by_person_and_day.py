"""Reminders planned once per item (or per day for sign-off requests) and sent once per person and kind.

- ``planned_reminder_key`` (new): the dedupe key of rule 8, one row per (kind, stage, due
  date, item) ever planned; ``item_id`` 0 stands for a whole day of the kinds planned by day
  (``signoff_waiting``, ``escalation``), whose planned days form one unbroken range. Primary
  key only: no foreign keys, no other index. Filled from what was planned before, so nothing
  planned is planned again.
- ``ix_signoff_request_created_at``: planning reads only the requests made since the last
  day it planned.
- ``planned_reminder`` becomes one row per person, kind and planning run: ``item_id``,
  ``due_on``, ``stage`` and the unique key over them go; ``items`` (a JSON array of
  ``[item_id, due_on, stage]``) and ``item_count`` come. Each existing row becomes a row
  listing its one item, with its state, notification and e-mail kept. ``user_id``,
  ``notification_id`` and ``email_id`` stay as plain ids: their foreign keys and the index on
  ``user_id`` go (planning reads every person it plans for from ``user_account`` in the same
  statement, accounts are deactivated rather than deleted, nothing deletes notifications or
  e-mails; the key checks were a fifth of a day's planning).

Downgrade turns every row back into one row per (item, person), the listed days of the
sign-off kinds read as the requests of that day (the assessor's; for escalations, those at
organisations where the person is an active lead), puts the unique key, foreign keys (rows
they would refuse go first) and ``user_id`` index back, and drops the keys and
``ix_signoff_request_created_at``.

Revision ID: 1c5e593b47a3
Revises: 078032c99758
Create Date: 2026-12-02 08:11:26.234650

"""
from alembic import op
import sqlalchemy as sa

import competency.db  # noqa: F401  (the UTCDateTime column type, as in every revision)

# revision identifiers, used by Alembic.
revision = '1c5e593b47a3'
down_revision = '078032c99758'
branch_labels = None
depends_on = None

KINDS = ('milestone', 'supervision', 'signoff_waiting', 'escalation', 'share_expiring', 'progress_review',
         'not_enrolled', 'expiry')
BY_DAY = "kind IN ('signoff_waiting', 'escalation')"
COPIED = "kind, user_id, planned_on, state, created_at, delivered_at, notification_id, email_id"

# What differs between the two databases: JSON building and unnesting, and date arithmetic.
SQL = {
    'postgresql': {
        'one_item': "json_build_array(json_build_array(item_id, due_on, stage))",
        'entries': "planned_reminder r CROSS JOIN LATERAL json_array_elements(r.items) AS e(v)",
        'entry': ("CAST(e.v->>0 AS INTEGER)", "CAST(e.v->>1 AS DATE)", "e.v->>2"),
        'made_plus': "CAST((q.created_at AT TIME ZONE 'UTC') AS DATE) + {days}",
        'no_items': "CAST('[]' AS JSON)",
        'next_day': "day + 1",
    },
    'sqlite': {
        'one_item': "json_array(json_array(item_id, due_on, stage))",
        'entries': "planned_reminder r, json_each(r.items) AS e",
        'entry': ("CAST(json_extract(e.value, '$[0]') AS INTEGER)", "json_extract(e.value, '$[1]')",
                  "json_extract(e.value, '$[2]')"),
        'made_plus': "date(q.created_at, '+{days} days')",
        'no_items': "'[]'",
        'next_day': "date(day, '+1 day')",
    },
}


def _sql() -> dict:
    return SQL[op.get_bind().dialect.name]


def upgrade():
    sql = _sql()
    op.create_table('planned_reminder_key',
    sa.Column('kind', sa.Enum(*KINDS, name='reminderkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('stage', sa.String(length=24), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'stage', 'due_on', 'item_id', name=op.f('pk_planned_reminder_key')),
    sqlite_with_rowid=False
    )
    op.execute(sa.text(
        "INSERT INTO planned_reminder_key (kind, stage, due_on, item_id, planned_on) "
        f"SELECT kind, stage, due_on, item_id, MIN(planned_on) FROM planned_reminder WHERE NOT ({BY_DAY}) "
        "GROUP BY kind, stage, due_on, item_id"))
    # The days planned of the kinds planned by day are one unbroken range: every day from the
    # first planned to the last (a day without a row had nothing to tell anyone).
    op.execute(sa.text(
        "WITH RECURSIVE bounds AS (SELECT kind, stage, MIN(due_on) AS first, MAX(due_on) AS last, "
        f"MIN(planned_on) AS planned_on FROM planned_reminder WHERE {BY_DAY} GROUP BY kind, stage), "
        "days (kind, stage, day, last, planned_on) AS (SELECT kind, stage, first, last, planned_on FROM bounds "
        f"UNION ALL SELECT kind, stage, {sql['next_day']}, last, planned_on FROM days WHERE day < last) "
        "INSERT INTO planned_reminder_key (kind, stage, due_on, item_id, planned_on) "
        "SELECT kind, stage, day, 0, planned_on FROM days"))
    op.create_index('ix_signoff_request_created_at', 'signoff_request', ['created_at'], unique=False)

    with op.batch_alter_table('planned_reminder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('item_count', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('items', sa.JSON(), nullable=True))
    op.execute(sa.text(f"UPDATE planned_reminder SET items = {sql['one_item']}"))
    with op.batch_alter_table('planned_reminder', schema=None) as batch_op:
        batch_op.alter_column('items', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('item_count', existing_type=sa.Integer(), existing_nullable=False, server_default=None)
        batch_op.drop_constraint('uq_planned_reminder_key', type_='unique')
        batch_op.drop_index(batch_op.f('ix_planned_reminder_user_id'))
        batch_op.drop_constraint(op.f('fk_planned_reminder_user_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(op.f('fk_planned_reminder_notification_id_notification'), type_='foreignkey')
        batch_op.drop_constraint(op.f('fk_planned_reminder_email_id_outbox_email'), type_='foreignkey')
        batch_op.drop_column('item_id')
        batch_op.drop_column('due_on')
        batch_op.drop_column('stage')


def downgrade():
    sql = _sql()
    with op.batch_alter_table('planned_reminder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('item_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('stage', sa.String(length=24), nullable=True))

    item, due_on, stage = sql['entry']
    columns = [column.strip() for column in COPIED.split(",")]
    listed = (f"SELECT {', '.join('r.' + c for c in columns)}, {item} AS item_id, {due_on} AS due_on, "
              f"{stage} AS stage FROM {sql['entries']} WHERE r.item_id IS NULL")
    copy = f"{', '.join('d.' + c for c in columns)}, 1, {sql['no_items']}"
    op.execute(sa.text(
        f"INSERT INTO planned_reminder ({COPIED}, item_count, items, item_id, due_on, stage) "
        f"SELECT {copy}, d.item_id, d.due_on, d.stage FROM ({listed}) d WHERE d.item_id <> 0 "
        # A listed day of requests waiting a week: the assessor's requests made that day.
        f"UNION ALL SELECT {copy}, q.id, d.due_on, d.stage FROM ({listed}) d JOIN signoff_request q "
        f"ON q.assessor_id = d.user_id AND {sql['made_plus'].format(days=7)} = d.due_on "
        "WHERE d.item_id = 0 AND d.kind = 'signoff_waiting' "
        # A listed day of escalations: that day's requests at organisations the person leads.
        f"UNION ALL SELECT {copy}, q.id, d.due_on, d.stage FROM ({listed}) d JOIN signoff_request q "
        f"ON {sql['made_plus'].format(days=21)} = d.due_on AND q.practitioner_id <> d.user_id "
        "AND EXISTS (SELECT 1 FROM membership m WHERE m.user_id = d.user_id AND m.organisation_id = q.organisation_id "
        "AND m.role = 'lead' AND m.is_active) "
        "WHERE d.item_id = 0 AND d.kind = 'escalation'"))
    op.execute(sa.text("DELETE FROM planned_reminder WHERE item_id IS NULL"))
    op.execute(sa.text(
        "DELETE FROM planned_reminder WHERE id NOT IN (SELECT MIN(id) FROM planned_reminder "
        "GROUP BY kind, item_id, due_on, stage, user_id)"))

    # The foreign keys come back: what they would refuse goes first, as they would have done it.
    op.execute(sa.text("DELETE FROM planned_reminder WHERE user_id NOT IN (SELECT id FROM user_account)"))
    op.execute(sa.text("UPDATE planned_reminder SET notification_id = NULL "
                       "WHERE notification_id NOT IN (SELECT id FROM notification)"))
    op.execute(sa.text("UPDATE planned_reminder SET email_id = NULL "
                       "WHERE email_id NOT IN (SELECT id FROM outbox_email)"))
    with op.batch_alter_table('planned_reminder', schema=None) as batch_op:
        batch_op.alter_column('item_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('due_on', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('stage', existing_type=sa.String(length=24), nullable=False)
        batch_op.create_unique_constraint('uq_planned_reminder_key', ['kind', 'item_id', 'due_on', 'stage', 'user_id'])
        batch_op.create_foreign_key(op.f('fk_planned_reminder_user_id_user_account'), 'user_account',
                                    ['user_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_planned_reminder_user_id'), ['user_id'], unique=False)
        batch_op.create_foreign_key(op.f('fk_planned_reminder_notification_id_notification'), 'notification',
                                    ['notification_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(op.f('fk_planned_reminder_email_id_outbox_email'), 'outbox_email',
                                    ['email_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_column('items')
        batch_op.drop_column('item_count')

    op.drop_index('ix_signoff_request_created_at', table_name='signoff_request')
    op.drop_table('planned_reminder_key')
