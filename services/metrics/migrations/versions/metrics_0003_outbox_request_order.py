"""outbox: each request's events in order (correlation_id), a pause after a refusal, parked events

Revision ID: metrics_0003
Revises: metrics_0002
"""
from shared.persistence.schema_steps import add_outbox_request_order, drop_outbox_request_order


revision = 'metrics_0003'
down_revision = 'metrics_0002'
branch_labels = None
depends_on = None


def upgrade():
    add_outbox_request_order()


def downgrade():
    drop_outbox_request_order()
