"""Scenarios (named overrides on a case, with the case's input) and the link from a plan to the
scenario it solves. New tables only: nothing to move.

Revision 0003, after 0002.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scenario",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("case_name", sa.String(), nullable=False),
        sa.Column("base_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("overrides_toml", sa.Text(), nullable=False),
        sa.Column("input_json", sa.Text(), nullable=False),
        sa.Column("input_hash", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["base_id"], ["scenario.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("scenario", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scenario_input_hash"), ["input_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_scenario_name"), ["name"], unique=True)
    op.create_table(
        "scenario_plan",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("hint_plan_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.ForeignKeyConstraint(["scenario_id"], ["scenario.id"]),
        sa.PrimaryKeyConstraint("plan_id"),
    )
    with op.batch_alter_table("scenario_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scenario_plan_scenario_id"), ["scenario_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scenario_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenario_plan_scenario_id"))
    op.drop_table("scenario_plan")
    with op.batch_alter_table("scenario", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenario_name"))
        batch_op.drop_index(batch_op.f("ix_scenario_input_hash"))
    op.drop_table("scenario")
