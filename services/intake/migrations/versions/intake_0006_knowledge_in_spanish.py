"""knowledge articles in Spanish: an optional Spanish question, answer and keywords per article

Revision ID: intake_0006
Revises: intake_0005
"""
import sqlalchemy as sa
from alembic import op

revision = 'intake_0006'
down_revision = 'intake_0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('knowledge_articles') as batch_op:
        batch_op.add_column(sa.Column('question_es', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('answer_es', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('keywords_es', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('knowledge_articles') as batch_op:
        batch_op.drop_column('keywords_es')
        batch_op.drop_column('answer_es')
        batch_op.drop_column('question_es')
