"""Alembic's environment: migrations run on the connection ``rotation.storage`` hands over in
``config.attributes["connection"]``, inside the transaction (and lock) it already holds, so an
upgrade commits whole or not at all; never on a URL of their own."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

import rotation.storage  # noqa: F401  (declares the tables autogenerate compares with)


def _render(kind: str, value: Any, autogen: Any) -> str | Literal[False]:
    """Write SQLModel's text type as the plain ``sa.String()`` it is, so that a generated
    migration needs no SQLModel import (and stays valid if the models change later)."""
    if kind == "type" and isinstance(value, AutoString):
        return "sa.String()"
    return False


connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=SQLModel.metadata,
                  render_as_batch=True, compare_type=True, render_item=_render)
with context.begin_transaction():
    context.run_migrations()
