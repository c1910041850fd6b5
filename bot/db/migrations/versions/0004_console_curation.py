"""Console curation: inbox decisions, trainings (model history), who handled a booking, the mediator of a
staff account.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('inbox_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('intent', sa.String(length=100), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by'], ['staff_accounts.id'], name=op.f('fk_inbox_decisions_decided_by'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_decisions')),
    sa.UniqueConstraint('key', name=op.f('uq_inbox_decisions_key'))
    )
    op.create_table('trainings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_by', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('stage', sa.String(length=100), nullable=False),
    sa.Column('model', sa.String(length=200), nullable=True),
    sa.Column('previous_model', sa.String(length=200), nullable=True),
    sa.Column('scores', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['started_by'], ['staff_accounts.id'], name=op.f('fk_trainings_started_by'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trainings'))
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handled_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('handled_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('staff_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mediator_id', sa.String(length=40), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_staff_accounts_mediator_id'), 'mediators', ['mediator_id'], ['id'])



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('staff_accounts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_staff_accounts_mediator_id'), type_='foreignkey')
        batch_op.drop_column('mediator_id')

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('handled_at')
        batch_op.drop_column('handled_by')

    op.drop_table('trainings')
    op.drop_table('inbox_decisions')
