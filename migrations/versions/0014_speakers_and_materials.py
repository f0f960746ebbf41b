"""speakers and materials: speaker profiles, session materials, participation confirmation

Issue 21. ``speaker_profiles`` holds a speaker's biography, organisation, position and photo
per edition; ``session_materials`` the slides, documents and recording links of a session (or
of a submission not yet placed); ``sessions.materials_access`` who sees them; and
``submissions.participation_confirmed_at`` when an accepted talk's speaker confirmed.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 18:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014"
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "speaker_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("biography", sa.Text(), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("position", sa.String(length=200), nullable=False),
        sa.Column("photo_key", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["editions.id"],
            name=op.f("fk_speaker_profiles_edition_id_editions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_speaker_profiles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speaker_profiles")),
        sa.UniqueConstraint(
            "edition_id", "user_id", name=op.f("uq_speaker_profiles_edition_id_user_id")
        ),
    )
    with op.batch_alter_table("speaker_profiles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_speaker_profiles_edition_id"), ["edition_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_speaker_profiles_user_id"), ["user_id"], unique=False)

    op.create_table(
        "session_materials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("storage_key", sa.String(length=100), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "session_id IS NOT NULL OR submission_id IS NOT NULL",
            name=op.f("ck_session_materials_attached"),
        ),
        sa.CheckConstraint(
            "(storage_key IS NULL) <> (url IS NULL)", name=op.f("ck_session_materials_file_or_link")
        ),
        sa.CheckConstraint(
            "kind IN ('slides', 'document', 'recording')",
            name=op.f("ck_session_materials_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["editions.id"],
            name=op.f("fk_session_materials_edition_id_editions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_session_materials_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_session_materials_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_session_materials_uploaded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_materials")),
    )
    with op.batch_alter_table("session_materials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_materials_edition_id"), ["edition_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_session_materials_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_session_materials_submission_id"), ["submission_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_session_materials_uploaded_by_id"), ["uploaded_by_id"], unique=False
        )

    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "materials_access", sa.String(length=20), server_default="public", nullable=False
            )
        )

    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("participation_confirmed_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_column("participation_confirmed_at")

    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("materials_access")

    with op.batch_alter_table("session_materials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_materials_uploaded_by_id"))
        batch_op.drop_index(batch_op.f("ix_session_materials_submission_id"))
        batch_op.drop_index(batch_op.f("ix_session_materials_session_id"))
        batch_op.drop_index(batch_op.f("ix_session_materials_edition_id"))

    op.drop_table("session_materials")
    with op.batch_alter_table("speaker_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_speaker_profiles_user_id"))
        batch_op.drop_index(batch_op.f("ix_speaker_profiles_edition_id"))

    op.drop_table("speaker_profiles")
