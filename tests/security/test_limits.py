"""Malformed and oversized requests: each gets a 4xx with a clear
``faultstring`` before anything is stored.

Fields over ``[api] max_field_size`` (JSON bytes) are refused with 400
naming the field; a body over ``[api] max_request_body_size`` with 413
before it is parsed; bad JSON, wrong types, unknown fields and bad YAML
with 400. Every case is sent against one stack and a snapshot of every
table must not change.
"""
import json

import pytest

from mistral_resume.workflow import statuses as st
from tests.api import helpers
from tests.security import test_projects

snapshot = test_projects.snapshot
TEXT = {"Content-Type": "text/plain"}
JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "multipart/form-data"}
BIG = "x" * (300 * 1024)  # over the 256 KiB default of max_field_size
TOO_LARGE = "is too large"
DEEP = json.loads("[" * 150 + "]" * 150)  # deeper than max_json_depth


@pytest.fixture
def objects(stack):
    app = stack.app
    helpers.create(app)
    helpers.create(app, helpers.FAILS)
    failed = helpers.start(app, "fails").json
    stack.wait_for(failed["id"], (st.ERROR,))
    task = app.get("/v2/executions/%s/tasks" % failed["id"]).json["tasks"][0]
    waiting = helpers.start(app, "waits").json
    action = helpers.waiting_action(stack, waiting["id"])
    app.post_json("/v2/environments", {"name": "env1", "variables": {}})
    return {"ex": failed["id"], "task": task["id"], "ax": action.id}


