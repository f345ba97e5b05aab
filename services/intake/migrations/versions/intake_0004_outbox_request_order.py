"""outbox: each request's events in order (correlation_id), a pause after a refusal, parked events

Revision ID: intake_0004
Revises: intake_0003
"""
from shared.persistence.schema_steps import add_outbox_request_order, drop_outbox_request_order


revision = 'intake_0004'
down_revision = 'intake_0003'
branch_labels = None
depends_on = None


def upgrade():
    add_outbox_request_order()


def downgrade():
    drop_outbox_request_order()
