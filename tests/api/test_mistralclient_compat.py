"""python-mistralclient's Python API against our API over real HTTP.

The WSGI app runs in wsgiref on a free 127.0.0.1 port; the client is the
real one, with no keystone (``mistral_url`` only). Besides the calls, the
CLI's own formatters run on what the client parsed: they read every field
``mistral execution-list`` and friends print.
"""
import json
import threading
from wsgiref import simple_server

from mistralclient.api import base as client_base
from mistralclient.api import client as mistral_client
from mistralclient.commands.v2 import action_executions as ax_commands
from mistralclient.commands.v2 import actions as action_commands
from mistralclient.commands.v2 import base as command_base
from mistralclient.commands.v2 import executions as ex_commands
from mistralclient.commands.v2 import tasks as task_commands
from mistralclient.commands.v2 import workflows as wf_commands
import pytest

from mistral_resume.api import app as api_app
from mistral_resume.workflow import statuses as st
from tests.api import helpers


class _QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, fmt, *args):
        pass


@pytest.fixture
def client(stack):
    app = api_app.setup_app(stack.conf, stack.db, stack.engine)
    server = simple_server.make_server("127.0.0.1", 0, app,
                                       handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield mistral_client.client(
            mistral_url="http://127.0.0.1:%d/v2" % server.server_port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _error(call, *args, **kwargs):
    with pytest.raises(client_base.APIException) as info:
        call(*args, **kwargs)
    return info.value


def test_workflows(client):
    created = client.workflows.create(helpers.DOC, namespace="ns")
    assert [w.name for w in created] == ["hello", "waits"]
    assert client.workflows.validate(helpers.DOC) == {"valid": True,
                                                      "error": None}
    listed = client.workflows.list(namespace="ns")
    assert [w.id for w in listed] == [w.id for w in created]
    hello = client.workflows.get("hello", namespace="ns")
    assert hello.input == 'name, greeting="hello"'
    assert hello.namespace == "ns" and hello.scope == "private"
    wf_commands.WorkflowFormatter.format(hello)
    wf_commands.WorkflowFormatter.format_list(hello)
    updated = client.workflows.update(helpers.DOC, namespace="ns")
    assert [w.id for w in updated] == [w.id for w in created]
    one = client.workflows.update(helpers.DOC.split("waits:")[0],
                                  namespace="ns", id=hello.id)
    assert one.id == hello.id and one.updated_at
    client.workflows.delete("waits", namespace="ns")
    assert [w.name for w in client.workflows.list()] == ["hello"]
    error = _error(client.workflows.get, "waits", namespace="ns")
    assert error.error_code == 404 and "not found" in error.error_message
    error = _error(client.workflows.create, helpers.DOC.split("waits:")[0],
                   namespace="ns")
    assert error.error_code == 409


def test_executions_and_tasks(stack, client):
    client.workflows.create(helpers.DOC)
    ex = client.executions.create("hello", workflow_input={"name": "bob"},
                                  description="via client", env={"k": 1})
    assert ex.workflow_name == "hello" and ex.state == st.RUNNING
    stack.wait_for(ex.id)
    ex = client.executions.get(ex.id)
    assert ex.state == st.SUCCESS
    assert helpers.loads(ex.output) == {"said": "hello bob"}
    assert helpers.loads(ex.params) == {"env": {"k": 1}}
    ex_commands.ExecutionFormatter.format(ex)
    assert command_base.get_duration_str(ex.created_at, ex.updated_at)

    second = client.executions.create("hello", workflow_input='{"name": "x"}')
    stack.wait_for(second.id)
    listed = client.executions.list(sort_dirs="desc", limit=1)
    assert [e.id for e in listed] == [second.id]
    ex_commands.ExecutionFormatter.format_list(listed[0])
    assert [e.id for e in client.executions.list(marker=second.id)] == []
    assert [e.id for e in client.executions.list(
        workflow_name="hello", state="SUCCESS")] == [ex.id, second.id]

    (task,) = client.tasks.list(ex.id)
    assert task.name == "greet" and task.state == st.SUCCESS
    task_commands.TaskFormatter.format_list(task)
    task = client.tasks.get(task.id)
    assert helpers.loads(task.result) == "hello bob"
    assert helpers.loads(task.published) == {"said": "hello bob"}
    task_commands.TaskFormatter.format(task)
    assert [t.id for t in client.tasks.list()] == [
        task.id, client.tasks.list(second.id)[0].id]

    (action,) = client.action_executions.list(task.id)
    assert action.name == "std.echo" and action.task_name == "greet"
    ax_commands.ActionExecutionFormatter.format(action, lister=True)
    action = client.action_executions.get(action.id)
    assert helpers.loads(action.output) == {"result": "hello bob"}
    ax_commands.ActionExecutionFormatter.format(action)

    client.executions.delete(second.id)
    error = _error(client.executions.get, second.id)
    assert error.error_code == 404


def test_pause_resume_and_complete_an_action(stack, client):
    client.workflows.create(helpers.DOC)
    ex = client.executions.create("waits")
    action = helpers.waiting_action(stack, ex.id)
    assert client.executions.update(ex.id, "PAUSED").state == st.PAUSED
    resumed = client.executions.update(ex.id, "RUNNING", env={"a": "b"})
    assert resumed.state == st.RUNNING
    done = client.action_executions.update(action.id, state="SUCCESS",
                                           output={"fine": True})
    assert done.state == st.SUCCESS
    assert stack.wait_for(ex.id).state == st.SUCCESS
    error = _error(client.executions.update, ex.id, "SUCCESS")
    assert error.error_code == 400
    assert "Cannot change state" in error.error_message


def test_task_rerun_through_the_client(stack, client):
    """``mistral task-rerun`` sends env as a JSON string: it is merged."""
    client.workflows.create(helpers.FAILS)
    ex = client.executions.create("fails")
    stack.wait_for(ex.id)
    (task,) = client.tasks.list(ex.id, state="ERROR")
    rerun = client.tasks.rerun(task.id, env={"x": 1})
    assert rerun.state == st.RUNNING
    assert stack.wait_for(ex.id).state == st.ERROR  # std.fail fails again
    actions = stack.actions(task.id)
    assert [a.accepted for a in actions] == [False, True]
    assert [a.attempt for a in actions] == [1, 2]
    assert json.loads(client.executions.get(ex.id).params)["env"] == {"x": 1}


def test_actions(client):
    actions = client.actions.list()
    assert "std.echo" in [a.name for a in actions]
    action_commands.ActionFormatter.format_list(actions[0])
    echo = client.actions.get("std.echo")
    assert echo.is_system is True and echo.input
    action_commands.ActionFormatter.format(echo)
    assert [a.name for a in client.actions.list(limit=1)] == [
        actions[0].name]
