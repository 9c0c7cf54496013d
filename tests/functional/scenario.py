"""Scenarios as data, and the one function that checks them.

A scenario is the workflow text plus what Mistral 23 ends with: the
workflow state, each task's states (creation order), published values,
the output, the number of action executions per task (accepted or not) and
the item indices they ran.
"""
import dataclasses
import time

from mistral_resume.workflow import statuses as st

ANY = object()


@dataclasses.dataclass
class Scenario:
    text: str
    state: str = st.SUCCESS
    tasks: dict = None                 # {name: [states, oldest first]}
    wf_input: dict = None
    name: str = None                   # the workflow to start (else first)
    params: dict = None
    published: dict = None             # {task name: published (newest)}
    results: dict = None               # {task name: result (newest)}
    output: object = ANY
    actions: dict = None               # {task name: action executions}
    accepted: dict = None              # {task name: accepted ones}
    indices: dict = None               # {task name: sorted item indices}
    state_info: str = None             # a text the execution's must hold
    task_info: dict = None             # {task name: text in state_info}


def run(stack, scenario):
    """Run ``scenario`` on ``stack``, check it, return the execution."""
    wf_ex = stack.run(scenario.text, name=scenario.name,
                      wf_input=scenario.wf_input,
                      params=scenario.params or {})
    check(stack, wf_ex, scenario)
    return wf_ex


def check(stack, wf_ex, scenario):
    assert wf_ex.state == scenario.state, (wf_ex.state, wf_ex.state_info)
    tasks = stack.tasks(wf_ex.id)
    if scenario.tasks is not None:
        states = stack.task_states(wf_ex.id)
        assert states == scenario.tasks, states
    newest = {name: rows[-1] for name, rows in tasks.items()}
    for name, published in (scenario.published or {}).items():
        assert newest[name].published == published, (
            name, newest[name].published)
    for name, result in (scenario.results or {}).items():
        assert newest[name].result == result, (name, newest[name].result)
    if scenario.output is not ANY:
        assert wf_ex.output == scenario.output, wf_ex.output
    for name, count in (scenario.actions or {}).items():
        actions = [a for t in tasks.get(name, []) for a in stack.actions(t.id)]
        assert len(actions) == count, (name, len(actions))
    for name, count in (scenario.accepted or {}).items():
        actions = [a for t in tasks.get(name, []) for a in stack.actions(t.id)
                   if a.accepted]
        assert len(actions) == count, (name, len(actions))
    for name, indices in (scenario.indices or {}).items():
        actions = [a for t in tasks.get(name, []) for a in stack.actions(t.id)
                   if a.accepted]
        assert sorted(a.item_index for a in actions) == indices, name
    if scenario.state_info is not None:
        assert scenario.state_info in (wf_ex.state_info or ""), (
            wf_ex.state_info)
    for name, text in (scenario.task_info or {}).items():
        assert text in (newest[name].state_info or ""), (
            name, newest[name].state_info)


def wait_until(condition, limit=30.0):
    """Poll ``condition()`` until true, with a bound; return its value."""
    deadline = time.monotonic() + limit
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met in %ss" % (
            limit)
        time.sleep(0.002)


def task_in(stack, ex_id, name, states):
    """Wait for the newest task ``name`` of ``ex_id`` to be in ``states``.
    """
    def found():
        rows = stack.tasks(ex_id).get(name)
        return rows[-1] if rows and rows[-1].state in states else None
    return wait_until(found)
