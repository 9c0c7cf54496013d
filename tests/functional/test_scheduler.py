"""Scheduled jobs: claimed once, by compare-and-set, on every backend."""
import datetime

from mistral_resume.db import database
from mistral_resume.db import jobs as db_jobs
from mistral_resume.db import models


def _db(url):
    db = database.Database(url)
    models.Base.metadata.create_all(db.engine)
    return db


def _job(session, run_at, **values):
    job = models.ScheduledJob(id=models.new_id(), run_at=run_at,
                              method="continue_task",
                              payload={"task_ex_id": "t"}, **values)
    session.add(job)
    return job.id


def test_due_jobs_are_claimed_once(backend_url):
    db = _db(backend_url)
    now = models.utcnow()
    stale = now - datetime.timedelta(seconds=60)
    try:
        with db.writing() as session:
            due = _job(session, now - datetime.timedelta(seconds=1))
            _job(session, now + datetime.timedelta(seconds=30))
        with db.writing() as session:
            claimed = [j.id for j in db_jobs.claim_due_jobs(
                session, "a", now, stale)]
        assert claimed == [due]
        with db.writing() as session:
            assert db_jobs.claim_due_jobs(session, "b", now, stale) == []
            # Only its owner deletes it.
            assert not db_jobs.delete_job(session, due, "b")
            assert db_jobs.delete_job(session, due, "a")
    finally:
        db.dispose()


def test_a_stale_claim_is_taken_again(backend_url):
    db = _db(backend_url)
    now = models.utcnow()
    try:
        with db.writing() as session:
            job = _job(session, now - datetime.timedelta(seconds=5),
                       owner="dead", claimed_at=now - datetime.timedelta(
                           seconds=120))
        with db.writing() as session:
            claimed = db_jobs.claim_due_jobs(
                session, "alive", now, now - datetime.timedelta(seconds=60))
            assert [j.id for j in claimed] == [job]
            assert claimed[0].owner == "alive"
    finally:
        db.dispose()


def test_parked_jobs_wait_for_unpark(backend_url):
    db = _db(backend_url)
    now = models.utcnow()
    stale = now - datetime.timedelta(seconds=60)
    try:
        with db.writing() as session:
            job = _job(session, now, task_execution_id="task-1")
        with db.writing() as session:
            db_jobs.claim_due_jobs(session, "a", now, stale)
            db_jobs.park_job(session, job, "a")
        with db.writing() as session:
            assert db_jobs.claim_due_jobs(session, "a", now, stale) == []
            assert db_jobs.next_job_due(session) is None
            assert db_jobs.unpark_jobs(session, ["task-1"], now) == 1
        with db.writing() as session:
            assert [j.id for j in db_jobs.claim_due_jobs(
                session, "a", now, stale)] == [job]
    finally:
        db.dispose()