def _cases(o):
    """(method, url, body, content type, status, words in faultstring).

    ``body``: bytes or str go as they are; anything else as JSON.
    """
    ex = "/v2/executions"
    ex1 = "/v2/executions/%s" % o["ex"]
    task = "/v2/tasks/%s" % o["task"]
    axs = "/v2/action_executions"
    ax1 = "%s/%s" % (axs, o["ax"])
    env = "/v2/environments"
    big_obj = {"k": BIG}
    rerun = {"task": "boom"}
    return [
        # POST /v2/executions
        ("post", ex, b'{"workflow_name": ', JSON, 400, "json"),
        ("post", ex, b"[]", JSON, 400, ""),
        ("post", ex, b"\xff\xfe{}", JSON, 400, "UTF-8"),
        ("post", ex, {"workflow_name": 5}, JSON, 400, "workflow_name"),
        ("post", ex, {"workflow_name": "hello", "bogus": 1}, JSON, 400,
         "bogus"),
        ("post", ex, {"workflow_name": "hello", "input": [1, 2]}, JSON, 400,
         "object"),
        ("post", ex, {"workflow_name": "hello", "input": "{not json"}, JSON,
         400, "json"),
        ("post", ex, {"workflow_name": "hello", "input": big_obj}, JSON, 400,
         "'input' " + TOO_LARGE),
        ("post", ex, {"workflow_name": "hello",
                      "input": json.dumps(big_obj)}, JSON, 400,
         "'input' " + TOO_LARGE),
        ("post", ex, {"workflow_name": "hello",
                      "params": {"env": big_obj}}, JSON, 400,
         "'params' " + TOO_LARGE),
        ("post", ex, {"workflow_name": "hello", "description": BIG}, JSON,
         400, "maximum character requirement of 255"),
        ("post", ex, b"[" * 100000, JSON, 400, ""),
        ("post", ex, {"workflow_name": "hello", "input": {"name": "x"},
                      "params": {"env": "no-such-env"}}, JSON, 400, "env"),
        ("post", ex, {}, JSON, 400, "workflow"),
        ("post", ex, {"workflow_name": "hello",
                      "input": {"k": "x" * (2 * 1024 * 1024)}}, JSON, 413,
         "too large"),
        ("put", ex1, {"resume": dict(rerun, input={"k": BIG * 4})}, JSON,
         413, "too large"),
        ("post", ex, b'"hello"', JSON, 400, "JSON object"),
        ("post", ex, b"null", JSON, 400, "JSON object"),
        ("post", ex, {"workflow_name": "hello",
                      "input": {"name": DEEP}}, JSON, 400, "too deeply"),
        ("post", ex, {"workflow_name": {"a": 1}}, JSON, 400,
         "workflow_name"),
        ("post", ex, {"workflow_name": "hello", "tags": "x"}, JSON, 400,
         "tags"),
        # WSME quotes the value: the fault stays short all the same.
        ("post", ex, {"workflow_name": "hello", "tags": "x",
                      "description": BIG}, JSON, 400,
         "maximum character requirement of 255"),
        ("post", ex, {"workflow_name": "hello", "tags": [{"a": 1}]}, JSON,
         400, "tags"),
        # PUT /v2/executions/{id}
        ("put", ex1, b"{bad", JSON, 400, "json"),
        ("put", ex1, {"state": "BOGUS"}, JSON, 400, "BOGUS"),
        ("put", ex1, {"resume": 5}, JSON, 400, "resume"),
        ("put", ex1, {"resume": []}, JSON, 400, "empty"),
        ("put", ex1, {"resume": dict(rerun, when="now")}, JSON, 400,
         "when"),
        ("put", ex1, {"resume": dict(rerun, input=big_obj)}, JSON, 400,
         "'resume[0].input' " + TOO_LARGE),
        ("put", ex1, {"resume": [dict(rerun, env=big_obj)]}, JSON, 400,
         "'resume[0].env' " + TOO_LARGE),
        ("put", ex1, {"resume": {"task": "boom", "mode": "skip",
                                 "output": big_obj}}, JSON, 400,
         "'resume[0].output' " + TOO_LARGE),
        ("put", ex1, {"resume": dict(rerun, items=[{"index": 0,
                                                    "input": big_obj}])},
         JSON, 400, "'resume[0].items' " + TOO_LARGE),
        ("put", ex1, {"resume": rerun, "dry_run": "maybe"}, JSON, 400,
         "dry_run"),
        ("put", ex1, {"params": {"env": big_obj}}, JSON, 400,
         "'params' " + TOO_LARGE),
        ("put", ex1, {"description": BIG}, JSON, 400,
         "maximum character requirement of 255"),
        ("put", ex1, {"resume": rerun, "comment": BIG}, JSON, 400,
         "'comment' " + TOO_LARGE),
        # PUT /v2/tasks/{id}
        ("put", task, b"not json", JSON, 400, "json"),
        ("put", task, {"state": "BOGUS"}, JSON, 400, "BOGUS"),
        ("put", task, {"state": "RUNNING", "reset": "perhaps"}, JSON, 400,
         "reset"),
        ("put", task, {"state": "RUNNING", "input": big_obj}, JSON, 400,
         "'input' " + TOO_LARGE),
        ("put", task, {"state": "SKIPPED", "output": big_obj}, JSON, 400,
         "'output' " + TOO_LARGE),
        ("put", task, {"state": "RUNNING", "env": big_obj}, JSON, 400,
         "'env' " + TOO_LARGE),
        ("put", task, {"state": "RUNNING", "items": [big_obj]}, JSON, 400,
         "'items' " + TOO_LARGE),
        ("put", task, {"state": "RUNNING", "unknown": 1}, JSON, 400,
         "unknown"),
        # POST /v2/action_executions
        ("post", axs, {"input": {}}, JSON, 400, "name"),
        ("post", axs, {"name": "std.echo", "input": big_obj}, JSON, 400,
         "'input' " + TOO_LARGE),
        ("post", axs, {"name": "std.echo", "params": big_obj}, JSON, 400,
         "'params' " + TOO_LARGE),
        ("post", axs, {"name": "std.echo", "task_execution_id": o["task"]},
         JSON, 400, "not both"),
        ("post", axs, {"task_execution_id": o["task"], "index": "first"},
         JSON, 400, "index"),
        ("post", axs, {"task_execution_id": o["task"], "input": big_obj},
         JSON, 400, "'input' " + TOO_LARGE),
        ("post", axs, {"name": "no.such_action"}, JSON, 400, "no.such"),
        # PUT /v2/action_executions/{id}
        ("put", ax1, {"state": "SUCCESS", "output": BIG}, JSON, 400,
         "'output' " + TOO_LARGE),
        ("put", ax1, {"state": "BOGUS"}, JSON, 400, "BOGUS"),
        ("put", ax1, b'{"state": "SUCCESS"', JSON, 400, "json"),
        # /v2/environments
        ("post", env, {"name": "e2", "variables": [1]}, JSON, 400, "object"),
        ("post", env, {"name": "e2", "variables": big_obj}, JSON, 400,
         "'variables' " + TOO_LARGE),
        ("post", env, {"variables": {}}, JSON, 400, "name"),
        ("put", env, {"name": "env1", "variables": big_obj}, JSON, 400,
         "'variables' " + TOO_LARGE),
        ("post", env, b"{,}", JSON, 400, "json"),
        # wrong types and unknown fields, one more of each per route
        ("put", ex1, {"state": ["RUNNING"]}, JSON, 400, "state"),
        ("put", ex1, {"state": "PAUSED", "color": "red"}, JSON, 400,
         "color"),
        ("put", ex1, {"resume": rerun, "dry_run": {"a": 1}}, JSON, 400,
         "dry_run"),
        ("put", ex1, {"resume": {"task": ["boom"]}}, JSON, 400, "task"),
        ("put", ex1, {"resume": {"task": "boom", "mode": "explode"}}, JSON,
         400, "mode"),
        ("put", task, {"state": "RUNNING", "items": "some"}, JSON, 400,
         "items"),
        ("put", task, [], JSON, 400, "JSON object"),
        ("post", axs, {"name": "std.echo", "speed": 1}, JSON, 400, "speed"),
        ("post", axs, {"task_execution_id": o["task"], "index": -1}, JSON,
         400, "index"),
        ("post", axs, {"task_execution_id": o["task"], "index": 10 ** 20},
         JSON, 400, "with-items"),
        ("post", axs, {"name": "std.echo", "input": "not json"}, JSON, 400,
         "json"),
        ("put", ax1, {"state": "SUCCESS", "output": "x", "extra": 1}, JSON,
         400, "extra"),
        ("put", ax1, {"state": 7}, JSON, 400, "state"),
        ("post", env, {"name": "e3", "variables": "{broken"}, JSON, 400,
         "json"),
        ("post", env, {"name": "e3", "variables": {}, "owner": "x"}, JSON,
         400, "owner"),
        ("post", env, {"name": ["e3"], "variables": {}}, JSON, 400, "name"),
        ("post", env, {"name": "e3", "variables": {}, "scope": "galaxy"},
         JSON, 400, "scope"),
    ] + _more_json_cases(o) + _yaml_cases() + _more_yaml_cases()


