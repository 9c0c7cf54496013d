"""Resume a paused workflow, with and without a failed task in it."""
import time

import pytest

from mistral_resume.workflow import statuses as st
from tests.resume import helpers

WAIT_AND_FAIL = """\
---
version: '2.0'
wait_and_fail:
  tasks:
    wait:
      action: std.async_noop
      on-success: after_wait
    b:
      action: std.fail
      on-success: after_b
    after_wait:
      action: std.noop
    after_b:
      action: std.noop
"""

WAIT_AND_HANDLED_FAIL = WAIT_AND_FAIL.replace(
    "      on-success: after_b\n", "      on-error: after_b\n")


def _paused_with_failed_task(stack, text, name):
    helpers.create(stack.app, text)
    ex = helpers.start(stack.app, name)
    wait_task = _wait_until_failed(stack, ex["id"])
    answer = stack.app.put_json("/v2/executions/%s" % ex["id"],
                                {"state": "PAUSED"}).json
    assert answer["state"] == st.PAUSED
    return ex, wait_task


def _wait_until_failed(stack, ex_id):
    def b_failed():
        states = stack.task_states(ex_id)
        return states.get("b") == [st.ERROR] and "wait" in states
    deadline_probe(b_failed)
    return stack.tasks(ex_id)["wait"][0]


def deadline_probe(probe, limit=30.0):
    deadline = time.monotonic() + limit
    while not probe():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


def _finish_wait(stack, wait_task):
    [action] = stack.actions(wait_task.id)
    stack.app.put_json("/v2/action_executions/%s" % action.id,
                       {"state": "SUCCESS", "output": "ok"})


def test_plain_resume_of_paused_with_unhandled_failure_is_409(stack):
    ex, wait_task = _paused_with_failed_task(stack, WAIT_AND_FAIL,
                                             "wait_and_fail")
    before = helpers.snapshot(stack, ex["id"])
    response = stack.app.put_json("/v2/executions/%s" % ex["id"],
                                  {"state": "RUNNING"}, status=409)
    text = helpers.fault(response)
    assert "holds failed tasks without error handling" in text
    assert "b [id=" in text and "skip" in text
    assert helpers.snapshot(stack, ex["id"]) == before


def test_resume_of_paused_with_a_skip_goes_on(stack):
    ex, wait_task = _paused_with_failed_task(stack, WAIT_AND_FAIL,
                                             "wait_and_fail")
    answer = stack.app.put_json("/v2/executions/%s" % ex["id"], {
        "state": "RUNNING", "resume": {"task": "b", "mode": "skip"},
        "comment": "b is not needed today"}).json
    assert answer["state"] == st.RUNNING
    assert stack.task_states(ex["id"])["b"] == [st.SKIPPED]
    _finish_wait(stack, wait_task)
    assert stack.wait_for(ex["id"]).state == st.SUCCESS
    states = stack.task_states(ex["id"])
    assert states["after_b"] == [st.SUCCESS]
    assert states["after_wait"] == [st.SUCCESS]


def test_plain_resume_of_paused_with_handled_failure_works(stack):
    ex, wait_task = _paused_with_failed_task(
        stack, WAIT_AND_HANDLED_FAIL, "wait_and_fail")
    answer = stack.app.put_json("/v2/executions/%s" % ex["id"],
                                {"state": "RUNNING"}).json
    assert answer["state"] == st.RUNNING
    _finish_wait(stack, wait_task)
    assert stack.wait_for(ex["id"]).state == st.SUCCESS
    assert stack.task_states(ex["id"])["after_b"] == [st.SUCCESS]


def test_rerun_through_the_tasks_door_while_paused_is_409(stack):
    ex, wait_task = _paused_with_failed_task(stack, WAIT_AND_FAIL,
                                             "wait_and_fail")
    b = stack.tasks(ex["id"])["b"][0]
    response = stack.app.put_json("/v2/tasks/%s" % b.id,
                                  {"state": "RUNNING"}, status=409)
    assert "PAUSED: resume the execution first" in helpers.fault(response)


@pytest.mark.parametrize("state", [st.SUCCESS])
def test_resume_of_a_finished_execution_is_mistrals_200_noop(stack, state):
    helpers.create(stack.app, helpers.CHAIN)
    ex = helpers.start(stack.app, "chain", env={"size": 1})
    assert stack.wait_for(ex["id"]).state == state
    before = helpers.snapshot(stack, ex["id"])
    answer = stack.app.put_json("/v2/executions/%s" % ex["id"],
                                {"state": "RUNNING"}).json
    assert answer["state"] == state
    assert helpers.snapshot(stack, ex["id"]) == before
