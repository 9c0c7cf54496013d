"""Re-run and skip a failed (non with-items) task through the REST doors.

Each test asserts the states of the workflow, tasks and action executions
after each step, the published values and the output.
"""
import json

import pytest

from mistral_resume.workflow import statuses as st
from tests.resume import helpers


def test_rerun_with_env_through_the_tasks_door(stack):
    """Mistral's task-rerun: env merged, input evaluated again."""
    ex, tasks = helpers.failed(stack, helpers.CHAIN, "chain",
                               env={"size": "bad"})
    t2 = tasks["t2"]
    assert t2["state"] == st.ERROR and "t3" not in tasks
    answer = stack.app.put_json("/v2/tasks/%s" % t2["id"], {
        "state": "RUNNING", "reset": True, "env": {"size": 2}}).json
    assert answer["state"] == st.RUNNING and answer["id"] == t2["id"]
    assert stack.wait_for(ex["id"]).state == st.SUCCESS
    final = helpers.execution(stack, ex["id"])
    assert json.loads(final["output"]) == {"keys": ["k0", "k1"],
                                           "last": {"k0": "", "k1": ""}}
    assert json.loads(final["params"])["env"] == {"size": 2}
    tasks = helpers.tasks_by_name(stack, ex["id"])
    assert tasks["t2"]["id"] == t2["id"]  # the same task execution
    assert tasks["t2"]["state"] == st.SUCCESS
    assert tasks["t3"]["state"] == st.SUCCESS
    actions = stack.actions(t2["id"])
    assert [(a.state, a.accepted, a.attempt) for a in actions] == [
        (st.ERROR, False, 1), (st.SUCCESS, True, 2)]
    assert actions[1].input == {"size": 2, "key_prefix": "k"}
    [comment] = final["comments"]
    assert comment["operation"] == "rerun"
    assert "t2" in comment["text"]
    assert comment["user"] and comment["project"] and comment["created_at"]


def test_rerun_with_new_input_replaces_only_given_keys(stack):
    ex, tasks = helpers.failed(stack, helpers.CHAIN, "chain",
                               env={"size": "bad"})
    body = {"state": "RUNNING", "resume": {"task": "t2",
                                           "input": {"size": 1}},
            "comment": "size fixed by hand"}
    answer = stack.app.put_json("/v2/executions/%s" % ex["id"], body).json
    assert answer["state"] == st.RUNNING
    assert stack.wait_for(ex["id"]).state == st.SUCCESS
    actions = stack.actions(tasks["t2"]["id"])
    assert actions[-1].input == {"size": 1, "key_prefix": "k"}
    out = json.loads(helpers.execution(stack, ex["id"])["output"])
    assert out["keys"] == ["k0"]
    [comment] = helpers.execution(stack, ex["id"])["comments"]
    assert "size fixed by hand" in comment["text"]


def test_rerun_that_fails_again_leaves_the_workflow_in_error(stack):
    ex, tasks = helpers.failed(stack, helpers.CHAIN, "chain",
                               env={"size": "bad"})
    stack.app.put_json("/v2/tasks/%s" % tasks["t2"]["id"],
                       {"state": "RUNNING"})
    assert stack.wait_for(ex["id"]).state == st.ERROR
    actions = stack.actions(tasks["t2"]["id"])
    assert [(a.state, a.accepted) for a in actions] == [
        (st.ERROR, False), (st.ERROR, True)]


def test_skip_without_output_is_mistrals_skip(stack):
    """publish-on-skip, then on-success (no on-skip here)."""
    ex, tasks = helpers.failed(stack, helpers.CHAIN, "chain",
                               env={"size": "bad"})
    error = tasks["t2"]["state_info"]
    answer = stack.app.put_json("/v2/tasks/%s" % tasks["t2"]["id"],
                                {"state": "SKIPPED"}).json
    assert answer["state"] == st.SKIPPED
    assert answer["state_info"] == error  # the error is kept
    assert stack.wait_for(ex["id"]).state == st.SUCCESS
    tasks = helpers.tasks_by_name(stack, ex["id"])
    assert tasks["t2"]["state"] == st.SKIPPED
    assert json.loads(tasks["t2"]["published"]) == {"keys": "skipped"}
    assert tasks["t3"]["state"] == st.SUCCESS
    assert [c["operation"] for c in helpers.execution(
        stack, ex["id"])["comments"]] == ["skip"]


