"""``/v2/tasks`` and ``/v2/action_executions``, and their nested forms."""
import pytest

from mistral_resume.workflow import statuses as st
from tests.api import helpers

TASK_FIELDS = {"id", "name", "type", "workflow_name", "workflow_namespace",
               "workflow_id", "workflow_execution_id", "state", "state_info",
               "result", "published", "runtime_context", "processed",
               "reset", "env", "project_id", "created_at", "updated_at",
               "started_at", "finished_at"}
ACTION_FIELDS = {"id", "name", "workflow_name", "workflow_namespace",
                 "task_name", "task_execution_id", "state", "state_info",
                 "tags", "input", "output", "accepted", "description",
                 "params", "project_id", "created_at", "updated_at",
                 "item_index", "attempt"}


@pytest.fixture
def done(stack):
    """A finished ``hello`` execution and its one task."""
    helpers.create(stack.app)
    ex = helpers.run(stack)
    (task,) = stack.app.get("/v2/executions/%s/tasks"
                            % ex["id"]).json["tasks"]
    return ex, task


def test_task_of_an_execution(stack, done):
    ex, task = done
    assert set(task) == TASK_FIELDS - {"result"}
    assert task["name"] == "greet" and task["type"] == "ACTION"
    assert task["workflow_execution_id"] == ex["id"]
    assert task["state"] == st.SUCCESS and task["processed"] is True
    assert helpers.loads(task["published"]) == {"said": "hello bob"}
    # A start task: nothing triggered it, so no triggered_by (Mistral 23).
    assert helpers.loads(task["runtime_context"]) == {}
    assert task["started_at"] and task["finished_at"]


def test_get_task_has_its_result(stack, done):
    _, task = done
    got = stack.app.get("/v2/tasks/%s" % task["id"]).json
    assert set(got) == TASK_FIELDS
    assert helpers.loads(got["result"]) == "hello bob"


def test_unknown_task_is_404(stack):
    response = stack.app.get("/v2/tasks/nope", status=404)
    assert "not found" in helpers.fault(response)


def test_runtime_context_shows_what_triggered_a_task(stack):
    helpers.create(stack.app)
    ex = helpers.start(stack.app, "waits").json
    action = helpers.waiting_action(stack, ex["id"])
    stack.app.put_json("/v2/action_executions/%s" % action.id,
                       {"state": "SUCCESS", "output": {"ok": True}})
    stack.wait_for(ex["id"])
    tasks = {t["name"]: t for t in stack.app.get(
        "/v2/tasks?workflow_execution_id=%s" % ex["id"]).json["tasks"]}
    context = helpers.loads(tasks["done"]["runtime_context"])
    assert context["triggered_by"] == [{"task_id": tasks["wait"]["id"],
                                        "event": "on-success"}]


def test_task_list_filters_and_pages(stack, done):
    ex, task = done
    second = helpers.run(stack)

    def listed(query):
        return [t["workflow_execution_id"] for t in stack.app.get(
            "/v2/tasks?" + query).json["tasks"]]

    assert listed("") == [ex["id"], second["id"]]
    assert listed("workflow_execution_id=%s" % ex["id"]) == [ex["id"]]
    assert listed("name=greet&state=SUCCESS") == [ex["id"], second["id"]]
    assert listed("state=ERROR") == []
    assert listed("processed=false") == []
    page = stack.app.get("/v2/tasks?limit=1").json
    assert page["next"].startswith("http://localhost/v2/tasks?")
    assert "marker=%s" % task["id"] in page["next"]
    rest = stack.app.get(page["next"].replace("http://localhost", "")).json
    assert [t["workflow_execution_id"] for t in rest["tasks"]] == [
        second["id"]]


def test_execution_tasks_next_link_keeps_the_path(stack, done):
    ex, task = done
    page = stack.app.get("/v2/executions/%s/tasks?limit=1" % ex["id"]).json
    assert page["next"].startswith(
        "http://localhost/v2/executions/%s/tasks?" % ex["id"])
    assert "workflow_execution_id" not in page["next"]
    assert stack.app.get(page["next"].replace(
        "http://localhost", "")).json == {"tasks": []}


@pytest.mark.parametrize("query, message", [
    ("state=BORED", "Invalid state"),
    ("processed=sometimes", "processed"),
    ("sort_keys=result", "Unknown sort key"),
    ("limit=0", "Limit must be positive"),
])
def test_task_list_refuses_bad_parameters(stack, query, message):
    response = stack.app.get("/v2/tasks?" + query, status=400)
    assert message in helpers.fault(response)


