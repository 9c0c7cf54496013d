"""Workflow executions inside a unit of work: start, pause, resume, cancel."""
from mistral_resume import exceptions as exc
from mistral_resume.db import api as db_api
from mistral_resume.db import models
from mistral_resume.engine import steps
from mistral_resume.spec import models as spec_models
from mistral_resume.workflow import conductor
from mistral_resume.workflow import data_flow
from mistral_resume.workflow import machines
from mistral_resume.workflow import statuses as st


def start(uow, topics, wf_def, wf_input, params, description="",
          execution_id=None, source_execution_id=None):
    """Create a RUNNING execution of ``wf_def`` and start its first tasks.

    :raises: WorkflowInputError (400) for missing or unexpected input.
    """
    wf_spec = spec_models.WorkflowSpec.from_dict(wf_def.spec)
    checked_input = data_flow.workflow_input(wf_spec, wf_input)
    ex_id = execution_id or models.new_id()
    wf_ex = models.WorkflowExecution(
        id=ex_id, name=wf_def.name, workflow_id=wf_def.id,
        workflow_namespace=wf_def.namespace, description=description or "",
        spec=wf_spec.to_dict(), state=st.RUNNING, input=checked_input,
        params=params or {}, root_execution_id=ex_id,
        source_execution_id=source_execution_id,
        project_id=uow.ctx.project_id, user_id=uow.ctx.user_id, comments=[])
    uow.session.add(wf_ex)
    step = steps.Step(uow, wf_ex, wf_spec, topics)
    try:
        wf_ex.context = data_flow.initial_context(wf_spec, checked_input,
                                                  step.lookup)
    except exc.ExpressionError as e:
        uow.session.flush()
        step.fail_workflow("Failed to evaluate the workflow vars: %s" % e)
        return wf_ex
    uow.session.flush()
    step.run_commands(conductor.start_commands(wf_spec, wf_ex.context))
    step.check_completion()
    return wf_ex


def load_step(uow, topics, wf_ex_id):
    wf_ex = db_api.get_execution(uow.session, wf_ex_id, with_spec=True)
    return steps.Step(uow, wf_ex,
                      spec_models.WorkflowSpec.from_dict(wf_ex.spec), topics)


def update(uow, topics, wf_ex_id, state=None, state_info=None,
           description=None, env=None):
    """PUT /v2/executions/{id}: description, env, or a state request.

    :raises: InvalidStateTransition / Conflict (409), Forbidden (403).
    """
    step = load_step(uow, topics, wf_ex_id)
    wf_ex = step.wf_ex
    if description is not None:
        wf_ex.description = description
    if env:
        if wf_ex.state == st.RUNNING and state != st.PAUSED:
            raise exc.Forbidden("The environment of a RUNNING execution "
                                "cannot be changed; pause it first")
        params = dict(wf_ex.params or {})
        params["env"] = data_flow.merge(params.get("env") or {}, env)
        wf_ex.params = params
    if state is not None:
        _STATE_REQUESTS.get(state, _refuse)(step, state, state_info)
    return wf_ex


def _pause(step, state, state_info):
    steps.set_state(step.session, machines.WORKFLOW, step.wf_ex, st.PAUSED)


def _resume(step, state, state_info):
    wf_ex = step.wf_ex
    if wf_ex.state == st.ERROR:
        raise exc.Conflict(_error_resume_message(step))
    if wf_ex.state == st.PAUSED:
        unhandled = [t for t in db_api.tasks_of(
            step.session, wf_ex.id, states=[st.ERROR], full=True)
            if not step.error_handled(t)]
        if unhandled:
            raise exc.Conflict(_error_resume_message(step, unhandled))
    if not steps.set_state(step.session, machines.WORKFLOW, wf_ex,
                           st.RUNNING, state_info=None):
        return
    continue_after_pause(step)


def continue_after_pause(step):
    """Follow what tasks finished (or a 'pause' left) while paused."""
    wf_ex = step.wf_ex
    for task_ex in db_api.tasks_to_continue(step.session, wf_ex.id,
                                            st.COMPLETED):
        if wf_ex.state != st.RUNNING:
            break
        if not task_ex.processed:
            step.process(task_ex)
        elif task_ex.pending_commands:
            step.run_pending(task_ex)
    step.check_completion()


def _cancel(step, state, state_info):
    wf_ex = step.wf_ex
    steps.set_state(step.session, machines.WORKFLOW, wf_ex, st.CANCELLED,
                    state_info=state_info, finished_at=models.utcnow())
    for task_ex in db_api.tasks_of(step.session, wf_ex.id,
                                   states=(st.WAITING, st.DELAYED)):
        steps.set_state(step.session, machines.TASK, task_ex, st.CANCELLED,
                        finished_at=models.utcnow())


def _fail(step, state, state_info):
    steps.set_state(step.session, machines.WORKFLOW, step.wf_ex, st.ERROR,
                    state_info=state_info or "Failed by a request",
                    finished_at=models.utcnow())


def _refuse(step, state, state_info):
    raise exc.InputError(
        "Cannot set an execution to %s; use PAUSED, RUNNING, CANCELLED or "
        "ERROR" % state)


_STATE_REQUESTS = {
    st.PAUSED: _pause,
    st.RUNNING: _resume,
    st.CANCELLED: _cancel,
    st.ERROR: _fail,
}


def _error_resume_message(step, failed=None):
    if failed is None:
        failed = db_api.tasks_of(step.session, step.wf_ex.id,
                                 states=[st.ERROR])
    names = ", ".join("%s [id=%s]" % (t.name, t.id) for t in failed)
    situation = ("is in ERROR: a plain resume would do nothing"
                 if step.wf_ex.state == st.ERROR else
                 "holds failed tasks without error handling: a plain resume"
                 " would only fail it")
    return ("Execution %s %s. Failed tasks: %s. Say how to go on: re-run "
            "or skip each, e.g. PUT /v2/executions/%s {\"state\": "
            "\"RUNNING\", \"resume\": {\"task\": \"<name>\", \"mode\": "
            "\"rerun\" or \"skip\"}}, or PUT /v2/tasks/<id> {\"state\": "
            "\"RUNNING\"} to re-run one, {\"state\": \"SKIPPED\"} to skip "
            "it." % (step.wf_ex.id, situation, names or "none",
                     step.wf_ex.id))


def delete(uow, wf_ex_id, force=False):
    """:raises: Conflict if the execution is still running (unless force)."""
    wf_ex = db_api.get_execution(uow.session, wf_ex_id)
    if not force and wf_ex.state in st.INCOMPLETE:
        raise exc.Conflict("Execution %s is %s; cancel it first or delete "
                           "with force" % (wf_ex.id, wf_ex.state))
    uow.session.delete(wf_ex)
