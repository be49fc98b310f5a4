"""console: agents, one-time login links, login attempts, per-operator routes; request assignee and last staff action

Revision ID: 0005_console
Revises: 0002
Create Date: 2026-11-30 14:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

# Frozen copies of the column types (see 0001).
BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

revision = '0005_console'
down_revision = '0004_delivery'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agent',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('operator', sa.String(length=32), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('oidc_sub', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email')
    )
    op.create_table('login_token',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_table('login_attempt',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_login_attempt_key_at', 'login_attempt', ['key', 'at'], unique=False)
    op.create_table('request_route',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('operator', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference', 'operator', name='uq_request_route')
    )
    op.create_index('ix_request_route_operator', 'request_route', ['operator', 'reference'], unique=False)
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_agent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('staff_action_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=True))
        batch_op.create_index('ix_request_epci', ['epci_code'], unique=False)
        batch_op.create_index('ix_request_assigned_agent', ['assigned_agent_id'], unique=False)
        batch_op.create_index('ix_request_staff_action_at', ['staff_action_at'], unique=False)
        batch_op.create_index('ix_request_operator', ['operator'], unique=False)
    op.create_index('ix_request_status_created', 'request', ['status', 'created_at'], unique=False)
    op.create_index('ix_request_status_assignee', 'request', ['status', 'assigned_to'], unique=False)
    op.create_table('request_theme',
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('theme', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('reference', 'theme')
    )
    op.create_index('ix_request_theme_theme', 'request_theme', ['theme', 'reference'], unique=False)
    _backfill_search_text()
    _backfill_themes()
    if op.get_bind().dialect.name == 'postgresql':
        # Trigram index for the console's substring search, when the extension can be had (it ships with PostgreSQL;
        # creating it needs the right to: without it the search still works, by a scan).
        op.execute("""DO $$ BEGIN
            CREATE EXTENSION IF NOT EXISTS pg_trgm;
            EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'pg_trgm unavailable: %', SQLERRM;
        END $$""")
        op.execute("""DO $$ BEGIN
            IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
                CREATE INDEX IF NOT EXISTS ix_request_search_trgm ON request USING gin (search_text gin_trgm_ops);
            END IF;
        END $$""")


def _fold(value: str) -> str:
    import unicodedata

    value = unicodedata.normalize('NFKD', value or '')
    return ' '.join(''.join(c for c in value if not unicodedata.combining(c)).lower().split())


def _backfill_themes() -> None:
    bind = op.get_bind()
    request = sa.table('request', sa.column('reference', sa.String), sa.column('themes', sa.JSON))
    request_theme = sa.table('request_theme', sa.column('reference', sa.String), sa.column('theme', sa.String))
    rows = [{'reference': r.reference, 'theme': str(t)[:64]}
            for r in bind.execute(sa.select(request.c.reference, request.c.themes)).all()
            for t in dict.fromkeys(r.themes or [])]
    if rows:
        bind.execute(sa.insert(request_theme), rows)


def _backfill_search_text() -> None:
    bind = op.get_bind()
    request = sa.table('request', sa.column('id', sa.Integer), sa.column('reference', sa.String),
                       sa.column('commune_name', sa.String), sa.column('description', sa.Text),
                       sa.column('search_text', sa.Text))
    rows = bind.execute(sa.select(request.c.id, request.c.reference, request.c.commune_name,
                                  request.c.description)).all()
    for row in rows:
        text = _fold(' '.join(p for p in (row.reference, row.commune_name, row.description) if p))
        bind.execute(sa.update(request).where(request.c.id == row.id).values(search_text=text))


def downgrade() -> None:
    op.execute('DROP INDEX IF EXISTS ix_request_search_trgm')
    op.drop_index('ix_request_theme_theme', table_name='request_theme')
    op.drop_table('request_theme')
    op.drop_index('ix_request_status_assignee', table_name='request')
    op.drop_index('ix_request_status_created', table_name='request')
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.drop_index('ix_request_operator')
        batch_op.drop_index('ix_request_staff_action_at')
        batch_op.drop_index('ix_request_assigned_agent')
        batch_op.drop_index('ix_request_epci')
        batch_op.drop_column('search_text')
        batch_op.drop_column('staff_action_at')
        batch_op.drop_column('assigned_agent_id')
    op.drop_index('ix_request_route_operator', table_name='request_route')
    op.drop_table('request_route')
    op.drop_index('ix_login_attempt_key_at', table_name='login_attempt')
    op.drop_table('login_attempt')
    op.drop_table('login_token')
    op.drop_table('agent')
