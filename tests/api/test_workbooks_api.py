"""``/v2/workbooks``: Mistral's resource (mistral/api/controllers/v2/
workbook.py): YAML in, the workbook out; its workflows and actions are
``<workbook>.<name>`` rows; refusals change nothing."""
from mistral_resume.db import listing as db_listing
from mistral_resume.db import models
from tests.api import helpers

TEXT = {"Content-Type": "text/plain"}
FIELDS = {"id", "name", "namespace", "definition", "tags", "scope",
          "project_id", "created_at", "updated_at"}

WB = """
version: '2.0'
name: wb
tags: [mine]
actions:
  shout:
    base: std.echo
    base-input:
      output: <% $.word %>!
    input: [word]
workflows:
  wf1:
    tasks:
      t:
        action: shout word=hi
  wf2:
    tasks:
      t:
        workflow: wf1
"""

WB_V2 = """
version: '2.0'
name: wb
workflows:
  wf1:
    tasks:
      t:
        action: std.noop
"""

PLAIN = """
version: '2.0'
wf:
  tasks:
    t:
      action: std.noop
"""


def _post(app, text=WB, status=201, query=""):
    return app.post("/v2/workbooks" + query, text, headers=TEXT,
                    status=status)


def _names(stack, model):
    with stack.db.reading() as session:
        return sorted(r.name for r in db_listing.list_rows(session, model))


def _snapshot(stack):
    return (_names(stack, models.Workbook),
            _names(stack, models.WorkflowDefinition),
            _names(stack, models.ActionDefinition))


def test_create_get_list_update_delete(stack):
    app = stack.app
    created = _post(app).json
    assert set(created) == FIELDS
    assert created["name"] == "wb" and created["tags"] == ["mine"]
    assert created["scope"] == "private" and created["namespace"] == ""
    assert created["definition"] == WB
    assert _snapshot(stack) == (["wb"], ["wb.wf1", "wb.wf2"], ["wb.shout"])
    got = app.get("/v2/workbooks/wb").json
    assert got["id"] == created["id"]
    listed = app.get("/v2/workbooks").json["workbooks"]
    assert [w["name"] for w in listed] == ["wb"]
    workflows = app.get("/v2/workflows").json["workflows"]
    assert sorted(w["name"] for w in workflows) == ["wb.wf1", "wb.wf2"]

    (action,) = app.get("/v2/actions?name=wb.shout").json["actions"]
    assert action["is_system"] is False and action["input"] == "word"
    assert app.get("/v2/actions/wb.shout").json["name"] == "wb.shout"

    updated = app.put("/v2/workbooks", WB_V2, headers=TEXT).json
    assert updated["id"] == created["id"]
    assert updated["definition"] == WB_V2
    assert _snapshot(stack) == (["wb"], ["wb.wf1"], [])

    app.delete("/v2/workbooks/wb", status=204)
    assert _snapshot(stack) == ([], [], [])
    app.get("/v2/workbooks/wb", status=404)


def test_refusals_change_nothing(stack):
    app = stack.app
    _post(app)
    before = _snapshot(stack)
    response = _post(app, status=409)
    assert "wb" in helpers.fault(response)
    bad_yaml = _post(app, "version: '2.0'\nname: other\nworkflows: [\n",
                     status=400)
    assert "line" in helpers.fault(bad_yaml)
    unknown = _post(app, WB.replace("name: wb", "name: other").replace(
        "action: shout", "action: nope"), status=400)
    message = helpers.fault(unknown)
    assert "'wf1'" in message and "'t'" in message and "nope" in message
    no_name = _post(app, PLAIN, status=400)
    assert "name" in helpers.fault(no_name)
    app.put("/v2/workbooks", WB.replace("name: wb", "name: ghost"),
            headers=TEXT, status=404)
    app.put("/v2/workbooks", WB.replace("base: std.echo", "base: nope"),
            headers=TEXT, status=400)
    app.delete("/v2/workbooks/ghost", status=404)
    assert _snapshot(stack) == before


