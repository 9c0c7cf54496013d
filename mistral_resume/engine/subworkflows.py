"""Sub-workflows: a task that runs a workflow, and the links between them.

A task with ``workflow: name`` starts a child execution whose
``task_execution_id`` is the task and whose ``root_execution_id`` is the
root's: the whole tree is locked through the root row, so one unit of work
can end a child and move its parent task on. Pause, resume and cancel
travel down to running children; a child's pause pauses its parent (and
so the rest of the tree), and resuming the last paused child resumes its
parent (Mistral 23's cascade rules).

Functions take ``Step`` objects and call back only their public methods.
"""
from mistral_resume import exceptions as exc
from mistral_resume.db import api as db_api
from mistral_resume.db import items as db_items
from mistral_resume.engine import items
from mistral_resume.engine import lookups
from mistral_resume.engine import workbooks
from mistral_resume.expressions import base as expr
from mistral_resume.workflow import statuses as st

WORKFLOW_TASK = "WORKFLOW"


def find_definition(session, name, namespace, project_id):
    """The definition ``name`` in the parent's namespace, else the default.

    :raises: NotFound.
    """
    try:
        return db_api.find_workflow_definition(session, name, namespace,
                                               project_id, with_text=False)
    except exc.NotFound:
        if not namespace:
            raise
    return db_api.find_workflow_definition(session, name, "", project_id,
                                           with_text=False)


def _find_local(step, name):
    """``name`` as the parent sees it: a workbook's sibling first."""
    parent = step.wf_ex
    names = workbooks.local_names(name, parent.name, step.wf_spec.name)
    for candidate in names[:-1]:
        try:
            return find_definition(step.session, candidate,
                                   parent.workflow_namespace,
                                   parent.project_id)
        except exc.NotFound:
            pass
    return find_definition(step.session, names[-1],
                           parent.workflow_namespace, parent.project_id)


def start(step, task_ex, task_spec, wf_input, data, item_index=None):
    """Start a child execution for ``task_ex``; fail the task if it cannot.

    :returns: the child execution, or None (the task failed).
    """
    lookup = step.lookup.with_task(lookups.task_view(task_ex))
    parent = step.wf_ex
    try:
        name = expr.evaluate(task_spec.workflow, data, lookup)
        wf_def = _find_local(step, name)
        params = {"env": (parent.params or {}).get("env") or {},
                  "namespace": parent.workflow_namespace or "",
                  "task_name": task_ex.name,
                  "task_execution_id": task_ex.id}
        if item_index is not None:
            params["index"] = item_index
        return step.start_execution(wf_def, wf_input, params,
                                    parent_task=task_ex,
                                    item_index=item_index)
    except (exc.ExpressionError, exc.NotFound, exc.InputError) as e:
        step.complete_task(task_ex, st.ERROR,
                           [] if task_spec.with_items else None, str(e))
        return None


_END = {
    st.SUCCESS: None,
    st.ERROR: "Failed subworkflow [execution_id=%s]",
    st.CANCELLED: "Cancelled subworkflow [execution_id=%s]",
}


def on_child_end(child_step):
    """``child_step``'s execution ended: move its parent task on."""
    child = child_step.wf_ex
    if not child.task_execution_id or not child.accepted:
        return
    task_ex = db_api.load_task(child_step.session, child.task_execution_id)
    parent = child_step.for_execution(task_ex.workflow_execution_id)
    if task_ex.items_count is not None:
        items.on_item_complete(parent, task_ex)
        return
    if task_ex.state not in (st.RUNNING, st.PAUSED):
        return
    state_info = None
    if child.state != st.SUCCESS:
        state_info = child.state_info or _END[child.state] % child.id
    parent.task_result(task_ex, child.state, child.output, state_info)


# ------------------------------------------------------ pause and resume

def _workflow_tasks(step, states):
    return [t for t in db_api.tasks_of(step.session, step.wf_ex.id,
                                       states=states)
            if t.type == WORKFLOW_TASK]


def pause_children(step):
    """Pause the running children of a paused execution, their tasks too."""
    for task_ex in _workflow_tasks(step, (st.RUNNING,)):
        step.set_task_state(task_ex, st.PAUSED)
        for child in db_items.running_children(step.session, task_ex.id,
                                             (st.RUNNING,)):
            step.for_execution(child.id).pause_workflow(up=False)


def pause_parent(step):
    """A paused child pauses its parent task and execution (and the tree)."""
    if not step.wf_ex.task_execution_id:
        return
    task_ex = db_api.load_task(step.session, step.wf_ex.task_execution_id)
    parent = step.for_execution(task_ex.workflow_execution_id)
    if task_ex.state == st.RUNNING:
        parent.set_task_state(task_ex, st.PAUSED)
    if parent.wf_ex.state == st.RUNNING:
        parent.pause_workflow()


def resume_children(step):
    """Resume the paused children of a resumed execution."""
    for task_ex in _workflow_tasks(step, (st.PAUSED,)):
        step.set_task_state(task_ex, st.RUNNING)
        for child in db_items.running_children(step.session, task_ex.id,
                                             (st.PAUSED,)):
            step.for_execution(child.id).resume_workflow(up=False)


def resume_parent(step):
    """A resumed child resumes its parent task; and the parent execution
    once none of its tasks is held (paused, or IDLE by pause-before)."""
    if not step.wf_ex.task_execution_id:
        return
    task_ex = db_api.load_task(step.session, step.wf_ex.task_execution_id)
    parent = step.for_execution(task_ex.workflow_execution_id)
    if task_ex.state == st.PAUSED:
        parent.set_task_state(task_ex, st.RUNNING)
    if parent.wf_ex.state == st.PAUSED and not db_api.count_incomplete_tasks(
            step.session, parent.wf_ex.id, (st.PAUSED, st.IDLE)):
        parent.resume_workflow()


def cancel_children(step, state_info=None):
    """Cancel the unfinished children of a cancelled execution."""
    for task_ex in _workflow_tasks(step, (st.RUNNING, st.PAUSED)):
        for child in db_items.running_children(step.session, task_ex.id,
                                             st.INCOMPLETE):
            step.for_execution(child.id).cancel_workflow(state_info)
