"""The executor's RPC endpoint: run an action, report its result.

Version history of the endpoint (``target``):

* 1.0 - run_action (cast by engines; the result goes back by a cast of
        ``on_action_complete``)
* 1.1 - run_action answers the result too, so an engine may ``call`` it
        (an ad hoc run with ``run_sync``); ``action_ex_id`` may be None (a
        result nobody stores) and ``timeout`` bounds the run
"""
import dataclasses
import logging
import threading
import time
import uuid

import oslo_messaging as messaging

from mistral_resume.db import leases as db_leases
from mistral_resume.executor import registry

LOG = logging.getLogger(__name__)


class ExecutorEndpoint:
    """Receives ``run_action`` from engines (a cast, or a call)."""

    target = messaging.Target(version="1.1")

    def __init__(self, engine_client, conf=None, db=None):
        self._engine = engine_client
        self._conf = conf
        # Claims action executions before running them (db_leases.claim_action)
        self._db = db
        host = conf.executor.host if conf is not None else "executor"
        self.executor_id = "%s:%s" % (host, uuid.uuid4().hex)
        # Claimed actions whose claims the heartbeat renews: running
        # (None), or run and reported until the engine has recorded their
        # result (a result queued behind others must not outlive the
        # lease): a :class:`_Report`.
        self._held = {}
        self._held_lock = threading.Lock()
        self._resend_after = (conf.executor.result_resend_after
                              if conf is not None else 30.0)
        # When an engine last recorded one of this executor's results.
        self._recorded_at = time.monotonic()

    def running(self):
        """The ids of the actions whose claims this executor holds."""
        with self._held_lock:
            return set(self._held)

    def _hold(self, action_ex_id, report=None):
        with self._held_lock:
            self._held[action_ex_id] = report

    def forget(self, action_ex_ids):
        """Stop renewing these claims (their actions are no longer
        RUNNING: the engine recorded a result)."""
        with self._held_lock:
            for action_ex_id in action_ex_ids:
                if self._held.pop(action_ex_id, None) is not None:
                    self._recorded_at = time.monotonic()

    # Results reported again per heartbeat at most.
    RESEND_BATCH = 50

    def resend_unrecorded(self, now=None):
        """Report again the results no engine recorded while none of this
        executor's results was recorded for ``[executor]
        result_resend_after`` seconds: an engine that died after taking
        the message off the bus lost it (a second report changes
        nothing). While engines record results, the others are queued
        behind them, not lost: sending them again would only lengthen
        the queue. The ids sent again."""
        now = time.monotonic() if now is None else now
        with self._held_lock:
            quiet_since = self._recorded_at
            due = [(ax_id, report) for ax_id, report in self._held.items()
                   if report is not None and now - max(
                       report.sent_at, quiet_since) >= self._resend_after]
            due = due[:self.RESEND_BATCH]
            for _, report in due:
                report.sent_at = now
        for ax_id, report in due:
            LOG.warning("The result of action execution %s is not recorded "
                        "yet; reporting it again", ax_id)
            # The heartbeat's thread: it must not wait for a broker that
            # is away while the claims it renews expire.
            self._report(ax_id, report, retry=0)
        return [ax_id for ax_id, _ in due]

    def _report(self, action_ex_id, report, retry=None):
        try:
            self._engine.on_action_complete(
                report.ctx, action_ex_id, report.result,
                root_execution_id=report.root_execution_id, retry=retry)
        except Exception:  # a broker cut: the heartbeat reports it again
            LOG.exception("Could not report the result of action "
                          "execution %s", action_ex_id)

    def _claim(self, action_ex_id, leased=True):
        """True if this executor may run the action: a second delivery of
        the same ``run_action`` (outbox resend, broker redelivery) finds it
        claimed or done and is dropped. An async action's claim has no
        lease: it completes through the API, however long after."""
        if self._db is None or action_ex_id is None:
            return True
        with self._db.writing() as session:
            claimed = db_leases.claim_action(session, action_ex_id,
                                             self.executor_id, leased)
        if not claimed:
            LOG.info("Action execution %s is claimed or done already; "
                     "dropping a duplicate run_action", action_ex_id)
        return claimed

    def run_action(self, ctx, action_ex_id, action_name, action_input,
                   execution=None, timeout=None):
        """:returns: ``{"data", "error"}``, or None for an async action
        (or for a duplicate delivery, which runs nothing)."""
        # A refused input is the action's result, as a run's failure is.
        action, result = registry.prepare(action_name, action_input,
                                          self._conf)
        leased = action is None or not registry.is_async(action)
        if not self._claim(action_ex_id, leased):
            return None
        if action is not None:
            if action_ex_id is not None:
                self._hold(action_ex_id)
            try:
                result = registry.execute(action, action_name, ctx,
                                          execution, timeout)
            except BaseException:
                self.forget([action_ex_id])
                raise
            if result is None:
                self.forget([action_ex_id])  # async: no lease
        # Reported even when the caller waits for it: the row completes
        # even if that caller is gone (a second report changes nothing).
        if result is not None and action_ex_id is not None:
            report = _Report(ctx, result,
                             (execution or {}).get("root_execution_id"),
                             time.monotonic())
            # Held, renewed and reported again until an engine records it
            # (a refused input's result too: its claim is leased).
            self._hold(action_ex_id, report)
            self._report(action_ex_id, report)
        return result


@dataclasses.dataclass
class _Report:
    """A result reported to the engines, kept until one records it."""

    ctx: object
    result: dict
    root_execution_id: str
    sent_at: float  # time.monotonic() of the last report


class Heartbeat(threading.Thread):
    """Renews the claims of the actions ``endpoint`` runs, every
    ``interval`` seconds (one UPDATE for all of them)."""

    def __init__(self, db, endpoint, interval):
        super().__init__(name="mistral-resume-heartbeat", daemon=True)
        self._db = db
        self._endpoint = endpoint
        self._interval = interval
        self._stop = threading.Event()

    def beat(self):
        """Renew the claims; forget those the engine has completed, report
        again the results it has not recorded for long."""
        running = self._endpoint.running()
        if not running:
            return 0
        with self._db.writing() as session:
            live = db_leases.renew_leases(session, running,
                                          self._endpoint.executor_id)
        self._endpoint.forget(running - live)
        self._endpoint.resend_unrecorded()
        return len(live)

    def run(self):
        while not self._stop.wait(self._interval):
            try:
                self.beat()
            except Exception:  # a database hiccup: the next beat retries
                LOG.exception("Heartbeat of executor %s failed",
                              self._endpoint.executor_id)

    def stop(self):
        self._stop.set()
