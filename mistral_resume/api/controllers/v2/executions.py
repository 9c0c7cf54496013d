"""``/v2/executions``: start, read, pause/resume/stop, delete."""
import pecan
from pecan import rest
from wsme import types as wtypes

from mistral_resume.api.controllers.v2 import tasks
from mistral_resume.api import auth
from mistral_resume.api import hooks
from mistral_resume.api.types import base
from mistral_resume.api.types import executions as types
from mistral_resume.db import api as db_api
from mistral_resume.db import models
from mistral_resume import exceptions as exc
from mistral_resume.workflow import requests
from mistral_resume.workflow import statuses as st


def _get_row(session, ex_id):
    """The execution, if the caller may see it. :raises: NotFound."""
    return db_api.get_execution(session, ex_id,
                                hooks.read_scope(pecan.request.context))


def _check_id_free(session, ex_id):
    """:raises: DuplicateEntry when another project's execution has the id
    (an idempotent create answers only the caller's own)."""
    try:
        db_api.get_execution(session, ex_id)
    except exc.NotFound:
        return
    raise exc.DuplicateEntry("The execution id %s is already in use" % ex_id)


class ExecutionsController(rest.RestController):
    tasks = tasks.ExecutionTasksController()

    @hooks.expose(types.Execution, wtypes.text, wtypes.text)
    def get(self, id, fields=None):
        auth.enforce("executions:get")
        with pecan.request.db.reading() as session:
            row = _get_row(session, id)
            return types.Execution.from_db(row).only(base.split(fields))

    @hooks.expose(types.Execution, body=types.Execution, status_code=201)
    def post(self, body):
        """Start a workflow by ``workflow_id`` or ``workflow_name``.

        A given ``id`` that already names an execution answers that
        execution (Mistral's idempotent create).
        """
        auth.enforce("executions:create")
        ctx = pecan.request.context
        ex_id = base.given(body.id)
        identifier = base.given(body.workflow_id) or base.given(
            body.workflow_name)
        source_id = base.given(body.source_execution_id)
        base.check_sizes(pecan.request.conf.api.max_field_size, {
            "input": body.input, "params": body.params,
            "description": body.description})
        if not identifier and not source_id:
            raise exc.InputError("Workflow ID or workflow name must be "
                                 "provided. Workflow ID is recommended.")
        if ex_id:
            with pecan.request.db.reading() as session:
                try:
                    return types.Execution.from_db(_get_row(session, ex_id))
                except exc.NotFound:
                    _check_id_free(session, ex_id)
        result = pecan.request.engine.start_workflow(
            ctx, identifier,
            namespace=base.given(body.workflow_namespace) or "",
            workflow_input=base.given(body.input) or {},
            description=base.given(body.description) or "",
            params=base.given(body.params) or {},
            execution_id=ex_id, source_execution_id=source_id)
        return types.Execution.from_dict(result)

    @hooks.expose(base.json_value, wtypes.text, body=types.ExecutionUpdate)
    def put(self, id, body):
        """Pause, resume, stop; or change the description or the env.

        Mistral's rules on what may go together; the state change itself
        is the engine's (409 for a transition it refuses).
        """
        auth.enforce("executions:update")
        base.check_sizes(pecan.request.conf.api.max_field_size, dict(
            base.resume_fields(base.given(body.resume)),
            params=body.params, description=body.description,
            state_info=body.state_info, comment=body.comment))
        if base.given(body.resume) is not None:
            return _resume(id, body)
        if base.given(body.dry_run):
            raise exc.InputError("'dry_run' goes with 'resume'")
        state = base.given(body.state)
        description = base.given(body.description)
        params = base.given(body.params) or {}
        env = params.get("env")
        if not (state or description or env):
            raise exc.InputError("The property state, description, or env "
                                 "is not provided for update.")
        if state and description:
            raise exc.InputError("The property description must be updated "
                                 "separately from state.")
        if state and state not in types.UPDATE_STATES:
            raise exc.InputError(
                "Cannot change state to %s. Allowed states are: %s"
                % (state, ", ".join(types.UPDATE_STATES)))
        if env and state and state != st.RUNNING:
            raise exc.InputError("The property env can only be updated when "
                                 "workflow execution is not running or on "
                                 "resume from pause.")
        with pecan.request.db.reading() as session:
            _get_row(session, id)
        result = pecan.request.engine.update_execution(
            pecan.request.context, id, state=state,
            state_info=base.given(body.state_info), description=description,
            env=env)
        return base.as_json(types.Execution, types.Execution.from_dict(result))

    @hooks.expose(None, wtypes.text, wtypes.text, status_code=204)
    def delete(self, id, force=None):
        """:raises: Conflict (409) for an unfinished one, unless ``force``."""
        auth.enforce("executions:delete")
        force = base.to_bool("force", force) if force else False
        with pecan.request.db.reading() as session:
            _get_row(session, id)
        pecan.request.engine.delete_execution(pecan.request.context, id,
                                              force=force)

    @hooks.expose(types.Executions, wtypes.text, int, wtypes.text,
                  wtypes.text, wtypes.text, wtypes.text, wtypes.text,
                  wtypes.text, wtypes.text, wtypes.text, wtypes.text,
                  wtypes.text, wtypes.text, wtypes.text, wtypes.text,
                  wtypes.text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, workflow_name=None,
                workflow_id=None, workflow_namespace=None, description=None,
                task_execution_id=None, root_execution_id=None, state=None,
                state_info=None, include_output=None, project_id=None,
                all_projects=None):
        """Executions, oldest first (Mistral's default); ``output`` only
        with ``include_output=true``."""
        auth.enforce("executions:list")
        raw = {"workflow_name": workflow_name, "workflow_id": workflow_id,
               "workflow_namespace": workflow_namespace,
               "description": description,
               "task_execution_id": task_execution_id,
               "root_execution_id": root_execution_id, "state": state,
               "state_info": state_info, "include_output": include_output,
               "project_id": project_id, "all_projects": all_projects}
        return list_executions(
            raw, marker, limit, sort_keys, sort_dirs, fields)


