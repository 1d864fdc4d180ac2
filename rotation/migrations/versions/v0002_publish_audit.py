"""Published versions and the audit log: plans get a label and the published plan a re-plan
started from (``based_on``); the ``audit`` table records every publish, label and delete, one
version per case at most (unique ``(case_name, version)``).

Nothing was published before this revision, so no audit rows are made: after upgrading, feeds
answer 404 until ``rotation publish`` publishes a plan, and the calendar history kept so far
carries on (same UIDs, higher SEQUENCE where an event changed).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan") as plan:
        plan.add_column(sa.Column("label", sa.String(), nullable=True))
        plan.add_column(sa.Column("based_on", sa.Integer(), nullable=True))
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("case_name", sa.String(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("input_hash", sa.String(), nullable=False),
        sa.Column("parameters_json", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_name", "version"),
    )
    op.create_index("ix_audit_case_name", "audit", ["case_name"])


def downgrade() -> None:
    op.drop_index("ix_audit_case_name", table_name="audit")
    op.drop_table("audit")
    with op.batch_alter_table("plan") as plan:
        plan.drop_column("based_on")
        plan.drop_column("label")
