"""Project isolation: project B gets 404 (or an empty list) for every
route and method on project A's objects, and nothing stored changes.

A owns a workflow, a failed execution (so tasks and action executions
exist), an environment, a workbook and an ad hoc action. An admin sees
them all; a ``scope: public`` workflow is readable by B, not writable.
"""
import pytest
import sqlalchemy as sa

from mistral_resume.db import models
from mistral_resume.workflow import statuses as st
from tests.api import helpers

A = {"X-Project-Id": "project-a", "X-User-Id": "alice"}
B = {"X-Project-Id": "project-b", "X-User-Id": "bob"}
ADMIN = {"X-Project-Id": "project-c", "X-User-Id": "root",
         "X-Roles": "admin"}
TEXT = {"Content-Type": "text/plain"}

WB = """
version: '2.0'
name: wb_a
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
        action: std.noop
"""

ACTION = """
version: '2.0'
loud_a:
  base: std.echo
  base-input:
    output: <% $.word %>
  input: [word]
"""

FAILS_V2 = helpers.FAILS.replace("std.fail", "std.noop")


def snapshot(stack):
    """Every stored row of every table, in a comparable form."""
    rows = {}
    with stack.db.engine.connect() as conn:
        for table in models.Base.metadata.sorted_tables:
            result = conn.execute(sa.select(table)).all()
            rows[table.name] = sorted(repr(tuple(r)) for r in result)
    return rows


@pytest.fixture
def owned(stack):
    """A's objects: ids and names, with the stack."""
    app = stack.app
    wf = helpers.create(app, helpers.FAILS, headers=A).json["workflows"][0]
    ex = helpers.start(app, "fails", headers=A).json
    stack.wait_for(ex["id"], (st.ERROR,))
    tasks = app.get("/v2/executions/%s/tasks" % ex["id"],
                    headers=A).json["tasks"]
    task = tasks[0]
    axs = app.get("/v2/tasks/%s/action_executions" % task["id"],
                  headers=A).json["action_executions"]
    app.post_json("/v2/environments",
                  {"name": "env_a", "variables": {"k": "v"}}, headers=A)
    app.post("/v2/workbooks", WB, headers=dict(TEXT, **A))
    app.post("/v2/actions", ACTION, headers=dict(TEXT, **A))
    return {"wf": wf, "ex": ex, "task": task, "ax": axs[0]}


def _requests(o):
    """(method, url, body, text?) for every door on A's objects."""
    wf, ex, task, ax = o["wf"], o["ex"], o["task"], o["ax"]
    return [
        # workflows
        ("get", "/v2/workflows/%s" % wf["id"], None),
        ("get", "/v2/workflows/fails", None),
        ("put", "/v2/workflows/%s" % wf["id"], FAILS_V2),
        ("delete", "/v2/workflows/%s" % wf["id"], None),
        ("delete", "/v2/workflows/fails", None),
        ("post", "/v2/executions", {"workflow_id": wf["id"]}),
        ("post", "/v2/executions", {"workflow_name": "fails"}),
        ("post", "/v2/executions", {"source_execution_id": ex["id"]}),
        # executions
        ("get", "/v2/executions/%s" % ex["id"], None),
        ("put", "/v2/executions/%s" % ex["id"], {"state": "PAUSED"}),
        ("put", "/v2/executions/%s" % ex["id"], {"description": "mine"}),
        ("put", "/v2/executions/%s" % ex["id"],
         {"params": {"env": {"k": "v"}}}),
        ("put", "/v2/executions/%s" % ex["id"],
         {"state": "RUNNING", "resume": {"task": "boom", "mode": "rerun"}}),
        ("put", "/v2/executions/%s" % ex["id"],
         {"resume": [{"task": "boom", "mode": "skip", "output": {}}],
          "dry_run": True}),
        ("delete", "/v2/executions/%s?force=true" % ex["id"], None),
        ("delete", "/v2/executions/%s" % ex["id"], None),
        # tasks
        ("get", "/v2/tasks/%s" % task["id"], None),
        ("put", "/v2/tasks/%s" % task["id"], {"state": "RUNNING"}),
        ("put", "/v2/tasks/%s" % task["id"],
         {"state": "SKIPPED", "output": {"x": 1}}),
        ("put", "/v2/tasks/%s" % task["id"],
         {"state": "RUNNING", "dry_run": True}),
        # action executions
        ("get", "/v2/action_executions/%s" % ax["id"], None),
        ("put", "/v2/action_executions/%s" % ax["id"],
         {"state": "SUCCESS", "output": "x"}),
        ("post", "/v2/action_executions",
         {"task_execution_id": task["id"]}),
        ("post", "/v2/action_executions",
         {"task_execution_id": task["id"], "dry_run": True}),
        # environments
        ("get", "/v2/environments/env_a", None),
        ("put", "/v2/environments", {"name": "env_a",
                                     "variables": {"k": "B"}}),
        ("delete", "/v2/environments/env_a", None),
        # workbooks
        ("get", "/v2/workbooks/wb_a", None),
        ("put", "/v2/workbooks", WB),
        ("delete", "/v2/workbooks/wb_a", None),
        ("get", "/v2/workflows/wb_a.wf1", None),
        ("delete", "/v2/workflows/wb_a.wf1", None),
        # ad hoc actions
        ("get", "/v2/actions/loud_a", None),
        ("get", "/v2/actions/wb_a.shout", None),
        ("put", "/v2/actions", ACTION),
        ("delete", "/v2/actions/loud_a", None),
    ]