def list_executions(raw, marker, limit, sort_keys, sort_dirs, fields):
    """A page of executions from the query parameters in ``raw``."""
    query = base.ListQuery(
        types.Execution, types.SORTABLE,
        pecan.request.conf.api.max_list_limit, marker=marker, limit=limit,
        sort_keys=sort_keys, sort_dirs=sort_dirs, fields=fields,
        filters=raw)
    filters = {
        field: base.parse_filter(field, raw.get(field))
        for field in ("workflow_name", "workflow_id", "workflow_namespace",
                      "description", "task_execution_id",
                      "root_execution_id", "state_info")}
    filters["state"] = base.parse_filter("state", raw.get("state"), st.ALL)
    filters = {types.Execution.column_of(k): v for k, v in filters.items()}
    include_output = raw.get("include_output")
    exclude = () if include_output and base.to_bool(
        "include_output", include_output) else ("output",)
    all_projects = raw.get("all_projects")
    if (all_projects and base.to_bool("all_projects", all_projects)) or \
            raw.get("project_id") not in (None,
                                          pecan.request.context.project_id):
        auth.enforce("executions:list:all_projects")
    project = hooks.list_scope(
        pecan.request.context, raw.get("project_id"),
        bool(all_projects) and base.to_bool("all_projects", all_projects))
    return types.Executions.read_page(
        pecan.request.db, models.WorkflowExecution, query, filters, project,
        pecan.request.path_url, exclude)


def _resume(ex_id, body):
    """``{"state": "RUNNING", "resume": R or [R], "comment", "dry_run"}``."""
    state = base.given(body.state)
    if state not in (None, st.RUNNING):
        raise exc.InputError("'resume' goes with state RUNNING, not %s"
                             % state)
    if base.given(body.description) is not None:
        raise exc.InputError("The property description must be updated "
                             "separately from a resume.")
    auth.enforce("executions:resume")
    resumes = requests.resume_list(base.given(body.resume))
    with pecan.request.db.reading() as session:
        _get_row(session, ex_id)
    result = pecan.request.engine.resume_execution(
        pecan.request.context, ex_id, [requests.to_dict(r) for r in resumes],
        comment=base.given(body.comment),
        dry_run=bool(base.given(body.dry_run)),
        idempotency_key=pecan.request.headers.get("Idempotency-Key"))
    if base.given(body.dry_run):
        return result
    return base.as_json(types.Execution, types.Execution.from_dict(result))
