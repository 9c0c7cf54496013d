"""``/v2/tasks`` and ``/v2/executions/{id}/tasks``: task executions."""
import pecan
from pecan import rest
from wsme import types as wtypes

from mistral_resume.api.controllers.v2 import action_executions
from mistral_resume.api import auth
from mistral_resume.api import hooks
from mistral_resume.api.types import base
from mistral_resume.api.types import tasks as types
from mistral_resume.db import api as db_api
from mistral_resume.db import models
from mistral_resume import exceptions as exc
from mistral_resume.workflow import requests
from mistral_resume.workflow import statuses as st

_FILTERS = ("name", "workflow_name", "workflow_id", "workflow_execution_id",
            "state_info")


def list_tasks(raw, marker, limit, sort_keys, sort_dirs, fields,
               in_path=()):
    """A page of tasks (without ``result``) from the query in ``raw``.

    ``in_path`` names the filters the URL path carries, which the ``next``
    link must not repeat as query parameters.
    """
    query = base.ListQuery(
        types.Task, types.SORTABLE, pecan.request.conf.api.max_list_limit,
        marker=marker, limit=limit, sort_keys=sort_keys,
        sort_dirs=sort_dirs, fields=fields,
        filters={k: v for k, v in raw.items() if k not in in_path})
    filters = {f: base.parse_filter(f, raw.get(f)) for f in _FILTERS}
    filters["state"] = base.parse_filter("state", raw.get("state"), st.ALL)
    for flag in ("processed", "reset"):
        filters[flag] = base.parse_filter(flag, raw.get(flag),
                                          convert=base.to_bool)
    return types.Tasks.read_page(
        pecan.request.db, models.TaskExecution, query, filters,
        hooks.read_scope(pecan.request.context), pecan.request.path_url,
        exclude=("result",))


_LIST_SIGNATURE = (wtypes.text, int, wtypes.text, wtypes.text, wtypes.text,
                   wtypes.text, wtypes.text, wtypes.text, wtypes.text,
                   wtypes.text, wtypes.text, wtypes.text, wtypes.text)


class TasksController(rest.RestController):
    action_executions = action_executions.TaskActionExecutionsController()

    @hooks.expose(types.Task, wtypes.text)
    def get(self, id):
        """One task, with its ``result``."""
        auth.enforce("tasks:get")
        ctx = pecan.request.context
        with pecan.request.db.reading() as session:
            row = db_api.get_task(session, id, hooks.read_scope(ctx))
            return types.Task.from_db(row)

    @hooks.expose(types.Tasks, *_LIST_SIGNATURE, wtypes.text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, name=None, workflow_name=None,
                workflow_id=None, state=None, state_info=None,
                processed=None, reset=None, workflow_execution_id=None):
        auth.enforce("tasks:list")
        raw = {"name": name, "workflow_name": workflow_name,
               "workflow_id": workflow_id, "state": state,
               "state_info": state_info, "processed": processed,
               "reset": reset,
               "workflow_execution_id": workflow_execution_id}
        return list_tasks(raw, marker, limit, sort_keys, sort_dirs, fields)

    @hooks.expose(base.json_value, wtypes.text, body=types.TaskUpdate)
    def put(self, id, body):
        """Re-run (RUNNING) or skip (SKIPPED) a failed task.

        :raises: NotFound; InputError for another state.
        """
        auth.enforce("tasks:update")
        auth.enforce("executions:resume")
        ctx = pecan.request.context
        with pecan.request.db.reading() as session:
            db_api.get_task(session, id, hooks.read_scope(ctx))
        base.check_sizes(pecan.request.conf.api.max_field_size, {
            "input": body.input, "output": body.output, "items": body.items,
            "env": body.env, "comment": body.comment})
        state = base.given(body.state)
        if state not in types.UPDATE_STATES:
            raise exc.InputError(
                "Invalid task state %s: only %s (re-run) and %s (skip) are "
                "supported" % (state, st.RUNNING, st.SKIPPED))
        request = requests.from_task_door(
            id, state, reset=base.given(body.reset), env=base.given(body.env),
            task_input=base.given(body.input), items=base.given(body.items),
            output=(requests.NO_OUTPUT if body.output is wtypes.Unset
                    else body.output))
        dry_run = bool(base.given(body.dry_run))
        result = pecan.request.engine.resume_task(
            ctx, id, requests.to_dict(request),
            comment=base.given(body.comment), dry_run=dry_run,
            idempotency_key=pecan.request.headers.get("Idempotency-Key"))
        if dry_run:
            return result
        return base.as_json(types.Task, types.Task.from_dict(result))


class ExecutionTasksController(rest.RestController):
    """``/v2/executions/{id}/tasks``."""

    @hooks.expose(types.Tasks, wtypes.text, *_LIST_SIGNATURE)
    def get_all(self, workflow_execution_id, marker=None, limit=None,
                sort_keys=None, sort_dirs=None, fields=None, name=None,
                workflow_name=None, workflow_id=None, state=None,
                state_info=None, processed=None, reset=None):
        auth.enforce("tasks:list")
        raw = {"name": name, "workflow_name": workflow_name,
               "workflow_id": workflow_id, "state": state,
               "state_info": state_info, "processed": processed,
               "reset": reset,
               "workflow_execution_id": workflow_execution_id}
        return list_tasks(raw, marker, limit, sort_keys, sort_dirs, fields,
                          in_path=("workflow_execution_id",))
