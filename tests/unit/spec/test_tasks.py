"""Every task key: YAML snippet -> normalized TaskSpec fields."""
import textwrap

import pytest

from mistral_resume.spec import models
from mistral_resume.spec import parser

# Targets for the transitions used below.
_OTHERS = """
t2: {action: std.noop}
t3: {action: std.noop}
"""


def parse_task(body, wf_head="", others=_OTHERS):
    """Parse workflow 'wf' whose task 't' has ``body``; return task 't'."""
    text = ("version: '2.0'\nwf:\n"
            + textwrap.indent(textwrap.dedent(wf_head), "  ")
            + "  tasks:\n    t:\n"
            + textwrap.indent(textwrap.dedent(body), "      ")
            + textwrap.indent(textwrap.dedent(others), "    "))
    return parser.parse_document(text).workflows["wf"].tasks["t"]


def subset(task, expected):
    d = task.to_dict()
    return {key: d[key] for key in expected}


def t(target, condition=None, **params):
    return {"target": target, "condition": condition, "params": params}


TASKS = [
    ("noop by default", "description: does nothing",
     {"action": "std.noop", "workflow": None, "input": {},
      "description": "does nothing"}),
    ("action", "action: std.echo",
     {"action": "std.echo", "input": {}}),
    ("inline expression", 'action: std.echo output="Hello <% $.name %>"',
     {"action": "std.echo", "input": {"output": "Hello <% $.name %>"}}),
    ("inline bare words", "action: std.http url=http://x method=GET",
     {"action": "std.http", "input": {"url": "http://x", "method": "GET"}}),
    ("inline quoted and JSON",
     """action: 'my.act a="x y" b=[1, "two"] c={"k": null} d=2.5 e=true'""",
     {"action": "my.act", "input": {"a": "x y", "b": [1, "two"],
                                     "c": {"k": None}, "d": 2.5,
                                     "e": True}}),
    ("action expression", "action: <% $.action_name %> x=1",
     {"action": "<% $.action_name %>", "input": {"x": 1}}),
    ("workflow", "workflow: sub_wf p1='v1' p2=<% $.v %>",
     {"action": None, "workflow": "sub_wf",
      "input": {"p1": "v1", "p2": "<% $.v %>"}}),
    ("input mapping", """
        action: std.echo
        input:
          output: <% $.x %>
          nested: {a: [1, 2]}
     """,
     {"input": {"output": "<% $.x %>", "nested": {"a": [1, 2]}}}),
    # Mistral merges recursively; inline parameters win.
    ("input merged with inline", """
        action: std.echo output=inline deep={"a":2}
        input:
          output: given
          other: 1
          deep: {a: 1, b: 1}
     """,
     {"input": {"output": "inline", "other": 1, "deep": {"a": 2, "b": 1}}}),
    ("input expression", "action: std.echo\ninput: <% $.params %>",
     {"input": "<% $.params %>"}),
    ("publish family", """
        publish:
          x: <% task().result %>
          y: 1
        publish-on-error:
          err: <% task().result %>
        publish-on-skip:
          skipped: true
     """,
     {"publish": {"x": "<% task().result %>", "y": 1},
      "publish_on_error": {"err": "<% task().result %>"},
      "publish_on_skip": {"skipped": True}}),
    ("with-items string", "with-items: x in <% $.xs %>",
     {"with_items": [["x", "<% $.xs %>"]]}),
    ("with-items several", """
        with-items:
          - x in <% $.xs %>
          - y in {{ _.ys }}
          - z in [1, "two", 3]
     """,
     {"with_items": [["x", "<% $.xs %>"], ["y", "{{ _.ys }}"],
                     ["z", [1, "two", 3]]]}),
    ("retry mapping", """
        retry:
          count: 3
          delay: <% $.delay %>
          break-on: <% $.stop %>
          continue-on: <% $.more %>
     """,
     {"retry": {"count": 3, "delay": "<% $.delay %>",
                "break-on": "<% $.stop %>", "continue-on": "<% $.more %>"}}),
    ("retry one line", "retry: count=10 delay=5 break-on=<% $.foo = 'bar' %>",
     {"retry": {"count": 10, "delay": 5,
                "break-on": "<% $.foo = 'bar' %>"}}),
    ("policies", """
        wait-before: 1
        wait-after: <% $.w %>
        timeout: 30
        pause-before: true
        concurrency: 2
        fail-on: <% $.bad %>
        keep-result: false
        safe-rerun: true
        target: executors-1
     """,
     {"wait_before": 1, "wait_after": "<% $.w %>", "timeout": 30,
      "pause_before": True, "concurrency": 2, "fail_on": "<% $.bad %>",
      "keep_result": False, "safe_rerun": True, "target": "executors-1"}),
    ("policy defaults", "action: std.noop",
     {"retry": None, "wait_before": None, "wait_after": None,
      "timeout": None, "pause_before": False, "concurrency": None,
      "fail_on": None, "keep_result": True, "safe_rerun": False,
      "target": None, "join": None, "with_items": [], "requires": [],
      "tags": [], "description": None, "advanced_publish": {}}),
    ("on-success string", "on-success: t2",
     {"on_success": [t("t2")], "on_error": [], "on_complete": [],
      "on_skip": []}),
    ("on-success list, condition, engine commands", """
        on-success:
          - t2
          - t3: <% $.x != null %>
          - fail msg="stopped here"
          - "pause(msg=<% $.why %>)": <% $.ask %>
          - succeed
          - noop
     """,
     {"on_success": [t("t2"), t("t3", "<% $.x != null %>"),
                     t("fail", msg="stopped here"),
                     t("pause", "<% $.ask %>", msg="<% $.why %>"),
                     t("succeed"), t("noop")]}),
    ("one conditional transition, not in a list",
     "on-error: {t2: '{{ _.retry }}'}",
     {"on_error": [t("t2", "{{ _.retry }}")]}),
    ("on-error and on-complete and on-skip", """
        on-error: [t2]
        on-complete: [t3]
        on-skip: [t3]
     """,
     {"on_error": [t("t2")], "on_complete": [t("t3")],
      "on_skip": [t("t3")]}),
    ("advanced form", """
        on-success:
          publish:
            branch: {b: <% task().result %>}
            global: {g: 1}
            atomic: {a: 2}
          next:
            - t2
            - t3: <% $.b %>
        on-complete:
          next: t2
        on-error:
          publish:
            branch: {err: true}
     """,
     {"on_success": [t("t2"), t("t3", "<% $.b %>")],
      "on_complete": [t("t2")], "on_error": [],
      "advanced_publish": {
          "on_success": {"branch": {"b": "<% task().result %>"},
                         "global": {"g": 1}, "atomic": {"a": 2}},
          "on_error": {"branch": {"err": True}}}}),
    ("description and tags", "description: hello\ntags: [a, b]",
     {"description": "hello", "tags": ["a", "b"]}),
    ("meta keys Mistral injects are ignored",
     "name: t\nversion: '2.0'\ntype: direct\naction: std.noop",
     {"action": "std.noop"}),
]


