"""POST /v2/action_executions with task_execution_id: a re-run."""
import pytest

from mistral_resume.workflow import statuses as st
from tests.resume import helpers


def test_new_action_execution_re_runs_the_failed_task(stack):
    ex, tasks = helpers.failed(stack, helpers.CHAIN, "chain",
                               env={"size": "bad"})
    t2 = tasks["t2"]["id"]
    created = stack.app.post_json("/v2/action_executions", {
        "task_execution_id": t2, "input": {"size": 2},
        "comment": "through the actions door"}, status=201).json
    assert created["task_execution_id"] == t2
    assert created["name"] == "std.test_dict"
    assert created["accepted"] is True and created["attempt"] == 2
    assert created["item_index"] is None
    assert stack.wait_for(ex["id"]).state == st.SUCCESS
    actions = stack.app.get("/v2/tasks/%s/action_executions"
                            % t2).json["action_executions"]
    assert sorted((a["attempt"], a["accepted"], a["state"])
                  for a in actions) == [(1, False, st.ERROR),
                                        (2, True, st.SUCCESS)]
    [comment] = helpers.execution(stack, ex["id"])["comments"]
    assert "through the actions door" in comment["text"]


@pytest.mark.parametrize("body, status, message", [
    ({"task_execution_id": "T", "name": "std.noop"}, 400, "not both"),
    ({"task_execution_id": "T", "index": 0}, 400, "has no with-items"),
    ({"task_execution_id": "nope"}, 404, "not found"),
    ({"name": "std.noop", "index": 1}, 400, "go with 'task_execution_id'"),
])
def test_refusals_change_nothing(stack, body, status, message):
    ex, tasks = helpers.failed(stack, helpers.CHAIN, "chain",
                               env={"size": "bad"})
    if body.get("task_execution_id") == "T":
        body = dict(body, task_execution_id=tasks["t2"]["id"])
    before = helpers.snapshot(stack, ex["id"])
    response = stack.app.post_json("/v2/action_executions", body,
                                   status=status)
    assert message in helpers.fault(response)
    assert helpers.snapshot(stack, ex["id"]) == before


def test_dry_run_through_the_actions_door(stack):
    ex, tasks = helpers.failed(stack, helpers.CHAIN, "chain",
                               env={"size": "bad"})
    before = helpers.snapshot(stack, ex["id"])
    plan = stack.app.post_json("/v2/action_executions", {
        "task_execution_id": tasks["t2"]["id"], "input": {"size": 5},
        "dry_run": True}, status=201).json
    [entry] = plan["plan"]
    assert entry["actions"][0]["input"] == {"size": 5, "key_prefix": "k"}
    assert helpers.snapshot(stack, ex["id"]) == before
