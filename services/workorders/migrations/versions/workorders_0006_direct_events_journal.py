"""direct events journal: in the workorders database instead of a file on one host

Revision ID: workorders_0006
Revises: workorders_0005
"""
import sqlalchemy as sa
from alembic import op

revision = 'workorders_0006'
down_revision = 'workorders_0005'
branch_labels = None
depends_on = None

_ARRIVAL = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('direct_journals',
                    sa.Column('system', sa.String(length=60), nullable=False),
                    sa.Column('journal_id', sa.String(length=32), nullable=False),
                    sa.PrimaryKeyConstraint('system'))
    op.create_table('direct_work_orders',
                    sa.Column('system', sa.String(length=60), nullable=False),
                    sa.Column('work_order_id', sa.String(length=200), nullable=False),
                    sa.Column('reference', sa.String(length=80), nullable=False),
                    sa.Column('generation', sa.Integer(), nullable=False),
                    sa.Column('state', sa.String(length=20), nullable=False),
                    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('system', 'work_order_id'))
    op.create_index('ix_direct_work_orders_reference', 'direct_work_orders', ['system', 'reference'], unique=False)
    op.create_table('direct_status_reports',
                    sa.Column('seq', _ARRIVAL, autoincrement=True, nullable=False),
                    sa.Column('system', sa.String(length=60), nullable=False),
                    sa.Column('update_id', sa.String(length=120), nullable=False),
                    sa.Column('work_order_id', sa.String(length=200), nullable=False),
                    sa.Column('reference', sa.String(length=80), nullable=False),
                    sa.Column('status', sa.String(length=40), nullable=False),
                    sa.Column('changed_at', sa.String(length=64), nullable=False),
                    sa.Column('resolution', sa.Text(), nullable=True),
                    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('seq'),
                    sa.UniqueConstraint('system', 'update_id', name='uq_direct_status_reports_update'))
    op.create_index('ix_direct_status_reports_arrival', 'direct_status_reports', ['system', 'seq'], unique=False)
    op.create_index(op.f('ix_direct_status_reports_received_at'), 'direct_status_reports', ['received_at'],
                    unique=False)


def downgrade():
    op.drop_table('direct_status_reports')
    op.drop_table('direct_work_orders')
    op.drop_table('direct_journals')
