"""with-items tasks applied to rows: start items, count them, finish.

The pure ``workflow/with_items.py`` decides. Each item is one action
execution (or one sub-workflow execution) whose ``item_index`` is a real
column. Completing an item costs the same whatever the item count: the
engine counts items with SQL ``COUNT`` on (task, accepted, state), reads
one item's values by index, and builds the result list once, when the task
ends.
"""
from mistral_resume import exceptions as exc
from mistral_resume.db import items as db_items
from mistral_resume.engine import lookups
from mistral_resume.expressions import base as expr
from mistral_resume.spec import models as spec_models
from mistral_resume.workflow import data_flow
from mistral_resume.workflow import statuses as st
from mistral_resume.workflow import with_items


def start(step, task_ex, task_spec):
    """A with-items task's run: store its item values, start the first.

    The values are evaluated at the task's first run only: a retry or a
    re-run uses the stored ones, so indices never shift.
    """
    values = None  # a retry or re-run reads the stored ones by index
    if task_ex.items_count is None:
        lookup = step.lookup.with_task(lookups.task_view(task_ex))
        try:
            values = with_items.evaluate_values(
                task_spec.with_items, task_ex.in_context, lookup)
        except exc.ExpressionError as e:
            step.complete_task(task_ex, st.ERROR, [], str(e))
            return
        db_items.store_items(step.session, task_ex.id, values)
        task_ex.items_count = len(values)
    task_ex.items_started = 0
    if not task_ex.items_count:
        step.task_result(task_ex, st.SUCCESS, [])
        return
    if start_next(step, task_ex, task_spec, values):
        finish_if_done(step, task_ex)


def start_next(step, task_ex, task_spec, values=None):
    """Start the items that the concurrency cap lets run now.

    One item at a time: a sub-workflow item may end while it starts, and
    the next index is always read from the task row.

    :param values: all item values when at hand; else each item's values
        are read by index.
    :returns: False if an item could not start (the task failed).
    """
    step.uow.starting.add(task_ex.id)
    try:
        while task_ex.state == st.RUNNING:
            running = 0
            if task_ex.concurrency:
                running = db_items.count_items(step.session, task_ex,
                                             st.INCOMPLETE)
            indices = with_items.to_start(
                task_ex.items_count, task_ex.items_started or 0, running,
                task_ex.concurrency)
            if not indices:
                return True
            index = indices[0]
            item = (values[index] if values is not None else
                    db_items.with_items_value(step.session, task_ex.id, index))
            task_ex.items_started = index + 1
            if not _start_item(step, task_ex, task_spec, index, item):
                return False
        return False
    finally:
        step.uow.starting.discard(task_ex.id)


def item_data(step, task_ex, index):
    """What ``$`` means for item ``index`` of a with-items task."""
    item = db_items.with_items_value(step.session, task_ex.id, index)
    return with_items.item_data(task_ex.in_context, item)


def _start_item(step, task_ex, task_spec, index, item):
    data = with_items.item_data(task_ex.in_context, item)
    lookup = step.lookup.with_task(lookups.task_view(task_ex))
    try:
        item_input = data_flow.task_input(task_spec, data, lookup)
        if task_spec.workflow:
            step.start_child(task_ex, task_spec, item_input, data,
                             item_index=index)
            return task_ex.state == st.RUNNING
        name = expr.evaluate(task_spec.action or "std.noop", data, lookup)
    except exc.ExpressionError as e:
        step.complete_task(task_ex, st.ERROR, None, str(e))
        return False
    step.schedule_action(task_ex, name, item_input, item_index=index,
                         attempt=(task_ex.retry_no or 0) + 1)
    return True


def on_item_complete(step, task_ex):
    """An item of ``task_ex`` ended: start the next, or finish the task."""
    if task_ex.id in step.uow.starting or task_ex.state != st.RUNNING:
        # Still starting its items: that loop looks when it is done.
        return
    if (step.wf_ex.state == st.RUNNING
            and (task_ex.items_started or 0) < task_ex.items_count):
        task_spec = spec_models.TaskSpec.from_dict(task_ex.spec)
        if not start_next(step, task_ex, task_spec):
            return
    finish_if_done(step, task_ex)


def resume(step, task_ex):
    """Start what a pause held back, then finish if nothing is left."""
    task_spec = spec_models.TaskSpec.from_dict(task_ex.spec)
    if start_next(step, task_ex, task_spec):
        finish_if_done(step, task_ex)


def finish_if_done(step, task_ex):
    """End the task once no item runs and none is left to start.

    Items not started because the execution was cancelled count as
    cancelled.
    """
    inline = step.uow.inline
    if (task_ex.state != st.RUNNING
            or (inline is not None and inline.waiting(task_ex.id))
            or db_items.count_items(step.session, task_ex, st.INCOMPLETE)):
        return
    left = (task_ex.items_started or 0) < task_ex.items_count
    if left and step.wf_ex.state != st.CANCELLED:
        return
    failed = db_items.count_items(step.session, task_ex, (st.ERROR,))
    cancelled = left or db_items.count_items(step.session, task_ex,
                                           (st.CANCELLED,))
    state, state_info = with_items.final_state(failed, cancelled)
    step.task_result(task_ex, state, results(step, task_ex), state_info)


def results(step, task_ex):
    """The task's result: its items' results, in item order."""
    result = []
    for _index, output in db_items.item_outputs(step.session, task_ex):
        if task_ex.type == "WORKFLOW":
            result.append(output)
        else:
            result.append((output or {}).get("result"))
    return result
