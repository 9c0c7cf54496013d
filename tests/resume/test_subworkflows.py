"""Resume through a sub-workflow: the failed child is resumed in place."""
import json

from mistral_resume.workflow import statuses as st
from tests.resume import helpers

NESTED = """\
---
version: '2.0'
parent:
  output:
    r: <% $.r %>
  tasks:
    call:
      workflow: child
      publish:
        r: <% task().result.out %>
      on-success: after
    after:
      action: std.noop
child:
  output:
    out: <% $.count %>
  tasks:
    c1:
      action: std.test_dict
      input:
        size: <% env().size %>
      publish:
        count: <% task().result.keys().len() %>
"""


def _children(stack, task_id):
    return stack.app.get("/v2/executions?task_execution_id=%s"
                         % task_id).json["executions"]


def _failed_parent(stack):
    ex, tasks = helpers.failed(stack, NESTED, "parent", env={"size": "bad"})
    call = tasks["call"]
    [child] = _children(stack, call["id"])
    assert call["state"] == st.ERROR and child["state"] == st.ERROR
    return ex, call, child


def test_parent_task_rerun_resumes_the_child_in_place(stack):
    ex, call, child = _failed_parent(stack)
    stack.app.put_json("/v2/executions/%s" % ex["id"], {
        "state": "RUNNING", "comment": "fix size",
        "resume": {"task": "call", "env": {"size": 2}}})
    assert stack.wait_for(ex["id"]).state == st.SUCCESS
    [same_child] = _children(stack, call["id"])  # no new child
    assert same_child["id"] == child["id"]
    assert same_child["state"] == st.SUCCESS
    assert json.loads(helpers.execution(stack, ex["id"])["output"]) == {
        "r": 2}
    c1 = stack.tasks(child["id"])["c1"]
    assert [t.state for t in c1] == [st.SUCCESS]
    assert [a.accepted for a in stack.actions(c1[0].id)] == [False, True]
    parent_ops = [c["text"] for c in helpers.execution(
        stack, ex["id"])["comments"]]
    assert any("'call'" in t for t in parent_ops)
    child_comments = helpers.execution(stack, child["id"])["comments"]
    assert child_comments and "c1" in child_comments[0]["text"]
    assert json.loads(helpers.execution(stack, child["id"])["params"])[
        "env"]["size"] == 2


def test_resuming_the_child_directly_moves_the_parent_on(stack):
    ex, call, child = _failed_parent(stack)
    answer = stack.app.put_json("/v2/executions/%s" % child["id"], {
        "state": "RUNNING",
        "resume": {"task": "c1", "input": {"size": 3}}}).json
    assert answer["state"] == st.RUNNING
    assert stack.wait_for(ex["id"]).state == st.SUCCESS
    assert json.loads(helpers.execution(stack, ex["id"])["output"]) == {
        "r": 3}
    assert stack.task_states(ex["id"]) == {"call": [st.SUCCESS],
                                           "after": [st.SUCCESS]}


def test_input_for_a_sub_workflow_task_is_400(stack):
    ex, call, child = _failed_parent(stack)
    before = helpers.snapshot(stack, ex["id"])
    response = stack.app.put_json("/v2/executions/%s" % ex["id"], {
        "state": "RUNNING", "resume": {"task": "call",
                                       "input": {"size": 1}}}, status=400)
    assert "resume the child execution" in helpers.fault(response)
    assert helpers.snapshot(stack, ex["id"]) == before
