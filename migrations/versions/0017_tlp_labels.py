"""TLP labels: sessions, contributions, materials; the edition's default label

Issue 23. ``sessions.tlp`` (CLEAR unless set), ``session_contributions.tlp`` and
``session_materials.tlp`` (NULL: the session's label), ``editions.tlp_default`` (the label new
sessions start with). Existing rows keep what they showed: CLEAR.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 21:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

LABELS = "'CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'"


def upgrade():
    with op.batch_alter_table('editions', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('tlp_default', sa.String(length=20), server_default='CLEAR', nullable=False)
        )
        batch_op.create_check_constraint(
            op.f('ck_editions_tlp_default_known'), f"tlp_default IN ({LABELS})"
        )
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('tlp', sa.String(length=20), server_default='CLEAR', nullable=False)
        )
        batch_op.create_check_constraint(op.f('ck_sessions_tlp_known'), f"tlp IN ({LABELS})")
    with op.batch_alter_table('session_contributions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tlp', sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_session_contributions_tlp_known'), f"tlp IS NULL OR tlp IN ({LABELS})"
        )
    with op.batch_alter_table('session_materials', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tlp', sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_session_materials_tlp_known'), f"tlp IS NULL OR tlp IN ({LABELS})"
        )


def downgrade():
    with op.batch_alter_table('session_materials', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_session_materials_tlp_known'), type_='check')
        batch_op.drop_column('tlp')
    with op.batch_alter_table('session_contributions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_session_contributions_tlp_known'), type_='check')
        batch_op.drop_column('tlp')
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_sessions_tlp_known'), type_='check')
        batch_op.drop_column('tlp')
    with op.batch_alter_table('editions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_editions_tlp_default_known'), type_='check')
        batch_op.drop_column('tlp_default')