@pytest.mark.parametrize("body, status, message", [
    ({"state": "RUNNING", "reset": True}, 409,
     "only a failed (ERROR) task"),
    ({"state": "SKIPPED"}, 409, "only a failed (ERROR) task"),
    ({"state": "SKIPPED", "input": {"a": 1}}, 400, "go with state RUNNING"),
    ({"state": "RUNNING", "output": 1}, 400, "goes with state SKIPPED"),
    ({"state": "PAUSED"}, 400, "Invalid task state"),
    ({}, 400, "Invalid task state"),
])
def test_task_update_refusals(stack, done, body, status, message):
    _, task = done
    response = stack.app.put_json("/v2/tasks/%s" % task["id"], body,
                                  status=status)
    assert message in helpers.fault(response)


def test_task_update_of_unknown_is_404(stack):
    stack.app.put_json("/v2/tasks/nope", {"state": "RUNNING"}, status=404)


def test_action_executions_of_a_task(stack, done):
    ex, task = done
    (action,) = stack.app.get("/v2/tasks/%s/action_executions"
                              % task["id"]).json["action_executions"]
    assert set(action) == ACTION_FIELDS - {"output"}
    assert action["name"] == "std.echo" and action["task_name"] == "greet"
    assert action["accepted"] is True and action["state"] == st.SUCCESS
    assert helpers.loads(action["input"]) == {"output": "hello bob"}
    got = stack.app.get("/v2/action_executions/%s" % action["id"]).json
    assert set(got) == ACTION_FIELDS
    assert helpers.loads(got["output"]) == {"result": "hello bob"}


def test_action_execution_list_filters(stack, done):
    _, task = done

    def listed(query):
        return [a["name"] for a in stack.app.get(
            "/v2/action_executions?" + query).json["action_executions"]]

    assert listed("") == ["std.echo"]
    assert listed("task_execution_id=%s" % task["id"]) == ["std.echo"]
    assert listed("name=std.noop") == []
    assert listed("accepted=true&state=SUCCESS") == ["std.echo"]
    with_output = stack.app.get(
        "/v2/action_executions?include_output=1").json["action_executions"]
    assert helpers.loads(with_output[0]["output"]) == {"result": "hello bob"}
    response = stack.app.get("/v2/action_executions?accepted=maybe",
                             status=400)
    assert "accepted" in helpers.fault(response)


def test_unknown_action_execution_is_404(stack):
    stack.app.get("/v2/action_executions/nope", status=404)
    stack.app.put_json("/v2/action_executions/nope", {"state": "SUCCESS"},
                       status=404)


def test_completing_an_async_action(stack):
    helpers.create(stack.app)
    ex = helpers.start(stack.app, "waits").json
    action = helpers.waiting_action(stack, ex["id"])
    body = stack.app.put_json("/v2/action_executions/%s" % action.id,
                              {"state": "SUCCESS",
                               "output": '{"answer": 42}'}).json
    assert body["state"] == st.SUCCESS
    assert helpers.loads(body["output"]) == {"result": {"answer": 42}}
    assert stack.wait_for(ex["id"]).state == st.SUCCESS


def test_failing_an_async_action(stack):
    helpers.create(stack.app)
    ex = helpers.start(stack.app, "waits").json
    action = helpers.waiting_action(stack, ex["id"])
    body = stack.app.put_json("/v2/action_executions/%s" % action.id,
                              {"state": "ERROR"}).json
    assert body["state"] == st.ERROR
    assert helpers.loads(body["output"]) == {"result": "Unknown error"}
    assert stack.wait_for(ex["id"]).state == st.ERROR


@pytest.mark.parametrize("body, status", [
    ({"state": "RUNNING"}, 400),
    ({"output": "x"}, 400),
    ({"state": "CANCELLED"}, 501),
])
def test_action_execution_update_refuses(stack, body, status):
    helpers.create(stack.app)
    ex = helpers.start(stack.app, "waits").json
    action = helpers.waiting_action(stack, ex["id"])
    response = stack.app.put_json("/v2/action_executions/%s" % action.id,
                                  body, status=status)
    helpers.fault(response)
    assert [a.state for a in stack.actions(action.task_execution_id)] == [
        st.RUNNING]
