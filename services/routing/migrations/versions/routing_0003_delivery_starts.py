"""delivery starts: the consumers' crash-loop guard

Revision ID: routing_0003
Revises: routing_0002
Create Date: 2026-12-07 03:47:12.366799
"""
from shared.persistence.schema_steps import create_delivery_starts, drop_delivery_starts


revision = 'routing_0003'
down_revision = 'routing_0002'
branch_labels = None
depends_on = None


def upgrade():
    create_delivery_starts()


def downgrade():
    drop_delivery_starts()
