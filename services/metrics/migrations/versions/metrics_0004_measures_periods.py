"""measures periods: one measures update on the stream per period, whatever the number of instances

Revision ID: metrics_0004
Revises: metrics_0003
"""
import sqlalchemy as sa
from alembic import op

revision = 'metrics_0004'
down_revision = 'metrics_0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('measures_periods',
                    sa.Column('period_start', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('facts_marker', sa.String(length=80), nullable=False),
                    sa.PrimaryKeyConstraint('period_start'))


def downgrade():
    op.drop_table('measures_periods')
