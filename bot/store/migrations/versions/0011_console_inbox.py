"""console inbox: unread markers (request.news_at, agent_seen), people waiting before filing (waiting_message), reply
templates, agents' notification settings

Revision ID: 0011_console_inbox
Revises: 0009_rate_limits
Create Date: 2026-12-06 19:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0011_console_inbox'
down_revision = '0010_console_sessions'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table('request') as batch:
        batch.add_column(sa.Column('news_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('news_kind', sa.String(length=32), nullable=True))
    op.create_index('ix_request_news_at', 'request', ['news_at'], unique=False)
    op.create_table('agent_seen',
    sa.Column('agent_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('agent_id', 'reference'),
    )
    op.create_table('waiting_message',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('chat_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('commune', sa.String(length=200), nullable=True),
    sa.Column('last_reference', sa.String(length=32), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('done_by', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_waiting_message_open', 'waiting_message', ['done_at', 'at'], unique=False)
    op.create_index('ix_waiting_message_chat', 'waiting_message', ['channel', 'chat_id', 'id'], unique=False)
    op.create_table('reply_template',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('use', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_table('agent_setting',
    sa.Column('agent_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('digest', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('agent_id'),
    )


def downgrade() -> None:
    op.drop_table('agent_setting')
    op.drop_table('reply_template')
    op.drop_index('ix_waiting_message_chat', table_name='waiting_message')
    op.drop_index('ix_waiting_message_open', table_name='waiting_message')
    op.drop_table('waiting_message')
    op.drop_table('agent_seen')
    op.drop_index('ix_request_news_at', table_name='request')
    with op.batch_alter_table('request') as batch:
        batch.drop_column('news_kind')
        batch.drop_column('news_at')
