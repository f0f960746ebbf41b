"""registration questions and answers; the edition's description

Issue 20. ``registration_questions`` holds the questions an edition's organisers add to the
registration form; ``registration_answers`` the answers, each with a copy of its question's key
and label (answers stay readable when the question changes). ``editions.description`` is the
Markdown text of the edition's page.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 18:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

KINDS = (
    "kind IN ('short_text', 'long_text', 'single_choice', 'multiple_choice', 'yes_no', "
    "'number', 'date', 'country', 'email', 'file')"
)


def upgrade():
    with op.batch_alter_table('editions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sa.Text(), server_default='', nullable=False))

    op.create_table('registration_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('help_text', sa.Text(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('category_ids', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('condition_question_id', sa.Integer(), nullable=True),
    sa.Column('condition_value', sa.String(length=300), nullable=False),
    sa.Column('sensitive', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(KINDS, name=op.f('ck_registration_questions_kind_known')),
    sa.ForeignKeyConstraint(['condition_question_id'], ['registration_questions.id'], name=op.f('fk_registration_questions_condition_question_id_registration_questions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['edition_id'], ['editions.id'], name=op.f('fk_registration_questions_edition_id_editions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_questions')),
    sa.UniqueConstraint('edition_id', 'key', name=op.f('uq_registration_questions_edition_id_key'))
    )
    with op.batch_alter_table('registration_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_questions_edition_id'), ['edition_id'], unique=False)

    op.create_table('registration_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('question_key', sa.String(length=40), nullable=False),
    sa.Column('question_label', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('sensitive', sa.Boolean(), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('value_text', sa.Text(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('file_type', sa.String(length=40), nullable=False),
    sa.Column('file_size', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['registration_questions.id'], name=op.f('fk_registration_answers_question_id_registration_questions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_registration_answers_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_answers')),
    sa.UniqueConstraint('registration_id', 'question_key', name=op.f('uq_registration_answers_registration_id_question_key'))
    )
    with op.batch_alter_table('registration_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_answers_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_answers_registration_id'), ['registration_id'], unique=False)


def downgrade():
    with op.batch_alter_table('registration_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_answers_registration_id'))
        batch_op.drop_index(batch_op.f('ix_registration_answers_question_id'))

    op.drop_table('registration_answers')
    with op.batch_alter_table('registration_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_questions_edition_id'))

    op.drop_table('registration_questions')
    with op.batch_alter_table('editions', schema=None) as batch_op:
        batch_op.drop_column('description')
