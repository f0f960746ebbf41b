"""Materials: "not shared" flag and the download log of labelled materials

Issue 23. ``session_materials.shared`` (false: only the organisers and the session's speakers
reach the material, whatever its label) and ``material_downloads``: every download or view of
a material whose label is not CLEAR (who, when, which file, which label). The row keeps the
label the file was served under; the person is set to NULL when their account is deleted.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 21:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('session_materials', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('shared', sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    op.create_table(
        'material_downloads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('material_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=20), nullable=False),
        sa.Column('inline', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('watermarked', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('downloaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['material_id'], ['session_materials.id'],
            name=op.f('fk_material_downloads_material_id_session_materials'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'],
            name=op.f('fk_material_downloads_user_id_users'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['edition_id'], ['editions.id'],
            name=op.f('fk_material_downloads_edition_id_editions'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_material_downloads')),
    )
    with op.batch_alter_table('material_downloads', schema=None) as batch_op:
        batch_op.create_index(
            'ix_material_downloads_material_time', ['material_id', 'downloaded_at'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_material_downloads_user_id'), ['user_id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_material_downloads_edition_id'), ['edition_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('material_downloads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_material_downloads_edition_id'))
        batch_op.drop_index(batch_op.f('ix_material_downloads_user_id'))
        batch_op.drop_index('ix_material_downloads_material_time')
    op.drop_table('material_downloads')
    with op.batch_alter_table('session_materials', schema=None) as batch_op:
        batch_op.drop_column('shared')
