"""Group workshops: their sessions (copied from knowledge_base/workshops.yml), registrations with seats and a
waiting list, and the row that serialises the copies.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    state = op.create_table('workshops_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('loaded_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshops_state'))
    )
    op.bulk_insert(state, [{"id": 1, "digest": ""}])  # the row copies lock (store.load_knowledge)
    op.create_table('workshop_sessions',
    sa.Column('id', sa.String(length=120), nullable=False),
    sa.Column('workshop_id', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('theme', sa.String(length=40), nullable=True),
    sa.Column('level', sa.String(length=20), nullable=True),
    sa.Column('site_id', sa.String(length=40), nullable=False),
    sa.Column('room', sa.String(length=200), nullable=True),
    sa.Column('mediator_id', sa.String(length=40), nullable=False),
    sa.Column('start', sa.DateTime(), nullable=False),
    sa.Column('end', sa.DateTime(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['mediator_id'], ['mediators.id'], name=op.f('fk_workshop_sessions_mediator_id')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_workshop_sessions_site_id')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_sessions'))
    )
    with op.batch_alter_table('workshop_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_workshop_sessions_start', ['start'], unique=False)

    op.create_table('workshop_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('session_id', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('seat', sa.Integer(), nullable=True),
    sa.Column('first_name', sa.String(length=80), nullable=True),
    sa.Column('contact', sa.String(length=254), nullable=True),
    sa.Column('contact_kind', sa.String(length=10), nullable=True),
    sa.Column('channel', sa.String(length=30), nullable=False),
    sa.Column('sender_id', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('promoted_at', sa.DateTime(), nullable=True),
    sa.Column('promoted_via', sa.String(length=40), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('cancelled_via', sa.String(length=40), nullable=True),
    sa.Column('skipped', sa.Boolean(), nullable=False),
    sa.Column('attended', sa.Boolean(), nullable=True),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.Column('reminded_via', sa.String(length=40), nullable=True),
    sa.Column('anonymised_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("(status = 'registered') = (seat IS NOT NULL)", name=op.f('ck_workshop_registrations_seat_when_registered')),
    sa.ForeignKeyConstraint(['session_id'], ['workshop_sessions.id'], name=op.f('fk_workshop_registrations_session_id')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_registrations')),
    sa.UniqueConstraint('code', name=op.f('uq_workshop_registrations_code'))
    )
    with op.batch_alter_table('workshop_registrations', schema=None) as batch_op:
        batch_op.create_index('ix_workshop_registrations_session_id', ['session_id'], unique=False)
        batch_op.create_index('uq_workshop_registrations_session_id_seat_registered', ['session_id', 'seat'], unique=True, sqlite_where=sa.text("status = 'registered'"), postgresql_where=sa.text("status = 'registered'"))



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('workshop_registrations', schema=None) as batch_op:
        batch_op.drop_index('uq_workshop_registrations_session_id_seat_registered', sqlite_where=sa.text("status = 'registered'"), postgresql_where=sa.text("status = 'registered'"))
        batch_op.drop_index('ix_workshop_registrations_session_id')

    op.drop_table('workshop_registrations')
    with op.batch_alter_table('workshop_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_workshop_sessions_start')

    op.drop_table('workshop_sessions')
    op.drop_table('workshops_state')
