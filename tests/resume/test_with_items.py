"""Re-run a failed with-items task: failed items, all, one, selected.

Items 1 and 3 fail (std.test_dict wants an integer size); the others
succeed and keep their results unless a request lists them.
"""
import json

import pytest

from mistral_resume.workflow import statuses as st
from tests.resume import helpers

ITEMS = """\
---
version: '2.0'
items_wf:
  input:
    - sizes: [1, "bad", 2, "worse"]
  output:
    sizes: <% $.sizes_out %>
  tasks:
    each:
      with-items: s in <% $.sizes %>
      action: std.test_dict size=<% $.s %>
      publish:
        sizes_out: <% task().result.select($.len()) %>
      on-success: after
    after:
      action: std.noop
"""


def _failed(stack):
    ex, tasks = helpers.failed(stack, ITEMS, "items_wf")
    each = tasks["each"]
    return ex, each["id"]


def _items(stack, task_id):
    """``{index: [(attempt, accepted, state, output result)]}``."""
    result = {}
    for a in stack.actions(task_id):
        result.setdefault(a.item_index, []).append(
            (a.attempt, a.accepted, a.state))
    return result


def test_default_reruns_only_failed_items_with_their_own_input(stack):
    ex, task_id = _failed(stack)
    before = _items(stack, task_id)
    assert {i: [s for _, _, s in v] for i, v in before.items()} == {
        0: [st.SUCCESS], 1: [st.ERROR], 2: [st.SUCCESS], 3: [st.ERROR]}
    stack.app.put_json("/v2/executions/%s" % ex["id"], {
        "state": "RUNNING", "resume": {"task": "each", "items": [
            {"index": 1, "input": {"size": 3}},
            {"index": 3, "input": {"size": 4}}]}})
    assert stack.wait_for(ex["id"]).state == st.SUCCESS
    after = _items(stack, task_id)
    # Succeeded items were not run again.
    assert after[0] == before[0] and after[2] == before[2]
    assert after[1] == [(1, False, st.ERROR), (2, True, st.SUCCESS)]
    assert after[3] == [(1, False, st.ERROR), (2, True, st.SUCCESS)]
    out = json.loads(helpers.execution(stack, ex["id"])["output"])
    assert out == {"sizes": [1, 3, 2, 4]}
    assert stack.task_states(ex["id"])["after"] == [st.SUCCESS]


def test_tasks_door_resume_flag_reruns_failed_items(stack):
    """Mistral's ``task-rerun --resume`` (reset false): failed items."""
    ex, task_id = _failed(stack)
    stack.app.put_json("/v2/tasks/%s" % task_id, {
        "state": "RUNNING", "reset": False})
    assert stack.wait_for(ex["id"]).state == st.ERROR  # same bad sizes
    after = _items(stack, task_id)
    assert [len(after[i]) for i in range(4)] == [1, 2, 1, 2]


def test_all_items_with_a_common_input(stack):
    ex, task_id = _failed(stack)
    stack.app.put_json("/v2/tasks/%s" % task_id, {
        "state": "RUNNING", "reset": True, "input": {"size": 1}})
    assert stack.wait_for(ex["id"]).state == st.SUCCESS
    after = _items(stack, task_id)
    assert all(len(after[i]) == 2 and after[i][-1][1:] == (True, st.SUCCESS)
               for i in range(4))
    out = json.loads(helpers.execution(stack, ex["id"])["output"])
    assert out == {"sizes": [1, 1, 1, 1]}


def test_one_item_by_index_leaves_the_other_failed(stack):
    ex, task_id = _failed(stack)
    stack.app.post_json("/v2/action_executions", {
        "task_execution_id": task_id, "index": 1, "input": {"size": 2}},
        status=201)
    final = stack.wait_for(ex["id"])
    assert final.state == st.ERROR  # item 3 is still failed
    after = _items(stack, task_id)
    assert after[1][-1] == (2, True, st.SUCCESS)
    assert after[3] == [(1, True, st.ERROR)]
    # Then the last one: the task completes and the workflow goes on.
    stack.app.put_json("/v2/executions/%s" % ex["id"], {
        "state": "RUNNING", "resume": {"task": "each", "items": [
            {"index": 3, "input": {"size": 1}}]}})
    assert stack.wait_for(ex["id"]).state == st.SUCCESS
    out = json.loads(helpers.execution(stack, ex["id"])["output"])
    assert out == {"sizes": [1, 2, 2, 1]}


@pytest.mark.parametrize("items, message", [
    ([7], "Item index 7 out of range: task 'each' has 4 items"),
    ([1, 1], "given twice"),
    (["x"], "non-negative integer"),
    ("some", "'items' must be"),
])
def test_bad_items_are_400_and_change_nothing(stack, items, message):
    ex, task_id = _failed(stack)
    before = helpers.snapshot(stack, ex["id"])
    response = stack.app.put_json("/v2/executions/%s" % ex["id"], {
        "state": "RUNNING", "resume": {"task": "each", "items": items}},
        status=400)
    assert message in helpers.fault(response)
    assert helpers.snapshot(stack, ex["id"]) == before


def test_dry_run_lists_items_and_their_inputs(stack):
    ex, task_id = _failed(stack)
    before = helpers.snapshot(stack, ex["id"])
    plan = stack.app.put_json("/v2/executions/%s" % ex["id"], {
        "state": "RUNNING", "dry_run": True,
        "resume": {"task": "each", "items": [
            {"index": 3, "input": {"size": 9}}, 1]}}).json
    [entry] = plan["plan"]
    assert entry["items"] == [3, 1]
    assert [(a["index"], a["input"]) for a in entry["actions"]] == [
        (3, {"size": 9}), (1, {"size": "bad"})]
    assert entry["successors"] == ["after"]
    assert helpers.snapshot(stack, ex["id"]) == before
