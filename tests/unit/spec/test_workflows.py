"""Workflow keys, task-defaults, graph queries, documents and workbooks."""
import json
import textwrap

import pytest

from mistral_resume.spec import models
from mistral_resume.spec import parser


def parse(text, **kwargs):
    return parser.parse_document(textwrap.dedent(text), **kwargs)


def parse_wf(body):
    text = "version: '2.0'\nwf:\n" + textwrap.indent(
        textwrap.dedent(body), "  ")
    return parser.parse_document(text).workflows["wf"]


WORKFLOWS = [
    ("defaults", "tasks: {t1: {action: std.noop}}",
     {"name": "wf", "type": "direct", "description": None, "tags": [],
      "input": [], "output": {}, "output_on_error": {}, "vars": {},
      "task_defaults": {}}),
    ("every key", """
        type: direct
        description: A workflow
        tags: [a, b]
        input:
          - required
          - optional: 1
          - nullable: null
          - structured: {a: [1]}
        output:
          result: <% $.x %>
          nested: [{y: "{{ _.y }}"}]
        output-on-error:
          error: <% $.err %>
        vars:
          x: 1
          my-var: <% $.required %>
        tasks: {t1: {action: std.noop}}
     """,
     {"type": "direct", "description": "A workflow", "tags": ["a", "b"],
      "input": [{"name": "required"}, {"name": "optional", "default": 1},
                {"name": "nullable", "default": None},
                {"name": "structured", "default": {"a": [1]}}],
      "output": {"result": "<% $.x %>", "nested": [{"y": "{{ _.y }}"}]},
      "output_on_error": {"error": "<% $.err %>"},
      "vars": {"x": 1, "my-var": "<% $.required %>"}}),
    ("output may be any value", """
        output: <% $.result %>
        tasks: {t1: {action: std.noop}}
     """, {"output": "<% $.result %>"}),
    ("meta keys", "name: wf\nversion: '2.0'\ntasks: {t1: {action: std.noop}}",
     {"name": "wf"}),
]


@pytest.mark.parametrize("body, expected", [c[1:] for c in WORKFLOWS],
                         ids=[c[0] for c in WORKFLOWS])
def test_workflow_keys(body, expected):
    d = parse_wf(body).to_dict()
    assert {key: d[key] for key in expected} == expected


def test_input_defaults_use_the_sentinel():
    wf = parse_wf("""
        input: [a, b: null]
        tasks: {t1: {action: std.noop}}
    """)
    assert wf.input == [("a", models.NO_DEFAULT), ("b", None)]
    assert repr(models.NO_DEFAULT) == "NO_DEFAULT"


DEFAULTS = """
task-defaults:
  retry: {count: 2, delay: 1}
  timeout: 60
  wait-before: 1
  pause-before: true
  safe-rerun: true
  concurrency: 4
  on-error: [handler, fail msg="default"]
  on-complete: [log]
tasks:
  plain:
    action: std.noop
    on-success: [own]
  own:
    action: std.noop
    timeout: 5
    retry: count=9 delay=9
    pause-before: false
    on-error: [log]
  only_publish:
    action: std.noop
    on-complete:
      publish:
        branch: {x: 1}
  handler:
    action: std.noop
  log:
    action: std.noop
"""


@pytest.mark.parametrize("task, expected", [
    # Unset policies come from task-defaults.
    ("plain", {"retry": {"count": 2, "delay": 1}, "timeout": 60,
               "wait_before": 1, "pause_before": True, "safe_rerun": True,
               "concurrency": 4}),
    # Set ones win, whole (retry is not merged key by key).
    ("own", {"retry": {"count": 9, "delay": 9}, "timeout": 5,
             "pause_before": False, "wait_before": 1}),
    # A clause without transitions takes the default one.
    ("plain", {"on_success": [{"target": "own", "condition": None,
                               "params": {}}],
               "on_error": [{"target": "handler", "condition": None,
                             "params": {}},
                            {"target": "fail", "condition": None,
                             "params": {"msg": "default"}}],
               "on_complete": [{"target": "log", "condition": None,
                                "params": {}}]}),
    # The task's own clause replaces the default one.
    ("own", {"on_error": [{"target": "log", "condition": None,
                           "params": {}}]}),
    # Advanced form without 'next': the default transitions apply, the
    # task's own publish stays.
    ("only_publish", {"on_complete": [{"target": "log", "condition": None,
                                       "params": {}}],
                      "advanced_publish": {"on_complete": {
                          "branch": {"x": 1}}}}),
    # A default transition to the task itself is dropped.
    ("handler", {"on_error": [{"target": "fail", "condition": None,
                               "params": {"msg": "default"}}]}),
    ("log", {"on_complete": []}),
])
def test_task_defaults(task, expected):
    d = parse_wf(DEFAULTS).tasks[task].to_dict()
    assert {key: d[key] for key in expected} == expected


def test_task_defaults_are_kept_as_written():
    wf = parse_wf(DEFAULTS)
    assert wf.task_defaults["on-error"] == ["handler", 'fail msg="default"']


def test_reverse_task_defaults_requires():
    wf = parse_wf("""
        type: reverse
        task-defaults:
          requires: [base]
        tasks:
          base: {action: std.noop}
          a: {action: std.noop}
          b: {action: std.noop, requires: [a, base]}
    """)
    assert wf.tasks["base"].requires == []
    assert wf.tasks["a"].requires == ["base"]
    assert wf.tasks["b"].requires == ["a", "base"]


