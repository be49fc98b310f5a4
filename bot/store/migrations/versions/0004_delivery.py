"""delivery: per-chat outbox order index, inbox chat id (issue 14)

Revision ID: 0004_delivery
Revises: 0002
Create Date: 2026-11-30 14:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0004_delivery'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The sender claims the oldest pending row of each chat first: "is there an earlier pending row of this chat?"
    op.create_index('ix_outbox_chat_order', 'outbox', ['channel', 'chat_id', 'status', 'id'])
    # The chat an update came from: a later update of the same chat handled settles an earlier one never handled.
    op.add_column('inbox', sa.Column('chat_id', sa.String(length=64), nullable=True))
    # The process that leased a pending row (claimed it, or wrote it claimed for its fast path): a restarted or
    # surviving worker takes back at once the rows of a process that died, instead of waiting for the lease to end.
    op.add_column('outbox', sa.Column('leased_by', sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column('outbox', 'leased_by')
    op.drop_column('inbox', 'chat_id')
    op.drop_index('ix_outbox_chat_order', table_name='outbox')
