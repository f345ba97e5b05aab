"""sign-in throttle: failed sign-ins per account and per client address, and their locks

Revision ID: intake_0005
Revises: intake_0004
"""
import sqlalchemy as sa
from alembic import op

revision = 'intake_0005'
down_revision = 'intake_0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signin_failures',
                    sa.Column('key', sa.String(length=120), nullable=False),
                    sa.Column('failures', sa.Integer(), nullable=False),
                    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
                    sa.PrimaryKeyConstraint('key'))


def downgrade():
    op.drop_table('signin_failures')
