"""agenda stars and private full-programme feeds

``agenda_stars``: the sessions a person put on their own agenda (one row per person and
session). ``programme_feed_tokens``: the hashed secret of a person's private full-programme
feed, one per person and edition.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 18:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agenda_stars',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['edition_id'], ['editions.id'], name=op.f('fk_agenda_stars_edition_id_editions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_agenda_stars_session_id_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_agenda_stars_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_stars')),
    sa.UniqueConstraint('user_id', 'session_id', name=op.f('uq_agenda_stars_user_id_session_id'))
    )
    with op.batch_alter_table('agenda_stars', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_stars_edition_id'), ['edition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_stars_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_stars_user_id'), ['user_id'], unique=False)

    op.create_table('programme_feed_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['edition_id'], ['editions.id'], name=op.f('fk_programme_feed_tokens_edition_id_editions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_programme_feed_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_feed_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_programme_feed_tokens_token_hash')),
    sa.UniqueConstraint('user_id', 'edition_id', name=op.f('uq_programme_feed_tokens_user_id_edition_id'))
    )
    with op.batch_alter_table('programme_feed_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_feed_tokens_edition_id'), ['edition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_programme_feed_tokens_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('programme_feed_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_feed_tokens_user_id'))
        batch_op.drop_index(batch_op.f('ix_programme_feed_tokens_edition_id'))
    op.drop_table('programme_feed_tokens')

    with op.batch_alter_table('agenda_stars', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_stars_user_id'))
        batch_op.drop_index(batch_op.f('ix_agenda_stars_session_id'))
        batch_op.drop_index(batch_op.f('ix_agenda_stars_edition_id'))
    op.drop_table('agenda_stars')
