"""The executor's RPC endpoint: run an action, report its result.

Version history of the endpoint (``target``):

* 1.0 - run_action (cast by engines; the result goes back by a cast of
        ``on_action_complete``)
* 1.1 - run_action answers the result too, so an engine may ``call`` it
        (an ad hoc run with ``run_sync``); ``action_ex_id`` may be None (a
        result nobody stores) and ``timeout`` bounds the run
"""
import logging
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

    def _claim(self, action_ex_id):
        """True if this executor may run the action: a second delivery of
        the same ``run_action`` (outbox resend, broker redelivery) finds it
        claimed or done and is dropped."""
        if self._db is None or action_ex_id is None:
            return True
        with self._db.writing() as session:
            claimed = db_leases.claim_action(session, action_ex_id,
                                          self.executor_id)
        if not claimed:
            LOG.info("Action execution %s is claimed or done already; "
                     "dropping a duplicate run_action", action_ex_id)
        return claimed

    def run_action(self, ctx, action_ex_id, action_name, action_input,
                   execution=None, timeout=None):
        """:returns: ``{"data", "error"}``, or None for an async action
        (or for a duplicate delivery, which runs nothing)."""
        if not self._claim(action_ex_id):
            return None
        result = registry.run(action_name, action_input, ctx, execution,
                              conf=self._conf, timeout=timeout)
        # Reported even when the caller waits for it: the row completes
        # even if that caller is gone (a second report changes nothing).
        if result is not None and action_ex_id is not None:
            self._engine.on_action_complete(ctx, action_ex_id, result)
        return result
