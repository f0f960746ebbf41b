"""invitations and the waiting list: registration_invitations, waitlist_entries

Issue 20. ``registration_invitations`` are the organisers' invitations to register in a
pre-set category (a signed link, used once; optionally holding a place of the quota);
``waitlist_entries`` order the waitlisted registrations and record a place offered to one.
``editions.waitlist_mode`` (automatic, offer, manual) and ``editions.waitlist_offer_days``
say what happens when a place frees.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 18:08:36.571189

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('registration_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accredit_at_once', sa.Boolean(), nullable=False),
    sa.Column('reserves_place', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('send_count', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hold_released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['accreditation_categories.id'], name=op.f('fk_registration_invitations_category_id_accreditation_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_registration_invitations_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['edition_id'], ['editions.id'], name=op.f('fk_registration_invitations_edition_id_editions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_registration_invitations_registration_id_registrations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_invitations')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_registration_invitations_registration_id'))
    )
    with op.batch_alter_table('registration_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_invitations_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_invitations_edition_id'), ['edition_id'], unique=False)
        batch_op.create_index('uq_registration_invitations_live_email', ['edition_id', 'email'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    op.create_table('waitlist_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('offered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('offer_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lapsed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('waiting', 'offered', 'lapsed')", name=op.f('ck_waitlist_entries_waitlist_entry_state')),
    sa.ForeignKeyConstraint(['category_id'], ['accreditation_categories.id'], name=op.f('fk_waitlist_entries_category_id_accreditation_categories'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['edition_id'], ['editions.id'], name=op.f('fk_waitlist_entries_edition_id_editions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_waitlist_entries_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_entries')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_waitlist_entries_registration_id'))
    )
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waitlist_entries_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_waitlist_entries_edition_id'), ['edition_id'], unique=False)
        batch_op.create_index('ix_waitlist_entries_order', ['edition_id', 'state', 'created_at', 'id'], unique=False)

    with op.batch_alter_table('editions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waitlist_mode', sa.String(length=20), server_default='automatic', nullable=False))
        batch_op.add_column(sa.Column('waitlist_offer_days', sa.Integer(), server_default='3', nullable=False))

    # Registrations already waitlisted join the list in the order they were waitlisted.
    op.execute(
        "INSERT INTO waitlist_entries (edition_id, registration_id, category_id, state, created_at) "
        "SELECT edition_id, id, COALESCE(category_id, requested_category_id), 'waiting', "
        "COALESCE(decided_at, updated_at) FROM registrations WHERE state = 'waitlisted' "
        "ORDER BY COALESCE(decided_at, updated_at), id"
    )



def downgrade():
    with op.batch_alter_table('editions', schema=None) as batch_op:
        batch_op.drop_column('waitlist_offer_days')
        batch_op.drop_column('waitlist_mode')

    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_waitlist_entries_order')
        batch_op.drop_index(batch_op.f('ix_waitlist_entries_edition_id'))
        batch_op.drop_index(batch_op.f('ix_waitlist_entries_category_id'))

    op.drop_table('waitlist_entries')
    with op.batch_alter_table('registration_invitations', schema=None) as batch_op:
        batch_op.drop_index('uq_registration_invitations_live_email', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_registration_invitations_edition_id'))
        batch_op.drop_index(batch_op.f('ix_registration_invitations_category_id'))

    op.drop_table('registration_invitations')
