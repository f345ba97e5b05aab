"""delivery starts: the consumers' crash-loop guard

Revision ID: metrics_0002
Revises: metrics_0001
Create Date: 2026-12-07 03:47:15.664606
"""
from shared.persistence.schema_steps import create_delivery_starts, drop_delivery_starts


revision = 'metrics_0002'
down_revision = 'metrics_0001'
branch_labels = None
depends_on = None


def upgrade():
    create_delivery_starts()


def downgrade():
    drop_delivery_starts()
