"""room hours: a room's daily opening hours

Issue 19. ``rooms.opens_at`` and ``rooms.closes_at`` hold the local time of day (in the
edition's zone) a room opens and closes; both empty means no limit. The schedule checks
every move against them.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 21:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rooms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opens_at', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('closes_at', sa.Time(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_rooms_hours_ordered'),
            "(opens_at IS NULL AND closes_at IS NULL)"
            " OR (opens_at IS NOT NULL AND closes_at IS NOT NULL AND closes_at > opens_at)",
        )


def downgrade():
    with op.batch_alter_table('rooms', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_rooms_hours_ordered'), type_='check')
        batch_op.drop_column('closes_at')
        batch_op.drop_column('opens_at')
