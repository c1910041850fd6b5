"""Held contacts: the contact given in the booking form, kept out of the conversation until the booking.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('held_contacts',
    sa.Column('channel', sa.String(length=30), nullable=False),
    sa.Column('sender_id', sa.String(length=255), nullable=False),
    sa.Column('contact', sa.String(length=254), nullable=False),
    sa.Column('contact_kind', sa.String(length=10), nullable=False),
    sa.Column('held_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'sender_id', name=op.f('pk_held_contacts'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('held_contacts')