def _more_json_cases(o):
    """Not JSON after all, wrong types, values longer than their columns
    (a database error, so a 500, on PostgreSQL and MySQL otherwise)."""
    ex = "/v2/executions"
    ex1 = "/v2/executions/%s" % o["ex"]
    task = "/v2/tasks/%s" % o["task"]
    axs = "/v2/action_executions"
    env = "/v2/environments"
    hello = {"workflow_name": "hello", "input": {"name": "x"}}
    skip = {"task": "boom", "mode": "skip", "output": {}}
    return [
        ("post", ex, b'{"workflow_name": "hello", "input": {"name": NaN}}',
         JSON, 400, "NaN is not a JSON value"),
        ("post", env, b'{"name": "e4", "variables": {"k": -Infinity}}',
         JSON, 400, "-Infinity is not a JSON value"),
        ("post", ex, b'{"workflow_name": "hello"} trailing', JSON, 400,
         "JSON"),
        ("post", ex, b'{"workflow_name": "hello", "workflow_name": 5}', JSON,
         400, "workflow_name"),
        ("post", ex, {"workflow_id": 12}, JSON, 400, "workflow_id"),
        ("post", ex, dict(hello, id={"a": 1}), JSON, 400, "id"),
        ("post", ex, dict(hello, id="i" * 100), JSON, 400,
         "maximum character requirement of 36"),
        ("post", ex, dict(hello, description="d" * 1000), JSON, 400,
         "maximum character requirement of 255"),
        ("post", ex, dict(hello, source_execution_id="s" * 300), JSON, 400,
         "maximum character requirement of 36"),
        ("put", ex1, {"description": "d" * 256}, JSON, 400,
         "maximum character requirement of 255"),
        ("put", ex1, {"state": "RUNNING", "resume": skip, "comment": ["a"]},
         JSON, 400, "comment"),
        ("put", ex1, {"resume": {"task": "boom", "index": "zero"}}, JSON,
         400, "index"),
        ("put", task, {"state": None}, JSON, 400, "state"),
        ("put", task, {"state": "RUNNING", "input": "not json"}, JSON, 400,
         "json"),
        ("post", env, {"name": "n" * 1000, "variables": {}}, JSON, 400,
         "maximum character requirement of 255"),
        ("post", env, {"name": "e5", "variables": {}, "description": ["d"]},
         JSON, 400, "description"),
        ("post", env, {"name": "e5", "variables": 5}, JSON, 400,
         "JSON object"),
        ("put", env, {"name": "env1", "scope": 3}, JSON, 400, "scope"),
        ("post", axs, {"name": "std.echo", "input": {"output": "x"},
                       "description": {"a": 1}}, JSON, 400, "description"),
        # Found by schemathesis: each was a 500.
        ("post", axs, {"task_execution_id": o["task"], "index": {}}, JSON,
         400, "index: expected an integer, not an object"),
        ("put", "%s/%s" % (axs, o["ax"]), {"state": "SUCCESS",
                                           "attempt": [1]}, JSON, 400,
         "attempt: expected an integer, not an array"),
        ("post", env, {"name": "e6", "variables": {}}, FORM, 415,
         "multipart/form-data"),
        ("delete", ex1, b"", FORM, 415, "multipart/form-data"),
        ("post", ex, hello, {"Content-Type": "text/xml"}, 415, "text/xml"),
        ("post", "/v2/workflows", b"t\xc2\x8c", TEXT, 400,
         "unacceptable character"),
        ("post", "/v2/actions", b"\xc2\x8d", TEXT, 400,
         "unacceptable character"),
    ]


