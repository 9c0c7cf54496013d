"""``/v2/executions``: start, read, list, update, delete."""
import pytest

from mistral_resume.workflow import statuses as st
from tests.api import helpers

FIELDS = {"id", "workflow_id", "workflow_name", "workflow_namespace",
          "description", "tags", "params", "task_execution_id",
          "root_execution_id", "source_execution_id", "state", "state_info",
          "input", "output", "project_id", "created_at", "updated_at",
          "comments"}


@pytest.fixture
def app(stack):
    helpers.create(stack.app)
    return stack.app


def test_start_by_name_with_json_string_input(stack, app):
    response = helpers.start(app, wf_input='{"name": "bob"}',
                             description="first", params='{"env": {"a": 1}}')
    body = response.json
    assert set(body) == FIELDS
    assert body["workflow_name"] == "hello" and body["description"] == "first"
    assert helpers.loads(body["input"]) == {"name": "bob",
                                            "greeting": "hello"}
    assert helpers.loads(body["params"]) == {"env": {"a": 1}}
    assert body["comments"] == []
    stack.wait_for(body["id"])
    done = app.get("/v2/executions/%s" % body["id"]).json
    assert done["state"] == st.SUCCESS
    assert helpers.loads(done["output"]) == {"said": "hello bob"}


def test_start_by_id_with_an_object_input(stack, app):
    wf_id = app.get("/v2/workflows/hello").json["id"]
    body = helpers.start(app, workflow_name=None, workflow_id=wf_id,
                         wf_input={"name": "ann"}).json
    assert body["workflow_id"] == wf_id and body["workflow_name"] == "hello"


def test_start_with_a_given_id_is_idempotent(stack, app):
    ex_id = "3b0e0c4a-0d5e-4a51-9a59-2f7a8a1b9e01"
    first = helpers.start(app, wf_input={"name": "a"}, id=ex_id).json
    again = helpers.start(app, wf_input={"name": "b"}, id=ex_id).json
    assert first["id"] == again["id"] == ex_id
    assert helpers.loads(again["input"])["name"] == "a"
    assert len(app.get("/v2/executions").json["executions"]) == 1


def test_start_in_a_namespace(stack):
    helpers.create(stack.app, query="?namespace=ns1")
    body = helpers.start(stack.app, wf_input={"name": "x"},
                         workflow_namespace="ns1").json
    assert body["workflow_namespace"] == "ns1"
    response = helpers.start(stack.app, wf_input={"name": "x"}, status=404)
    assert "hello" in helpers.fault(response)


@pytest.mark.parametrize("body, status, message", [
    ({"workflow_name": None}, 400, "Workflow ID or workflow name"),
    ({"workflow_name": "nope"}, 404, "nope"),
    ({"input": "{not json"}, 400, "Invalid JSON"),
    ({"input": "[1, 2]"}, 400, "JSON object"),
    ({"params": "[]"}, 400, "JSON object"),
    ({"input": {"colour": "red"}}, 400, "colour"),
])
def test_start_refuses_bad_requests(stack, app, body, status, message):
    response = helpers.start(app, status=status, **body)
    assert message in helpers.fault(response)
    assert app.get("/v2/executions").json["executions"] == []


def test_get_unknown_and_other_projects_are_404(stack, app):
    response = app.get("/v2/executions/nope", status=404)
    assert "not found" in helpers.fault(response)
    ex = helpers.run(stack)
    app.get("/v2/executions/%s" % ex["id"],
            headers={"X-Project-Id": "other"}, status=404)
    app.get("/v2/executions/%s" % ex["id"],
            headers={"X-Project-Id": "other", "X-Roles": "admin"})


def test_list_oldest_first_without_output(stack, app):
    ids = [helpers.run(stack)["id"] for _ in range(3)]
    listed = app.get("/v2/executions").json
    assert [e["id"] for e in listed["executions"]] == ids
    assert "next" not in listed
    first = listed["executions"][0]
    assert "output" not in first
    assert helpers.loads(first["input"])["name"] == "bob"
    with_output = app.get("/v2/executions?include_output=true").json
    assert helpers.loads(with_output["executions"][0]["output"]) == {
        "said": "hello bob"}


def test_list_pages_with_marker(stack, app):
    ids = [helpers.run(stack)["id"] for _ in range(5)]
    seen, url = [], "/v2/executions?limit=2&sort_dirs=desc"
    pages = 0
    while url:
        page = app.get(url).json
        pages += 1
        seen += [e["id"] for e in page["executions"]]
        url = page.get("next", "").replace("http://localhost", "")
    assert seen == ids[::-1]
    assert pages == 3


def test_list_filters(stack, app):
    done = helpers.run(stack)
    waiting = helpers.start(app, "waits").json
    helpers.waiting_action(stack, waiting["id"])

    def listed(query):
        return [e["id"] for e in app.get(
            "/v2/executions?" + query).json["executions"]]

    assert listed("state=RUNNING") == [waiting["id"]]
    assert listed("state=in:RUNNING,SUCCESS") == [done["id"], waiting["id"]]
    assert listed("workflow_name=hello") == [done["id"]]
    assert listed("workflow_id=%s" % done["workflow_id"]) == [done["id"]]
    assert listed("root_execution_id=%s" % done["id"]) == [done["id"]]
    assert listed("task_execution_id=nope") == []
    assert listed("description=nothing") == []


