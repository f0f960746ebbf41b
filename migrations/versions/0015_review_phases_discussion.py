"""review phases, discussion, criteria descriptors, reviewer reminders

Issue 21 (reviewers and chairs). ``review_settings`` holds an edition's review phase
(assigning, reviewing, discussion, decisions) and whether reviewers see each other's names;
``review_criteria`` what each score means; ``review_discussion_comments`` the committee's
discussion of a submission; ``reviewer_reminders`` the reminders chairs sent.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 18:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def _fk(table, column, target, ondelete):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade():
    op.create_table(
        "review_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("reviewer_names_visible", sa.Boolean(), nullable=False),
        sa.Column("phase_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("phase_changed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "phase IN ('assigning', 'reviewing', 'discussion', 'decisions')",
            name=op.f("ck_review_settings_phase_valid"),
        ),
        _fk("review_settings", "edition_id", "editions", "CASCADE"),
        _fk("review_settings", "phase_changed_by_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_settings")),
        sa.UniqueConstraint("edition_id", name=op.f("uq_review_settings_edition_id")),
    )
    op.create_table(
        "review_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("descriptor_1", sa.String(length=300), nullable=False),
        sa.Column("descriptor_2", sa.String(length=300), nullable=False),
        sa.Column("descriptor_3", sa.String(length=300), nullable=False),
        sa.Column("descriptor_4", sa.String(length=300), nullable=False),
        sa.Column("descriptor_5", sa.String(length=300), nullable=False),
        sa.CheckConstraint(
            "key IN ('relevance', 'quality', 'originality')",
            name=op.f("ck_review_criteria_key_valid"),
        ),
        _fk("review_criteria", "edition_id", "editions", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_criteria")),
        sa.UniqueConstraint("edition_id", "key", name=op.f("uq_review_criteria_edition_id_key")),
    )
    with op.batch_alter_table("review_criteria", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_criteria_edition_id"), ["edition_id"])

    op.create_table(
        "review_discussion_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("review_discussion_comments", "edition_id", "editions", "CASCADE"),
        _fk("review_discussion_comments", "submission_id", "submissions", "CASCADE"),
        _fk("review_discussion_comments", "author_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_discussion_comments")),
    )
    with op.batch_alter_table("review_discussion_comments", schema=None) as batch_op:
        for column in ("author_id", "edition_id", "submission_id"):
            batch_op.create_index(
                batch_op.f(f"ix_review_discussion_comments_{column}"), [column]
            )

    op.create_table(
        "reviewer_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("outstanding", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        _fk("reviewer_reminders", "edition_id", "editions", "CASCADE"),
        _fk("reviewer_reminders", "reviewer_id", "users", "CASCADE"),
        _fk("reviewer_reminders", "sent_by_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviewer_reminders")),
    )
    with op.batch_alter_table("reviewer_reminders", schema=None) as batch_op:
        for column in ("edition_id", "reviewer_id"):
            batch_op.create_index(batch_op.f(f"ix_reviewer_reminders_{column}"), [column])


def downgrade():
    with op.batch_alter_table("reviewer_reminders", schema=None) as batch_op:
        for column in ("reviewer_id", "edition_id"):
            batch_op.drop_index(batch_op.f(f"ix_reviewer_reminders_{column}"))
    op.drop_table("reviewer_reminders")
    with op.batch_alter_table("review_discussion_comments", schema=None) as batch_op:
        for column in ("submission_id", "edition_id", "author_id"):
            batch_op.drop_index(batch_op.f(f"ix_review_discussion_comments_{column}"))
    op.drop_table("review_discussion_comments")
    with op.batch_alter_table("review_criteria", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_criteria_edition_id"))
    op.drop_table("review_criteria")
    op.drop_table("review_settings")
