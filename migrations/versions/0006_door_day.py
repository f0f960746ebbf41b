"""door day: first admission unique, exit scans, manual admissions, badge numbers

One first admission per person and checkpoint is enforced by a partial unique index on
``scans`` (SQLite has no row locks, so parallel scans used to record two). Earlier duplicate
first admissions are turned into ``admitted_again`` before the index is created. Scans get a
``direction`` (in/out) and a ``manual_reason`` (admitted without a readable badge). Badges get
the ``number`` printed on them, sequential per edition and kept by a reissue; existing valid
badges are numbered in the order they were issued.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 13:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

FIRST_ADMISSION = "result = 'admitted' AND direction = 'in'"


def upgrade():
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('direction', sa.String(length=3), server_default='in', nullable=False))
        batch_op.add_column(sa.Column('manual_reason', sa.String(length=30), nullable=True))
        batch_op.create_check_constraint(op.f('ck_scans_direction_known'), "direction IN ('in', 'out')")

    # Demote duplicate first admissions (from races before this index) to "admitted again".
    op.execute(
        """
        UPDATE scans SET result = 'admitted_again'
        WHERE result = 'admitted' AND registration_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM scans AS earlier
            WHERE earlier.edition_id = scans.edition_id
              AND earlier.checkpoint = scans.checkpoint
              AND earlier.registration_id = scans.registration_id
              AND earlier.result = 'admitted'
              AND earlier.id < scans.id
        )
        """
    )
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.create_index(
            'uq_scans_first_admission', ['edition_id', 'checkpoint', 'registration_id'],
            unique=True,
            sqlite_where=sa.text(FIRST_ADMISSION),
            postgresql_where=sa.text(FIRST_ADMISSION),
        )

    with op.batch_alter_table('badges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.Integer(), nullable=True))

    # Number existing badges per edition in issue order; a registration keeps one number.
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, edition_id, registration_id FROM badges ORDER BY edition_id, issued_at, id")
    ).all()
    numbers: dict[tuple[int, int], int] = {}
    next_number: dict[int, int] = {}
    for badge_id, edition_id, registration_id in rows:
        key = (edition_id, registration_id)
        if key not in numbers:
            next_number[edition_id] = next_number.get(edition_id, 0) + 1
            numbers[key] = next_number[edition_id]
        connection.execute(
            sa.text("UPDATE badges SET number = :n WHERE id = :id"), {"n": numbers[key], "id": badge_id}
        )

    with op.batch_alter_table('badges', schema=None) as batch_op:
        batch_op.create_index(
            'uq_badges_edition_number', ['edition_id', 'number'],
            unique=True,
            sqlite_where=sa.text("state = 'valid'"),
            postgresql_where=sa.text("state = 'valid'"),
        )


def downgrade():
    with op.batch_alter_table('badges', schema=None) as batch_op:
        batch_op.drop_index('uq_badges_edition_number', sqlite_where=sa.text("state = 'valid'"), postgresql_where=sa.text("state = 'valid'"))
        batch_op.drop_column('number')

    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.drop_index('uq_scans_first_admission', sqlite_where=sa.text(FIRST_ADMISSION), postgresql_where=sa.text(FIRST_ADMISSION))
        batch_op.drop_constraint(op.f('ck_scans_direction_known'), type_='check')
        batch_op.drop_column('manual_reason')
        batch_op.drop_column('direction')
