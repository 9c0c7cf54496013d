"""Given a direct workflow's spec and what just happened: what to do next.

Pure: no database, no RPC. The engine hands in plain data (the task's
outbound data, a lookup for ``task()``-style functions) and applies the
commands it gets back.
"""
import collections

from mistral_resume.expressions import base as expr
from mistral_resume.workflow import statuses as st

# Start a task execution of ``name``, triggered by what ``triggered_by`` says.
RunTask = collections.namedtuple("RunTask", "name triggered_by data params")
# An engine command from a transition: fail / succeed / pause the workflow.
WorkflowCommand = collections.namedtuple("WorkflowCommand", "kind msg")

ENGINE_COMMANDS = ("fail", "succeed", "pause")
# A transition to 'noop' fires (so an error counts as handled) and does
# nothing else.
NOOP = "noop"

# Which clauses fire when a task ends in a state, in Mistral's order.
CLAUSES = {
    st.SUCCESS: ("on-success", "on-complete"),
    st.ERROR: ("on-error", "on-complete"),
}
_ATTR = {"on-success": "on_success", "on-error": "on_error",
         "on-complete": "on_complete", "on-skip": "on_skip"}


def start_commands(wf_spec, data):
    """The tasks a new execution starts with."""
    return [RunTask(name, [], data, {}) for name in wf_spec.start_tasks()]


def clauses_for(task_spec, state):
    """The transition clauses followed when a task ends in ``state``.

    A skip follows ``on-skip`` if the task has one, else ``on-success``,
    never ``on-complete`` (Mistral 23).
    """
    if state == st.SKIPPED:
        return ("on-skip",) if getattr(task_spec, "on_skip", None) else (
            "on-success",)
    return CLAUSES.get(state, ())


def fired_transitions(task_spec, state, data, lookup):
    """``[(clause, transition)]`` whose condition holds, in order.

    :raises: ExpressionError if a condition cannot be evaluated.
    """
    fired = []
    for clause in clauses_for(task_spec, state):
        for transition in getattr(task_spec, _ATTR[clause]) or ():
            if transition.condition is None or expr.evaluate(
                    transition.condition, data, lookup):
                fired.append((clause, transition))
    return fired


def next_commands(task_spec, task_id, state, data, lookup):
    """Commands that follow a task ending in ``state``.

    :returns: list of RunTask / WorkflowCommand.
    :raises: ExpressionError.
    """
    commands = []
    for clause, transition in fired_transitions(task_spec, state, data,
                                                lookup):
        if transition.target == NOOP:
            continue
        if transition.target in ENGINE_COMMANDS:
            commands.append(WorkflowCommand(transition.target, _message(
                transition.params, data, lookup)))
        else:
            commands.append(RunTask(
                transition.target,
                [{"task_id": task_id, "event": clause}], data,
                transition.params or {}))
    return commands


def _message(params, data, lookup):
    """An engine command's ``msg``, its expressions evaluated (Mistral
    evaluates transition parameters in the task's outbound context).

    :raises: ExpressionError.
    """
    msg = (params or {}).get("msg")
    if msg is None:
        return None
    msg = expr.evaluate_recursively(msg, data, lookup)
    return msg if msg is None or isinstance(msg, str) else str(msg)


def split_at_pause(commands):
    """``(head, tail)``: a 'pause' command ends ``head``; ``tail`` waits.

    Mistral runs the commands before a 'pause', pauses, and runs the rest
    when the execution is resumed.
    """
    for i, command in enumerate(commands):
        if isinstance(command, WorkflowCommand) and command.kind == "pause":
            return commands[:i + 1], commands[i + 1:]
    return commands, []


def to_pending(commands):
    """Commands as JSON-ready data, to keep on a task row."""
    return [{"name": c.name, "triggered_by": c.triggered_by,
             "params": c.params} if isinstance(c, RunTask) else
            {"command": c.kind, "msg": c.msg} for c in commands]


def from_pending(pending, data):
    return [RunTask(p["name"], p["triggered_by"], data, p["params"])
            if "name" in p else WorkflowCommand(p["command"], p["msg"])
            for p in pending]


def error_handled(task_spec, data, lookup):
    """True if a failed task has an on-error / on-complete that fires."""
    return bool(fired_transitions(task_spec, st.ERROR, data, lookup))
