"""``/v2/action_executions`` and ``/v2/tasks/{id}/action_executions``."""
import pecan
from pecan import rest
from wsme import types as wtypes

from mistral_resume.api import auth
from mistral_resume.api import hooks
from mistral_resume.api.types import action_executions as types
from mistral_resume.api.types import base
from mistral_resume.db import api as db_api
from mistral_resume.db import models
from mistral_resume import exceptions as exc
from mistral_resume.workflow import requests
from mistral_resume.workflow import statuses as st

_FILTERS = ("name", "workflow_name", "task_name", "task_execution_id",
            "state_info", "description")


def list_action_executions(raw, marker, limit, sort_keys, sort_dirs,
                           fields, in_path=()):
    """A page from the query in ``raw``; ``output`` only with
    ``include_output=true``. ``in_path``: filters the URL path carries."""
    query = base.ListQuery(
        types.ActionExecution, types.SORTABLE,
        pecan.request.conf.api.max_list_limit, marker=marker, limit=limit,
        sort_keys=sort_keys, sort_dirs=sort_dirs, fields=fields,
        filters={k: v for k, v in raw.items() if k not in in_path})
    filters = {f: base.parse_filter(f, raw.get(f)) for f in _FILTERS}
    filters["state"] = base.parse_filter("state", raw.get("state"), st.ALL)
    filters["accepted"] = base.parse_filter("accepted", raw.get("accepted"),
                                            convert=base.to_bool)
    include_output = raw.get("include_output")
    exclude = () if include_output and base.to_bool(
        "include_output", include_output) else ("output",)
    return types.ActionExecutions.read_page(
        pecan.request.db, models.ActionExecution, query, filters,
        hooks.read_scope(pecan.request.context), pecan.request.path_url,
        exclude)


_LIST_SIGNATURE = (wtypes.text, int, wtypes.text, wtypes.text, wtypes.text,
                   wtypes.text, wtypes.text, wtypes.text, wtypes.text,
                   wtypes.text, wtypes.text, wtypes.text, wtypes.text)


class ActionExecutionsController(rest.RestController):
    @hooks.expose(types.ActionExecution, wtypes.text)
    def get(self, id):
        auth.enforce("action_executions:get")
        ctx = pecan.request.context
        with pecan.request.db.reading() as session:
            row = db_api.get_action_execution(session, id,
                                              hooks.read_scope(ctx))
            return types.ActionExecution.from_db(row)

    @hooks.expose(types.ActionExecutions, *_LIST_SIGNATURE, wtypes.text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, name=None, workflow_name=None,
                task_name=None, state=None, state_info=None, accepted=None,
                description=None, include_output=None,
                task_execution_id=None):
        auth.enforce("action_executions:list")
        raw = {"name": name, "workflow_name": workflow_name,
               "task_name": task_name, "state": state,
               "state_info": state_info, "accepted": accepted,
               "description": description, "include_output": include_output,
               "task_execution_id": task_execution_id}
        return list_action_executions(raw, marker, limit, sort_keys,
                                      sort_dirs, fields)

    @hooks.expose(base.json_value, body=types.ActionExecutionCreate,
                  status_code=201)
    def post(self, body):
        """Mistral's ad hoc action run; or, with ``task_execution_id``, a
        re-run of a failed task (the resume contract's door).

        :raises: InputError (400): no name, both a name and a task, unknown
            action, bad input or params, bad index; ExecutorTimeout (504);
            NotFound (404) unknown task; Conflict (409) task not failed.
        """
        auth.enforce("action_executions:create")
        base.check_sizes(pecan.request.conf.api.max_field_size, {
            "input": body.input, "params": body.params,
            "description": body.description, "comment": body.comment})
        name = base.given(body.name)
        if base.given(body.task_execution_id) is not None:
            if name:
                raise exc.InputError(
                    "Give 'name' (an ad hoc action run) or "
                    "'task_execution_id' (a re-run of a failed task), not "
                    "both")
            return _rerun(body)
        if base.given(body.index) is not None or base.given(body.dry_run):
            raise exc.InputError("'index' and 'dry_run' go with "
                                 "'task_execution_id' (a re-run)")
        if not name:
            raise exc.InputError(
                "Please provide at least action name to run action.")
        result = pecan.request.engine.run_action(
            pecan.request.context, name, base.given(body.input) or {},
            base.given(body.params) or {}, base.given(body.description))
        return base.as_json(types.ActionExecution,
                            types.ActionExecution.from_dict(result))

    @hooks.expose(types.ActionExecution, wtypes.text,
                  body=types.ActionExecution)
    def put(self, id, body):
        """The result of an asynchronous action: ``{"state", "output"}``.

        :raises: NotFound; InputError for a state other than SUCCESS or
            ERROR; Conflict (engine) when the action is already complete.
        """
        auth.enforce("action_executions:update")
        base.check_sizes(pecan.request.conf.api.max_field_size,
                         {"output": body.output})
        state = base.given(body.state)
        if state == st.CANCELLED:
            raise hooks.NotImplementedYet(
                "Cancelling an action execution is not implemented yet")
        if state not in types.UPDATE_STATES:
            raise exc.InputError(
                "Error. Expected one of %s, actual: %s"
                % (list(types.UPDATE_STATES), state))
        output = base.given(body.output)
        if state == st.ERROR and not output:
            output = "Unknown error"
        ctx = pecan.request.context
        with pecan.request.db.reading() as session:
            db_api.get_action_execution(session, id, hooks.read_scope(ctx))
        result = pecan.request.engine.complete_action(ctx, id, state, output)
        return types.ActionExecution.from_dict(result)


class TaskActionExecutionsController(rest.RestController):
    """``/v2/tasks/{id}/action_executions``."""

    @hooks.expose(types.ActionExecutions, wtypes.text, *_LIST_SIGNATURE)
    def get_all(self, task_execution_id, marker=None, limit=None,
                sort_keys=None, sort_dirs=None, fields=None, name=None,
                workflow_name=None, task_name=None, state=None,
                state_info=None, accepted=None, description=None,
                include_output=None):
        auth.enforce("action_executions:list")
        raw = {"name": name, "workflow_name": workflow_name,
               "task_name": task_name, "state": state,
               "state_info": state_info, "accepted": accepted,
               "description": description, "include_output": include_output,
               "task_execution_id": task_execution_id}
        return list_action_executions(raw, marker, limit, sort_keys,
                                      sort_dirs, fields,
                                      in_path=("task_execution_id",))


def _rerun(body):
    """A new action execution for a failed task (or one of its items)."""
    auth.enforce("executions:resume")
    ctx = pecan.request.context
    task_id = body.task_execution_id
    index = base.given(body.index)
    with pecan.request.db.reading() as session:
        db_api.get_task(session, task_id, hooks.read_scope(ctx))
    request = requests.from_action_door(task_id, index,
                                        base.given(body.input))
    dry_run = bool(base.given(body.dry_run))
    result = pecan.request.engine.resume_task(
        ctx, task_id, requests.to_dict(request),
        comment=base.given(body.comment), dry_run=dry_run,
        idempotency_key=pecan.request.headers.get("Idempotency-Key"))
    if dry_run:
        return result
    with pecan.request.db.reading() as session:
        newest = [a for a in db_api.actions_of(session, task_id,
                                               accepted_only=True)
                  if a.item_index == index]
    return base.as_json(types.ActionExecution,
                        types.ActionExecution.from_db(newest[-1]))