@pytest.mark.parametrize("query, message", [
    ("state=SLEEPING", "Invalid state"),
    ("state=neq:RUNNING", "not supported"),
    ("limit=0", "Limit must be positive"),
    ("sort_keys=input", "Unknown sort key"),
    ("include_output=perhaps", "include_output"),
])
def test_list_refuses_bad_parameters(stack, app, query, message):
    response = app.get("/v2/executions?" + query, status=400)
    assert message in helpers.fault(response)


def test_list_of_other_projects_needs_admin(stack, app):
    helpers.run(stack)
    other = {"X-Project-Id": "other"}
    assert app.get("/v2/executions",
                   headers=other).json["executions"] == []
    response = app.get("/v2/executions?all_projects=true", headers=other,
                       status=403)
    assert "admin" in helpers.fault(response)
    admin = dict(other, **{"X-Roles": "admin"})
    assert len(app.get("/v2/executions?all_projects=true",
                       headers=admin).json["executions"]) == 1


def test_update_description(stack, app):
    ex = helpers.run(stack)
    response = app.put_json("/v2/executions/%s" % ex["id"],
                            {"description": "renamed"})
    assert response.json["description"] == "renamed"
    assert app.get("/v2/executions/%s" % ex["id"]).json[
        "description"] == "renamed"


def test_pause_then_resume_then_finish(stack, app):
    ex = helpers.start(app, "waits").json
    action = helpers.waiting_action(stack, ex["id"])
    url = "/v2/executions/%s" % ex["id"]
    paused = app.put_json(url, {"state": "PAUSED"}).json
    assert paused["state"] == st.PAUSED
    resumed = app.put_json(url, {"state": "RUNNING",
                                 "params": {"env": {"k": "v"}}}).json
    assert resumed["state"] == st.RUNNING
    assert helpers.loads(resumed["params"])["env"] == {"k": "v"}
    app.put_json("/v2/action_executions/%s" % action.id,
                 {"state": "SUCCESS", "output": "done"})
    assert stack.wait_for(ex["id"]).state == st.SUCCESS


def test_cancel_with_state_info(stack, app):
    ex = helpers.start(app, "waits").json
    helpers.waiting_action(stack, ex["id"])
    body = app.put_json("/v2/executions/%s" % ex["id"],
                        {"state": "CANCELLED", "state_info": "no more"}).json
    assert body["state"] == st.CANCELLED and body["state_info"] == "no more"


@pytest.mark.parametrize("body, status, message", [
    ({}, 400, "state, description, or env"),
    ({"state": "PAUSED", "description": "x"}, 400, "separately"),
    ({"state": "SUCCESS"}, 400, "Cannot change state to SUCCESS"),
    ({"state": "PAUSED", "params": {"env": {"a": 1}}}, 400, "env"),
    ({"state": "RUNNING", "resume": {"task": "t"}}, 400, "Unknown task 't'"),
    ({"state": "RUNNING", "dry_run": True}, 400, "'dry_run' goes with"),
    ({"state": "PAUSED", "resume": {"task": "t"}}, 400, "state RUNNING"),
    ({"resume": {"task": "t", "mode": "redo"}}, 400, "'mode' must be"),
    ({"state": "RUNNING", "colour": "red"}, 400, "colour"),
])
def test_update_refuses_bad_requests(stack, app, body, status, message):
    ex = helpers.run(stack)
    response = app.put_json("/v2/executions/%s" % ex["id"], body,
                            status=status)
    assert message in helpers.fault(response)
    assert app.get("/v2/executions/%s" % ex["id"]).json == ex


def test_update_unknown_is_404(stack, app):
    app.put_json("/v2/executions/nope", {"state": "PAUSED"}, status=404)


def test_resume_of_a_failed_execution_is_a_409(stack):
    helpers.create(stack.app, helpers.FAILS)
    ex = helpers.run(stack, "fails", {})
    assert ex["state"] == st.ERROR
    response = stack.app.put_json("/v2/executions/%s" % ex["id"],
                                  {"state": "RUNNING"}, status=409)
    assert "boom" in helpers.fault(response)


def test_delete(stack, app):
    ex = helpers.run(stack)
    response = app.delete("/v2/executions/%s" % ex["id"])
    assert response.status_int == 204 and response.body == b""
    app.get("/v2/executions/%s" % ex["id"], status=404)
    app.delete("/v2/executions/%s" % ex["id"], status=404)


def test_delete_running_needs_force(stack, app):
    ex = helpers.start(app, "waits").json
    helpers.waiting_action(stack, ex["id"])
    url = "/v2/executions/%s" % ex["id"]
    response = app.delete(url, status=409)
    assert "force" in helpers.fault(response)
    app.delete(url + "?force=True", status=204)
    app.get(url, status=404)
