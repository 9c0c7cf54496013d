"""Mistral's ad hoc action run: ``POST /v2/action_executions`` with a name.

Mistral 23's rules for ``params``: ``run_sync`` waits for the result;
without it, a synchronous action is still awaited unless ``save_result``
asks for a stored row, and an asynchronous action is stored RUNNING and
completed later (``PUT``). Only ``save_result`` (or an asynchronous action)
stores a row; otherwise the answer has no id.
"""
import json

import pytest

from mistral_resume.workflow import statuses as st
from tests.api import helpers
from tests.api.test_mistralclient_compat import client  # noqa: F401

URL = "/v2/action_executions"


def post(app, body, status=201, headers=None):
    return app.post_json(URL, body, status=status, headers=headers)


def stored(stack):
    return stack.app.get(URL).json["action_executions"]


def wait_state(stack, ax_id, states=st.COMPLETED):
    def probe():
        ax = stack.app.get("%s/%s" % (URL, ax_id)).json
        return ax if ax["state"] in states else None
    return helpers.wait_until(probe)


def test_default_run_answers_the_result_and_stores_nothing(stack):
    ax = post(stack.app, {"name": "std.echo",
                          "input": {"output": "Hello"}}).json
    assert ax["id"] is None
    assert ax["name"] == "std.echo" and ax["state"] == st.SUCCESS
    assert helpers.loads(ax["output"]) == {"result": "Hello"}
    assert helpers.loads(ax["input"]) == {"output": "Hello"}
    assert ax["task_execution_id"] is None and ax["workflow_name"] is None
    assert stored(stack) == []


def test_run_sync_with_save_result_stores_the_finished_row(stack):
    ax = post(stack.app, {"name": "std.echo", "input": {"output": [1, 2]},
                          "params": {"run_sync": True, "save_result": True},
                          "description": "by hand"}).json
    assert ax["id"] and ax["state"] == st.SUCCESS
    assert helpers.loads(ax["output"]) == {"result": [1, 2]}
    got = stack.app.get("%s/%s" % (URL, ax["id"])).json
    assert got["state"] == st.SUCCESS and got["description"] == "by hand"
    assert got["task_execution_id"] is None and got["task_name"] is None
    assert helpers.loads(got["params"]) == {"run_sync": True,
                                            "save_result": True}
    [listed] = stored(stack)
    assert listed["id"] == ax["id"] and "output" not in listed
    with_output = stack.app.get(URL + "?include_output=true").json
    assert helpers.loads(with_output["action_executions"][0]["output"]) == \
        {"result": [1, 2]}


def test_save_result_alone_schedules_the_run(stack):
    ax = post(stack.app, {"name": "std.echo", "input": {"output": "later"},
                          "params": {"save_result": True}}).json
    # Answered before the executor ran it (Mistral answers the same).
    assert ax["id"] and ax["state"] in (st.RUNNING, st.SUCCESS)
    done = wait_state(stack, ax["id"])
    assert done["state"] == st.SUCCESS
    assert helpers.loads(done["output"]) == {"result": "later"}


def test_async_action_is_stored_running_and_completed_by_put(stack):
    ax = post(stack.app, {"name": "std.async_noop"}).json
    assert ax["id"] and ax["state"] == st.RUNNING
    done = stack.app.put_json("%s/%s" % (URL, ax["id"]),
                              {"state": "SUCCESS", "output": {"n": 1}}).json
    assert done["state"] == st.SUCCESS
    assert helpers.loads(done["output"]) == {"result": {"n": 1}}
    # A second result changes nothing.
    again = stack.app.put_json("%s/%s" % (URL, ax["id"]),
                               {"state": "ERROR", "output": "late"}).json
    assert again["state"] == st.SUCCESS


def test_failed_action_is_an_error_row(stack):
    ax = post(stack.app, {"name": "std.fail", "params": {
        "run_sync": True, "save_result": True}}).json
    assert ax["state"] == st.ERROR
    assert helpers.loads(ax["output"]) == {
        "result": "Fail action expected exception."}
    assert ax["state_info"] == "Fail action expected exception."
    unsaved = post(stack.app, {"name": "std.fail",
                               "input": {"error_data": {"code": 7}}}).json
    assert unsaved["id"] is None and unsaved["state"] == st.ERROR
    assert helpers.loads(unsaved["output"]) == {"result": {"code": 7}}


