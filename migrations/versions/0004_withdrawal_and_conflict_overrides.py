"""withdrawn talks setting, shared e-mail domains, conflict overrides

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 12:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("editions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "withdrawn_talks", sa.String(length=20), nullable=False, server_default="cancel"
            )
        )
        batch_op.add_column(
            sa.Column("conflict_free_domains", sa.Text(), nullable=False, server_default="")
        )
    op.create_table(
        "conflict_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("reason", sa.String(length=400), nullable=False),
        sa.Column("overridden_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["editions.id"],
            name=op.f("fk_conflict_overrides_edition_id_editions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["overridden_by_id"],
            ["users.id"],
            name=op.f("fk_conflict_overrides_overridden_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f("fk_conflict_overrides_reviewer_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_conflict_overrides_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflict_overrides")),
        sa.UniqueConstraint(
            "reviewer_id",
            "submission_id",
            name=op.f("uq_conflict_overrides_reviewer_id_submission_id"),
        ),
    )
    with op.batch_alter_table("conflict_overrides", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conflict_overrides_edition_id"), ["edition_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_conflict_overrides_reviewer_id"), ["reviewer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_conflict_overrides_submission_id"), ["submission_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("conflict_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conflict_overrides_submission_id"))
        batch_op.drop_index(batch_op.f("ix_conflict_overrides_reviewer_id"))
        batch_op.drop_index(batch_op.f("ix_conflict_overrides_edition_id"))
    op.drop_table("conflict_overrides")
    with op.batch_alter_table("editions", schema=None) as batch_op:
        batch_op.drop_column("conflict_free_domains")
        batch_op.drop_column("withdrawn_talks")
