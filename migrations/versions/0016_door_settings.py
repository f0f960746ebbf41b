"""door settings: names in the offline bundle, exit scans per checkpoint

Issue 16. ``door_settings`` holds an edition's choice to put the names of the accredited in
the scanner bundle (offline lookup). ``checkpoint_settings`` says which doors take exit scans;
doors that already recorded exits keep taking them.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 18:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'door_settings',
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('names_offline', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(['edition_id'], ['editions.id'], name=op.f('fk_door_settings_edition_id_editions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('edition_id', name=op.f('pk_door_settings')),
    )
    op.create_table(
        'checkpoint_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('checkpoint', sa.String(length=40), nullable=False),
        sa.Column('exit_scans', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(['edition_id'], ['editions.id'], name=op.f('fk_checkpoint_settings_edition_id_editions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_checkpoint_settings')),
        sa.UniqueConstraint('edition_id', 'checkpoint', name=op.f('uq_checkpoint_settings_edition_id_checkpoint')),
    )
    with op.batch_alter_table('checkpoint_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkpoint_settings_edition_id'), ['edition_id'], unique=False)
    # Doors that recorded exits before exit scans became a per-door choice keep taking them.
    op.execute(
        """
        INSERT INTO checkpoint_settings (edition_id, checkpoint, exit_scans)
        SELECT DISTINCT edition_id, checkpoint, true FROM scans WHERE direction = 'out'
        """
    )


def downgrade():
    with op.batch_alter_table('checkpoint_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkpoint_settings_edition_id'))
    op.drop_table('checkpoint_settings')
    op.drop_table('door_settings')
