"""rate_limits: hits per key and fixed window, shared by every worker (the web chat's limits)

Revision ID: 0009_rate_limits
Revises: 0008_working_days
Create Date: 2026-11-30 18:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0009_rate_limits'
down_revision = '0008_working_days'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_limit',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('window_start', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('expires', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('key', 'window_start'),
    )
    op.create_index('ix_rate_limit_expires', 'rate_limit', ['expires'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_rate_limit_expires', table_name='rate_limit')
    op.drop_table('rate_limit')
