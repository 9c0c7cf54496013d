"""Sub-workflows end to end: outcomes are Mistral 23's.

Facts from mistral/tests/unit/engine/test_subworkflows.py,
test_subworkflows_pause_resume.py, test_with_items.py and
mistral/engine/workflow_handler.py: the parent task's result is the child's
output; a failed child fails its task with the child's error, which
reaches the parent's state_info; children carry ``task_execution_id``, the
root's ``root_execution_id`` and params ``task_name``,
``task_execution_id``, ``env`` and ``namespace``; a dynamic workflow name
that does not exist, or an input that is no mapping, fails the task;
pausing a parent pauses its running children and its workflow tasks;
pausing a child pauses its parent task and the whole tree; resuming the
last paused child resumes the parent.
"""
import pytest

from mistral_resume.db import api as db_api
from mistral_resume.db import models
from mistral_resume.workflow import statuses as st
from tests.functional import scenario as sc

PASSING = """
version: '2.0'
wf2:
  output:
    slogan: <% $.slogan %>
  tasks:
    task1:
      workflow: wf1 param1='Bonnie' param2='Clyde'
      publish:
        slogan: "<% task(task1).result.final_result %> is a cool movie!"
wf1:
  input:
    - param1
    - param2
  output:
    final_result: <% $.final_result %>
  tasks:
    task1:
      action: std.echo output=<% $.param1 %>
      publish:
        result1: <% task(task1).result %>
      on-success: task2
    task2:
      action: std.echo output="'<% $.param1 %> & <% $.param2 %>'"
      publish:
        final_result: <% task(task2).result %>
"""