GRAPH = """
tasks:
  start1:
    on-success: [a, fail]
    on-error: [b]
  start2:
    on-complete: [a]
  a:
    on-success: [c]
    on-skip: [d]
  b:
    on-success: [c: <% false %>]
  c:
    join: all
    on-error: [c]
  d:
    action: std.noop
"""


@pytest.mark.parametrize("name, inbound, outbound", [
    ("start1", [], ["a", "b"]),
    ("start2", [], ["a"]),
    ("a", ["start1", "start2"], ["c", "d"]),
    ("b", ["start1"], ["c"]),
    # Conditions do not matter; a loop counts.
    ("c", ["a", "b", "c"], ["c"]),
    ("d", ["a"], []),
])
def test_inbound_and_outbound(name, inbound, outbound):
    wf = parse_wf(GRAPH)
    assert wf.inbound(name) == inbound
    assert wf.outbound(name) == outbound


def test_start_tasks():
    assert parse_wf(GRAPH).start_tasks() == ["start1", "start2"]


def test_default_transitions_count_as_inbound():
    wf = parse_wf("""
        task-defaults:
          on-error: [handler]
        tasks:
          t1: {action: std.noop}
          handler: {action: std.noop}
    """)
    assert wf.start_tasks() == ["t1"]
    assert wf.inbound("handler") == ["t1"]


def test_reverse_graph():
    wf = parse_wf("""
        type: reverse
        tasks:
          a: {action: std.noop}
          b: {action: std.noop, requires: a}
    """)
    assert wf.start_tasks() == []
    assert wf.inbound("b") == ["a"]


SEVERAL = """\
---
version: '2.0'

# The first one.
first:
  description: one
  tasks:
    t1:
      action: std.echo output=1

second:
  type: reverse
  tasks:
    t1: {action: std.noop}
"""


def test_several_workflows_keep_their_order_and_source():
    doc = parse(SEVERAL)
    assert list(doc.workflows) == ["first", "second"]
    assert doc.actions == {}
    assert not doc.is_workbook
    assert doc.workflows["first"].source == (
        "first:\n  description: one\n  tasks:\n    t1:\n"
        "      action: std.echo output=1\n")
    assert doc.workflows["second"].source == (
        "second:\n  type: reverse\n  tasks:\n    t1: {action: std.noop}\n")
    assert doc.workflows["second"].type == models.REVERSE


@pytest.mark.parametrize("version", ["'2.0'", "2.0", "2", '"2"'])
def test_versions_mistral_accepts(version):
    doc = parse("version: %s\nwf: {tasks: {t: {action: std.noop}}}"
                % version)
    assert list(doc.workflows) == ["wf"]


ROUND_TRIP = [SEVERAL, "version: '2.0'\nwf:\n" + textwrap.indent(DEFAULTS,
                                                                 "  "),
              "version: '2.0'\nwf:\n" + textwrap.indent(GRAPH, "  "),
              """
              version: '2.0'
              wf:
                input: [a, b: 1, c: null]
                output: {x: <% $.a %>}
                tasks:
                  t:
                    with-items:
                      - x in [1, 2]
                      - y in <% $.ys %>
                    workflow: sub a=1
                    on-success:
                      publish: {global: {g: 1}}
                      next: [fail(msg="x")]
              """]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_round_trip_through_json(text):
    for wf in parse(text).workflows.values():
        stored = json.loads(json.dumps(wf.to_dict()))
        rebuilt = models.WorkflowSpec.from_dict(stored)
        assert rebuilt == wf
        assert rebuilt.to_dict() == wf.to_dict()
        assert rebuilt.start_tasks() == wf.start_tasks()
        for name in wf.tasks:
            assert rebuilt.inbound(name) == wf.inbound(name)


WORKBOOK = """
version: '2.0'
name: my_wb
description: My set
tags: [x]
actions:
  version: '2.0'
  greet:
    input: [name, greeting: Hi]
    base: std.echo output="<% $.greeting %> <% $.name %>"
    base-input: {extra: 1}
    output: <% $ %>
workflows:
  version: '2.0'
  local_wf:
    tasks:
      t1:
        action: greet name=World
        on-success: [t2]
      t2:
        action: my_wb.greet name=Again
      t3:
        action: <% $.dynamic %>
      t4:
        workflow: other_wf
"""


def test_workbook():
    asked = []

    def known(name):
        asked.append(name)
        return name.startswith("std.")

    doc = parse(WORKBOOK, known_action=known)
    assert doc.is_workbook
    assert (doc.name, doc.description, doc.tags) == ("my_wb", "My set",
                                                     ["x"])
    assert list(doc.workflows) == ["local_wf"]
    assert doc.workflows["local_wf"].tasks["t1"].input == {"name": "World"}
    assert doc.workflows["local_wf"].source.startswith("local_wf:\n")
    greet = doc.actions["greet"]
    assert greet.to_dict() == {
        "name": "greet", "base": "std.echo",
        "base_input": {"extra": 1, "output": "<% $.greeting %> <% $.name %>"},
        "input": [{"name": "name"}, {"name": "greeting", "default": "Hi"}],
        "output": "<% $ %>", "description": None, "tags": []}
    assert models.ActionSpec.from_dict(greet.to_dict()) == greet
    # Local actions, expressions and sub-workflows are not asked about.
    assert asked == ["std.echo"]


def test_known_action_is_asked_about_static_names_only():
    asked = []
    parse("""
        version: '2.0'
        wf:
          tasks:
            a: {action: std.echo output=1}
            b: {action: "{{ _.name }}"}
            c: {description: implicit std.noop}
            d: {workflow: sub}
    """, known_action=lambda name: asked.append(name) or True)
    assert asked == ["std.echo"]