# Running another project's ad hoc action by name answers what an unknown
# action does (400), so B cannot tell A's names from absent ones.
UNKNOWN_ACTION_RUN = ("post", "/v2/action_executions",
                      {"name": "loud_a", "input": {"word": "x"}})


def _send(app, method, url, body, headers, status):
    if isinstance(body, str):
        return getattr(app, method)(url, body, headers=dict(TEXT, **headers),
                                    status=status)
    if body is None:
        return getattr(app, method)(url, headers=headers, status=status)
    return getattr(app, method + "_json")(url, body, headers=headers,
                                          status=status)


def test_b_gets_404_for_every_door_on_a_objects(stack, owned):
    before = snapshot(stack)
    wrong = []
    doors = [r + (404,) for r in _requests(owned)]
    doors.append(UNKNOWN_ACTION_RUN + (400,))
    for method, url, body, expected in doors:
        response = _send(stack.app, method, url, body, B, "*")
        if response.status_int != expected:
            wrong.append((method, url, body, response.status_int,
                          response.text[:200]))
        else:
            helpers.fault(response)
    assert snapshot(stack) == before
    assert not wrong, "\n".join(map(repr, wrong))


def _lists(o):
    ex, task = o["ex"], o["task"]
    return [
        ("/v2/executions/%s/tasks" % ex["id"], "tasks"),
        ("/v2/tasks/%s/action_executions" % task["id"],
         "action_executions"),
        ("/v2/executions?task_execution_id=%s" % task["id"], "executions"),
        ("/v2/executions", "executions"),
        ("/v2/tasks", "tasks"),
        ("/v2/tasks?workflow_execution_id=%s" % ex["id"], "tasks"),
        ("/v2/action_executions", "action_executions"),
        ("/v2/action_executions?task_execution_id=%s" % task["id"],
         "action_executions"),
        ("/v2/workflows", "workflows"),
        ("/v2/environments", "environments"),
        ("/v2/workbooks", "workbooks"),
    ]


def test_b_lists_show_nothing_of_a(stack, owned):
    for url, key in _lists(owned):
        assert stack.app.get(url, headers=B).json[key] == [], url
    names = {a["name"] for a in
             stack.app.get("/v2/actions", headers=B).json["actions"]}
    assert not names & {"loud_a", "wb_a.shout"}


def test_a_row_as_marker_is_404_for_b(stack, owned):
    """A marker is looked up in the caller's project: no existence
    oracle, no page placed by A's rows."""
    o = owned
    for url in ("/v2/executions?marker=%s" % o["ex"]["id"],
                "/v2/tasks?marker=%s" % o["task"]["id"],
                "/v2/action_executions?marker=%s" % o["ax"]["id"],
                "/v2/workflows?marker=%s" % o["wf"]["id"]):
        stack.app.get(url, headers=B, status=404)
        stack.app.get(url, headers=A, status=200)
        stack.app.get(url, headers=ADMIN, status=200)


def test_b_cannot_list_a_by_project_parameter(stack, owned):
    for url in ("/v2/executions?project_id=project-a",
                "/v2/executions?all_projects=true",
                "/v2/workflows?project_id=project-a",
                "/v2/workbooks?project_id=project-a"):
        response = stack.app.get(url, headers=B, status=403)
        assert "admin" in helpers.fault(response), url


