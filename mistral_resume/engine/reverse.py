"""Reverse workflows applied to rows: what starts when a task succeeds.

The pure ``workflow/reverse.py`` decides; a task that starts sees the data
of every task it requires merged (Mistral's upstream context), and names
them in ``triggered_by``.
"""
from mistral_resume.db import api as db_api
from mistral_resume.workflow import conductor
from mistral_resume.workflow import data_flow
from mistral_resume.workflow import reverse
from mistral_resume.workflow import statuses as st


def start_commands(step):
    return reverse.start_commands(step.wf_spec,
                                  (step.wf_ex.params or {}).get("task_name"),
                                  step.wf_ex.context)


def next_commands(step, task_ex):
    """RunTask commands for the tasks ``task_ex``'s success makes ready."""
    if task_ex.state != st.SUCCESS:
        return []
    wf_spec = step.wf_spec
    wanted = reverse.needed(wf_spec,
                            (step.wf_ex.params or {}).get("task_name"))
    newest = {}
    for row in db_api.tasks_of(step.session, step.wf_ex.id, full=True):
        newest[row.name] = row
    states = {name: row.state for name, row in newest.items()}
    commands = []
    for name in reverse.ready(wf_spec, wanted, task_ex.name, states):
        required = [newest[r] for r in wf_spec.tasks[name].requires]
        context, published = {}, {}
        for row in required:
            context = data_flow.merge(context, data_flow.outbound(
                row.in_context, row.published))
            published = data_flow.merge(published, row.published)
        commands.append(conductor.RunTask(
            name, [{"task_id": r.id, "event": "on-success"}
                   for r in required],
            data_flow.merge(context, published), {}))
    return commands
