"""Workbooks and their ad hoc actions end to end: outcomes are Mistral 23's.

Facts from mistral/tests/unit/engine/test_adhoc_actions.py and
test_workbooks (mistral/services/workbooks.py, mistral/actions/adhoc.py):
a workbook's workflows and actions are named ``<workbook>.<name>``; inside
the workbook a task names them short (``wb.x`` first, then ``x``); an ad
hoc action runs its base with ``base-input`` evaluated against its input
(defaults applied), its result goes through ``output`` (``$`` is the base
result); the action execution keeps the ad hoc name and the task's input;
a nested ad hoc action applies the inner output first.
"""
import pytest

from mistral_resume.db import listing as db_listing
from mistral_resume.db import models
from mistral_resume.engine import workbooks
from mistral_resume.workflow import statuses as st
from tests.functional import scenario as sc

WORKBOOK = """
version: '2.0'
name: my_wb
actions:
  concat_twice:
    base: std.echo
    base-input:
      output: "<% $.s1 %>+<% $.s2 %>"
    input:
      - s1: "a"
      - s2
    output: "<% $ %> and <% $ %>"
  nested_concat:
    base: my_wb.concat_twice
    base-input:
      s2: '{{ _.n2 }}'
    input:
      - n2: 'b'
    output:
      nested_concat: '{{ _ }}'
  greet_env:
    base: std.echo
    base-input:
      output: <% env().foo %>
workflows:
  wf1:
    input:
      - str1
      - str2
    output:
      workflow_result: <% $.result %>
      concat_task_result: <% task(concat).result %>
    tasks:
      concat:
        action: concat_twice s1=<% $.str1 %> s2=<% $.str2 %>
        publish:
          result: <% task(concat).result %>
  nested:
    output:
      workflow_result: <% $.result %>
    tasks:
      t:
        action: my_wb.nested_concat
        publish:
          result: <% task().result %>
  parent:
    output:
      slogan: <% $.slogan %>
    tasks:
      call:
        workflow: child param1='Bonnie' param2='Clyde'
        publish:
          slogan: "<% task().result.final_result %> is a cool movie!"
        on-success: env_action
      env_action:
        action: greet_env
        publish:
          from_env: <% task().result %>
  child:
    input:
      - param1
      - param2
    output:
      final_result: <% $.final_result %>
    tasks:
      task1:
        action: concat_twice s1=<% $.param1 %> s2=<% $.param2 %>
        on-success: task2
      task2:
        action: std.echo output="'<% $.param1 %> & <% $.param2 %>'"
        publish:
          final_result: <% task(task2).result %>
  bad_input:
    tasks:
      t:
        action: concat_twice s1=x
  items_bad_input:
    tasks:
      t:
        with-items: s in <% ['x', 'y'] %>
        action: concat_twice s1=<% $.s %>
  items:
    tasks:
      t:
        with-items: s in <% ['x', 'y'] %>
        action: concat_twice s2=<% $.s %>
        publish:
          all: <% task().result %>
"""

SCENARIOS = {
    "adhoc_action_with_output": sc.Scenario(
        WORKBOOK, name="my_wb.wf1", wf_input={"str1": "a", "str2": "b"},
        tasks={"concat": [st.SUCCESS]},
        published={"concat": {"result": "a+b and a+b"}},
        output={"workflow_result": "a+b and a+b",
                "concat_task_result": "a+b and a+b"},
        actions={"concat": 1},
    ),
    "nested_adhoc_action": sc.Scenario(
        WORKBOOK, name="my_wb.nested",
        tasks={"t": [st.SUCCESS]},
        output={"workflow_result": {"nested_concat": "a+b and a+b"}},
        actions={"t": 1},
    ),
    "sub_workflow_and_env_by_short_name": sc.Scenario(
        WORKBOOK, name="my_wb.parent", params={"env": {"foo": "bar"}},
        tasks={"call": [st.SUCCESS], "env_action": [st.SUCCESS]},
        results={"call": {"final_result": "'Bonnie & Clyde'"}},
        published={"env_action": {"from_env": "bar"}},
        output={"slogan": "'Bonnie & Clyde' is a cool movie!"},
        actions={"call": 0, "env_action": 1},
    ),
    "missing_adhoc_input_fails_the_task": sc.Scenario(
        WORKBOOK, name="my_wb.bad_input", state=st.ERROR,
        tasks={"t": [st.ERROR]},
        actions={"t": 1},
        task_info={"t": "missing=['s2']"},
    ),
    "with_items_over_an_adhoc_action": sc.Scenario(
        WORKBOOK, name="my_wb.items",
        tasks={"t": [st.SUCCESS]},
        published={"t": {"all": ["a+x and a+x", "a+y and a+y"]}},
        actions={"t": 2}, indices={"t": [0, 1]},
    ),
    "with_items_bad_adhoc_input_fails_each_item": sc.Scenario(
        WORKBOOK, name="my_wb.items_bad_input", state=st.ERROR,
        tasks={"t": [st.ERROR]},
        actions={"t": 2}, indices={"t": [0, 1]},
    ),
}


@pytest.mark.parametrize("wf_name, spec_name, expected", [
    ("wb.wf", "wf", ["wb.x", "x"]),
    ("a.b.wf", "wf", ["a.b.x", "x"]),
    ("wf", "wf", ["x"]),
    ("other", "wf", ["x"]),
])
def test_local_names(wf_name, spec_name, expected):
    assert workbooks.local_names("x", wf_name, spec_name) == expected


def _run(stack, scenario):
    stack.app.post("/v2/workbooks", scenario.text,
                   headers={"Content-Type": "text/plain"}, status=201)
    ex = stack.start(scenario.name, scenario.wf_input,
                     params=scenario.params or {})
    wf_ex = stack.wait_for(ex["id"])
    sc.check(stack, wf_ex, scenario)
    return wf_ex


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(stack, name):
    _run(stack, SCENARIOS[name])


def test_action_execution_keeps_the_adhoc_name_and_input(stack):
    wf_ex = _run(stack, SCENARIOS["adhoc_action_with_output"])
    task = stack.tasks(wf_ex.id)["concat"][0]
    (ax,) = stack.actions(task.id)
    assert ax.name == "my_wb.concat_twice"
    assert ax.input == {"s1": "a", "s2": "b"}
    assert ax.output == {"result": "a+b and a+b"}


def test_child_carries_the_workbook_name(stack):
    wf_ex = _run(stack, SCENARIOS["sub_workflow_and_env_by_short_name"])
    with stack.db.reading() as session:
        rows = db_listing.list_rows(session, models.WorkflowExecution,
                                {"root_execution_id": wf_ex.id})
    assert [r.name for r in rows if r.id != wf_ex.id] == ["my_wb.child"]


def test_standalone_workflow_uses_a_workbook_action_by_full_name(stack):
    stack.app.post("/v2/workbooks", WORKBOOK,
                   headers={"Content-Type": "text/plain"}, status=201)
    scenario = sc.Scenario(
        """
        version: '2.0'
        outside:
          tasks:
            t:
              action: my_wb.concat_twice s2=z
              publish:
                r: <% task().result %>
        """,
        published={"t": {"r": "a+z and a+z"}})
    sc.run(stack, scenario)
