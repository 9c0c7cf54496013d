"""Resend what a dead process left unsent.

A unit of work commits its outbox rows and its sender deletes them once
sent. Rows older than ``[engine] outbox_resend_after`` belong to a process
that died in between: any engine sends them again. A message may so arrive
twice; every receiver treats a repeat as a no-op (action results by state
table, ``run_action`` by the action execution's claim). The same loop finds
actions whose executor died (``engine/leases.py``).
"""
import datetime
import logging
import threading

from mistral_resume.db import leases as db_leases
from mistral_resume.db import models

LOG = logging.getLogger(__name__)


def resend_stale_outbox(db, sender, older_than_seconds, now=None):
    """Send and delete outbox rows older than the limit; return how many."""
    now = now or models.utcnow()
    limit = now - datetime.timedelta(seconds=older_than_seconds)
    with db.writing() as session:
        rows = db_leases.outbox_take_stale(session, limit)
        sent = []
        for row in rows:
            try:
                sender.cast(row)
            except Exception:
                LOG.exception("Resending outbox row %s failed", row.id)
                continue
            sent.append(row.id)
        db_leases.outbox_delete(session, sent)
    return len(sent)


class RecoveryLoop(threading.Thread):
    """Runs each of ``checks`` (callables answering a count or a dict of
    what they recovered, logged as a warning) and of ``chores`` (routine
    cleanup, not logged) every ``interval`` seconds."""

    def __init__(self, checks, interval, chores=None):
        super().__init__(name="mistral-resume-recovery", daemon=True)
        self._checks = dict(checks)
        self._chores = dict(chores or {})
        self._interval = interval
        self._stop = threading.Event()

    def run(self):
        while not self._stop.wait(self._interval):
            for name, job in list(self._chores.items()) + list(
                    self._checks.items()):
                try:
                    found = job()
                    if found and name in self._checks:
                        LOG.warning("Recovery (%s): %s", name, found)
                except Exception:
                    LOG.exception("Recovery (%s) failed; will retry", name)

    def stop(self):
        self._stop.set()
