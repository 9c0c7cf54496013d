"""Mistral's Horizon dashboard (mistral-dashboard) against our API.

The dashboard reaches Mistral only through python-mistralclient's Python
API (``mistraldashboard/api.py``); this replays the calls its panels make
(workflows, executions, tasks, action executions: lists and details,
execution update, delete, task rerun) with the identity it sends, against
the real server process, and checks the answers the panels read.
"""
import json
import time

from mistralclient.api import base as client_base
from mistralclient.api import client as mistral_client
import pytest

from tests.integration import test_mistralclient_cli as live
from tests.resume import helpers

server = live.server  # the module-scoped live server fixture

WAITING = """\
---
version: '2.0'
horizon_wait:
  input:
    - who: operator
  tasks:
    hold:
      action: std.async_noop
"""


def _client(server, project="horizon-project"):
    # What the dashboard's ``mistralclient(request)`` sends, without
    # Keystone: the project and user of the logged-in operator.
    return mistral_client.client(mistral_url=server["url"],
                                 project_id=project, user_id="horizon-user")


@pytest.fixture(scope="module")
def client(server):
    return _client(server)


def _wait(client, ex_id, states, limit=30):
    deadline = time.monotonic() + limit
    while True:
        ex = client.executions.get(ex_id)
        if ex.state in states:
            return ex
        assert time.monotonic() < deadline, (ex.state, ex.state_info)
        time.sleep(0.1)


def _refused(call, *args, **kwargs):
    with pytest.raises(client_base.APIException) as info:
        call(*args, **kwargs)
    return info.value


def test_workflows_panel(client):
    created = client.workflows.create(helpers.CHAIN)
    assert [w.name for w in created] == ["chain"]
    assert client.workflows.validate(helpers.CHAIN)["valid"] is True
    invalid = client.workflows.validate("version: '2.0'\nx: [")
    assert invalid["valid"] is False and invalid["error"]
    names = [w.name for w in client.workflows.list()]
    assert "chain" in names
    detail = client.workflows.get("chain")
    assert detail.definition == helpers.CHAIN
    assert detail.id == created[0].id and detail.scope == "private"
    assert detail.project_id == "horizon-project"


def test_executions_tasks_actions_and_task_rerun(client):
    client.workflows.create(helpers.CHAIN.replace("chain:", "h_chain:", 1))
    ex = client.executions.create("h_chain", workflow_input={},
                                  description="from horizon",
                                  env={"size": "bad"})
    failed = _wait(client, ex.id, ("ERROR",))
    assert "t2" in failed.state_info
    assert failed.description == "from horizon"
    assert json.loads(failed.input) == {}

    # Executions panel: newest first, one page plus one (its paging).
    listed = client.executions.list(limit=2, sort_keys="created_at",
                                    sort_dirs="desc")
    assert listed[0].id == ex.id
    detail = client.executions.get(ex.id)
    assert detail.workflow_name == "h_chain" and detail.state == "ERROR"

    # Tasks of the execution, and one task's detail.
    tasks = {t.name: t for t in client.tasks.list(ex.id)}
    assert tasks["t1"].state == "SUCCESS"
    assert tasks["t2"].state == "ERROR"
    assert "invalid literal for int()" in tasks["t2"].state_info
    t2 = client.tasks.get(tasks["t2"].id)
    assert t2.workflow_execution_id == ex.id
    assert t2.workflow_name == "h_chain"

    # Action executions of the task, and one's detail.
    actions = client.action_executions.list(tasks["t2"].id)
    assert [a.state for a in actions] == ["ERROR"]
    action = client.action_executions.get(actions[0].id)
    assert action.name == "std.test_dict"
    assert json.loads(action.input)["size"] == "bad"
    assert action.task_execution_id == tasks["t2"].id

    # The plain resume the dashboard would send is refused, saying how.
    error = _refused(client.executions.update, ex.id, "RUNNING")
    assert error.error_code == 409 and "t2" in error.error_message

    # Task rerun with a fixed env, then the execution finishes.
    rerun = client.tasks.rerun(tasks["t2"].id, env={"size": 2})
    assert rerun.state == "RUNNING"
    done = _wait(client, ex.id, ("SUCCESS", "ERROR"))
    assert done.state == "SUCCESS"
    assert json.loads(done.output)["keys"] == ["k0", "k1"]
    runs = client.action_executions.list(tasks["t2"].id)
    assert sorted(a.state for a in runs) == ["ERROR", "SUCCESS"]
    comments = client.executions.get(ex.id).to_dict().get("comments")
    assert "rerun task 't2'" in json.dumps(comments)
    assert '"user": "horizon-user"' in json.dumps(comments)


def test_execution_update_state_description_and_delete(client):
    client.workflows.create(WAITING)
    ex = client.executions.create("horizon_wait",
                                  workflow_input={"who": "horizon"})
    _wait(client, ex.id, ("RUNNING",))
    paused = client.executions.update(ex.id, "PAUSED")
    assert paused.state == "PAUSED"
    resumed = client.executions.update(ex.id, "RUNNING")
    assert resumed.state == "RUNNING"
    described = client.executions.update(ex.id, None,
                                         description="looked at")
    assert described.description == "looked at"
    stopped = client.executions.update(ex.id, "CANCELLED")
    assert stopped.state == "CANCELLED"
    assert client.executions.get(ex.id).description == "looked at"
    client.executions.delete(ex.id)
    error = _refused(client.executions.get, ex.id)
    assert error.error_code == 404


def test_another_project_sees_nothing_of_ours(server, client):
    ours = client.executions.list()
    assert ours
    other = _client(server, project="someone-else")
    assert other.executions.list() == []
    error = _refused(other.executions.get, ours[0].id)
    assert error.error_code == 404
