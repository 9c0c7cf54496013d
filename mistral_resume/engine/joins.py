"""Join tasks applied to rows: arrivals, rounds, and joins that cannot run.

One join task execution waits per join and round: its ``unique_key``
(``join:<execution>:<task>:<round>``) makes a second one impossible even
if two engines arrived at once. In a cycle, an inbound task that arrives
again at a join that already ran opens the next round (a new task
execution); one that had not arrived yet is a late arrival of the round
that ran, recorded and otherwise ignored (``join: 1`` runs once).

The pure ``workflow/joins.py`` decides; a waiting join is decided again
whenever a task upstream of it is processed, so a join whose inbound
branches were not taken fails instead of waiting forever.
"""
from mistral_resume.db import api as db_api
from mistral_resume.db import joins as db_joins
from mistral_resume.workflow import data_flow
from mistral_resume.workflow import joins as wj
from mistral_resume.workflow import statuses as st


def _arrived(step, task_ex):
    ids = [t["task_id"] for t in task_ex.triggered_by or ()]
    return set(db_joins.task_names(step.session, ids).values())


def arrive(step, command, task_spec):
    """``command`` reaches join ``task_spec``: wait, run, or open a round."""
    name = task_spec.name
    rounds = db_joins.join_tasks(step.session, step.wf_ex.id, name)
    newest = rounds[-1] if rounds else None
    if newest is not None and newest.state == st.WAITING:
        newest.triggered_by = list(newest.triggered_by or ()) + list(
            command.triggered_by)
        db_api.mark_triggering(step.session, command.triggered_by)
        newest.in_context = data_flow.merge(newest.in_context, command.data)
        decide(step, newest, task_spec)
        return
    sources = set(db_joins.task_names(
        step.session, [t["task_id"] for t in command.triggered_by]).values())
    if newest is not None and not sources & _arrived(step, newest):
        newest.triggered_by = list(newest.triggered_by or ()) + list(
            command.triggered_by)
        db_api.mark_triggering(step.session, command.triggered_by)
        return
    key = "join:%s:%s:%d" % (step.wf_ex.id, name, len(rounds))
    task_ex = step.new_task(command, task_spec, st.WAITING, unique_key=key)
    decide(step, task_ex, task_spec)


def decide(step, task_ex, task_spec):
    """Run the waiting join ``task_ex``, fail it, or let it wait."""
    inbound = step.wf_spec.inbound(task_spec.name)
    arrived = _arrived(step, task_ex)
    missing = [n for n in inbound if n not in arrived]
    may_arrive = set()
    if len(inbound) - len(missing) < wj.needed(task_spec.join,
                                               len(inbound)):
        may_arrive = _may_arrive(step, missing, task_ex.id)
    decision = wj.decide(task_spec.join, inbound, arrived, may_arrive)
    if decision.kind == wj.RUN:
        task_ex.in_context = _inbound_context(step, task_ex)
        step.set_task_state(task_ex, st.RUNNING, state_info=None)
        step.begin(task_ex, task_spec)
    elif decision.kind == wj.FAIL:
        step.complete_task(task_ex, st.ERROR, None, decision.state_info)


def _inbound_context(step, task_ex):
    """Mistral's join data: the inbound tasks' outbound data merged, then
    every variable they published over it (so a branch's published value
    beats another branch's inherited one)."""
    ids = [t["task_id"] for t in task_ex.triggered_by or ()]
    rows = {t.id: t for t in db_joins.tasks_by_id(step.session, ids)}
    context, published = {}, {}
    for task_id in ids:
        row = rows.get(task_id)
        if row is None:
            continue
        context = data_flow.merge(context, data_flow.outbound(
            row.in_context, row.published))
        published = data_flow.merge(published, row.published)
    return data_flow.merge(context, published)


def _upstream(step, name):
    cache = step.join_cache
    if name not in cache:
        cache[name] = wj.upstream(step.wf_spec, name)
    return cache[name]


def _may_arrive(step, missing, join_id):
    """Those of the ``missing`` inbound tasks that may still arrive: one
    of the tasks upstream of each is still active (one query for all, not
    one per missing branch: a 100-branch join decides 100 times)."""
    upstream = {name: _upstream(step, name) for name in missing}
    active = db_joins.active_task_names(
        step.session, step.wf_ex.id, set().union(*upstream.values()),
        st.INCOMPLETE, st.COMPLETED, exclude_id=join_id)
    return {name for name in missing if upstream[name] & active}


def reconsider(step, task_name):
    """Decide again the waiting joins downstream of task ``task_name``."""
    key = ("affected", task_name)
    cache = step.join_cache
    if key not in cache:
        cache[key] = set(wj.affected_joins(step.wf_spec, task_name))
    if not cache[key]:
        return
    for task_ex in db_api.tasks_of(step.session, step.wf_ex.id,
                                   states=(st.WAITING,), full=True):
        if task_ex.name in cache[key] and task_ex.state == st.WAITING:
            decide(step, task_ex, step.wf_spec.tasks[task_ex.name])
