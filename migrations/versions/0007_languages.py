"""languages: a person's language, an edition's languages, translated names

Issue 15. ``users.locale`` holds the language a person chose (None: their browser's).
``editions.languages`` lists the languages an edition is offered in (comma-separated, the
first is the one its texts are entered in); ``editions.title_translations`` and the
categories' ``name_translations`` / ``description_translations`` map a language to the text
shown in it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=16), nullable=True))

    with op.batch_alter_table('editions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('languages', sa.String(length=200), server_default='en,fr,de', nullable=False))
        batch_op.add_column(sa.Column('title_translations', sa.JSON(), server_default='{}', nullable=False))

    with op.batch_alter_table('accreditation_categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_translations', sa.JSON(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('description_translations', sa.JSON(), server_default='{}', nullable=False))


def downgrade():
    with op.batch_alter_table('accreditation_categories', schema=None) as batch_op:
        batch_op.drop_column('description_translations')
        batch_op.drop_column('name_translations')

    with op.batch_alter_table('editions', schema=None) as batch_op:
        batch_op.drop_column('title_translations')
        batch_op.drop_column('languages')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locale')
