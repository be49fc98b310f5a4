"""dashboard: each request's first staff action and first routing times, and a covering index for the comité's
dashboard (counts and delays over a period read the index alone)

Revision ID: 0006_dashboard
Revises: 0005_console
Create Date: 2026-11-30 15:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0006_dashboard'
down_revision = '0005_console'
branch_labels = None
depends_on = None

#: Kept in step with bot.staff.dashboard.FIRST_ACTION_KINDS (frozen here: a migration never imports the app).
FIRST_ACTION_KINDS = ('status', 'question', 'relay_to_mayor')
DASHBOARD_INDEX_COLUMNS = ['created_at', 'status', 'epci_code', 'commune_code', 'operator', 'first_action_at',
                           'routed_at', 'closed_at', 'first_action_wd', 'reference', 'themes']


def upgrade() -> None:
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_action_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('routed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('first_action_wd', sa.Integer(), nullable=True))
    _backfill()
    op.create_index('ix_request_dashboard', 'request', DASHBOARD_INDEX_COLUMNS, unique=False)


def _backfill() -> None:
    bind = op.get_bind()
    to = "(e.data ->> 'to')" if bind.dialect.name == 'postgresql' else "json_extract(e.data, '$.to')"
    kinds = ", ".join(f"'{k}'" for k in FIRST_ACTION_KINDS)
    op.execute(f"""UPDATE request SET
        first_action_at = (SELECT MIN(e.at) FROM event e WHERE e.reference = request.reference AND e.kind IN ({kinds})),
        routed_at = (SELECT MIN(e.at) FROM event e WHERE e.reference = request.reference AND e.kind = 'status'
                     AND {to} = 'orientee')""")
    # Working days (Mon-Fri) from filing to the first action: index(day) = 5 * (n / 7) + min(n % 7, 5), n = days
    # since Monday 1969-12-29 (the same as bot.store.repository.working_day_index).
    if bind.dialect.name == 'postgresql':
        day = "(CAST({} AS DATE) - DATE '1969-12-29')"
    else:
        day = "(CAST(julianday(date({})) - julianday('1969-12-29') AS INTEGER))"

    def index(col: str) -> str:
        n = day.format(col)
        return f"(5 * ({n} / 7) + CASE WHEN {n} % 7 > 5 THEN 5 ELSE {n} % 7 END)"

    op.execute(f"""UPDATE request SET first_action_wd = {index('first_action_at')} - {index('created_at')}
        WHERE first_action_at IS NOT NULL""")


def downgrade() -> None:
    op.drop_index('ix_request_dashboard', table_name='request')
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.drop_column('first_action_wd')
        batch_op.drop_column('routed_at')
        batch_op.drop_column('first_action_at')
