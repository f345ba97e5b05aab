"""requests.stage_changed_at: when the stage notifications holds changed, so an older change cannot move it back

Revision ID: notifications_0002
Revises: notifications_0001
"""
from alembic import op
import sqlalchemy as sa


revision = 'notifications_0002'
down_revision = 'notifications_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('requests', sa.Column('stage_changed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('requests') as batch_op:
        batch_op.drop_column('stage_changed_at')
