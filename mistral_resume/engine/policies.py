"""Task policies applied to rows: start, delays, retries, timeouts.

The pure ``workflow/policies.py`` decides; this module changes task rows
and schedules jobs (``uow.schedule``), which an engine's scheduler loop runs
later through :data:`JOBS`. Functions take the ``Step`` of the task's
execution and call back only its public methods.
"""
from mistral_resume import exceptions as exc
from mistral_resume.db import api as db_api
from mistral_resume.db import items as db_items
from mistral_resume.engine import lookups
from mistral_resume.expressions import base as expr
from mistral_resume.spec import models as spec_models
from mistral_resume.workflow import data_flow
from mistral_resume.workflow import policies as wp
from mistral_resume.workflow import statuses as st

CONTINUE_TASK = "continue_task"
COMPLETE_TASK = "complete_task"
TIME_OUT_TASK = "time_out_task"

# How a delayed task goes on: its start after wait-before, or a retry.
RESUME_RUN = "run"
RESUME_RETRY = "retry"


def lookup_of(step, task_ex, **overrides):
    return step.lookup.with_task(dict(lookups.task_view(task_ex),
                                      **overrides))


def _schedule(step, task_ex, method, delay, **payload):
    step.uow.schedule(method, delay, dict(payload, task_ex_id=task_ex.id),
                      task_ex.root_execution_id, task_ex.id)


# ------------------------------------------------------------------ start

def begin(step, task_ex, task_spec, stage=wp.STAGE_PAUSE):
    """Start ``task_ex`` from ``stage``: pause-before, wait-before, run."""
    if not wp.has_start_policies(task_spec):
        step.run_task(task_ex, task_spec)
        return
    data, lookup = task_ex.in_context, lookup_of(step, task_ex)
    try:
        if stage == wp.STAGE_PAUSE:
            wp.check_start(task_spec, data, lookup)
        pause = stage == wp.STAGE_PAUSE and wp.flag_value(
            task_spec, "pause_before", data, lookup)
        wait = wp.count_value(task_spec, "wait_before", data, lookup)
        decision = wp.start(stage, pause, wait)
        if decision.kind == "run":
            timeout = wp.count_value(task_spec, "timeout", data, lookup)
            task_ex.concurrency = wp.count_value(
                task_spec, "concurrency", data, lookup) or None
    except exc.ExpressionError as e:
        step.complete_task(task_ex, st.ERROR, _empty_result(task_spec),
                           str(e))
        return
    if decision.kind == "pause":
        step.set_task_state(task_ex, st.IDLE,
                            state_info=decision.state_info)
        step.pause_workflow()
        return
    if decision.kind == "delay":
        step.set_task_state(task_ex, st.DELAYED,
                            state_info=decision.state_info)
        _schedule(step, task_ex, CONTINUE_TASK, decision.delay,
                  how=RESUME_RUN)
        return
    if task_ex.state != st.RUNNING:
        step.set_task_state(task_ex, st.RUNNING, state_info=None)
    if timeout:
        _schedule(step, task_ex, TIME_OUT_TASK, timeout, timeout=timeout)
    step.run_task(task_ex, task_spec)


def _empty_result(task_spec):
    # A with-items task that could not start has the result [] (Mistral).
    return [] if task_spec.with_items else None


# ------------------------------------------------------------------- end

def on_result(step, task_ex, state, result, state_info=None, waited=False):
    """The task's action(s) or sub-workflow(s) ended in ``state``.

    wait-after, fail-on and retry may change what follows; else the task
    completes (publish, transitions).
    """
    task_spec = spec_models.TaskSpec.from_dict(task_ex.spec)
    if not wp.has_end_policies(task_spec):
        step.complete_task(task_ex, state, result, state_info)
        return
    lookup = lookup_of(step, task_ex, result=result, state=state,
                     state_info=state_info)
    try:
        published = data_flow.publish(task_spec, state, task_ex.in_context,
                                      lookup)
    except exc.ExpressionError:
        step.complete_task(task_ex, state, result, state_info)
        return
    outbound = data_flow.outbound(task_ex.in_context, published)
    try:
        fail_on = state == st.SUCCESS and wp.flag_value(
            task_spec, "fail_on", task_ex.in_context, lookup)
        retry = wp.retry_value(task_spec, outbound, lookup)
        break_on = _condition(task_spec, "break-on", outbound, lookup)
        continue_on = _condition(task_spec, "continue-on", outbound, lookup)
        wait_after = wp.count_value(task_spec, "wait_after",
                                    task_ex.in_context, lookup)
    except exc.ExpressionError as e:
        step.complete_task(task_ex, st.ERROR, result, str(e))
        return
    outcome = wp.after_completion(state, state_info, fail_on, retry,
                                  task_ex.retry_no or 0, break_on,
                                  continue_on, wait_after, waited)
    if outcome.kind == "retry":
        step.set_task_state(task_ex, st.DELAYED, state_info=outcome.state_info,
             retry_no=(task_ex.retry_no or 0) + 1)
        db_items.reject_actions(step.session, task_ex.id)
        db_items.reject_children(step.session, task_ex.id)
        _schedule(step, task_ex, CONTINUE_TASK, outcome.delay,
                  how=RESUME_RETRY)
    elif outcome.kind == "wait":
        step.set_task_state(task_ex, st.DELAYED,
             state_info=wp.wait_after_info(outcome.delay), result=result)
        _schedule(step, task_ex, COMPLETE_TASK, outcome.delay,
                  state=outcome.state, state_info=outcome.state_info)
    else:
        step.complete_task(task_ex, outcome.state, result,
                           outcome.state_info, published=published)


def _condition(task_spec, key, data, lookup):
    text = (task_spec.retry or {}).get(key)
    if text is None:
        return None
    return bool(expr.evaluate(text, data, lookup))


def _retry(step, task_ex, task_spec):
    step.set_task_state(task_ex, st.RUNNING, state_info=None)
    if task_spec.with_items:
        task_ex.items_started = 0
    step.run_task(task_ex, task_spec)


# ------------------------------------------------------------------- jobs

def _continue_task(step, task_ex, how):
    if task_ex.state != st.DELAYED or step.wf_ex.state != st.RUNNING:
        return
    task_spec = spec_models.TaskSpec.from_dict(task_ex.spec)
    if how == RESUME_RETRY:
        _retry(step, task_ex, task_spec)
    else:
        begin(step, task_ex, task_spec, wp.STAGE_RUN)


def _complete_task(step, task_ex, state, state_info):
    # The end of a wait-after: fail-on and retry apply now.
    if task_ex.state != st.DELAYED:
        return
    step.set_task_state(task_ex, st.RUNNING)
    on_result(step, task_ex, state, task_ex.result, state_info, waited=True)


def _time_out_task(step, task_ex, timeout):
    if task_ex.state in st.COMPLETED:
        return
    message = wp.timeout_info(timeout)
    for ax in db_api.actions_of(step.session, task_ex.id,
                                accepted_only=True):
        if ax.state == st.RUNNING:
            db_api.cas_update_state(step.session, ax, st.RUNNING, {
                "state": st.ERROR, "state_info": message,
                "output": {"result": message}})
    if task_ex.state == st.RUNNING:
        on_result(step, task_ex, st.ERROR, None, message)
    elif task_ex.state in (st.DELAYED, st.WAITING):
        step.complete_task(task_ex, st.ERROR, None, message)


# Scheduled job name -> what it does to (step, task execution, **payload).
JOBS = {
    CONTINUE_TASK: _continue_task,
    COMPLETE_TASK: _complete_task,
    TIME_OUT_TASK: _time_out_task,
}

