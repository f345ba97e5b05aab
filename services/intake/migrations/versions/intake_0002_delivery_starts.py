"""delivery starts: the consumers' crash-loop guard

Revision ID: intake_0002
Revises: intake_0001
Create Date: 2026-12-07 03:47:11.323224
"""
from shared.persistence.schema_steps import create_delivery_starts, drop_delivery_starts


revision = 'intake_0002'
down_revision = 'intake_0001'
branch_labels = None
depends_on = None


def upgrade():
    create_delivery_starts()


def downgrade():
    drop_delivery_starts()