def test_custom_action_runs_ad_hoc(stack):
    ax = post(stack.app, {"name": "test.reverse_string",
                          "input": {"text": "mistral"}}).json
    assert helpers.loads(ax["output"]) == {"result": "lartsim"}
    info = post(stack.app, {"name": "test.execution_info", "params": {
        "run_sync": True, "save_result": True}}).json
    result = helpers.loads(info["output"])["result"]
    assert result["action_execution_id"] == info["id"]
    assert result["workflow_execution_id"] is None
    assert result["task_execution_id"] is None


def test_input_and_params_as_json_strings(stack):
    # python-mistralclient sends both as JSON strings.
    ax = post(stack.app, {"name": "std.echo",
                          "input": json.dumps({"output": "s"}),
                          "params": json.dumps({"save_result": True,
                                                "run_sync": True})}).json
    assert ax["id"] and helpers.loads(ax["output"]) == {"result": "s"}


def test_timeout_fails_a_run_that_takes_longer(stack):
    ax = post(stack.app, {"name": "std.sleep", "input": {"seconds": 3},
                          "params": {"run_sync": True, "save_result": True,
                                     "timeout": 0.2}}).json
    assert ax["state"] == st.ERROR
    assert "timed out after 0.2 seconds" in ax["state_info"]


@pytest.mark.parametrize("body, message", [
    ({"name": "std.nope"}, "Failed to find action [action_name=std.nope]"),
    ({"name": "std.echo", "input": {"output": 1, "colour": "red"}},
     "Invalid input [name=std.echo, "
     "class=mistral_resume.executor.actions.std.EchoAction, "
     "unexpected=['colour']]"),
    ({"name": "std.echo"},
     "Invalid input [name=std.echo, "
     "class=mistral_resume.executor.actions.std.EchoAction, "
     "missing=['output']]"),
    ({"name": "std.http", "input": {"url": "http://a.example", "body": "x",
                                    "json": {"y": 1}}},
     "Failed to initialize action std.http: Only one of the parameters "
     "'json' and 'body' can be passed"),
    ({"name": "std.async_noop", "params": {"run_sync": True}},
     "Action does not support synchronous execution."),
    ({"name": "std.noop", "params": {"run_sync": "perhaps"}},
     "'run_sync' must be true or false"),
    ({"name": "std.noop", "params": {"timeout": -1}},
     "'timeout' must be a positive number"),
    ({"input": {"output": 1}},
     "Please provide at least action name to run action."),
    ({"name": "std.echo", "task_execution_id": "x"}, "not both"),
])
def test_bad_requests_are_400_and_store_nothing(stack, body, message):
    response = post(stack.app, body, status=400)
    assert message in helpers.fault(response)
    assert stored(stack) == []


def test_input_must_be_an_object(stack):
    response = post(stack.app, {"name": "std.echo", "input": "[1]"},
                    status=400)
    assert "input" in helpers.fault(response)


def test_rerun_door_of_an_unknown_task_is_404(stack):
    response = post(stack.app, {"task_execution_id": "some-task"},
                    status=404)
    assert "not found" in helpers.fault(response)


def test_rows_belong_to_their_project(stack):
    mine = {"X-Project-Id": "p1", "X-User-Id": "u1"}
    ax = post(stack.app, {"name": "std.noop", "params": {
        "run_sync": True, "save_result": True}}, headers=mine).json
    stack.app.get("%s/%s" % (URL, ax["id"]), headers=mine)
    stack.app.get("%s/%s" % (URL, ax["id"]), status=404,
                  headers={"X-Project-Id": "p2"})
    assert stack.app.get(URL, headers={"X-Project-Id": "p2"}).json[
        "action_executions"] == []


def test_python_mistralclient_runs_actions(client):  # noqa: F811
    ax = client.action_executions.create("std.echo", {"output": "hi"})
    assert ax.id is None and json.loads(ax.output) == {"result": "hi"}
    saved = client.action_executions.create(
        "test.reverse_string", {"text": "abc"}, save_result=True,
        run_sync=True)
    assert saved.state == st.SUCCESS
    assert json.loads(saved.output) == {"result": "cba"}
    assert [a.id for a in client.action_executions.list()] == [saved.id]
