"""mailings: organisers write to groups of participants

Issue 17. ``mailings`` holds a mailing (subject, body, the group as JSON, its state);
``mailing_messages`` one row per recipient with the outbox message queued for them (unique per
mailing and address: one message per person).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 18:08:12.044363

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mailings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('recipient_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('draft', 'sending', 'stopped', 'sent')", name=op.f('ck_mailings_state_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_mailings_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['edition_id'], ['editions.id'], name=op.f('fk_mailings_edition_id_editions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailings'))
    )
    with op.batch_alter_table('mailings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mailings_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index('ix_mailings_edition_created', ['edition_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mailings_edition_id'), ['edition_id'], unique=False)

    op.create_table('mailing_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mailing_id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('to', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['mailing_id'], ['mailings.id'], name=op.f('fk_mailing_messages_mailing_id_mailings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_mailing_messages_outbox_id_outbox'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mailing_messages_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailing_messages')),
    sa.UniqueConstraint('mailing_id', 'to', name=op.f('uq_mailing_messages_mailing_id_to')),
    sa.UniqueConstraint('outbox_id', name=op.f('uq_mailing_messages_outbox_id'))
    )
    with op.batch_alter_table('mailing_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mailing_messages_mailing_id'), ['mailing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mailing_messages_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('mailing_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mailing_messages_user_id'))
        batch_op.drop_index(batch_op.f('ix_mailing_messages_mailing_id'))

    op.drop_table('mailing_messages')
    with op.batch_alter_table('mailings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mailings_edition_id'))
        batch_op.drop_index('ix_mailings_edition_created')
        batch_op.drop_index(batch_op.f('ix_mailings_created_by_id'))

    op.drop_table('mailings')