SCENARIOS = {
    "success_passes_the_output": sc.Scenario(
        PASSING, name="wf2",
        tasks={"task1": [st.SUCCESS]},
        results={"task1": {"final_result": "'Bonnie & Clyde'"}},
        output={"slogan": "'Bonnie & Clyde' is a cool movie!"},
        actions={"task1": 0},
    ),
    "failed_child_fails_the_task": sc.Scenario(
        """
        version: '2.0'
        wf1:
          tasks:
            task1:
              workflow: wf2
        wf2:
          tasks:
            task1:
              action: std.fail
        """,
        state=st.ERROR, tasks={"task1": [st.ERROR]},
        state_info="Fail action expected exception.",
        task_info={"task1": "Failure caused by error in tasks: task1"},
    ),
    "child_output_error_bubbles_up": sc.Scenario(
        """
        version: '2.0'
        wf1:
          tasks:
            task1:
              workflow: wf2
        wf2:
          output:
            var1: <% $.does_not_exist %>
          tasks:
            task1:
              action: std.noop
        """,
        state=st.ERROR, state_info="Can not evaluate YAQL expression",
    ),
    "failed_child_handled_by_on_error": sc.Scenario(
        """
        version: '2.0'
        wf1:
          tasks:
            task1:
              workflow: wf2
              on-error: task2
            task2:
              action: std.echo output="handled"
        wf2:
          tasks:
            task1:
              action: std.fail
        """,
        tasks={"task1": [st.ERROR], "task2": [st.SUCCESS]},
    ),
    "dynamic_name": sc.Scenario(
        """
        version: '2.0'
        wf1:
          input:
            - wf_name
          output:
            sub_wf_out: <% $.sub_wf_out %>
          tasks:
            task1:
              workflow: <% $.wf_name %>
              publish:
                sub_wf_out: <% task(task1).result.sub_wf_out %>
        wf2:
          output:
            sub_wf_out: wf2_out
          tasks:
            task1:
              action: std.noop
        """,
        wf_input={"wf_name": "wf2"}, output={"sub_wf_out": "wf2_out"},
    ),
    "dynamic_name_not_found": sc.Scenario(
        """
        version: '2.0'
        wf1:
          input:
            - wf_name
          tasks:
            task1:
              workflow: <% $.wf_name %>
        """,
        wf_input={"wf_name": "not_existing_wf"},
        state=st.ERROR, state_info="not_existing_wf",
    ),
    "dynamic_input_mapping": sc.Scenario(
        """
        version: '2.0'
        wf1:
          input:
            - wf_name
            - inp
          output:
            sub_wf_out: '{{ _.sub_wf_out }}'
          tasks:
            task1:
              workflow: '{{ _.wf_name }}'
              input: '{{ _.inp }}'
              publish:
                sub_wf_out: '{{ task("task1").result.sub_wf_out }}'
        wf2:
          input:
            - inp
          output:
            sub_wf_out: '{{ _.inp }}'
          tasks:
            task1:
              action: std.noop
        """,
        wf_input={"wf_name": "wf2", "inp": {"inp": "abc"}},
        output={"sub_wf_out": "abc"},
    ),
    "dynamic_input_not_a_mapping": sc.Scenario(
        """
        version: '2.0'
        wf1:
          input:
            - wf_name
            - inp
          tasks:
            task1:
              workflow: <% $.wf_name %>
              input: <% $.inp %>
        wf2:
          input:
            - inp
          tasks:
            task1:
              action: std.noop
        """,
        wf_input={"wf_name": "wf2", "inp": "invalid_string_input"},
        state=st.ERROR, state_info="invalid_string_input",
    ),
    "unexpected_child_input": sc.Scenario(
        """
        version: '2.0'
        wf1:
          tasks:
            task1:
              workflow: wf2 nope=1
        wf2:
          tasks:
            task1:
              action: std.noop
        """,
        state=st.ERROR, state_info="unexpected: nope",
    ),
    "with_items_over_a_sub_workflow": sc.Scenario(
        """
        version: '2.0'
        wf1:
          tasks:
            task1:
              with-items: i in [1, 2, 3]
              workflow: wf2 x=<% $.i %>
              publish:
                outs: <% task(task1).result.select($.doubled) %>
        wf2:
          input:
            - x
          output:
            doubled: <% $.x * 2 %>
          tasks:
            task1:
              action: std.noop
        """,
        tasks={"task1": [st.SUCCESS]},
        published={"task1": {"outs": [2, 4, 6]}},
    ),
    "with_items_sub_workflow_fail": sc.Scenario(
        """
        version: '2.0'
        with_items:
          tasks:
            task1:
              with-items: i in [1, 2, 3]
              workflow: subworkflow
              on-error: task2
            task2:
              action: std.echo output="With-items failed"
        subworkflow:
          tasks:
            fail_task:
              action: std.fail
        """,
        tasks={"task1": [st.ERROR], "task2": [st.SUCCESS]},
    ),
    "retry_of_a_failing_sub_workflow": sc.Scenario(
        """
        version: '2.0'
        main:
          tasks:
            task1:
              workflow: work
              retry:
                count: 3
                delay: 0
        work:
          tasks:
            do:
              action: std.fail
              on-error:
                - fail
        """,
        state=st.ERROR, tasks={"task1": [st.ERROR]},
    ),
    "environment_is_inherited": sc.Scenario(
        """
        version: '2.0'
        wf1:
          output:
            got: <% $.got %>
          tasks:
            task1:
              workflow: wf2
              publish:
                got: <% task().result.seen %>
        wf2:
          output:
            seen: <% env().key1 %>
          tasks:
            task1:
              action: std.noop
        """,
        params={"env": {"key1": "abc"}}, output={"got": "abc"},
    ),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(stack, name):
    sc.run(stack, SCENARIOS[name])


@pytest.mark.parametrize("name", ["success_passes_the_output",
                                  "with_items_over_a_sub_workflow"])
def test_scenario_on_every_backend(any_stack, name):
    sc.run(any_stack, SCENARIOS[name])


def _executions(stack):
    with stack.db.reading() as session:
        return {e.id: e for e in session.query(models.WorkflowExecution)}


def _children(stack, task_id):
    with stack.db.reading() as session:
        return db_api.child_executions(session, task_id)


def test_child_links_and_params(stack):
    wf_ex = stack.run(PASSING, name="wf2", params={"env": {"k": 1}})
    assert wf_ex.state == st.SUCCESS
    task = stack.tasks(wf_ex.id)["task1"][0]
    [child] = _children(stack, task.id)
    assert task.type == "WORKFLOW"
    assert child.name == "wf1"
    assert child.task_execution_id == task.id
    assert child.root_execution_id == wf_ex.id
    assert child.input == {"param1": "Bonnie", "param2": "Clyde"}
    assert child.output == {"final_result": "'Bonnie & Clyde'"}
    assert {"task_name": "task1", "task_execution_id": task.id,
            "env": {"k": 1}, "namespace": ""}.items() <= child.params.items()
    assert child.accepted and child.item_index is None


def test_three_levels_share_the_root(stack):
    wf_ex = stack.run("""
        version: '2.0'
        wf1:
          tasks:
            task1:
              workflow: wf2
        wf2:
          tasks:
            task1:
              workflow: wf3
        wf3:
          tasks:
            task1:
              action: std.noop
        """)
    assert wf_ex.state == st.SUCCESS
    executions = _executions(stack)
    assert len(executions) == 3
    assert {e.root_execution_id for e in executions.values()} == {wf_ex.id}
    assert all(e.state == st.SUCCESS for e in executions.values())


def test_with_items_children_carry_their_index(stack):
    wf_ex = sc.run(stack, SCENARIOS["with_items_over_a_sub_workflow"])
    task = stack.tasks(wf_ex.id)["task1"][0]
    children = _children(stack, task.id)
    assert sorted(c.item_index for c in children) == [0, 1, 2]
    assert sorted(c.input["x"] for c in children) == [1, 2, 3]
    assert task.result == [{"doubled": 2}, {"doubled": 4}, {"doubled": 6}]


def test_retry_starts_a_new_child_each_time(stack):
    wf_ex = sc.run(stack, SCENARIOS["retry_of_a_failing_sub_workflow"])
    task = stack.tasks(wf_ex.id)["task1"][0]
    children = _children(stack, task.id)
    assert task.retry_no == 3
    assert len(children) == 4
    assert [c.accepted for c in children] == [False, False, False, True]


def test_lookup_in_the_parents_namespace_then_the_default(stack):
    stack.create_workflows("""
        version: '2.0'
        child:
          output:
            where: default
          tasks:
            t:
              action: std.noop
        """)
    stack.create_workflows("""
        version: '2.0'
        child:
          output:
            where: ns1
          tasks:
            t:
              action: std.noop
        """, namespace="ns1")
    stack.create_workflows("""
        version: '2.0'
        parent:
          tasks:
            task1:
              workflow: child
              publish:
                where: <% task().result.where %>
        """, namespace="ns1")
    stack.create_workflows("""
        version: '2.0'
        parent:
          tasks:
            task1:
              workflow: child
              publish:
                where: <% task().result.where %>
        """, namespace="ns2")
    for namespace, where in (("ns1", "ns1"), ("ns2", "default")):
        ex = stack.start("parent", namespace=namespace)
        wf_ex = stack.wait_for(ex["id"])
        assert wf_ex.state == st.SUCCESS, wf_ex.state_info
        assert wf_ex.output == {"where": where}


TREE = """
version: '2.0'
wf1:
  tasks:
    task1:
      workflow: wf2
      on-success:
        - task3
    task2:
      workflow: wf3
      on-success:
        - task3
    task3:
      join: all
      action: std.noop
wf2:
  tasks:
    task1:
      action: std.async_noop
      on-success:
        - task2
    task2:
      action: std.noop
wf3:
  tasks:
    task1:
      action: std.async_noop
      on-success:
        - task2
    task2:
      action: std.noop
"""


def _tree(stack):
    """(wf1 id, wf2 execution, wf3 execution, wf2 action, wf3 action)."""
    ex_id = stack.start("wf1")["id"]

    def started():
        execs = {e.name: e for e in _executions(stack).values()}
        if len(execs) < 3:
            return None
        actions = {}
        for name in ("wf2", "wf3"):
            rows = stack.tasks(execs[name].id).get("task1")
            found = rows and stack.actions(rows[0].id)
            if not found:
                return None
            actions[name] = found[0]
        return execs, actions
    execs, actions = sc.wait_until(started)
    return ex_id, execs["wf2"], execs["wf3"], actions["wf2"], actions["wf3"]


def _states(stack, ex_id):
    execs = {e.name: e.state for e in _executions(stack).values()}
    return execs, stack.task_states(ex_id)


def test_pause_and_resume_cascade_down(stack):
    stack.create_workflows(TREE)
    ex_id, wf2, wf3, ax2, ax3 = _tree(stack)
    stack.engine.update_execution(stack.ctx, ex_id, state=st.PAUSED)
    execs, tasks = _states(stack, ex_id)
    assert execs == {"wf1": st.PAUSED, "wf2": st.PAUSED, "wf3": st.PAUSED}
    assert tasks == {"task1": [st.PAUSED], "task2": [st.PAUSED]}
    assert stack.task_states(wf2.id) == {"task1": [st.RUNNING]}
    stack.engine.update_execution(stack.ctx, ex_id, state=st.RUNNING)
    execs, tasks = _states(stack, ex_id)
    assert execs == {"wf1": st.RUNNING, "wf2": st.RUNNING,
                     "wf3": st.RUNNING}
    assert tasks == {"task1": [st.RUNNING], "task2": [st.RUNNING]}
    for ax in (ax2, ax3):
        stack.engine.complete_action(stack.ctx, ax.id, st.SUCCESS, "foobar")
    assert stack.wait_for(ex_id).state == st.SUCCESS
    assert stack.task_states(ex_id) == {"task1": [st.SUCCESS],
                                        "task2": [st.SUCCESS],
                                        "task3": [st.SUCCESS]}


def test_pause_and_resume_cascade_up_from_a_child(stack):
    """Mistral's test_pause_resume_cascade_up_from_subworkflow."""
    stack.create_workflows(TREE)
    ex_id, wf2, wf3, ax2, ax3 = _tree(stack)
    stack.engine.update_execution(stack.ctx, wf2.id, state=st.PAUSED)
    execs, tasks = _states(stack, ex_id)
    assert execs == {"wf1": st.PAUSED, "wf2": st.PAUSED, "wf3": st.PAUSED}
    assert tasks == {"task1": [st.PAUSED], "task2": [st.PAUSED]}
    # Resuming one child: its parent task runs, the parent stays paused
    # while the other child is paused.
    stack.engine.update_execution(stack.ctx, wf2.id, state=st.RUNNING)
    execs, tasks = _states(stack, ex_id)
    assert execs == {"wf1": st.PAUSED, "wf2": st.RUNNING, "wf3": st.PAUSED}
    assert tasks == {"task1": [st.RUNNING], "task2": [st.PAUSED]}
    stack.engine.complete_action(stack.ctx, ax2.id, st.SUCCESS, "foobar")
    assert stack.wait_for(wf2.id).state == st.SUCCESS
    execs, tasks = _states(stack, ex_id)
    assert execs["wf1"] == st.PAUSED
    assert tasks == {"task1": [st.SUCCESS], "task2": [st.PAUSED]}
    # Resuming the last paused child resumes the parent.
    stack.engine.update_execution(stack.ctx, wf3.id, state=st.RUNNING)
    execs, tasks = _states(stack, ex_id)
    assert execs == {"wf1": st.RUNNING, "wf2": st.SUCCESS,
                     "wf3": st.RUNNING}
    stack.engine.complete_action(stack.ctx, ax3.id, st.SUCCESS, "foobar")
    assert stack.wait_for(ex_id).state == st.SUCCESS
    assert stack.task_states(ex_id) == {"task1": [st.SUCCESS],
                                        "task2": [st.SUCCESS],
                                        "task3": [st.SUCCESS]}


def test_cancel_cascades_down(stack):
    stack.create_workflows(TREE)
    ex_id, wf2, wf3, ax2, ax3 = _tree(stack)
    stack.engine.update_execution(stack.ctx, ex_id, state=st.CANCELLED)
    execs, tasks = _states(stack, ex_id)
    assert execs == {"wf1": st.CANCELLED, "wf2": st.CANCELLED,
                     "wf3": st.CANCELLED}
    assert tasks == {"task1": [st.CANCELLED], "task2": [st.CANCELLED]}


def test_cancelled_child_cancels_the_parent(stack):
    stack.create_workflows(TREE)
    ex_id, wf2, wf3, ax2, ax3 = _tree(stack)
    stack.engine.update_execution(stack.ctx, wf2.id, state=st.CANCELLED)
    assert stack.task_states(ex_id)["task1"] == [st.CANCELLED]
    stack.engine.complete_action(stack.ctx, ax3.id, st.SUCCESS, "foobar")
    wf_ex = stack.wait_for(ex_id)
    assert wf_ex.state == st.CANCELLED
    assert "task1" in wf_ex.state_info
    # The join can no longer be satisfied (Mistral: induced ERROR).
    assert stack.task_states(ex_id) == {"task1": [st.CANCELLED],
                                        "task2": [st.SUCCESS],
                                        "task3": [st.ERROR]}
