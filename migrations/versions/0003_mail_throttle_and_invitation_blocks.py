"""mail throttle (who requested a mail) and co-speaker invitation blocks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invitation_blocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_invitation_blocks_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation_blocks')),
    sa.UniqueConstraint('submission_id', 'email', name=op.f('uq_invitation_blocks_submission_id_email'))
    )
    with op.batch_alter_table('invitation_blocks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_blocks_submission_id'), ['submission_id'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requested_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_outbox_requested_by_id_users'), 'users', ['requested_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_outbox_requested_by_id'), ['requested_by_id'], unique=False)
        batch_op.create_index('ix_outbox_to_created', ['to', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_to_created')
        batch_op.drop_index(batch_op.f('ix_outbox_requested_by_id'))
        batch_op.drop_constraint(batch_op.f('fk_outbox_requested_by_id_users'), type_='foreignkey')
        batch_op.drop_column('requested_by_id')

    with op.batch_alter_table('invitation_blocks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_blocks_submission_id'))

    op.drop_table('invitation_blocks')