def _more_yaml_cases():
    wf, wb, act = "/v2/workflows", "/v2/workbooks", "/v2/actions"
    head = "version: '2.0'\nwf:\n  tasks:\n    t:\n      action: std.noop\n"
    return [
        ("post", wf, "version: '2.0'\nwf: &w\n  tasks:\n    t: *w\n", TEXT,
         400, ""),
        ("post", wf, "version: '2.0'\nwf: *undefined\n", TEXT, 400,
         "undefined"),
        ("post", wf, head + "\t bad: tab\n", TEXT, 400, "YAML"),
        ("post", wf, "version: '2.0'\nwf:\n  tasks: [1, 2]\n", TEXT, 400,
         "tasks"),
        ("post", wf, "version: '2.0'\nwf:\n  type: sideways\n  tasks:\n"
         "    t:\n      action: std.noop\n", TEXT, 400, "sideways"),
        ("post", wf, head + "      frobnicate: 1\n", TEXT, 400, "frobnicate"),
        ("post", wf, head + "      on-success: [nowhere]\n", TEXT, 400,
         "nowhere"),
        ("post", wf, head + "      retry: {count: many}\n", TEXT, 400,
         "retry.count"),
        ("post", wf, head + "      with-items: 5\n", TEXT, 400, "with-items"),
        ("post", wb, "version: '2.0'\nname: wb\nworkflows: [1]\n", TEXT, 400,
         "workflows"),
        ("post", act, "version: '2.0'\nx:\n  input: [a]\n", TEXT, 400,
         "base"),
        ("post", act, "version: '2.0'\nx:\n  base: std.echo\n  color: red\n",
         TEXT, 400, "color"),
    ]


