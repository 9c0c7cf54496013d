"""Ad hoc action runs: ``POST /v2/action_executions {"name", "input",
"params"}``, an action execution with no task and no workflow.

Mistral 23's rules (its engine's ``start_action``), from ``params``:

* ``run_sync`` with an asynchronous action: refused (400).
* not ``run_sync``, and ``save_result`` or an asynchronous action: the row
  is stored RUNNING and sent to an executor; the answer is that row.
* otherwise the engine waits for the executor's result and answers it,
  stored when ``save_result`` (a row), else only returned (``id`` null).

How the engine waits: an RPC ``call`` to an executor, whose ``run_action``
answers the result, bounded by ``timeout`` (the action's own limit, else
the engine's RPC timeout). Nothing is locked while waiting: a stored row is
created RUNNING before the call and completed after it. The executor also
reports a stored row's result by the usual cast, so the row completes even
if the waiting engine is gone; whichever completion comes second changes
nothing (``machines.ACTION``).

Such a row has no root execution: its unit of work locks the row itself
(``db_api.lock_action_execution``).
"""
import collections
import numbers

from mistral_resume import exceptions as exc
from mistral_resume.db import api as db_api
from mistral_resume.db import models
from mistral_resume.engine import action_defs
from mistral_resume.executor import registry
from mistral_resume.workflow import machines
from mistral_resume.workflow import statuses as st

# What the engine decided for one request. ``name``/``input`` are the
# row's, ``base``/``base_input`` what the executor runs (they differ for
# an ad hoc action definition, whose ``outputs`` apply to the result).
Run = collections.namedtuple(
    "Run", "name input params run_sync save_result timeout schedule "
           "base base_input outputs")

# Seconds the engine waits beyond the action's own time limit.
CALL_MARGIN = 5


def plan(name, action_input, params, expansion=None):
    """Check the request and decide how it runs.

    ``expansion``: ``action_defs.expand``'s answer when ``name`` is an ad
    hoc action definition.

    :raises: InputError (400): unknown action, bad input or params, or
        ``run_sync`` for an asynchronous action.
    """
    params = dict(params or {})
    run_sync = _flag(params, "run_sync")
    save_result = _flag(params, "save_result")
    timeout = params.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(
            timeout, numbers.Number) or timeout <= 0):
        raise exc.InputError("Invalid params: 'timeout' must be a positive "
                             "number of seconds, got %r" % (timeout,))
    action_input = dict(action_input or {})
    base, base_input, outputs = name, action_input, None
    if expansion is not None:
        name = expansion.name
        base, base_input = expansion.base, expansion.base_input
        outputs = expansion.outputs
    action = registry.instantiate(base, base_input)
    is_sync = getattr(action, "is_sync", lambda: True)()
    if run_sync and not is_sync:
        raise exc.InputError("Action does not support synchronous "
                             "execution.")
    return Run(name, action_input, params, run_sync, save_result, timeout,
               schedule=not run_sync and (save_result or not is_sync),
               base=base, base_input=base_input, outputs=outputs)


def _flag(params, key):
    value = params.get(key, False)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if value is None:
        return False
    raise exc.InputError("Invalid params: '%s' must be true or false, got "
                         "%r" % (key, value))


def create(uow, run, description=None):
    """The RUNNING row of an ad hoc run (not flushed to other readers
    before the unit of work commits)."""
    ax = models.ActionExecution(
        id=models.new_id(), name=run.name, task_execution_id=None,
        workflow_execution_id=None, root_execution_id=None,
        project_id=uow.ctx.project_id, state=st.RUNNING, input=run.input,
        params=run.params, description=description, accepted=True,
        attempt=1, adhoc_outputs=run.outputs)
    uow.session.add(ax)
    uow.session.flush()
    return ax


def payload(run, ax_id, executor_timeout=None):
    """The executor's ``run_action`` arguments."""
    return {"action_ex_id": ax_id, "action_name": run.base,
            "action_input": run.base_input,
            "execution": {"action_execution_id": ax_id},
            "timeout": run.timeout or executor_timeout}


def schedule(uow, topics, run, description=None):
    """Store the row RUNNING and send it to an executor after commit."""
    ax = create(uow, run, description)
    uow.send(topics.executor, "run_action", **payload(run, ax.id))
    return ax


def call_timeout(run, default_timeout):
    """(executor's time limit for the action, seconds to wait for it)."""
    limit = run.timeout or default_timeout
    return limit, limit + CALL_MARGIN


def complete(uow, ax_id, result, project_id=None):
    """Record an executor's (or PUT's) ``{"data", "error"}`` on the row.

    :returns: the row. A row already completed is left as it is.
    :raises: NotFound.
    """
    ax = db_api.lock_action_execution(uow.session, ax_id, project_id)
    if ax.adhoc_outputs:
        result = action_defs.transform(ax.adhoc_outputs, result)
    failed = result.get("error") is not None
    state = st.ERROR if failed else st.SUCCESS
    if machines.apply(machines.ACTION, ax.state, state):
        db_api.cas_update_state(uow.session, ax, ax.state, {
            "state": state,
            "output": {"result": result.get("error") if failed
                       else result.get("data")},
            "state_info": _error_text(result.get("error")) if failed
            else None})
    return ax


def unsaved(run, description, result):
    """What Mistral answers for a run it does not store: no id."""
    if run.outputs:
        result = action_defs.transform(run.outputs, result)
    failed = result.get("error") is not None
    return {"id": None, "name": run.name, "description": description,
            "input": run.input, "params": run.params,
            "state": st.ERROR if failed else st.SUCCESS,
            "state_info": _error_text(result.get("error")) if failed
            else None,
            "output": {"result": result.get("error") if failed
                       else result.get("data")},
            "accepted": True, "tags": []}


def _error_text(error):
    return error if isinstance(error, str) else repr(error)
