"""State transition tables: the only place that decides a state change.

Each machine is a table, one row per allowed transition with the reason it
exists, plus the pairs that are harmless no-ops (a repeated request, a late
duplicate result). Anything else raises ``InvalidStateTransition``. The
engine calls :func:`apply` before every state write and writes the state by
compare-and-set, so a transition that was valid when read cannot be applied
twice.
"""
import collections

from mistral_resume import exceptions as exc
from mistral_resume.workflow import statuses as st

Machine = collections.namedtuple("Machine", "name rows noops")


WORKFLOW = Machine("workflow", {
    (st.IDLE, st.RUNNING): "the execution starts",
    (st.RUNNING, st.PAUSED): "paused by a request or a 'pause' command",
    (st.RUNNING, st.SUCCESS): "no task left to run and every error handled",
    (st.RUNNING, st.ERROR): "a task failed without handler, or 'fail'",
    (st.RUNNING, st.CANCELLED): "cancelled by a request, or a task of it "
                                "was cancelled (a cancelled sub-workflow)",
    (st.PAUSED, st.RUNNING): "a paused execution is resumed",
    (st.PAUSED, st.CANCELLED): "cancelled while paused",
    (st.PAUSED, st.ERROR): "failed by a request while paused",
    (st.ERROR, st.RUNNING): "an operator resumes it: rerun or skip a task",
    (st.IDLE, st.ERROR): "the execution could not start",
}, noops=frozenset({
    (st.RUNNING, st.RUNNING),    # resume of a running execution
    (st.PAUSED, st.PAUSED),      # pause of a paused execution
    (st.SUCCESS, st.RUNNING),    # Mistral answers 200 to resuming a success
    (st.SUCCESS, st.SUCCESS),
    (st.ERROR, st.ERROR),
    (st.CANCELLED, st.CANCELLED),
}))

TASK = Machine("task", {
    (st.IDLE, st.RUNNING): "its action or sub-workflow starts",
    (st.IDLE, st.WAITING): "a join waits for its other inbound tasks",
    (st.IDLE, st.ERROR): "its input could not be evaluated",
    (st.IDLE, st.SUCCESS): "a task with nothing to run (empty with-items)",
    (st.WAITING, st.RUNNING): "the join's inbound tasks have arrived",
    (st.WAITING, st.ERROR): "the join can no longer be satisfied",
    (st.WAITING, st.CANCELLED): "the execution is cancelled",
    (st.RUNNING, st.SUCCESS): "its actions succeeded",
    (st.RUNNING, st.ERROR): "an action failed, or publishing failed",
    (st.RUNNING, st.CANCELLED): "the execution is cancelled",
    (st.RUNNING, st.DELAYED): "a retry or wait policy schedules it later",
    (st.RUNNING, st.IDLE): "pause-before holds it until the workflow "
                           "resumes",
    (st.IDLE, st.DELAYED): "wait-before, once pause-before let it go",
    (st.IDLE, st.CANCELLED): "the execution is cancelled before it ran",
    (st.DELAYED, st.RUNNING): "the scheduled delay is over",
    (st.DELAYED, st.SUCCESS): "its wait-after delay is over",
    (st.DELAYED, st.ERROR): "its wait-after delay is over, or it timed "
                            "out while delayed",
    (st.DELAYED, st.CANCELLED): "the execution is cancelled",
    (st.RUNNING, st.PAUSED): "its sub-workflow is paused",
    (st.PAUSED, st.RUNNING): "its sub-workflow is resumed",
    (st.PAUSED, st.CANCELLED): "its paused sub-workflow is cancelled",
    (st.ERROR, st.RUNNING): "an operator re-runs the failed task",
    (st.ERROR, st.SKIPPED): "an operator skips the failed task",
    (st.ERROR, st.WAITING): "a join that failed for a missing inbound "
                            "task waits again: that task is resumed",
}, noops=frozenset({
    (st.RUNNING, st.RUNNING),
    (st.SUCCESS, st.SUCCESS),
    (st.ERROR, st.ERROR),
    (st.SKIPPED, st.SKIPPED),
}))

ACTION = Machine("action", {
    (st.IDLE, st.RUNNING): "sent to an executor",
    (st.RUNNING, st.SUCCESS): "the executor reported a result",
    (st.RUNNING, st.ERROR): "the executor reported an error",
    (st.RUNNING, st.CANCELLED): "the execution is cancelled",
    (st.IDLE, st.CANCELLED): "the execution is cancelled before it ran",
    (st.RUNNING, st.PAUSED): "an asynchronous action was paused",
    (st.PAUSED, st.RUNNING): "an asynchronous action was resumed",
}, noops=frozenset({
    # A result that arrives twice, or after the action was completed by
    # other means, changes nothing.
    (st.RUNNING, st.RUNNING),
    (st.SUCCESS, st.SUCCESS), (st.SUCCESS, st.ERROR),
    (st.ERROR, st.SUCCESS), (st.ERROR, st.ERROR),
    (st.CANCELLED, st.SUCCESS), (st.CANCELLED, st.ERROR),
    (st.CANCELLED, st.CANCELLED),
}))

MACHINES = (WORKFLOW, TASK, ACTION)


def is_allowed(machine, current, target):
    """True if ``current -> target`` is a real transition (not a no-op)."""
    return (current, target) in machine.rows


def apply(machine, current, target):
    """Decide ``current -> target``.

    :returns: True when the state must be written, False for a no-op.
    :raises: InvalidStateTransition for anything the table does not list.
    """
    if (current, target) in machine.rows:
        return True
    if (current, target) in machine.noops:
        return False
    raise exc.InvalidStateTransition(
        "Cannot move a %s from %s to %s" % (machine.name, current, target))