@pytest.mark.parametrize("body, expected", [case[1:] for case in TASKS],
                         ids=[case[0] for case in TASKS])
def test_task_keys(body, expected):
    assert subset(parse_task(body), expected) == expected


@pytest.mark.parametrize("body, kind", [
    ("action: std.echo", models.ACTION_TASK),
    ("description: noop", models.ACTION_TASK),
    ("workflow: other", models.WORKFLOW_TASK),
])
def test_task_type(body, kind):
    assert parse_task(body).task_type == kind


@pytest.mark.parametrize("join, others, expected", [
    ("all", "t2: {on-success: t}\nt3: {on-success: t}\n", "all"),
    ("one", "t2: {on-success: t}\nt3: {on-success: t}\n", 1),
    ("2", "t2: {on-success: t}\nt3: {on-error: t}\n", 2),
    ("3", "t2: {on-success: t}\nt3: {on-complete: t}\n"
          "t4: {on-skip: t}\n", 3),
])
def test_join(join, others, expected):
    # t gets a transition from each of the others; they start.
    task = parse_task("join: %s\n" % join, others=others)
    assert task.join == expected


@pytest.mark.parametrize("body, expected", [
    ("requires: t2", ["t2"]),
    ("requires: [t2, t3]", ["t2", "t3"]),
    # Mistral drops a task's requirement on itself.
    ("requires: [t, t2]", ["t2"]),
])
def test_requires_in_reverse_workflow(body, expected):
    task = parse_task(body, wf_head="type: reverse\n")
    assert task.requires == expected


@pytest.mark.parametrize("body", [case[1] for case in TASKS],
                         ids=[case[0] for case in TASKS])
def test_task_round_trip(body):
    task = parse_task(body)
    assert models.TaskSpec.from_dict(task.to_dict()) == task
