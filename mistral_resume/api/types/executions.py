"""Workflow executions on the wire (``/v2/executions``)."""
from wsme import types as wtypes

from mistral_resume.api.types import base
from mistral_resume.workflow import statuses as st

# What PUT may ask for: pause, resume, or stop. Mistral also takes SUCCESS;
# our engine refuses it, so the API says so at once.
UPDATE_STATES = (st.RUNNING, st.PAUSED, st.CANCELLED, st.ERROR)


class Execution(base.Resource):
    """Also the body of POST; ``input`` and ``params`` are JSON strings on
    the way out and a JSON string or an object on the way in."""

    _sources = {"workflow_name": "name"}

    # The columns' sizes: a longer value is a 400 here, not a database
    # error later.
    id = wtypes.StringType(max_length=36)
    workflow_id = wtypes.text
    workflow_name = wtypes.text
    workflow_namespace = wtypes.text
    description = wtypes.StringType(max_length=255)
    tags = [wtypes.text]
    params = base.json_object
    task_execution_id = wtypes.text
    root_execution_id = wtypes.text
    source_execution_id = wtypes.StringType(max_length=36)
    state = wtypes.text
    state_info = wtypes.text
    input = base.json_object
    output = base.json_object
    project_id = wtypes.text
    created_at = wtypes.text
    updated_at = wtypes.text
    # Ours: the audit trail of resumes, a JSON array (not a string).
    comments = base.json_value


class ExecutionUpdate(Execution):
    """The body of PUT: Mistral's fields plus the resume contract's."""

    resume = base.json_value
    comment = wtypes.text
    dry_run = bool


class Executions(base.ResourceList):
    _type = "executions"
    _item = Execution
    executions = [Execution]


SORTABLE = {field: Execution.column_of(field) for field in (
    "id", "workflow_id", "workflow_name", "workflow_namespace",
    "description", "task_execution_id", "root_execution_id",
    "source_execution_id", "state", "state_info", "project_id",
    "created_at", "updated_at")}
