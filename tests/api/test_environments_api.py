"""``/v2/environments``: Mistral's resource, and ``params.env`` by name."""
import json

from mistral_resume.workflow import statuses as st
from tests.api import helpers

FIELDS = {"id", "name", "description", "variables", "scope", "project_id",
          "created_at", "updated_at"}


def _create(app, status=201, **body):
    body.setdefault("name", "env1")
    return app.post_json("/v2/environments", body, status=status)


def test_create_get_update_delete(stack):
    created = _create(stack.app, variables={"var1": "a"},
                      description="first").json
    assert set(created) == FIELDS
    assert json.loads(created["variables"]) == {"var1": "a"}
    assert created["scope"] == "private"
    got = stack.app.get("/v2/environments/env1").json
    assert got["id"] == created["id"]
    # python-mistralclient sends variables as a JSON string.
    updated = stack.app.put_json("/v2/environments", {
        "name": "env1", "variables": json.dumps({"var1": "b"})}).json
    assert json.loads(updated["variables"]) == {"var1": "b"}
    assert updated["description"] == "first"
    listed = stack.app.get("/v2/environments").json["environments"]
    assert [e["name"] for e in listed] == ["env1"]
    stack.app.delete("/v2/environments/env1", status=204)
    stack.app.get("/v2/environments/env1", status=404)


def test_duplicate_and_unknown(stack):
    _create(stack.app)
    response = _create(stack.app, status=409)
    assert "env1" in helpers.fault(response)
    stack.app.put_json("/v2/environments", {"name": "nope"}, status=404)
    stack.app.delete("/v2/environments/nope", status=404)
    _create(stack.app, name="bad", variables="[1]", status=400)


def test_an_execution_names_its_environment(stack):
    _create(stack.app, variables={"greeting": "hi"})
    stack.create_workflows("""
        version: '2.0'
        wf:
          output:
            said: <% $.said %>
          tasks:
            t:
              action: std.echo output=<% env().greeting %>
              publish:
                said: <% task().result %>
        """)
    ex = stack.app.post_json("/v2/executions", {
        "workflow_name": "wf", "params": {"env": "env1"}}, status=201).json
    wf_ex = stack.wait_for(ex["id"])
    assert wf_ex.state == st.SUCCESS
    assert wf_ex.output == {"said": "hi"}
    response = stack.app.post_json("/v2/executions", {
        "workflow_name": "wf", "params": {"env": "missing"}}, status=400)
    assert "Environment is not found: missing" in helpers.fault(response)