def test_a_workflow_clash_is_a_conflict(stack):
    stack.create_workflows("""
        version: '2.0'
        wb.wf1:
          tasks:
            t:
              action: std.noop
        """)
    before = _snapshot(stack)
    _post(stack.app, status=409)
    assert _snapshot(stack) == before


def test_workbook_actions_are_known_to_later_workflows(stack):
    _post(stack.app)
    text = "version: '2.0'\nout:\n  tasks:\n    t:\n      action: wb.shout\n"
    helpers.create(stack.app, text)
    stack.app.delete("/v2/workflows/out", status=204)
    stack.app.delete("/v2/workbooks/wb", status=204)
    response = helpers.create(stack.app, text, status=400)
    assert "wb.shout" in helpers.fault(response)


ACTIONS = """
version: '2.0'
greet:
  base: std.echo
  base-input:
    output: <% $.greeting %>, <% $.who %>
  input:
    - who
    - greeting: Hello
  output: <% $.toUpper() %>
"""

USES_GREET = """
version: '2.0'
hello_wf:
  output:
    said: <% $.said %>
  tasks:
    t:
      action: greet who=World
      publish:
        said: <% task().result %>
"""


def test_standalone_adhoc_actions(stack):
    app = stack.app
    created = app.post("/v2/actions", ACTIONS, headers=TEXT,
                       status=201).json["actions"]
    assert [(a["name"], a["input"], a["is_system"]) for a in created] == [
        ("greet", 'who, greeting="Hello"', False)]
    helpers.create(app, USES_GREET)
    wf_ex = helpers.run(stack, "hello_wf")
    assert helpers.loads(wf_ex["output"]) == {"said": "HELLO, WORLD"}

    before = _snapshot(stack)
    app.post("/v2/actions", ACTIONS, headers=TEXT, status=409)
    app.post("/v2/actions", ACTIONS.replace("std.echo", "std.nope"),
             headers=TEXT, status=400)
    app.put("/v2/actions", ACTIONS.replace("greet:", "ghost:"),
            headers=TEXT, status=404)
    app.delete("/v2/actions/std.echo", status=400)
    app.delete("/v2/actions/ghost", status=404)
    _post(app)
    app.delete("/v2/actions/wb.shout", status=400)
    app.delete("/v2/workbooks/wb", status=204)
    assert _snapshot(stack) == before

    app.put("/v2/actions", ACTIONS.replace("toUpper", "toLower"),
            headers=TEXT)
    wf_ex = helpers.run(stack, "hello_wf")
    assert helpers.loads(wf_ex["output"]) == {"said": "hello, world"}
    app.delete("/v2/actions/greet", status=204)
    assert _snapshot(stack) == ([], ["hello_wf"], [])


def test_validate_writes_nothing(stack):
    app = stack.app
    ok = app.post("/v2/workbooks/validate", WB, headers=TEXT).json
    assert ok == {"valid": True, "error": None}
    bad = app.post("/v2/workbooks/validate", PLAIN, headers=TEXT).json
    assert bad["valid"] is False and "name" in bad["error"]
    assert _snapshot(stack) == ([], [], [])


def test_adhoc_run_of_an_adhoc_action(stack):
    app = stack.app
    _post(app)
    answer = app.post_json("/v2/action_executions", {
        "name": "wb.shout", "input": {"word": "hey"}}, status=201).json
    assert answer["id"] is None
    assert helpers.loads(answer["output"]) == {"result": "hey!"}
    saved = app.post_json("/v2/action_executions", {
        "name": "wb.shout", "input": {"word": "yo"},
        "params": {"save_result": True, "run_sync": True}},
        status=201).json
    assert saved["name"] == "wb.shout" and saved["state"] == "SUCCESS"
    assert helpers.loads(saved["input"]) == {"word": "yo"}
    assert helpers.loads(saved["output"]) == {"result": "yo!"}
    refused = app.post_json("/v2/action_executions", {
        "name": "wb.shout", "input": {}}, status=400)
    assert "missing=['word']" in helpers.fault(refused)
