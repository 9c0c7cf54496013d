"""Plan what a resume request changes: pure, one strategy per mode.

Given a validated :class:`requests.TaskResume` and a snapshot of the task
it names, a strategy returns a :class:`Plan` or refuses the request. The
engine applies plans; a dry run returns them.
"""
import dataclasses

from mistral_resume import exceptions as exc
from mistral_resume.workflow import requests
from mistral_resume.workflow import statuses as st


@dataclasses.dataclass(frozen=True)
class TaskSnapshot:
    """What a strategy needs to know of a task execution."""

    id: str
    name: str
    state: str
    execution_state: str
    items_count: int = None          # None: not a with-items task
    item_states: dict = None         # index -> state of its accepted action


@dataclasses.dataclass(frozen=True)
class Plan:
    task_id: str
    task_name: str
    mode: str
    items: tuple = None              # item indices to run; None: no items
    input: dict = None               # overrides of the evaluated input
    item_inputs: dict = dataclasses.field(default_factory=dict)
    output: object = requests.NO_OUTPUT
    env: dict = None
    # A sub-workflow task re-run by resuming its failed child in place.
    child_id: str = None

    @property
    def injects(self):
        return self.mode == requests.SKIP and (
            self.output is not requests.NO_OUTPUT)


# Execution states a failed task can be resumed from, and why not otherwise.
_EXECUTION_REFUSALS = {
    st.RUNNING: "its execution is still RUNNING: wait until it stops (a "
                "failed task with no error handler fails it)",
    st.PAUSED: "its execution is PAUSED: resume the execution first "
               "(PUT /v2/executions/<id> {\"state\": \"RUNNING\"})",
    st.SUCCESS: "its execution already succeeded",
    st.CANCELLED: "its execution was cancelled",
}


def check_resumable(snapshot, resumes_execution=False):
    """:raises: Conflict (409) saying why the task cannot be resumed.

    A request that also resumes the execution (``PUT
    /v2/executions/{id}`` with ``resume``) may name a failed task of a
    PAUSED execution: that is how a paused execution holding a failed task
    goes on.
    """
    if snapshot.state != st.ERROR:
        raise exc.Conflict(
            "Task '%s' [id=%s] is %s: only a failed (ERROR) task can be "
            "re-run or skipped" % (snapshot.name, snapshot.id,
                                   snapshot.state))
    reason = _EXECUTION_REFUSALS.get(snapshot.execution_state)
    if reason and not (resumes_execution
                       and snapshot.execution_state == st.PAUSED):
        raise exc.Conflict("Task '%s' [id=%s] cannot be resumed: %s"
                           % (snapshot.name, snapshot.id, reason))


def _rerun(request, snapshot):
    if snapshot.items_count is None:
        if not isinstance(request.items, str):
            raise exc.InputError(
                "Task '%s' has no with-items: 'items' does not apply"
                % snapshot.name)
        return Plan(snapshot.id, snapshot.name, requests.RERUN,
                    input=request.input, env=request.env)
    count = snapshot.items_count
    states = snapshot.item_states or {}
    if request.items == requests.ITEMS_ALL:
        indices = tuple(range(count))
    elif request.items == requests.ITEMS_FAILED:
        indices = tuple(i for i in range(count)
                        if states.get(i) != st.SUCCESS)
    else:
        bad = [i.index for i in request.items if i.index >= count]
        if bad:
            raise exc.InputError(
                "Item index %s out of range: task '%s' has %d items "
                "(indices 0 to %d)" % (", ".join(map(str, bad)),
                                       snapshot.name, count, count - 1))
        indices = tuple(i.index for i in request.items)
    item_inputs = {} if isinstance(request.items, str) else {
        i.index: i.input for i in request.items if i.input}
    return Plan(snapshot.id, snapshot.name, requests.RERUN, items=indices,
                input=request.input, item_inputs=item_inputs,
                env=request.env)


def _skip(request, snapshot):
    return Plan(snapshot.id, snapshot.name, requests.SKIP,
                output=request.output, env=request.env)


STRATEGIES = {
    requests.RERUN: _rerun,
    requests.SKIP: _skip,
}


def plan(request, snapshot, resumes_execution=False):
    """The plan for one request on one task.

    :raises: Conflict (wrong state), InputError (bad index, items on a
        task without with-items).
    """
    check_resumable(snapshot, resumes_execution)
    return STRATEGIES[request.mode](request, snapshot)


def adhoc_noop_spec(task_spec_dict):
    """The spec of the noop task injected for a skip with an output.

    It keeps what makes the successors fire as a success would (publish,
    on-success, on-complete, join membership) and nothing that runs or
    handles errors.
    """
    keep = ("name", "publish", "on_success", "on_complete", "join",
            "advanced_publish", "keep_result", "description", "tags")
    spec = {k: v for k, v in task_spec_dict.items() if k in keep}
    spec["action"] = "std.noop"
    return spec
