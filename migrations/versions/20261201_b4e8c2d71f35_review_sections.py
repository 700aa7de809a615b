"""Milestone reviews with a section per party; signatures cover their own section and what they read.

New columns: ``enrolment_milestone.preceptor_feedback`` (the preceptor's reflection on the
period) and ``lead_comments``; ``milestone_signature.section_hash``, ``read_sections`` and
``read_digest``.

Existing reviews migrate like this (README, design notes "Milestone reviews"):

* The shared fields move into the section of the party they now belong to: reflection and
  goals are the preceptee's; the development plan and the concern are the preceptor's. Who
  typed what stays in the audit log.
* A signature that still matched the whole review text (it was standing) is given the
  section hashes of the review as it stands, so it keeps standing: its signer read every
  section as it is now.
* A signature that no longer matched (the text had changed after it) keeps no section hash:
  it stays on record as an earlier signature and never stands again, exactly as before.
* Completed milestones keep their completion.

The hashing below is a frozen copy of competency.preceptorship.review_sections (a migration
must not change when the application code does); tests/integration/test_migrations.py checks
that a migrated standing signature still stands under the application's own rule.

Downgrade appends the preceptor's and lead's new sections to the shared reflection (labelled),
so no words are lost, then drops the columns.

Revision ID: b4e8c2d71f35
Revises: 78da469b870b
Create Date: 2026-12-01 23:36:34.787607

"""
import hashlib
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4e8c2d71f35'
down_revision = '78da469b870b'
branch_labels = None
depends_on = None

PARTY_ORDER = ("preceptee", "preceptor", "lead")
SECTION_FIELDS = {"preceptee": ("reflection", "goals"),
                  "preceptor": ("preceptor_feedback", "development_plan", "has_concern", "concerns"),
                  "lead": ("lead_comments",)}
OLD_FIELDS = ("reflection", "development_plan", "goals", "concerns")

milestone = sa.table(
    "enrolment_milestone", sa.column("id", sa.Integer), sa.column("template_milestone_id", sa.Integer),
    *(sa.column(name, sa.Text) for name in ("reflection", "development_plan", "goals", "concerns",
                                            "preceptor_feedback", "lead_comments")),
    sa.column("has_concern", sa.Boolean))
definition = sa.table("programme_template_milestone", sa.column("id", sa.Integer), sa.column("signed_by", sa.JSON))
signature = sa.table(
    "milestone_signature", sa.column("id", sa.Integer), sa.column("milestone_id", sa.Integer),
    sa.column("party", sa.String), sa.column("content_hash", sa.String), sa.column("section_hash", sa.String),
    sa.column("read_sections", sa.JSON), sa.column("read_digest", sa.String))


def _sha(payload) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _old_review_hash(row) -> str:
    payload = {name: row[name] or "" for name in OLD_FIELDS}
    payload["has_concern"] = bool(row["has_concern"])
    return _sha(payload)


def _values(row, party) -> dict:
    return {name: bool(row[name]) if name == "has_concern" else (row[name] or "") for name in SECTION_FIELDS[party]}


def _is_empty(values) -> bool:
    return not any(bool(v) if isinstance(v, bool) else v.strip() for v in values.values())


def _carry_standing_signatures(bind) -> None:
    rows = bind.execute(sa.select(milestone, definition.c.signed_by.label("signed_by"))
                        .join(definition, definition.c.id == milestone.c.template_milestone_id)
                        .where(milestone.c.id.in_(sa.select(signature.c.milestone_id)))).mappings().all()
    for row in rows:
        parties = [party for party in PARTY_ORDER if party in (row["signed_by"] or [])]
        state = {party: None if _is_empty(_values(row, party)) else _sha(_values(row, party)) for party in parties}
        old = _old_review_hash(row)
        for sig in bind.execute(sa.select(signature.c.id, signature.c.party, signature.c.content_hash)
                                .where(signature.c.milestone_id == row["id"])).all():
            if sig.content_hash != old or sig.party not in state:
                continue  # an earlier signature: it stays on record and does not stand
            read = {party: value for party, value in state.items() if party != sig.party}
            bind.execute(signature.update().where(signature.c.id == sig.id).values(
                section_hash=_sha(_values(row, sig.party)), read_sections=read, read_digest=_sha(read)))


def upgrade():
    with op.batch_alter_table('enrolment_milestone', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preceptor_feedback', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('lead_comments', sa.Text(), server_default='', nullable=False))

    with op.batch_alter_table('milestone_signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('section_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('read_sections', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('read_digest', sa.String(length=64), nullable=True))

    _carry_standing_signatures(op.get_bind())


def downgrade():
    op.execute(sa.text(
        "UPDATE enrolment_milestone SET reflection = reflection"
        " || CASE WHEN preceptor_feedback <> '' THEN CAST(:preceptor AS TEXT) || preceptor_feedback ELSE '' END"
        " || CASE WHEN lead_comments <> '' THEN CAST(:lead AS TEXT) || lead_comments ELSE '' END"
        " WHERE preceptor_feedback <> '' OR lead_comments <> ''").bindparams(
            preceptor="\n\nPreceptor: ", lead="\n\nLead: "))
    with op.batch_alter_table('milestone_signature', schema=None) as batch_op:
        batch_op.drop_column('read_digest')
        batch_op.drop_column('read_sections')
        batch_op.drop_column('section_hash')

    with op.batch_alter_table('enrolment_milestone', schema=None) as batch_op:
        batch_op.drop_column('lead_comments')
        batch_op.drop_column('preceptor_feedback')
