"""A task's ``runtime_context`` says what triggered it, as Mistral's does.

Mistral 23 sets ``runtime_context.triggered_by`` only on a task that a
transition started: ``[{"task_id": <the task that finished>, "event":
"on-success" | "on-error" | "on-complete"}]``, one entry per inbound task
of a join; a start task has none.
"""
from mistral_resume.workflow import statuses as st
from tests.api import helpers

WORKFLOW = """\
---
version: '2.0'
triggers:
  tasks:
    first:
      action: std.noop
      on-success: after_success
    breaks:
      action: std.fail
      on-error: after_error
    either:
      action: std.noop
      on-complete: after_complete
    after_success:
      action: std.noop
      on-success: joined
    after_error:
      action: std.noop
      on-success: joined
    after_complete:
      action: std.noop
    joined:
      join: all
      action: std.noop
"""


def test_triggered_by_through_get_task(stack):
    helpers.create(stack.app, WORKFLOW)
    ex = helpers.run(stack, "triggers", {})
    assert ex["state"] == st.SUCCESS, ex["state_info"]
    listed = stack.app.get("/v2/executions/%s/tasks" % ex["id"]).json
    ids = {t["name"]: t["id"] for t in listed["tasks"]}

    def context_of(name):
        task = stack.app.get("/v2/tasks/%s" % ids[name]).json
        return helpers.loads(task["runtime_context"])

    for start in ("first", "breaks", "either"):
        assert context_of(start) == {}
    assert context_of("after_success") == {"triggered_by": [
        {"task_id": ids["first"], "event": "on-success"}]}
    assert context_of("after_error") == {"triggered_by": [
        {"task_id": ids["breaks"], "event": "on-error"}]}
    assert context_of("after_complete") == {"triggered_by": [
        {"task_id": ids["either"], "event": "on-complete"}]}
    joined = context_of("joined")["triggered_by"]
    assert sorted(joined, key=lambda t: t["task_id"]) == sorted([
        {"task_id": ids["after_success"], "event": "on-success"},
        {"task_id": ids["after_error"], "event": "on-success"},
    ], key=lambda t: t["task_id"])
