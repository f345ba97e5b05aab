"""Migration steps for the tables every service has (`shared/persistence/tables.py`).

Each service's Alembic revision calls the same step, so the shared tables change the same way in
every service's database. A released step never changes: a further change is a new step.
"""
import json

import sqlalchemy as sa
from alembic import op


def create_delivery_starts():
    """The consumers' crash-loop guard: starts of a redelivered event that have not finished."""
    op.create_table('delivery_starts',
                    sa.Column('consumer', sa.String(length=160), nullable=False),
                    sa.Column('event_id', sa.String(length=36), nullable=False),
                    sa.Column('starts', sa.Integer(), nullable=False),
                    sa.Column('last_started_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('consumer', 'event_id'))


def drop_delivery_starts():
    op.drop_table('delivery_starts')


def add_outbox_request_order():
    """The outbox keeps each request's events in order (correlation_id), pauses refused ones, parks some."""
    op.add_column('outbox', sa.Column('correlation_id', sa.String(length=64), nullable=True))
    op.add_column('outbox', sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('outbox', sa.Column('parked_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_outbox_request_order', 'outbox', ['correlation_id', 'published_at', 'id'], unique=False)
    # Events committed before this revision and not yet published keep their place in their request's order.
    outbox = sa.table('outbox', sa.column('id'), sa.column('payload'), sa.column('published_at'),
                      sa.column('correlation_id'))
    connection = op.get_bind()
    for row_id, payload in connection.execute(sa.select(outbox.c.id, outbox.c.payload)
                                              .where(outbox.c.published_at.is_(None))).all():
        correlation_id = json.loads(payload).get('correlation_id')
        if correlation_id:
            connection.execute(sa.update(outbox).where(outbox.c.id == row_id).values(correlation_id=correlation_id))


def drop_outbox_request_order():
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.drop_index('ix_outbox_request_order')
        batch_op.drop_column('parked_at')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('correlation_id')
