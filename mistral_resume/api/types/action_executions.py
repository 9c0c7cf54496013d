"""Action executions on the wire (``/v2/action_executions``)."""
from wsme import types as wtypes

from mistral_resume.api.types import base
from mistral_resume.workflow import statuses as st

# What PUT may report for an asynchronous action.
UPDATE_STATES = (st.SUCCESS, st.ERROR)


class ActionExecution(base.Resource):
    """``input``, ``output`` and ``params`` travel as JSON strings."""

    id = wtypes.text
    name = wtypes.text
    workflow_name = wtypes.text
    workflow_namespace = wtypes.text
    task_name = wtypes.text
    task_execution_id = wtypes.text
    state = wtypes.text
    state_info = wtypes.text
    tags = [wtypes.text]
    input = base.json_object
    # Also PUT's: any JSON value, or a string that is not JSON.
    output = base.json_any
    accepted = bool
    # Ours: which with-items item, and which run of it (1 = the first).
    item_index = int
    attempt = int
    description = wtypes.text
    params = base.json_object
    project_id = wtypes.text
    created_at = wtypes.text
    updated_at = wtypes.text


class ActionExecutionCreate(ActionExecution):
    """POST's body: Mistral's ad hoc run (``name``, ``input``, ``params``
    with ``run_sync`` / ``save_result`` / ``timeout``, ``description``), or
    a re-run of a failed task (``task_execution_id``, ``input``, ``index``).

    ``input`` and ``params`` may come as JSON strings (python-mistralclient
    sends them so) or as objects.
    """

    index = int
    comment = wtypes.text
    dry_run = bool


class ActionExecutions(base.ResourceList):
    _type = "action_executions"
    _item = ActionExecution
    action_executions = [ActionExecution]


SORTABLE = {field: field for field in (
    "id", "name", "workflow_name", "task_name", "task_execution_id",
    "state", "state_info", "accepted", "description", "project_id",
    "created_at", "updated_at")}