def test_skip_with_output_injects_a_noop_that_succeeds(stack):
    ex, tasks = helpers.failed(stack, helpers.CHAIN, "chain",
                               env={"size": "bad"})
    supplied = {"a": 1, "b": 2}
    stack.app.put_json("/v2/executions/%s" % ex["id"], {
        "state": "RUNNING",
        "resume": {"task": "t2", "mode": "skip", "output": supplied}})
    assert stack.wait_for(ex["id"]).state == st.SUCCESS
    rows = stack.tasks(ex["id"])["t2"]
    skipped, injected = rows
    assert skipped.state == st.SKIPPED
    assert "size" in skipped.state_info or skipped.state_info
    assert injected.state == st.SUCCESS
    assert injected.injected_for == skipped.id
    assert injected.result == supplied
    assert injected.spec["action"] == "std.noop"
    # publish ran on the supplied output; t3 saw it through task(t2).
    assert injected.published == {"keys": ["a", "b"]}
    out = json.loads(helpers.execution(stack, ex["id"])["output"])
    assert out == {"keys": ["a", "b"], "last": supplied}
    assert stack.task_states(ex["id"])["t3"] == [st.SUCCESS]


def test_several_failed_tasks_in_one_request(stack):
    ex, tasks = helpers.failed(stack, helpers.TWO_FAIL, "two_fail")
    stack.app.put_json("/v2/executions/%s" % ex["id"], {
        "state": "RUNNING",
        "resume": [{"task": "a", "mode": "skip"},
                   {"task": "b", "mode": "skip", "output": "done"}]})
    assert stack.wait_for(ex["id"]).state == st.SUCCESS
    states = stack.task_states(ex["id"])
    assert states == {"a": [st.SKIPPED], "b": [st.SKIPPED, st.SUCCESS],
                      "a_next": [st.SUCCESS], "b_next": [st.SUCCESS]}
    comments = helpers.execution(stack, ex["id"])["comments"]
    assert [c["operation"] for c in comments] == ["skip", "skip"]


def test_resuming_one_of_two_failed_tasks_ends_in_error_again(stack):
    ex, tasks = helpers.failed(stack, helpers.TWO_FAIL, "two_fail")
    stack.app.put_json("/v2/executions/%s" % ex["id"], {
        "state": "RUNNING", "resume": {"task": "a", "mode": "skip"}})
    final = stack.wait_for(ex["id"])
    assert final.state == st.ERROR
    assert "b" in final.state_info and "a [" not in final.state_info
    assert stack.task_states(ex["id"])["a_next"] == [st.SUCCESS]
    assert stack.task_states(ex["id"])["b"] == [st.ERROR]


@pytest.mark.parametrize("resume, status, message", [
    ([{"task": "a", "mode": "skip"}, {"task": "nope"}], 400,
     "Unknown task 'nope'"),
    ([{"task": "a", "mode": "skip"}, {"task": "a_next"}], 400,
     "Unknown task 'a_next'"),
    ([{"task": "a", "output": 1}], 400, "'output' goes with mode 'skip'"),
    ([{"task": "a", "mode": "skip", "input": {"x": 1}}], 400,
     "go with mode 'rerun'"),
    ([{"task": "a", "items": [0]}], 400, "has no with-items"),
    ([{"task": "a"}, {"task": "a", "mode": "skip"}], 400,
     "more than once"),
    ([{"task": "a", "colour": "red"}], 400, "Unknown field(s) in resume"),
    ([{"task": "a", "items": [0, 0]}], 400, "given twice"),
    ([{"task": "a", "items": [-1]}], 400, "non-negative"),
])
def test_a_refused_request_changes_nothing(stack, resume, status, message):
    ex, tasks = helpers.failed(stack, helpers.TWO_FAIL, "two_fail")
    before = helpers.snapshot(stack, ex["id"])
    response = stack.app.put_json("/v2/executions/%s" % ex["id"], {
        "state": "RUNNING", "resume": resume}, status=status)
    assert message in helpers.fault(response)
    assert helpers.snapshot(stack, ex["id"]) == before


