"""attachments (every channel) and mail_message (the e-mail channel's read mail), issue 20

Revision ID: 0013_attachments
Revises: 0009_rate_limits
Create Date: 2026-12-06 19:30:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0013_attachments'
down_revision = '0011_console_inbox'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('attachment',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=True),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('source_key', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('stored_name'),
    sa.UniqueConstraint('source_key'),
    )
    op.create_index('ix_attachment_reference', 'attachment', ['reference'], unique=False)
    op.create_index('ix_attachment_owner', 'attachment', ['owner'], unique=False)
    op.create_table('mail_message',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('sender', sa.String(length=320), nullable=False),
    sa.Column('message_id', sa.String(length=998), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('answered', sa.Boolean(), nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key'),
    )
    op.create_index('ix_mail_message_sender_at', 'mail_message', ['sender', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_mail_message_sender_at', table_name='mail_message')
    op.drop_table('mail_message')
    op.drop_index('ix_attachment_owner', table_name='attachment')
    op.drop_index('ix_attachment_reference', table_name='attachment')
    op.drop_table('attachment')
