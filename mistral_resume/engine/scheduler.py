"""The scheduler loop: run due jobs (retry delays, wait-before, timeouts).

Jobs are rows (``models.ScheduledJob``) written by a unit of work with
``uow.schedule``, so they survive a restart. Any engine's loop claims due
jobs by compare-and-set on ``owner``/``claimed_at`` (a claim older than
``[engine] job_claim_timeout`` belonged to a dead engine and is taken
again) and runs each through the engine verb ``run_job``, which deletes
the job in the same unit of work as its effect.

The loop sleeps until the next job is due, at most ``[engine]
scheduler_poll_interval`` seconds (jobs scheduled by other engines), and is
woken at once when this engine schedules one.
"""
import datetime
import logging
import threading
import uuid

from mistral_resume import context
from mistral_resume.db import jobs as db_jobs
from mistral_resume.db import models

LOG = logging.getLogger(__name__)

# Smallest sleep between two looks at the table.
_MIN_WAIT = 0.001


class Scheduler(threading.Thread):
    """Claims and runs due jobs until stopped."""

    def __init__(self, db, host, poll_interval, claim_timeout):
        super().__init__(name="mistral-resume-scheduler", daemon=True)
        self._db = db
        self.owner = "%s:%s" % (host, uuid.uuid4().hex[:12])
        self._poll = poll_interval
        self._claim_timeout = datetime.timedelta(seconds=claim_timeout)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._run_job = None

    def start(self, run_job):
        """Run jobs with ``run_job(ctx, job_id, owner, method, payload,
        root_id)`` (``EngineManager.run_job``)."""
        self._run_job = run_job
        super().start()
        return self

    def wake(self):
        """Look at the table now: a job was just scheduled."""
        self._wake.set()

    def stop(self, timeout=10):
        """Stop after the job at hand (its unit of work commits or rolls
        back whole)."""
        self._stopping.set()
        self._wake.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    def run(self):
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                if self.run_due():
                    continue
                wait = self._next_wait()
            except Exception:  # a database hiccup: try again shortly
                LOG.exception("Scheduled jobs could not be run; retrying")
                wait = self._poll
            self._wake.wait(wait)

    def _next_wait(self):
        with self._db.reading() as session:
            due = db_jobs.next_job_due(session)
        if due is None:
            return self._poll
        seconds = (due - models.utcnow()).total_seconds()
        return min(self._poll, max(seconds, _MIN_WAIT))

    def run_due(self):
        """Claim and run the jobs due now; return how many were claimed."""
        now = models.utcnow()
        with self._db.writing() as session:
            jobs = [(j.id, j.method, j.payload, j.context,
                     j.root_execution_id)
                    for j in db_jobs.claim_due_jobs(
                        session, self.owner, now, now - self._claim_timeout)]
        for job_id, method, payload, ctx, root_id in jobs:
            if self._stopping.is_set():
                break
            try:
                self._run_job(context.RequestContext.from_dict(ctx or {}),
                              job_id, self.owner, method, payload, root_id)
            except Exception:
                LOG.exception("Scheduled job %s (%s) failed; released for "
                              "another try", job_id, method)
                with self._db.writing() as session:
                    db_jobs.release_job(
                        session, job_id, self.owner, models.utcnow()
                        + datetime.timedelta(seconds=self._poll))
        return len(jobs)
