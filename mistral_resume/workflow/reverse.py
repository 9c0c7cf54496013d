"""Reverse workflows: run what a target task requires, then the target.

Pure. Mistral 23's rules (mistral/workflow/reverse_workflow.py): an
execution names its target in ``params.task_name``; the tasks it needs are
the target and, transitively, what each requires; those requiring nothing
start first, and a task starts once every task it requires has
succeeded. A failed task starts nothing: the execution fails.
"""
from mistral_resume import exceptions as exc
from mistral_resume.workflow import conductor
from mistral_resume.workflow import statuses as st


def needed(wf_spec, task_name):
    """The names of the tasks the target needs, the target included.

    :raises: InputError for a missing or unknown target.
    """
    if not task_name:
        raise exc.InputError("A reverse workflow needs the target task: "
                             "params.task_name")
    if task_name not in wf_spec.tasks:
        raise exc.InputError("Invalid task name '%s': workflow '%s' has no "
                             "such task" % (task_name, wf_spec.name))
    seen = {task_name}
    todo = [task_name]
    while todo:
        for required in wf_spec.tasks[todo.pop()].requires:
            if required not in seen:
                seen.add(required)
                todo.append(required)
    return seen


def start_commands(wf_spec, task_name, data):
    """The needed tasks that require nothing, in document order."""
    wanted = needed(wf_spec, task_name)
    return [conductor.RunTask(name, [], data, {}) for name in wf_spec.tasks
            if name in wanted and not wf_spec.tasks[name].requires]


def ready(wf_spec, wanted, done_name, states):
    """Needed tasks that require ``done_name`` and can start now.

    :param states: ``{name: state}`` of the newest execution of each task
        that ran.
    """
    return [name for name in wf_spec.tasks
            if name in wanted and done_name in wf_spec.tasks[name].requires
            and name not in states
            and all(states.get(r) == st.SUCCESS
                    for r in wf_spec.tasks[name].requires)]