def _yaml_cases():
    wf, wb, act = "/v2/workflows", "/v2/workbooks", "/v2/actions"
    laughs = ("version: '2.0'\na: &a [lol, lol, lol, lol, lol, lol]\n"
              + "".join("%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s]\n"
                        % (chr(98 + i), chr(98 + i), chr(97 + i),
                           chr(97 + i), chr(97 + i), chr(97 + i),
                           chr(97 + i), chr(97 + i)) for i in range(9)))
    merge_bomb = ("version: '2.0'\nbase: &b {tasks: {t: {action: "
                  "std.noop}}}\nwf:\n  <<: *b\n")
    return [
        ("post", wf, "version: '2.0'\nwf: [unclosed", TEXT, 400, "YAML"),
        ("post", wf, laughs, TEXT, 400, ""),
        ("post", wf, merge_bomb, TEXT, 400, ""),
        ("post", wf, "[" * 100000, TEXT, 400, ""),
        ("post", wf, "a:\n" + "".join(" " * i + "a:\n"
                                      for i in range(1, 1200)), TEXT, 400,
         ""),
        ("post", wf, "version: '2.0'\n" + "x" * (2 * 1024 * 1024), TEXT,
         413, "too large"),
        ("post", wf, b"version: '2.0'\n\xff\xfe", TEXT, 400, "UTF-8"),
        ("post", wf, "", TEXT, 400, "empty"),
        ("post", wf, "- a\n- b\n", TEXT, 400, ""),
        ("post", wf, "version: '3.0'\nwf:\n  tasks: {}\n", TEXT, 400,
         "version"),
        ("post", wf, "version: '2.0'\nwf:\n  tasks:\n    t:\n      action: "
         "std.noop\n    t:\n      action: std.noop\n", TEXT, 400,
         "duplicate"),
        ("post", wf, "version: '2.0'\nwf: !!python/object:os.system "
         "{}\n", TEXT, 400, ""),
        ("post", wf + "/validate", "[" * 100000, TEXT, 200, None),
        ("post", wb, "version: '2.0'\nname: [", TEXT, 400, "YAML"),
        ("post", wb, laughs, TEXT, 400, ""),
        ("post", act, "version: '2.0'\nx: {base: ", TEXT, 400, "YAML"),
        ("post", act, laughs, TEXT, 400, ""),
    ]


def _send(app, method, url, body, headers):
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode("utf-8")
    return getattr(app, method)(url, body, headers=headers, status="*",
                                expect_errors=True)


def test_every_bad_request_is_refused_and_changes_nothing(stack, objects):
    cases = _cases(objects)
    assert len(cases) >= 100
    assert len({(m, u, repr(b)) for m, u, b, *_ in cases}) == len(cases)
    before = snapshot(stack)
    wrong = []
    for method, url, body, headers, status, words in cases:
        response = _send(stack.app, method, url, body, headers)
        text = response.text
        if response.status_int != status:
            wrong.append((method, url, str(body)[:60], response.status_int,
                          text[:200]))
            continue
        if words is None:
            continue
        message = helpers.fault(response)
        if words.lower() not in message.lower() or len(message) > 1000:
            wrong.append((method, url, str(body)[:60], "message",
                          message[:200]))
    assert not wrong, "\n".join(map(repr, wrong))
    assert snapshot(stack) == before


def test_field_size_is_the_configured_one(stack):
    stack.conf.set_override("max_field_size", 1024, "api")
    helpers.create(stack.app)
    fits = {"name": "n" * 900}
    ex = helpers.start(stack.app, "hello", fits).json
    stack.wait_for(ex["id"])  # its executor's claim writes no more after
    before = snapshot(stack)
    response = helpers.start(stack.app, "hello", {"name": "n" * 1100},
                             status=400)
    assert helpers.fault(response) == (
        "Field 'input' is too large: 1112 bytes; the limit is 1024 bytes "
        "([api] max_field_size)")
    assert snapshot(stack) == before


def test_list_pages_are_capped_at_max_list_limit(stack):
    stack.conf.set_override("max_list_limit", 2, "api")
    for i in range(3):
        stack.app.post_json("/v2/environments",
                            {"name": "e%d" % i, "variables": {}})
    page = stack.app.get("/v2/environments?limit=100000").json
    assert [e["name"] for e in page["environments"]] == ["e0", "e1"]
    assert "limit=2" in page["next"]
    page = stack.app.get("/v2/environments").json
    assert len(page["environments"]) == 2


