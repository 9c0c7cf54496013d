"""Task executions on the wire (``/v2/tasks``)."""
from wsme import types as wtypes

from mistral_resume.api.types import base
from mistral_resume.workflow import statuses as st

# What PUT may ask for: re-run (RUNNING) or skip (SKIPPED) a failed task.
UPDATE_STATES = (st.RUNNING, st.SKIPPED)


class Task(base.Resource):
    """``result``, ``published``, ``runtime_context`` and ``env`` travel as
    JSON strings; ``result`` only when one task is asked for."""

    id = wtypes.text
    name = wtypes.text
    type = wtypes.text
    workflow_name = wtypes.text
    workflow_namespace = wtypes.text
    workflow_id = wtypes.text
    workflow_execution_id = wtypes.text
    state = wtypes.text
    state_info = wtypes.text
    result = base.json_any
    published = base.json_object
    runtime_context = base.json_object
    processed = bool
    reset = bool
    env = base.json_object
    project_id = wtypes.text
    created_at = wtypes.text
    updated_at = wtypes.text
    started_at = wtypes.text
    finished_at = wtypes.text

    @classmethod
    def from_dict(cls, data, exclude=()):
        data = dict(data)
        data.setdefault("runtime_context", runtime_context(data))
        return super().from_dict(data, exclude)

    @classmethod
    def from_db(cls, row, exclude=()):
        obj = super().from_db(row, exclude + ("runtime_context",))
        obj.runtime_context = runtime_context(
            {k: getattr(row, k, None)
             for k in ("triggered_by", "retry_no", "items_count")})
        return obj


def runtime_context(data):
    """What Mistral shows in ``runtime_context``, from our columns.

    ``triggered_by`` only for a task something triggered (Mistral 23 sets
    it only then: a start task has none), as ``[{"task_id", "event"}]``.
    """
    context = {}
    if data.get("triggered_by"):
        context["triggered_by"] = list(data["triggered_by"])
    if data.get("retry_no"):
        context["retry_task_policy"] = {"retry_no": data["retry_no"]}
    if data.get("items_count") is not None:
        context["with_items"] = {"count": data["items_count"]}
    return context


class TaskUpdate(Task):
    """The body of PUT: Mistral's fields plus the resume contract's."""

    input = base.json_value
    items = base.json_value
    output = base.json_value
    comment = wtypes.text
    dry_run = bool


class Tasks(base.ResourceList):
    _type = "tasks"
    _item = Task
    tasks = [Task]


SORTABLE = {field: field for field in (
    "id", "name", "type", "workflow_name", "workflow_id",
    "workflow_execution_id", "state", "state_info", "processed", "reset",
    "project_id", "created_at", "updated_at", "started_at", "finished_at")}
