"""transportation journal: in the workorders database instead of a file on one host

Revision ID: workorders_0005
Revises: workorders_0004
"""
import sqlalchemy as sa
from alembic import op

revision = 'workorders_0005'
down_revision = 'workorders_0004'
branch_labels = None
depends_on = None

_ARRIVAL = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('transportation_journals',
                    sa.Column('system', sa.String(length=60), nullable=False),
                    sa.Column('journal_id', sa.String(length=32), nullable=False),
                    sa.PrimaryKeyConstraint('system'))
    op.create_table('transportation_acknowledgements',
                    sa.Column('arrival', _ARRIVAL, autoincrement=True, nullable=False),
                    sa.Column('system', sa.String(length=60), nullable=False),
                    sa.Column('bod_id', sa.String(length=80), nullable=False),
                    sa.Column('correlation_id', sa.String(length=80), nullable=False),
                    sa.Column('original_bod_id', sa.String(length=80), nullable=False),
                    sa.Column('accepted', sa.Boolean(), nullable=False),
                    sa.Column('legacy_id', sa.String(length=80), nullable=True),
                    sa.Column('external_reference', sa.String(length=80), nullable=True),
                    sa.Column('status', sa.String(length=80), nullable=True),
                    sa.Column('reason_code', sa.String(length=80), nullable=True),
                    sa.Column('reason', sa.Text(), nullable=True),
                    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('arrival'),
                    sa.UniqueConstraint('system', 'bod_id', name='uq_transportation_acknowledgements_bod'))
    op.create_index('ix_transportation_acknowledgements_correlation', 'transportation_acknowledgements',
                    ['system', 'correlation_id'], unique=False)
    op.create_index(op.f('ix_transportation_acknowledgements_received_at'), 'transportation_acknowledgements',
                    ['received_at'], unique=False)
    op.create_table('transportation_sync_documents',
                    sa.Column('seq', _ARRIVAL, autoincrement=True, nullable=False),
                    sa.Column('system', sa.String(length=60), nullable=False),
                    sa.Column('bod_id', sa.String(length=80), nullable=False),
                    sa.Column('legacy_id', sa.String(length=80), nullable=False),
                    sa.Column('external_reference', sa.String(length=80), nullable=False),
                    sa.Column('status', sa.String(length=80), nullable=False),
                    sa.Column('resolution', sa.Text(), nullable=True),
                    sa.Column('changed_at', sa.String(length=40), nullable=False),
                    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('seq'),
                    sa.UniqueConstraint('system', 'bod_id', name='uq_transportation_sync_documents_bod'))
    op.create_index('ix_transportation_sync_documents_arrival', 'transportation_sync_documents',
                    ['system', 'seq'], unique=False)
    op.create_index(op.f('ix_transportation_sync_documents_received_at'), 'transportation_sync_documents',
                    ['received_at'], unique=False)


def downgrade():
    op.drop_table('transportation_sync_documents')
    op.drop_table('transportation_acknowledgements')
    op.drop_table('transportation_journals')