def test_b_cannot_reach_a_objects_by_reference(stack, owned):
    """A's names and ids inside B's own requests: refused, nothing
    written, and the answer does not reveal that they exist."""
    app = stack.app
    helpers.create(app, helpers.DOC, headers=B)
    before = snapshot(stack)
    sub = ("---\nversion: '2.0'\nparent:\n  tasks:\n    t:\n"
           "      workflow: fails\n")
    probes = [
        ("post", "/v2/workflows", sub, 400),
        ("post", "/v2/executions",
         {"workflow_name": "waits", "params": {"env": "env_a"}}, 400),
        # An idempotent create answers only the caller's own execution.
        ("post", "/v2/executions",
         {"workflow_name": "waits", "id": owned["ex"]["id"]}, 409),
    ]
    for method, url, body, expected in probes:
        response = _send(app, method, url, body, B, expected)
        helpers.fault(response)
    assert snapshot(stack) == before


def test_admin_sees_all(stack, owned):
    app = stack.app
    o = owned
    for url in ("/v2/workflows/%s" % o["wf"]["id"],
                "/v2/executions/%s" % o["ex"]["id"],
                "/v2/tasks/%s" % o["task"]["id"],
                "/v2/action_executions/%s" % o["ax"]["id"],
                "/v2/workbooks/wb_a",
                "/v2/workflows/fails",
                "/v2/environments/env_a"):
        app.get(url, headers=ADMIN, status=200)
    for url, key in _lists(o)[:3]:
        assert app.get(url, headers=ADMIN).json[key] != [] or \
            key == "executions", url
    assert app.get("/v2/executions?all_projects=true",
                   headers=ADMIN).json["executions"]


def test_public_objects_are_readable_not_writable(stack):
    app = stack.app
    wf = helpers.create(app, helpers.FAILS, query="?scope=public",
                        headers=A).json["workflows"][0]
    app.post_json("/v2/environments", {"name": "env_a", "scope": "public",
                                       "variables": {"k": "v"}}, headers=A)
    app.post("/v2/workbooks?scope=public", WB, headers=dict(TEXT, **A))
    app.post("/v2/actions?scope=public", ACTION, headers=dict(TEXT, **A))
    got = app.get("/v2/workflows/%s" % wf["id"], headers=B).json
    assert got["name"] == "fails" and got["scope"] == "public"
    assert app.get("/v2/workflows/fails", headers=B).json["id"] == wf["id"]
    assert app.get("/v2/environments/env_a", headers=B).json[
        "project_id"] == "project-a"
    assert app.get("/v2/workbooks/wb_a", headers=B).json[
        "project_id"] == "project-a"
    before = snapshot(stack)
    wrong = []
    for method, url, body in [
            ("put", "/v2/workflows/%s" % wf["id"], FAILS_V2),
            ("delete", "/v2/workflows/%s" % wf["id"], None),
            ("delete", "/v2/workflows/fails", None),
            ("put", "/v2/environments", {"name": "env_a",
                                         "variables": {"k": "B"}}),
            ("delete", "/v2/environments/env_a", None),
            ("put", "/v2/workbooks", WB),
            ("delete", "/v2/workbooks/wb_a", None),
            ("delete", "/v2/workflows/wb_a.wf1", None),
            ("put", "/v2/actions", ACTION),
            ("delete", "/v2/actions/loud_a", None)]:
        response = _send(app, method, url, body, B, "*")
        if response.status_int not in (403, 404):
            wrong.append((method, url, response.status_int,
                          response.text[:200]))
    assert snapshot(stack) == before
    assert not wrong, "\n".join(map(repr, wrong))


def test_b_writing_a_workflow_of_the_same_name_writes_its_own(stack, owned):
    """Names are per project: B's PUT by name is B's create-or-replace."""
    a_row = stack.app.get("/v2/workflows/%s" % owned["wf"]["id"],
                          headers=A).json
    got = stack.app.put("/v2/workflows", FAILS_V2,
                        headers=dict(TEXT, **B)).json["workflows"][0]
    assert got["project_id"] == "project-b" and got["id"] != a_row["id"]
    assert stack.app.get("/v2/workflows/%s" % a_row["id"],
                         headers=A).json == a_row
