"""console_sessions: staff console sessions held on the server; the web chat's codes remember the requesting client

Revision ID: 0010_console_sessions
Revises: 0009_rate_limits
Create Date: 2026-12-06 19:10:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0010_console_sessions'
down_revision = '0009_rate_limits'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('console_session',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_why', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('id_hash'),
    )
    op.create_index('ix_console_session_agent', 'console_session', ['agent_id'], unique=False)
    op.create_index('ix_console_session_expires', 'console_session', ['expires_at'], unique=False)
    with op.batch_alter_table('web_code') as batch:
        batch.add_column(sa.Column('client_hash', sa.String(length=64), nullable=True))
    op.create_index('ix_web_code_client', 'web_code', ['client_hash', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_web_code_client', table_name='web_code')
    with op.batch_alter_table('web_code') as batch:
        batch.drop_column('client_hash')
    op.drop_index('ix_console_session_expires', table_name='console_session')
    op.drop_index('ix_console_session_agent', table_name='console_session')
    op.drop_table('console_session')
