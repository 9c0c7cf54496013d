"""Joins: when a waiting join runs, keeps waiting, or can never run.

Pure: the engine says which inbound tasks arrived and which may still
arrive; the decision is Mistral 23's (mistral/workflow/direct_workflow.py,
``_get_join_logical_state``): ``join: all`` runs once every inbound task
arrived and fails as soon as one of them can no longer arrive; ``join: N``
runs once N arrived and fails once fewer than N can. A failed join is an
ERROR task whose state_info names the inbound tasks that cannot arrive
("Failed by tasks: [...]").

An inbound task "may still arrive" while it, or any task upstream of it,
is unfinished (or finished with transitions still to run): in a cycle a
task that passed by once may come again.
"""
import collections

RUN = "run"
WAIT = "wait"
FAIL = "fail"

Decision = collections.namedtuple("Decision", "kind state_info")


def needed(join, inbound_count):
    """How many inbound tasks must arrive."""
    if join == "all":
        return inbound_count
    return min(int(join), inbound_count)


def decide(join, inbound, arrived, may_arrive):
    """RUN, WAIT or FAIL for a waiting join.

    :param inbound: names of the join's inbound tasks.
    :param arrived: names that arrived (triggered the join).
    :param may_arrive: names not arrived that may still arrive.
    """
    count = needed(join, len(inbound))
    arrived = [n for n in inbound if n in arrived]
    if len(arrived) >= count:
        return Decision(RUN, None)
    lost = [n for n in inbound if n not in arrived and n not in may_arrive]
    if len(arrived) + (len(inbound) - len(arrived) - len(lost)) < count:
        return Decision(FAIL, "Failed by tasks: %s" % lost)
    return Decision(WAIT, None)


def upstream(wf_spec, name):
    """Names of every task with a path to ``name`` (``name`` included)."""
    seen = {name}
    todo = [name]
    while todo:
        for source in wf_spec.inbound(todo.pop()):
            if source not in seen:
                seen.add(source)
                todo.append(source)
    return seen


def affected_joins(wf_spec, name):
    """Join tasks downstream of task ``name``: a change may decide them."""
    return [t for t, above in _join_upstreams(wf_spec).items()
            if t != name and name in above]


def _join_upstreams(wf_spec):
    """``{join task: upstream(join task)}`` in task order, once per spec (a
    task's completion asks it: a 1000-task chain must not walk the
    workflow 1000 times)."""
    return wf_spec.memo("join upstreams", lambda: {
        t: upstream(wf_spec, t) for t, spec in wf_spec.tasks.items()
        if spec.join})
