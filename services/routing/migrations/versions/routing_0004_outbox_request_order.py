"""outbox: each request's events in order (correlation_id), a pause after a refusal, parked events

Revision ID: routing_0004
Revises: routing_0003
"""
from shared.persistence.schema_steps import add_outbox_request_order, drop_outbox_request_order


revision = 'routing_0004'
down_revision = 'routing_0003'
branch_labels = None
depends_on = None


def upgrade():
    add_outbox_request_order()


def downgrade():
    drop_outbox_request_order()
