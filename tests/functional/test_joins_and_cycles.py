"""Joins and cycles in direct workflows: outcomes are Mistral 23's.

Facts from mistral/tests/unit/engine/test_join.py,
test_direct_workflow_with_cycles.py and mistral/workflow/
direct_workflow.py (``_get_join_logical_state``): a task reached again in
a cycle is a new task execution; ``join: all`` waits for every inbound
task, ``join: N`` / ``one`` for N and runs once; a join that an inbound
task can no longer reach (its branch was not taken, or failed) is an ERROR
task ("Failed by tasks: [...]") instead of waiting forever.

Ours beyond Mistral: a join inside a cycle gets one task execution per
round (a new unique key each time).
"""
import pytest

from mistral_resume.workflow import statuses as st
from tests.functional import scenario as sc

OK = st.SUCCESS

SCENARIOS = {
    "simple_cycle": sc.Scenario(
        """
        version: '2.0'
        wf:
          vars:
            cnt: 0
          output:
            cnt: <% $.cnt %>
          tasks:
            task1:
              on-complete:
                - task2
            task2:
              action: std.echo output=2
              publish:
                cnt: <% $.cnt + 1 %>
              on-success:
                - task3
            task3:
              action: std.echo output=3
              on-success:
                - task2: <% $.cnt < 2 %>
        """,
        tasks={"task1": [OK], "task2": [OK, OK], "task3": [OK, OK]},
        output={"cnt": 2},
    ),
    "complex_cycle": sc.Scenario(
        """
        version: '2.0'
        wf:
          vars:
            cnt: 0
          output:
            cnt: <% $.cnt %>
          tasks:
            task1:
              on-complete:
                - task2
            task2:
              action: std.echo output=2
              publish:
                cnt: <% $.cnt + 1 %>
              on-success:
                - task3
            task3:
              action: std.echo output=3
              on-complete:
                - task4
            task4:
              action: std.echo output=4
              on-success:
                - task2: <% $.cnt < 2 %>
                - task5: <% $.cnt >= 2 %>
            task5:
              action: std.echo output=<% $.cnt %>
        """,
        tasks={"task1": [OK], "task2": [OK, OK], "task3": [OK, OK],
               "task4": [OK, OK], "task5": [OK]},
        results={"task5": 2}, output={"cnt": 2},
    ),
    "parallel_cycles": sc.Scenario(
        """
        version: '2.0'
        wf:
          vars:
            cnt: 0
          tasks:
            task1:
              on-complete:
                - task1_2
                - task2_2
            task1_2:
              action: std.echo output=2
              publish:
                cnt: <% $.cnt + 1 %>
              on-success:
                - task1_3
            task1_3:
              action: std.echo output=3
              on-success:
                - task1_2: <% $.cnt < 2 %>
            task2_2:
              action: std.echo output=2
              publish:
                cnt: <% $.cnt + 1 %>
              on-success:
                - task2_3
            task2_3:
              action: std.echo output=3
              on-success:
                - task2_2: <% $.cnt < 3 %>
        """,
        tasks={"task1": [OK], "task1_2": [OK, OK], "task1_3": [OK, OK],
               "task2_2": [OK, OK, OK], "task2_3": [OK, OK, OK]},
    ),
    "full_join_simple": sc.Scenario(
        """
        version: '2.0'
        wf:
          tasks:
            join_task:
              join: all
            task1:
              on-success: join_task
            task2:
              on-success: join_task
        """,
        tasks={"join_task": [OK], "task1": [OK], "task2": [OK]},
    ),
    "full_join_without_errors": sc.Scenario(
        """
        version: '2.0'
        wf:
          output:
            result: <% $.result3 %>
          tasks:
            task1:
              action: std.echo output=1
              publish:
                result1: <% task(task1).result %>
              on-complete:
                - task3
            task2:
              action: std.echo output=2
              publish:
                result2: <% task(task2).result %>
              on-complete:
                - task3
            task3:
              join: all
              action: std.echo output="<% $.result1 %>,<% $.result2 %>"
              publish:
                result3: <% task(task3).result %>
        """,
        tasks={"task1": [OK], "task2": [OK], "task3": [OK]},
        output={"result": "1,2"},
    ),
    "full_join_with_errors": sc.Scenario(
        """
        version: '2.0'
        wf:
          output:
            result: <% $.result3 %>
          tasks:
            task1:
              action: std.echo output=1
              publish:
                result1: <% task(task1).result %>
              on-complete:
                - task3
            task2:
              action: std.fail
              on-error:
                - task3
            task3:
              join: all
              action: std.echo output="<% $.result1 %>-<% $.result1 %>"
              publish:
                result3: <% task(task3).result %>
        """,
        tasks={"task1": [OK], "task2": [st.ERROR], "task3": [OK]},
        output={"result": "1-1"},
    ),
    "full_join_with_a_branch_not_taken": sc.Scenario(
        """
        version: '2.0'
        wf:
          tasks:
            task1:
              action: std.echo output=1
              publish:
                result1: <% task(task1).result %>
              on-complete:
                - task3
            task2:
              action: std.echo output=2
              publish:
                result2: <% task(task2).result %>
              on-complete:
                - task3: <% $.result2 = 11111 %>
                - task4: <% $.result2 = 2 %>
            task3:
              join: all
              action: std.echo output="<% $.result1 %>-<% $.result1 %>"
            task4:
              action: std.echo output=4
        """,
        state=st.ERROR,
        tasks={"task1": [OK], "task2": [OK], "task3": [st.ERROR],
               "task4": [OK]},
        actions={"task3": 0},
        task_info={"task3": "Failed by tasks: ['task2']"},
    ),
    "full_join_with_branch_errors": sc.Scenario(
        """
        version: '2.0'
        main:
          tasks:
            task10:
              action: std.noop
              on-success:
                - task21
                - task31
            task21:
              action: std.noop
              on-success:
                - task22
            task22:
              action: std.noop
              on-success:
                - task40
            task31:
              action: std.fail
              on-success:
                - task32
            task32:
              action: std.noop
              on-success:
                - task40
            task40:
              join: all
              action: std.noop
        """,
        state=st.ERROR,
        tasks={"task10": [OK], "task21": [OK], "task22": [OK],
               "task31": [st.ERROR], "task40": [st.ERROR]},
        task_info={"task40": "Failed by tasks: ['task32']"},
    ),
    "join_failure_handled_by_on_error": sc.Scenario(
        """
        version: '2.0'
        wf:
          tasks:
            a:
              on-success:
                - j
            b:
              action: std.noop
              on-success:
                - j: <% false %>
            j:
              join: all
              on-error: handler
            handler:
              action: std.noop
        """,
        tasks={"a": [OK], "b": [OK], "j": [st.ERROR], "handler": [OK]},
    ),
    "partial_join": sc.Scenario(
        """
        version: '2.0'
        wf:
          output:
            result: <% $.result4 %>
          tasks:
            task1:
              action: std.echo output=1
              publish:
                result1: <% task(task1).result %>
              on-complete:
                - task4
            task2:
              action: std.echo output=2
              publish:
                result2: <% task(task2).result %>
              on-complete:
                - task4
            task3:
              action: std.fail
              on-success:
                - task4
              on-error:
                - noop
            task4:
              join: 2
              action: std.echo output="<% $.result1 %>,<% $.result2 %>"
              publish:
                result4: <% task(task4).result %>
        """,
        tasks={"task1": [OK], "task2": [OK], "task3": [st.ERROR],
               "task4": [OK]},
        published={"task4": {"result4": "1,2"}},
        output={"result": "1,2"},
    ),
    "partial_join_triggers_once": sc.Scenario(
        """
        version: '2.0'
        wf:
          tasks:
            task1:
              action: std.noop
              publish:
                result1: 1
              on-complete:
                - task5
            task2:
              action: std.noop
              publish:
                result2: 2
              on-complete:
                - task5
            task3:
              action: std.noop
              publish:
                result3: 3
              on-complete:
                - task5
            task4:
              action: std.noop
              publish:
                result4: 4
              on-complete:
                - task5
            task5:
              join: 2
              action: std.noop
        """,
        tasks={"task1": [OK], "task2": [OK], "task3": [OK], "task4": [OK],
               "task5": [OK]},
        actions={"task5": 1},
    ),
    "discriminator": sc.Scenario(
        """
        version: '2.0'
        wf:
          tasks:
            task1:
              action: std.noop
              on-complete:
                - task4
            task2:
              action: std.noop
              on-complete:
                - task4
            task3:
              action: std.noop
              on-complete:
                - task4
            task4:
              join: one
              action: std.noop
        """,
        tasks={"task1": [OK], "task2": [OK], "task3": [OK], "task4": [OK]},
        actions={"task4": 1},
    ),
    "join_n_cannot_be_reached": sc.Scenario(
        """
        version: '2.0'
        wf:
          tasks:
            a:
              action: std.noop
              on-success: j
            b:
              action: std.fail
              on-success: j
            c:
              action: std.fail
              on-success: j
            j:
              join: 2
        """,
        state=st.ERROR,
        tasks={"a": [OK], "b": [st.ERROR], "c": [st.ERROR],
               "j": [st.ERROR]},
    ),
    "full_join_parallel_published_vars": sc.Scenario(
        """
        version: '2.0'
        main:
          output:
            var1: <% $.var1 %>
            var2: <% $.var2 %>
            is_done: <% $.is_done %>
          tasks:
            init:
              publish:
                var1: false
                var2: false
                is_done: false
              on-success:
                - branch1
                - branch2
            branch1:
              workflow: work
              publish:
                var1: true
              on-success:
                - done
            branch2:
              publish:
                var2: true
              on-success:
                - done
            done:
              join: all
              publish:
                is_done: true
        work:
          tasks:
            do:
              action: std.echo output="Doing..."
              on-success:
                - exit
            exit:
              action: std.echo output="Exiting..."
        """,
        output={"var1": True, "var2": True, "is_done": True},
    ),
    "diamond_join_all": sc.Scenario(
        """
        version: '2.0'
        test-join:
          tasks:
            a:
              on-success:
                - b
                - c
                - d
            b:
              on-success:
                - e
            c:
              on-success:
                - e
            d:
              on-success:
                - e
            e:
              join: all
        """,
        tasks={"a": [OK], "b": [OK], "c": [OK], "d": [OK], "e": [OK]},
    ),
    "join_multiple_routes_with_one_source": sc.Scenario(
        """
        version: '2.0'
        wf:
          tasks:
            a:
              on-success:
                - b
                - c
            b:
              on-success:
                - c
            c:
              join: all
        """,
        tasks={"a": [OK], "b": [OK], "c": [OK]},
    ),
    "join_after_join": sc.Scenario(
        """
        version: '2.0'
        wf:
          tasks:
            a:
              on-success:
                - c
            b:
              on-success:
                - c
            c:
              join: all
              on-success:
                - f
            d:
              on-success:
                - f
            e:
              on-success:
                - f
            f:
              join: all
        """,
        tasks={n: [OK] for n in "abcdef"},
    ),
    "join_route_delays": sc.Scenario(
        """
        version: '2.0'
        wf:
          tasks:
            a:
              wait-before: <% 0.05 %>
              on-success: b
            b:
              on-success: join
            c:
              on-success: join
            join:
              join: all
        """,
        tasks={"a": [OK], "b": [OK], "c": [OK], "join": [OK]},
    ),
    "join_in_a_cycle_runs_once_per_round": sc.Scenario(
        """
        version: '2.0'
        wf:
          vars:
            cnt: 0
          output:
            cnt: <% $.cnt %>
          tasks:
            init:
              on-success: head
            head:
              on-success:
                - a
                - b
            a:
              on-success: j
            b:
              on-success: j
            j:
              join: all
              publish:
                cnt: <% $.cnt + 1 %>
              on-success:
                - head: <% $.cnt < 2 %>
        """,
        tasks={"init": [OK], "head": [OK, OK], "a": [OK, OK],
               "b": [OK, OK], "j": [OK, OK]},
        output={"cnt": 2},
    ),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(stack, name):
    sc.run(stack, SCENARIOS[name])


@pytest.mark.parametrize("name", ["simple_cycle", "partial_join",
                                  "full_join_with_a_branch_not_taken",
                                  "join_in_a_cycle_runs_once_per_round"])
def test_scenario_on_every_backend(any_stack, name):
    sc.run(any_stack, SCENARIOS[name])


def test_join_rounds_have_their_own_unique_keys(stack):
    wf_ex = sc.run(stack, SCENARIOS["join_in_a_cycle_runs_once_per_round"])
    keys = [t.unique_key for t in stack.tasks(wf_ex.id)["j"]]
    assert keys == ["join:%s:j:0" % wf_ex.id, "join:%s:j:1" % wf_ex.id]


def test_join_waiting_on_a_running_branch_is_not_failed(stack):
    """A join waits while its missing inbound task may still arrive."""
    stack.create_workflows("""
        version: '2.0'
        wf:
          tasks:
            fast:
              on-success: j
            slow:
              action: std.async_noop
              on-success: j
            j:
              join: all
        """)
    ex_id = stack.start("wf")["id"]
    sc.task_in(stack, ex_id, "j", (st.WAITING,))
    [slow] = stack.actions(stack.tasks(ex_id)["slow"][0].id)
    assert stack.tasks(ex_id)["j"][0].state == st.WAITING
    stack.engine.complete_action(stack.ctx, slow.id, st.SUCCESS, None)
    assert stack.wait_for(ex_id).state == st.SUCCESS
    assert stack.task_states(ex_id)["j"] == [st.SUCCESS]


def test_many_joins_at_once_on_every_backend(any_stack):
    """Concurrent executions each get exactly one join per round."""
    any_stack.create_workflows(
        SCENARIOS["join_in_a_cycle_runs_once_per_round"].text)
    ids = [any_stack.start("wf")["id"] for _ in range(5)]
    for ex_id in ids:
        assert any_stack.wait_for(ex_id).state == st.SUCCESS
        assert any_stack.task_states(ex_id)["j"] == [OK, OK]
