"""working days: public holidays are no longer working days; recompute each request's stored working days to its
first staff action (request.first_action_wd) with them, so old and new rows count alike

Revision ID: 0008_working_days
Revises: 0007_webchat
Create Date: 2026-11-30 18:00:00
"""
from __future__ import annotations

from alembic import context, op
import sqlalchemy as sa

revision = '0008_working_days'
down_revision = '0007_webchat'
branch_labels = None
depends_on = None

BATCH = 2000


def _departement() -> str | None:
    """The deployment's département: handed over by bot.store.db.upgrade, else the settings (standalone alembic)."""
    dep = context.config.attributes.get("departement")
    if dep:
        return str(dep)
    from bot.config import load_settings

    return load_settings().departement


def upgrade() -> None:
    # The rule itself, not a frozen copy: the stored values must equal what the running code computes
    # (bot.store.workdays is stdlib-only and imports nothing of the app).
    from bot.store.workdays import working_days_between

    _recompute(working_days_between, _departement())


def downgrade() -> None:
    # Nothing to undo in the schema; the stored counts are not put back to 0006's Monday-to-Friday count (they
    # differ only where a public holiday fell between a request's filing and its first action).
    pass


def _recompute(count, departement: str | None) -> None:  # type: ignore[no-untyped-def]
    bind = op.get_bind()
    request = sa.table('request', sa.column('id', sa.Integer), sa.column('created_at', sa.DateTime),
                       sa.column('first_action_at', sa.DateTime), sa.column('first_action_wd', sa.Integer))
    last_id = 0
    while True:
        rows = bind.execute(sa.select(request.c.id, request.c.created_at, request.c.first_action_at,
                                      request.c.first_action_wd)
                            .where(request.c.first_action_at.is_not(None), request.c.id > last_id)
                            .order_by(request.c.id).limit(BATCH)).all()
        if not rows:
            return
        last_id = rows[-1].id
        changed = [{"rid": r.id, "wd": wd} for r in rows
                   if (wd := count(r.created_at, r.first_action_at, departement)) != r.first_action_wd]
        if changed:
            bind.execute(sa.update(request).where(request.c.id == sa.bindparam("rid"))
                         .values(first_action_wd=sa.bindparam("wd")), changed)
