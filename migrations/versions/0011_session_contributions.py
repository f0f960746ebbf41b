"""session contributions, schedule releases, speaker availability and slot confirmations

Issue 19. ``schedule_releases`` keeps each released version of an edition's programme (name,
public note, the sessions as released, the changes since the release before).
``speaker_availabilities`` holds the days and times speakers can present;
``slot_confirmations`` the talks' slots their speakers confirmed.

``session_contributions`` is the running order of a session: talks from accepted
submissions and free items (opening words, Q&A), each with its own duration.
``session_speakers.contribution_id`` ties a speaker to the contribution they present. The
link from a session to its submission moves to the contribution: each session made from a
talk (``sessions.submission_id``) becomes a session with one contribution lasting the whole
session, presented by the session's speakers; ``sessions.submission_id`` is dropped. The
downgrade gives each session the submission of its first talk back (a session holding several
talks keeps only that one) and drops the contributions.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 18:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('session_contributions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.CheckConstraint('duration_minutes > 0 AND duration_minutes <= 1440', name=op.f('ck_session_contributions_duration_range')),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_session_contributions_session_id_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_session_contributions_submission_id_submissions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_contributions')),
    sa.UniqueConstraint('submission_id', name=op.f('uq_session_contributions_submission_id'))
    )
    with op.batch_alter_table('session_contributions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_contributions_session_id'), ['session_id'], unique=False)

    with op.batch_alter_table('session_speakers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contribution_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_session_speakers_contribution_id'), ['contribution_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_session_speakers_contribution_id_session_contributions'), 'session_contributions', ['contribution_id'], ['id'], ondelete='CASCADE')

    _sessions_to_contributions()

    op.create_table('schedule_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=100), nullable=False),
    sa.Column('public_note', sa.Text(), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_by_id', sa.Integer(), nullable=True),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['edition_id'], ['editions.id'], name=op.f('fk_schedule_releases_edition_id_editions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['released_by_id'], ['users.id'], name=op.f('fk_schedule_releases_released_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_releases')),
    sa.UniqueConstraint('edition_id', 'version', name=op.f('uq_schedule_releases_edition_id_version'))
    )
    with op.batch_alter_table('schedule_releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schedule_releases_edition_id'), ['edition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_schedule_releases_released_by_id'), ['released_by_id'], unique=False)

    op.create_table('speaker_availabilities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('available', sa.Boolean(), nullable=False),
    sa.Column('from_time', sa.Time(), nullable=True),
    sa.Column('until_time', sa.Time(), nullable=True),
    sa.CheckConstraint('from_time IS NULL OR until_time IS NULL OR until_time > from_time', name=op.f('ck_speaker_availabilities_times_ordered')),
    sa.ForeignKeyConstraint(['edition_id'], ['editions.id'], name=op.f('fk_speaker_availabilities_edition_id_editions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_speaker_availabilities_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_speaker_availabilities')),
    sa.UniqueConstraint('edition_id', 'user_id', 'day', name=op.f('uq_speaker_availabilities_edition_id_user_id_day'))
    )
    with op.batch_alter_table('speaker_availabilities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_speaker_availabilities_edition_id'), ['edition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_speaker_availabilities_user_id'), ['user_id'], unique=False)

    op.create_table('slot_confirmations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contribution_id'], ['session_contributions.id'], name=op.f('fk_slot_confirmations_contribution_id_session_contributions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_slot_confirmations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slot_confirmations')),
    sa.UniqueConstraint('contribution_id', 'user_id', name=op.f('uq_slot_confirmations_contribution_id_user_id'))
    )
    with op.batch_alter_table('slot_confirmations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slot_confirmations_contribution_id'), ['contribution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_slot_confirmations_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sessions_submission_id'))
        batch_op.drop_constraint(batch_op.f('fk_sessions_submission_id_submissions'), type_='foreignkey')
        batch_op.drop_column('submission_id')


def _sessions_to_contributions():
    """Each talk session becomes a session with one contribution (the whole session long)."""
    bind = op.get_bind()
    sessions = sa.table(
        'sessions',
        sa.column('id', sa.Integer()),
        sa.column('title', sa.String()),
        sa.column('starts_at', sa.DateTime()),
        sa.column('ends_at', sa.DateTime()),
        sa.column('submission_id', sa.Integer()),
    )
    contributions = sa.table(
        'session_contributions',
        sa.column('id', sa.Integer()),
        sa.column('session_id', sa.Integer()),
        sa.column('position', sa.Integer()),
        sa.column('kind', sa.String()),
        sa.column('submission_id', sa.Integer()),
        sa.column('title', sa.String()),
        sa.column('description', sa.Text()),
        sa.column('duration_minutes', sa.Integer()),
    )
    speakers = sa.table(
        'session_speakers',
        sa.column('session_id', sa.Integer()),
        sa.column('contribution_id', sa.Integer()),
    )
    rows = bind.execute(
        sa.select(
            sessions.c.id, sessions.c.title, sessions.c.starts_at, sessions.c.ends_at,
            sessions.c.submission_id,
        ).where(sessions.c.submission_id.is_not(None)).order_by(sessions.c.id)
    ).all()
    seen = set()
    for row in rows:
        if row.submission_id in seen:  # never happened through the application; keep the first
            continue
        seen.add(row.submission_id)
        minutes = int((row.ends_at - row.starts_at).total_seconds() // 60)
        bind.execute(
            contributions.insert().values(
                session_id=row.id,
                position=0,
                kind='talk',
                submission_id=row.submission_id,
                title=row.title,
                description='',
                duration_minutes=min(max(minutes, 1), 1440),
            )
        )
        contribution_id = bind.execute(
            sa.select(contributions.c.id).where(contributions.c.session_id == row.id)
        ).scalar_one()
        bind.execute(
            speakers.update()
            .where(speakers.c.session_id == row.id)
            .values(contribution_id=contribution_id)
        )


def downgrade():
    op.drop_table('slot_confirmations')
    op.drop_table('speaker_availabilities')
    with op.batch_alter_table('schedule_releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schedule_releases_released_by_id'))
        batch_op.drop_index(batch_op.f('ix_schedule_releases_edition_id'))

    op.drop_table('schedule_releases')

    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submission_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_sessions_submission_id_submissions'), 'submissions', ['submission_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_sessions_submission_id'), ['submission_id'], unique=False)

    bind = op.get_bind()
    first_talks = bind.execute(
        sa.text(
            "SELECT session_id, submission_id FROM session_contributions c "
            "WHERE submission_id IS NOT NULL AND position = ("
            "SELECT MIN(position) FROM session_contributions d "
            "WHERE d.session_id = c.session_id AND d.submission_id IS NOT NULL)"
        )
    ).all()
    for session_id, submission_id in first_talks:
        bind.execute(
            sa.text("UPDATE sessions SET submission_id = :sub WHERE id = :sid"),
            {"sub": submission_id, "sid": session_id},
        )

    with op.batch_alter_table('session_speakers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_session_speakers_contribution_id_session_contributions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_session_speakers_contribution_id'))
        batch_op.drop_column('contribution_id')

    with op.batch_alter_table('session_contributions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_contributions_session_id'))

    op.drop_table('session_contributions')