def test_plain_resume_of_a_failed_execution_names_the_failed_tasks(stack):
    ex, tasks = helpers.failed(stack, helpers.TWO_FAIL, "two_fail")
    before = helpers.snapshot(stack, ex["id"])
    response = stack.app.put_json("/v2/executions/%s" % ex["id"],
                                  {"state": "RUNNING"}, status=409)
    text = helpers.fault(response)
    assert "a [id=%s]" % tasks["a"]["id"] in text
    assert "b [id=%s]" % tasks["b"]["id"] in text
    assert "re-run one" in text and "to skip it" in text
    assert helpers.snapshot(stack, ex["id"]) == before


def test_rerun_of_a_task_that_is_not_failed_is_409(stack):
    ex, tasks = helpers.failed(stack, helpers.CHAIN, "chain",
                               env={"size": "bad"})
    before = helpers.snapshot(stack, ex["id"])
    response = stack.app.put_json("/v2/tasks/%s" % tasks["t1"]["id"],
                                  {"state": "RUNNING"}, status=409)
    assert "is SUCCESS: only a failed (ERROR) task" in helpers.fault(response)
    assert helpers.snapshot(stack, ex["id"]) == before


def test_dry_run_plans_and_changes_nothing(stack):
    ex, tasks = helpers.failed(stack, helpers.CHAIN, "chain",
                               env={"size": "bad"})
    before = helpers.snapshot(stack, ex["id"])
    plan = stack.app.put_json("/v2/executions/%s" % ex["id"], {
        "state": "RUNNING", "dry_run": True,
        "resume": {"task": "t2", "env": {"size": 3}}}).json
    assert plan["dry_run"] is True
    [entry] = plan["plan"]
    assert entry["task"] == "t2" and entry["mode"] == "rerun"
    assert entry["task_execution_id"] == tasks["t2"]["id"]
    assert entry["actions"] == [{"index": None, "action": "std.test_dict",
                                 "input": {"size": 3, "key_prefix": "k"}}]
    assert entry["successors"] == ["t3"]
    assert helpers.snapshot(stack, ex["id"]) == before


def test_rerun_whose_input_still_fails_is_400_and_changes_nothing(stack):
    ex, tasks = helpers.failed(stack, helpers.CHAIN, "chain")
    before = helpers.snapshot(stack, ex["id"])
    response = stack.app.put_json("/v2/tasks/%s" % tasks["t2"]["id"],
                                  {"state": "RUNNING"}, status=400)
    assert "input cannot be evaluated" in helpers.fault(response)
    assert helpers.snapshot(stack, ex["id"]) == before


def test_idempotency_key_returns_the_first_answer(stack):
    ex, tasks = helpers.failed(stack, helpers.CHAIN, "chain",
                               env={"size": "bad"})
    url = "/v2/tasks/%s" % tasks["t2"]["id"]
    body = {"state": "RUNNING", "env": {"size": 1}}
    headers = {"Idempotency-Key": "k-1"}
    first = stack.app.put_json(url, body, headers=headers).json
    assert stack.wait_for(ex["id"]).state == st.SUCCESS
    again = stack.app.put_json(url, body, headers=headers).json
    assert again == first
    assert len(stack.actions(tasks["t2"]["id"])) == 2  # ran once
    other = stack.app.put_json(url, {"state": "RUNNING"}, headers=headers,
                               status=422)
    assert "different request body" in helpers.fault(other)
    new_key = stack.app.put_json(url, body, headers={
        "Idempotency-Key": "k-2"}, status=409)
    assert "only a failed (ERROR) task" in helpers.fault(new_key)
