"""people: who a person is (name, phone, e-mail, role, collectivité), offered back on their next request

Revision ID: 0003_people
Revises: 0002
Create Date: 2026-11-30 14:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0003_people'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('people',
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=64), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('role', sa.String(length=64), nullable=True),
    sa.Column('commune_code', sa.String(length=16), nullable=True),
    sa.Column('commune_name', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'user_id')
    )


def downgrade() -> None:
    op.drop_table('people')
