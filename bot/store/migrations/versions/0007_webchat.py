"""webchat: web chat people, sessions, e-mail codes and transcript

Revision ID: 0007_webchat
Revises: 0006_dashboard
Create Date: 2026-11-30 14:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

revision = '0007_webchat'
down_revision = '0006_dashboard'
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('web_person',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('email', sa.String(320), nullable=True),
    sa.Column('email_confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email'),
    )
    op.create_table('web_session',
    sa.Column('token_hash', sa.String(64), nullable=False),
    sa.Column('person_id', sa.String(40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('data', JSONType, nullable=False),
    sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_index('ix_web_session_person', 'web_session', ['person_id'])
    op.create_table('web_code',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('email', sa.String(320), nullable=False),
    sa.Column('session_hash', sa.String(64), nullable=False),
    sa.Column('code_hash', sa.String(64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_web_code_email', 'web_code', ['email', 'created_at'])
    op.create_index('ix_web_code_session', 'web_code', ['session_hash', 'created_at'])
    op.create_table('web_message',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('person_id', sa.String(40), nullable=False),
    sa.Column('author', sa.String(16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('buttons', JSONType, nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('update_key', sa.String(200), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('update_key'),
    )
    op.create_index('ix_web_message_person', 'web_message', ['person_id', 'id'])


def downgrade() -> None:
    op.drop_index('ix_web_message_person', table_name='web_message')
    op.drop_table('web_message')
    op.drop_index('ix_web_code_session', table_name='web_code')
    op.drop_index('ix_web_code_email', table_name='web_code')
    op.drop_table('web_code')
    op.drop_index('ix_web_session_person', table_name='web_session')
    op.drop_table('web_session')
    op.drop_table('web_person')