@pytest.mark.parametrize("query, words", [
    ("limit=0", "positive"),
    ("limit=-5", "positive"),
    ("limit=many", "limit"),
    ("sort_keys=password", "sort key"),
    ("sort_dirs=sideways", "direction"),
    ("fields=secret", "invalid"),
    ("state=in:BOGUS", "state"),
    ("state=gt:RUNNING", "not supported"),
    ("all_projects=perhaps", "all_projects"),
])
def test_bad_list_queries_are_400(stack, query, words):
    response = stack.app.get("/v2/executions?" + query, status=400)
    assert words.lower() in helpers.fault(response).lower()


def _over_long(o):
    """Values longer than their columns: on PostgreSQL and MySQL the
    database refuses them, which was a 500."""
    long = "w" * 300
    noop = "    t:\n      action: std.noop\n"
    return [
        ("post", "/v2/environments", {"name": long, "variables": {}}, JSON),
        ("post", "/v2/executions", {"workflow_name": "hello",
                                    "description": long}, JSON),
        ("post", "/v2/executions", {"workflow_name": "hello", "id": long},
         JSON),
        ("post", "/v2/executions", {"workflow_name": "hello",
                                    "source_execution_id": long}, JSON),
        ("put", "/v2/executions/%s" % o["ex"], {"description": long}, JSON),
        ("post", "/v2/workflows?namespace=" + long, helpers.DOC, TEXT),
        ("post", "/v2/workflows", "version: '2.0'\n%s:\n  tasks:\n%s"
         % (long, noop), TEXT),
        ("post", "/v2/workbooks", "version: '2.0'\nname: %s\nworkflows:\n"
         "  wf:\n    tasks:\n  %s" % (long, noop.replace("\n ", "\n   ")),
         TEXT),
        ("post", "/v2/actions", "version: '2.0'\n%s:\n  base: std.noop\n"
         % long, TEXT),
    ]


def test_values_longer_than_their_columns_are_400(any_stack):
    app = any_stack.app
    helpers.create(app)
    ex = helpers.start(app, "hello", {"name": "x"}).json
    any_stack.wait_for(ex["id"])
    before = snapshot(any_stack)
    wrong = []
    for method, url, body, headers in _over_long({"ex": ex["id"]}):
        response = _send(app, method, url, body, headers)
        message = helpers.fault(response) if response.status_int >= 400 \
            else ""
        if response.status_int != 400 or not any(
                w in message for w in ("maximum character", "at most",
                                       "longer than")):
            wrong.append((method, url[:40], response.status_int, message))
    assert not wrong, "\n".join(map(repr, wrong))
    assert snapshot(any_stack) == before


def test_nul_characters_are_400_on_every_backend(any_stack):
    """PostgreSQL refuses NUL in text (a 500 for any query holding one);
    in user data, stored as JSON text, it is kept."""
    app = any_stack.app
    helpers.create(app)
    before = snapshot(any_stack)
    hello = {"workflow_name": "hello", "input": {"name": "x"}}
    for method, url, body in [
            ("get", "/v2/workflows/%00", None),
            ("get", "/v2/executions/a%00b", None),
            ("get", "/v2/executions?workflow_name=%00", None),
            ("get", "/v2/executions?marker=%00", None),
            ("delete", "/v2/environments/%00", None),
            ("post", "/v2/executions", dict(hello, description="a\x00")),
            ("post", "/v2/environments", {"name": "e\x00", "variables": {}}),
            ("post", "/v2/executions", dict(hello, **{"a\x00": 1}))]:
        response = _send(app, method, url, b"" if body is None else body,
                         JSON)
        assert response.status_int == 400, (url, response.text)
        assert "NUL character" in helpers.fault(response)
    assert snapshot(any_stack) == before
    ex = helpers.start(app, "hello", {"name": "a\x00b"}).json
    done = any_stack.wait_for(ex["id"])
    assert done.state == st.SUCCESS
    assert done.input["name"] == "a\x00b"
