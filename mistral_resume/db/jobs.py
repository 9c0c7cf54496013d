"""Scheduled jobs: delays and timeouts kept in the database.

Any engine's scheduler loop claims due jobs by compare-and-set on
``owner``/``claimed_at`` (``engine/scheduler.py``).
"""
import sqlalchemy as sa

from mistral_resume.db import models


def next_job_due(session):
    """When the earliest unclaimed job is due, or None."""
    model = models.ScheduledJob
    return session.execute(sa.select(sa.func.min(model.run_at)).where(
        model.owner.is_(None))).scalar()


def claim_due_jobs(session, owner, now, stale_before, limit=50):
    """Take due jobs for ``owner``: unclaimed ones, or claims gone stale.

    Compare-and-set on ``owner``/``claimed_at``: two schedulers never claim
    the same job.
    """
    model = models.ScheduledJob
    free = sa.or_(model.owner.is_(None), model.claimed_at < stale_before)
    query = (sa.select(model.id, model.owner, model.claimed_at)
             .where(model.run_at <= now, free)
             .order_by(model.run_at).limit(limit))
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for job_id, old_owner, old_claimed in session.execute(query).all():
        same = (model.owner.is_(None) if old_owner is None
                else sa.and_(model.owner == old_owner,
                             model.claimed_at == old_claimed))
        result = session.execute(
            sa.update(model).where(model.id == job_id, same)
            .values(owner=owner, claimed_at=now)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            claimed.append(job_id)
    if not claimed:
        return []
    return session.execute(sa.select(model).where(
        model.id.in_(claimed)).order_by(model.run_at)).scalars().all()


def delete_job(session, job_id, owner):
    """Delete a job this owner claimed; False if it is no longer ours."""
    model = models.ScheduledJob
    result = session.execute(
        sa.delete(model).where(model.id == job_id, model.owner == owner)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def release_job(session, job_id, owner, run_at=None):
    """Give a claimed job back (to run again at ``run_at``, if given)."""
    model = models.ScheduledJob
    values = {"owner": None, "claimed_at": None}
    if run_at is not None:
        values["run_at"] = run_at
    session.execute(
        sa.update(model).where(model.id == job_id, model.owner == owner)
        .values(**values).execution_options(synchronize_session=False))


# A job whose execution is paused waits under this owner for the resume.
PARKED = "parked"


def park_job(session, job_id, owner):
    model = models.ScheduledJob
    session.execute(
        sa.update(model).where(model.id == job_id, model.owner == owner)
        .values(owner=PARKED, claimed_at=None)
        .execution_options(synchronize_session=False))


def unpark_jobs(session, task_ex_ids, run_at):
    """Let the parked jobs of these tasks run (at ``run_at``)."""
    model = models.ScheduledJob
    if not task_ex_ids:
        return 0
    return session.execute(
        sa.update(model).where(model.task_execution_id.in_(list(task_ex_ids)),
                               model.owner == PARKED)
        .values(owner=None, run_at=run_at)
        .execution_options(synchronize_session=False)).rowcount


def has_job(session, task_ex_id):
    model = models.ScheduledJob
    return session.execute(sa.select(model.id).where(
        model.task_execution_id == task_ex_id).limit(1)).first() is not None


def delete_task_jobs(session, task_ex_id):
    model = models.ScheduledJob
    session.execute(sa.delete(model).where(
        model.task_execution_id == task_ex_id)
        .execution_options(synchronize_session=False))
