"""reminders: each edition's reminder settings, and the reminders already sent

Issue 17. ``reminder_settings`` holds an edition's choice per kind of reminder (on or off,
days ahead); ``sent_reminders`` records every reminder sent, unique per (edition, kind, key),
so that none is ever sent twice.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 18:22:15

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reminder_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('days_before', sa.Integer(), nullable=True),
    sa.CheckConstraint('days_before IS NULL OR (days_before >= 0 AND days_before <= 365)', name=op.f('ck_reminder_settings_days_before_range')),
    sa.ForeignKeyConstraint(['edition_id'], ['editions.id'], name=op.f('fk_reminder_settings_edition_id_editions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_settings')),
    sa.UniqueConstraint('edition_id', 'kind', name=op.f('uq_reminder_settings_edition_id_kind'))
    )
    with op.batch_alter_table('reminder_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_settings_edition_id'), ['edition_id'], unique=False)

    op.create_table('sent_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['edition_id'], ['editions.id'], name=op.f('fk_sent_reminders_edition_id_editions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sent_reminders')),
    sa.UniqueConstraint('edition_id', 'kind', 'key', name=op.f('uq_sent_reminders_edition_id_kind_key'))
    )
    with op.batch_alter_table('sent_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sent_reminders_edition_id'), ['edition_id'], unique=False)



def downgrade():
    with op.batch_alter_table('sent_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sent_reminders_edition_id'))

    op.drop_table('sent_reminders')
    with op.batch_alter_table('reminder_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_settings_edition_id'))

    op.drop_table('reminder_settings')
