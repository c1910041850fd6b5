"""Initial schema: sites, mediators, weekly availability, closures, bookings.

Moments are naive UTC (bot.db.tables.UTCDateTime).

Revision ID: 0001
Revises:
Create Date: 2026-11-26

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    knowledge_state = op.create_table('knowledge_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('loaded_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_state'))
    )
    op.bulk_insert(knowledge_state, [{"id": 1, "digest": ""}])  # the row loads lock (store.load_knowledge)
    op.create_table('mediators',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('first_name', sa.String(length=80), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mediators'))
    )
    op.create_table('sites',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('postal_code', sa.String(length=5), nullable=False),
    sa.Column('commune', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('accessibility', sa.Text(), nullable=True),
    sa.Column('closed_on_public_holidays', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites'))
    )
    op.create_table('availability',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mediator_id', sa.String(length=40), nullable=False),
    sa.Column('site_id', sa.String(length=40), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.Column('slot_minutes', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['mediator_id'], ['mediators.id'], name=op.f('fk_availability_mediator_id')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_availability_site_id')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability'))
    )
    op.create_table('bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('site_id', sa.String(length=40), nullable=False),
    sa.Column('mediator_id', sa.String(length=40), nullable=False),
    sa.Column('start', sa.DateTime(), nullable=False),
    sa.Column('end', sa.DateTime(), nullable=False),
    sa.Column('topic', sa.String(length=60), nullable=True),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('first_name', sa.String(length=80), nullable=True),
    sa.Column('contact', sa.String(length=254), nullable=True),
    sa.Column('contact_kind', sa.String(length=10), nullable=True),
    sa.Column('accessibility', sa.Text(), nullable=True),
    sa.Column('channel', sa.String(length=30), nullable=False),
    sa.Column('sender_id', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('moved_at', sa.DateTime(), nullable=True),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.Column('reminded_via', sa.String(length=40), nullable=True),
    sa.Column('anonymised_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['mediator_id'], ['mediators.id'], name=op.f('fk_bookings_mediator_id')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_bookings_site_id')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings')),
    sa.UniqueConstraint('code', name=op.f('uq_bookings_code'))
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_start', ['start'], unique=False)
        batch_op.create_index('uq_bookings_mediator_id_start_confirmed', ['mediator_id', 'start'], unique=True, sqlite_where=sa.text("status = 'confirmed'"), postgresql_where=sa.text("status = 'confirmed'"))

    op.create_table('closures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('site_id', sa.String(length=40), nullable=True),
    sa.Column('mediator_id', sa.String(length=40), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['mediator_id'], ['mediators.id'], name=op.f('fk_closures_mediator_id')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_closures_site_id')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_closures'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('closures')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('uq_bookings_mediator_id_start_confirmed', sqlite_where=sa.text("status = 'confirmed'"), postgresql_where=sa.text("status = 'confirmed'"))
        batch_op.drop_index('ix_bookings_start')

    op.drop_table('bookings')
    op.drop_table('availability')
    op.drop_table('sites')
    op.drop_table('mediators')
    op.drop_table('knowledge_state')
