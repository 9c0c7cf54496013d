"""Actions whose executor died, or that never reached one.

An executor claims an action execution before running it and renews
``heartbeat_at`` every ``[executor] heartbeat_interval`` while it runs. Any
engine's recovery loop looks for RUNNING actions whose claim was not renewed
for ``[engine] action_lease`` seconds, or that nobody claimed for as long,
and decides per action, as Mistral does with ``safe-rerun``:

=============================  =========================================
what was found                 what follows
=============================  =========================================
nobody claimed it              sent again: nothing ran (claims come first)
claim expired, safe-rerun      claim released, sent again
claim expired, no safe-rerun   the action fails: "The executor running the
                               action was lost"; the task's policies (retry,
                               on-error) and resume apply as for any error
=============================  =========================================

Each decision is one unit of work under the root execution's lock that first
checks the action still is as found (same claim, same heartbeat): an
executor that renewed its claim meanwhile keeps it, and a late result of a
failed action changes nothing (the state table refuses ERROR -> SUCCESS).
"""
import datetime
import logging

from mistral_resume import context
from mistral_resume.db import api as db_api
from mistral_resume.db import leases as db_leases
from mistral_resume.db import models
from mistral_resume.engine import executions
from mistral_resume.engine import policies
from mistral_resume.workflow import policies as wp
from mistral_resume.workflow import statuses as st

LOG = logging.getLogger(__name__)

RESENT = "resent"
FAILED = "failed"

LOST_MESSAGE = ("The executor running the action was lost: %s sent no "
                "heartbeat since %s ([engine] action_lease is %s s) and the "
                "task has no safe-rerun")


def recover_lost_actions(work, topics, db, lease_seconds, now=None):
    """Resend or fail every lost action; ``{action id: RESENT|FAILED}``.

    ``work(ctx, root_id)`` opens a unit of work (the engine's).
    """
    now = now or models.utcnow()
    stale_before = now - datetime.timedelta(seconds=lease_seconds)
    with db.reading() as session:
        found = db_leases.lost_actions(session, stale_before)
    outcome = {}
    for row in found:
        try:
            done = _recover(work, topics, row, lease_seconds, now)
        except Exception:
            LOG.exception("Recovering action execution %s failed; will "
                          "retry", row.id)
            continue
        if done is not None:
            outcome[row.id] = done
    return outcome


def _recover(work, topics, row, lease_seconds, now):
    with work(context.admin(), row.root_execution_id) as w:
        ax = db_api.get_action_execution(w.session, row.id)
        if (ax.state != st.RUNNING or ax.executor_id != row.executor_id
                or ax.heartbeat_at != row.heartbeat_at):
            return None  # completed, renewed or recovered meanwhile
        step = executions.load_step(w, topics, ax.workflow_execution_id)
        if row.executor_id is None or _safe_rerun(step, ax):
            if not db_leases.release_claim(w.session, ax.id, row.executor_id,
                                           row.heartbeat_at, now):
                return None
            step.send_action(ax)
            LOG.warning("Action execution %s (%s) %s; sent again", ax.id,
                        ax.name, "was never claimed" if row.executor_id is None
                        else "lost its executor %s" % row.executor_id)
            return RESENT
        message = LOST_MESSAGE % (row.executor_id, row.heartbeat_at,
                                  lease_seconds)
        LOG.warning("Action execution %s (%s): %s", ax.id, ax.name, message)
        step.on_action_complete(ax, {"data": None, "error": message})
        return FAILED


def _safe_rerun(step, ax):
    task_ex = db_api.load_task(step.session, ax.task_execution_id)
    task_spec = step.task_spec(task_ex)
    try:
        return wp.flag_value(task_spec, "safe_rerun", task_ex.in_context,
                             policies.lookup_of(step, task_ex))
    except Exception:  # an expression that fails now: not known safe
        LOG.exception("safe-rerun of task %s could not be evaluated",
                      task_ex.name)
        return False
