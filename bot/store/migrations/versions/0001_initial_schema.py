"""initial schema: request, conversation, event, handled_update, outbox, counter

Revision ID: 0001
Revises: 
Create Date: 2026-11-27 10:45:32.779421
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# Frozen copies of the column types (a migration must not change when bot.store.tables does).
# Times are naive UTC (bot.store.tables.UTCDateTime stores through a plain DateTime).
JSONType = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conversation',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('chat_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('step', sa.String(length=64), nullable=False),
    sa.Column('data', JSONType, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('reminder_sent_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'chat_id', name='uq_conversation_channel_chat')
    )
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.create_index('ix_conversation_channel_user', ['channel', 'user_id'], unique=False)
        batch_op.create_index('ix_conversation_updated_at', ['updated_at'], unique=False)

    op.create_table('counter',
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('scope')
    )
    op.create_table('event',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('data', JSONType, nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index('ix_event_at', ['at'], unique=False)
        batch_op.create_index('ix_event_reference', ['reference', 'id'], unique=False)

    op.create_table('handled_update',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('outbox',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('chat_id', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('buttons', JSONType, nullable=True),
    sa.Column('meta', JSONType, nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=True),
    sa.Column('dedup_key', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_message_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedup_key')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_outbox_sent_message', ['channel', 'sent_message_id'], unique=False)

    op.create_table('request',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('chat_id', sa.String(length=64), nullable=False),
    sa.Column('commune_code', sa.String(length=16), nullable=True),
    sa.Column('commune_name', sa.String(length=200), nullable=True),
    sa.Column('epci_code', sa.String(length=16), nullable=True),
    sa.Column('role', sa.String(length=64), nullable=True),
    sa.Column('contact_name', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=64), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('themes', JSONType, nullable=False),
    sa.Column('stage', sa.String(length=64), nullable=True),
    sa.Column('help_kinds', JSONType, nullable=False),
    sa.Column('budget', sa.String(length=200), nullable=True),
    sa.Column('timing', sa.String(length=200), nullable=True),
    sa.Column('matches', JSONType, nullable=False),
    sa.Column('assigned_to', sa.String(length=200), nullable=True),
    sa.Column('operator', sa.String(length=64), nullable=True),
    sa.Column('staff_message_id', sa.String(length=64), nullable=True),
    sa.Column('consent_at', sa.DateTime(), nullable=True),
    sa.Column('anonymised_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.create_index('ix_request_channel_user', ['channel', 'user_id'], unique=False)
        batch_op.create_index('ix_request_commune', ['commune_code'], unique=False)
        batch_op.create_index('ix_request_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_request_staff_message', ['staff_message_id'], unique=False)
        batch_op.create_index('ix_request_status', ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.drop_index('ix_request_status')
        batch_op.drop_index('ix_request_staff_message')
        batch_op.drop_index('ix_request_created_at')
        batch_op.drop_index('ix_request_commune')
        batch_op.drop_index('ix_request_channel_user')

    op.drop_table('request')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_sent_message')
        batch_op.drop_index('ix_outbox_due')

    op.drop_table('outbox')
    op.drop_table('handled_update')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_reference')
        batch_op.drop_index('ix_event_at')

    op.drop_table('event')
    op.drop_table('counter')
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_index('ix_conversation_updated_at')
        batch_op.drop_index('ix_conversation_channel_user')

    op.drop_table('conversation')
