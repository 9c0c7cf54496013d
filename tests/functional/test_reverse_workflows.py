"""Reverse workflows: Mistral 23's test_reverse_workflow.py outcomes."""
import pytest

from mistral_resume import exceptions as exc
from mistral_resume.workflow import statuses as st
from tests.functional import scenario as sc

WF = """
version: '2.0'
wf1:
  type: reverse
  input:
    - param1
    - param2
  tasks:
    task1:
      action: std.echo output=<% $.param1 %>
      publish:
        result1: <% task(task1).result %>
    task2:
      action: std.echo output="<% $.result1 %> & <% $.param2 %>"
      publish:
        result2: <% task(task2).result %>
      requires: [task1]
    task3:
      action: std.noop
    task4:
      action: std.noop
      requires: task3
    task5:
      action: std.echo output="<% $.result1 %> <% $.result2 %>"
      requires: [task2, task4]
    task6:
      action: std.fail
    task7:
      action: std.noop
      requires: [task6, task1]
"""
INPUT = {"param1": "a", "param2": "b"}

SCENARIOS = {
    "target_task1": sc.Scenario(
        WF, wf_input=INPUT, params={"task_name": "task1"},
        tasks={"task1": [st.SUCCESS]},
        published={"task1": {"result1": "a"}},
    ),
    "target_task2": sc.Scenario(
        WF, wf_input=INPUT, params={"task_name": "task2"},
        tasks={"task1": [st.SUCCESS], "task2": [st.SUCCESS]},
        published={"task1": {"result1": "a"}, "task2": {"result2": "a & b"}},
    ),
    "one_line_requires": sc.Scenario(
        WF, wf_input=INPUT, params={"task_name": "task4"},
        tasks={"task3": [st.SUCCESS], "task4": [st.SUCCESS]},
    ),
    "two_requirements_merge_their_data": sc.Scenario(
        WF, wf_input=INPUT, params={"task_name": "task5"},
        tasks={"task1": [st.SUCCESS], "task2": [st.SUCCESS],
               "task3": [st.SUCCESS], "task4": [st.SUCCESS],
               "task5": [st.SUCCESS]},
        results={"task5": "a a & b"},
    ),
    "failed_requirement_fails_the_execution": sc.Scenario(
        WF, wf_input=INPUT, params={"task_name": "task7"},
        state=st.ERROR,
        tasks={"task1": [st.SUCCESS], "task6": [st.ERROR]},
    ),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(stack, name):
    sc.run(stack, SCENARIOS[name])


@pytest.mark.parametrize("params", [{}, {"task_name": "nope"}])
def test_target_is_required_and_known(stack, params):
    stack.create_workflows(WF)
    with pytest.raises(exc.InputError):
        stack.start("wf1", INPUT, params=params)
