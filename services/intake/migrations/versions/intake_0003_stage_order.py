"""service_requests.route_decided_at and work_order_at: when the routing decision and the work order shown were
published, so an event that comes late cannot move the public record back

Revision ID: intake_0003
Revises: intake_0002
"""
from alembic import op
import sqlalchemy as sa


revision = 'intake_0003'
down_revision = 'intake_0002'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('service_requests', sa.Column('route_decided_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('service_requests', sa.Column('work_order_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('service_requests') as batch_op:
        batch_op.drop_column('work_order_at')
        batch_op.drop_column('route_decided_at')
