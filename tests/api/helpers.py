"""Workflows and request helpers shared by the API tests."""
import json
import time

from mistral_resume.workflow import statuses as st

WAIT_LIMIT = 30.0

TEXT = {"Content-Type": "text/plain"}

# Two workflows in one document: ``hello`` finishes at once, ``waits``
# stays RUNNING on an asynchronous action until PUT /v2/action_executions.
DOC = """\
---
version: '2.0'
hello:
  input:
    - name
    - greeting: hello
  output:
    said: <% $.said %>
  tasks:
    greet:
      action: std.echo output="<% $.greeting %> <% $.name %>"
      publish:
        said: <% task().result %>
waits:
  tasks:
    wait:
      action: std.async_noop
      on-success: done
    done:
      action: std.noop
"""

FAILS = """\
---
version: '2.0'
fails:
  tasks:
    boom:
      action: std.fail
"""


def create(app, text=DOC, status=201, query="", headers=None):
    return app.post("/v2/workflows" + query, text,
                    headers=dict(TEXT, **(headers or {})), status=status)


def start(app, name="hello", wf_input=None, status=201, headers=None,
          **body):
    body.setdefault("workflow_name", name)
    if wf_input is not None:
        body["input"] = wf_input
    return app.post_json("/v2/executions", body, status=status,
                         headers=headers)


def run(stack, name="hello", wf_input=None, states=st.COMPLETED):
    """Start through the API and wait; the execution's JSON after that."""
    if wf_input is None and name == "hello":
        wf_input = {"name": "bob"}
    ex_id = start(stack.app, name, wf_input).json["id"]
    stack.wait_for(ex_id, states)
    return stack.app.get("/v2/executions/%s" % ex_id).json


def wait_until(probe, limit=WAIT_LIMIT):
    """Poll ``probe()`` until it answers something true; return that."""
    deadline = time.monotonic() + limit
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError("still waiting after %ss" % limit)
        time.sleep(0.002)


def waiting_action(stack, ex_id):
    """The RUNNING action execution of a ``waits`` execution, once sent."""
    def probe():
        tasks = stack.tasks(ex_id).get("wait")
        actions = stack.actions(tasks[0].id) if tasks else []
        return [a for a in actions if a.state == st.RUNNING]

    (action,) = wait_until(probe)
    return action


def fault(response):
    """The ``faultstring`` of a Mistral error body (checking its shape)."""
    assert response.content_type == "application/json"
    body = response.json
    assert body["debuginfo"] is None, body
    assert isinstance(body["faultstring"], str), body
    return body["faultstring"]


def loads(value):
    """A JSON-string field: it must be a string, holding JSON."""
    assert isinstance(value, str), value
    return json.loads(value)
