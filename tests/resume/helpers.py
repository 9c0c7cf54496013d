"""Workflows that fail, and REST helpers for the resume tests."""
from mistral_resume.workflow import statuses as st

TEXT = {"Content-Type": "text/plain"}

# t2 fails on env().size = "bad" (std.test_dict wants an int); rerunning it
# with env {"size": 2} or input {"size": 2} succeeds.
CHAIN = """\
---
version: '2.0'
chain:
  output:
    keys: <% $.keys %>
    last: <% $.last %>
  tasks:
    t1:
      action: std.echo output="one"
      on-success: t2
    t2:
      action: std.test_dict
      input:
        size: <% env().size %>
        key_prefix: k
      publish:
        keys: <% task().result.keys().orderBy($).toList() %>
      publish-on-skip:
        keys: skipped
      on-success: t3
    t3:
      action: std.echo output="three"
      publish:
        last: <% task(t2).result %>
"""

# Two parallel branches that both fail.
TWO_FAIL = """\
---
version: '2.0'
two_fail:
  tasks:
    a:
      action: std.fail
      on-success: a_next
    b:
      action: std.fail
      on-success: b_next
    a_next:
      action: std.noop
    b_next:
      action: std.noop
"""


def create(app, text):
    return app.post("/v2/workflows", text, headers=TEXT, status=201)


def start(app, name, env=None, wf_input=None):
    body = {"workflow_name": name}
    if env is not None:
        body["params"] = {"env": env}
    if wf_input is not None:
        body["input"] = wf_input
    return app.post_json("/v2/executions", body, status=201).json


def failed(stack, text, name, env=None):
    """Run ``name`` to ERROR; return (execution, {task name: task dict})."""
    create(stack.app, text)
    ex = start(stack.app, name, env=env)
    assert stack.wait_for(ex["id"]).state == st.ERROR
    return ex, tasks_by_name(stack, ex["id"])


def tasks_by_name(stack, ex_id):
    rows = stack.app.get("/v2/executions/%s/tasks" % ex_id).json["tasks"]
    by_name = {}
    for row in rows:
        by_name.setdefault(row["name"], []).append(row)
    return {name: rows[-1] if len(rows) == 1 else rows
            for name, rows in by_name.items()}


def execution(stack, ex_id):
    return stack.app.get("/v2/executions/%s" % ex_id).json


def snapshot(stack, ex_id):
    """Everything stored about an execution, to prove nothing changed."""
    ex = execution(stack, ex_id)
    tasks = stack.app.get("/v2/executions/%s/tasks" % ex_id).json["tasks"]
    actions = [stack.app.get("/v2/tasks/%s/action_executions" % t["id"])
               .json["action_executions"] for t in tasks]
    return ex, tasks, actions


def fault(response):
    return response.json["faultstring"]
