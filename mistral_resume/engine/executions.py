"""Workflow executions inside a unit of work: start, pause, resume, cancel."""
from mistral_resume import exceptions as exc
from mistral_resume.db import api as db_api
from mistral_resume.db import models
from mistral_resume.engine import steps
from mistral_resume.engine import subworkflows
from mistral_resume.workflow import data_flow
from mistral_resume.workflow import machines
from mistral_resume.workflow import statuses as st


def start(uow, topics, wf_def, wf_input, params, description="",
          execution_id=None, source_execution_id=None):
    """Create a RUNNING execution of ``wf_def`` and start its first tasks.

    :raises: WorkflowInputError (400) for missing or unexpected input,
        InputError (400) for an unknown environment name.
    """
    return steps.start_execution(uow, topics, wf_def, wf_input, params,
                                 description, execution_id,
                                 source_execution_id)


def load_step(uow, topics, wf_ex_id):
    return steps.load(uow, topics, wf_ex_id)


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
    step.pause_workflow()


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
    step.resume_workflow()


def continue_after_pause(step):
    """Follow what tasks finished (or a 'pause' left) while paused."""
    step.continue_after_pause()


def _cancel(step, state, state_info):
    step.cancel_workflow(state_info)


def _fail(step, state, state_info):
    if steps.set_state(step.session, machines.WORKFLOW, step.wf_ex,
                       st.ERROR, state_info=state_info or "Failed by a "
                       "request", finished_at=models.utcnow()):
        subworkflows.on_child_end(step)


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
