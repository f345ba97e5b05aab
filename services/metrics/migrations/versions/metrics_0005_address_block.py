"""request facts keep the address block (open data), never a house number

Facts folded before this revision have none (an empty cell in the export).

Revision ID: metrics_0005
Revises: metrics_0004
"""
import sqlalchemy as sa
from alembic import op

revision = 'metrics_0005'
down_revision = 'metrics_0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('request_facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address_block', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('request_facts', schema=None) as batch_op:
        batch_op.drop_column('address_block')
