"""with-items end to end: scenarios whose outcomes are Mistral 23's.

Facts from mistral/tests/unit/engine/test_with_items.py and
mistral/engine/tasks.py (WithItemsTask): results in item order, one action
execution per item with its index, every item runs even when one fails and
the task then fails ("One or more actions had failed."), an empty list is a
SUCCESS with the result [], a failing with-items expression fails the task
with the result [], a retry re-runs every item.
"""
import threading

import pytest
import sqlalchemy as sa

from mistral_resume.db import api as db_api
from mistral_resume.db import items as db_items
from mistral_resume.executor import service as executor_service
from mistral_resume.workflow import statuses as st
from tests.functional import scenario as sc

NAMES = {"names_info": [{"name": "John"}, {"name": "Ivan"},
                        {"name": "Mistral"}]}

SCENARIOS = {
    "simple": sc.Scenario(
        """
        version: '2.0'
        with_items:
          input:
            - names_info
          tasks:
            task1:
              with-items: name_info in <% $.names_info %>
              action: std.echo output=<% $.name_info.name %>
              publish:
                result: <% task(task1).result[0] %>
        """,
        wf_input=NAMES,
        tasks={"task1": [st.SUCCESS]},
        results={"task1": ["John", "Ivan", "Mistral"]},
        published={"task1": {"result": "John"}},
        actions={"task1": 3}, indices={"task1": [0, 1, 2]},
    ),
    "static_var": sc.Scenario(
        """
        version: '2.0'
        with_items:
          input:
            - names_info
            - greeting
          tasks:
            task1:
              with-items: name_info in <% $.names_info %>
              action: std.echo
              input:
                output: "<% $.greeting %>, <% $.name_info.name %>!"
              publish:
                result: <% task(task1).result %>
        """,
        wf_input=dict(NAMES, greeting="Hello"),
        published={"task1": {"result": ["Hello, John!", "Hello, Ivan!",
                                        "Hello, Mistral!"]}},
        actions={"task1": 3},
    ),
    "multi_array_zipped": sc.Scenario(
        """
        version: '2.0'
        with_items:
          input:
            - arrayI
            - arrayJ
          tasks:
            task1:
              with-items:
                - itemX in <% $.arrayI %>
                - itemY in <% $.arrayJ %>
              action: std.echo output="<% $.itemX %> <% $.itemY %>"
              publish:
                result: <% task(task1).result %>
        """,
        wf_input={"arrayI": ["a", "b", "c"], "arrayJ": [1, 2, 3]},
        published={"task1": {"result": ["a 1", "b 2", "c 3"]}},
        output={"arrayI": ["a", "b", "c"], "arrayJ": [1, 2, 3],
                "result": ["a 1", "b 2", "c 3"]},
        indices={"task1": [0, 1, 2]},
    ),
    "empty_list_succeeds": sc.Scenario(
        """
        version: '2.0'
        with_items:
          input:
            - names_info
          tasks:
            task1:
              with-items: name_info in <% $.names_info %>
              action: std.echo output=<% $.name_info.name %>
              on-success:
                - task2
            task2:
              action: std.echo output="Hi!"
        """,
        wf_input={"names_info": []},
        tasks={"task1": [st.SUCCESS], "task2": [st.SUCCESS]},
        results={"task1": [], "task2": "Hi!"},
        actions={"task1": 0, "task2": 1},
    ),
    "plain_list_results_in_order": sc.Scenario(
        """
        version: '2.0'
        with_items:
          tasks:
            task1:
              with-items: i in [1, 2, 3]
              action: std.echo output=<% $.i %>
              publish:
                one_two_three: <% task(task1).result %>
        """,
        published={"task1": {"one_two_three": [1, 2, 3]}},
        output={"one_two_three": [1, 2, 3]},
    ),
    "failing_items_all_run_then_fail": sc.Scenario(
        """
        version: '2.0'
        with_items:
          tasks:
            task1:
              with-items: i in [1, 2, 3]
              action: std.fail
              on-error: task2
            task2:
              action: std.echo output="With-items failed"
        """,
        tasks={"task1": [st.ERROR], "task2": [st.SUCCESS]},
        actions={"task1": 3, "task2": 1},
        task_info={"task1": "One or more actions had failed."},
    ),
    "one_failing_item_fails_the_task": sc.Scenario(
        """
        version: '2.0'
        wf:
          tasks:
            task1:
              with-items: i in [1, 2, 3]
              action: <% switch($.i = 2 => "std.fail", true => "std.echo") %>
              input: <% switch($.i = 2 => {}, true => {output => $.i}) %>
        """,
        state=st.ERROR,
        tasks={"task1": [st.ERROR]},
        results={"task1": [1, "Fail action expected exception.", 3]},
        actions={"task1": 3}, indices={"task1": [0, 1, 2]},
    ),
    "expression_failure_fails_with_empty_result": sc.Scenario(
        """
        version: '2.0'
        with_items:
          tasks:
            task1:
              with-items: i in <% $.foobar %>
              action: std.noop
        """,
        state=st.ERROR,
        tasks={"task1": [st.ERROR]},
        results={"task1": []},
        actions={"task1": 0},
    ),
    "lists_of_different_lengths": sc.Scenario(
        """
        version: '2.0'
        wf:
          tasks:
            task1:
              with-items:
                - x in [1, 2]
                - y in [1, 2, 3]
              action: std.noop
        """,
        state=st.ERROR, tasks={"task1": [st.ERROR]}, actions={"task1": 0},
        task_info={"task1": "All arrays must have the same length"},
    ),
    "concurrency_2_with_failures": sc.Scenario(
        """
        version: '2.0'
        concurrency_test_fail:
          tasks:
            task1:
              with-items: i in [1, 2, 3, 4]
              action: std.fail
              concurrency: 2
              on-error: task2
            task2:
              action: std.echo output="With-items failed"
        """,
        tasks={"task1": [st.ERROR], "task2": [st.SUCCESS]},
        results={"task2": "With-items failed"},
        actions={"task1": 4}, indices={"task1": [0, 1, 2, 3]},
    ),
    "concurrency_greater_than_items": sc.Scenario(
        """
        version: '2.0'
        concurrency_test:
          input:
            - names: ["John", "Ivan"]
          tasks:
            task1:
              with-items: name in <% $.names %>
              action: std.echo output=<% $.name %>
              concurrency: 3
        """,
        results={"task1": ["John", "Ivan"]},
    ),
    "concurrency_from_expression": sc.Scenario(
        """
        version: '2.0'
        concurrency_test:
          input:
            - names: ["John", "Ivan", "Mistral"]
            - concurrency
          tasks:
            task1:
              action: std.echo output=<% $.name %>
              with-items: name in <% $.names %>
              concurrency: <% $.concurrency %>
        """,
        wf_input={"concurrency": 2},
        results={"task1": ["John", "Ivan", "Mistral"]},
    ),
    "concurrency_of_wrong_type": sc.Scenario(
        """
        version: '2.0'
        concurrency_test:
          input:
            - names: ["John", "Ivan", "Mistral"]
            - concurrency
          tasks:
            task1:
              action: std.echo output=<% $.name %>
              with-items: name in <% $.names %>
              concurrency: <% $.concurrency %>
        """,
        wf_input={"concurrency": "2"},
        state=st.ERROR, tasks={"task1": [st.ERROR]},
        task_info={"task1": "Invalid data type in ConcurrencyPolicy"},
    ),
    "retry_reruns_every_item": sc.Scenario(
        """
        version: '2.0'
        with_items_retry:
          tasks:
            task1:
              with-items: i in [1, 2, 3]
              action: std.fail
              retry:
                count: 3
                delay: 0
              on-error: task2
            task2:
              action: std.echo output="With-items failed"
        """,
        tasks={"task1": [st.ERROR], "task2": [st.SUCCESS]},
        actions={"task1": 12}, accepted={"task1": 3},
        indices={"task1": [0, 1, 2]},
    ),
    "env_in_items": sc.Scenario(
        """
        version: '2.0'
        with_items_env:
          tasks:
            task1:
              with-items: i in [1, 2, 3, 4]
              action: std.echo output="<% $.i %>.<% env().name %>"
        """,
        params={"env": {"name": "Mistral"}},
        results={"task1": ["1.Mistral", "2.Mistral", "3.Mistral",
                           "4.Mistral"]},
    ),
    "two_tasks_second_starts_on_success": sc.Scenario(
        """
        version: '2.0'
        with_items:
          tasks:
            task1:
              with-items: i in [1, 2]
              action: std.echo output=<% $.i %>
              on-success: task2
            task2:
              with-items: i in [3, 4]
              action: std.echo output=<% $.i %>
        """,
        tasks={"task1": [st.SUCCESS], "task2": [st.SUCCESS]},
        results={"task1": [1, 2], "task2": [3, 4]},
    ),
    "inbound_data_wins_a_name_clash": sc.Scenario(
        """
        version: '2.0'
        wf:
          input:
            - x: outer
          tasks:
            task1:
              with-items: x in [1, 2]
              action: std.echo output=<% $.x %>
        """,
        results={"task1": ["outer", "outer"]},
    ),
    "action_name_per_item": sc.Scenario(
        """
        version: '2.0'
        wf:
          tasks:
            task1:
              with-items: a in ["std.noop", "std.echo"]
              action: <% $.a %>
              input: <% switch($.a = "std.echo" => {output => 1},
                               true => {}) %>
        """,
        results={"task1": [None, 1]},
    ),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(stack, name):
    sc.run(stack, SCENARIOS[name])


@pytest.mark.parametrize("name", ["simple", "failing_items_all_run_then_fail",
                                  "concurrency_2_with_failures"])
def test_scenario_on_every_backend(any_stack, name):
    sc.run(any_stack, SCENARIOS[name])


def _running(stack, task_id):
    return sorted(a.item_index for a in stack.actions(task_id)
                  if a.state == st.RUNNING)


def _wait(stack, condition):
    sc.wait_until(condition)


def test_concurrency_caps_running_items(stack):
    """Mistral's test_with_items_concurrency_2: two at a time, the next
    item starts when one ends."""
    stack.create_workflows("""
        version: '2.0'
        concurrency_test:
          input:
            - names: ["John", "Ivan", "Mistral", "Hello"]
          tasks:
            task1:
              action: std.async_noop
              with-items: name in <% $.names %>
              concurrency: 2
        """)
    ex = stack.start("concurrency_test")
    _wait(stack, lambda: "task1" in stack.tasks(ex["id"]))
    task = stack.tasks(ex["id"])["task1"][0]
    _wait(stack, lambda: _running(stack, task.id) == [0, 1])
    assert task.concurrency == 2
    for done, expected in ((0, [1, 2]), (1, [2, 3]), (2, [3]), (3, [])):
        stack.engine.complete_action(stack.ctx, _action(stack, task.id, done),
                                     st.SUCCESS, "r%d" % done)
        assert _running(stack, task.id) == expected
    wf_ex = stack.wait_for(ex["id"])
    assert wf_ex.state == st.SUCCESS
    assert stack.tasks(ex["id"])["task1"][0].result == ["r0", "r1", "r2",
                                                        "r3"]


def test_concurrency_zero_means_no_cap(stack):
    """Mistral's schema allows 0 (an integer >= 0); a 0 caps nothing."""
    stack.create_workflows("""
        version: '2.0'
        no_cap:
          tasks:
            task1:
              action: std.async_noop
              with-items: i in <% range(5) %>
              concurrency: <% 0 %>
        """)
    ex = stack.start("no_cap")
    _wait(stack, lambda: "task1" in stack.tasks(ex["id"]))
    task = stack.tasks(ex["id"])["task1"][0]
    _wait(stack, lambda: _running(stack, task.id) == [0, 1, 2, 3, 4])
    for index in range(5):
        stack.engine.complete_action(stack.ctx, _action(stack, task.id,
                                                        index),
                                     st.SUCCESS, index)
    assert stack.wait_for(ex["id"]).state == st.SUCCESS
    assert stack.tasks(ex["id"])["task1"][0].result == [0, 1, 2, 3, 4]


def _action(stack, task_id, index):
    [ax] = [a for a in stack.actions(task_id) if a.item_index == index]
    return ax.id


def test_item_values_are_stored_at_first_run(stack):
    wf_ex = sc.run(stack, SCENARIOS["multi_array_zipped"])
    task_id = stack.tasks(wf_ex.id)["task1"][0].id
    with stack.db.reading() as session:
        task = db_api.load_task(session, task_id)
        values = db_items.with_items_values(session, task_id)
        second = db_items.with_items_value(session, task_id, 1)
    assert task.items_count == 3
    assert values == [{"itemX": "a", "itemY": 1}, {"itemX": "b", "itemY": 2},
                      {"itemX": "c", "itemY": 3}]
    assert second == {"itemX": "b", "itemY": 2}


def _statements_per_item(stack, task_id, index):
    """SQL statements the engine runs to complete item ``index``."""
    [ax] = [a for a in stack.actions(task_id) if a.item_index == index]
    # Messages sent before (200 at the start) are deleted by the next unit
    # of work: a cost of those sends, not of this item.
    stack.service.sender.delete_sent()
    counted = []

    def count(conn, cursor, statement, *args):
        # Not the service's own loops (scheduler, heartbeat, recovery),
        # which may poll while the item completes.
        if not threading.current_thread().name.startswith("mistral-resume"):
            counted.append(statement)

    sa.event.listen(stack.db.engine, "before_cursor_execute", count)
    try:
        stack.engine.complete_action(stack.ctx, ax.id, st.SUCCESS, index)
    finally:
        sa.event.remove(stack.db.engine, "before_cursor_execute", count)
    return counted


@pytest.mark.parametrize("concurrency", [None, 5])
def test_completing_an_item_costs_the_same_for_any_item_count(
        stack, concurrency, monkeypatch):
    """Item 10 and item 190 of a 200-item task: same statements."""
    # The engine's cost only: no executor claims counted in between.
    monkeypatch.setattr(executor_service.ExecutorEndpoint, "_claim",
                        lambda self, action_ex_id, leased=True: True)
    cap = "concurrency: %d" % concurrency if concurrency else ""
    stack.create_workflows("""
        version: '2.0'
        many:
          tasks:
            task1:
              with-items: i in <%% range(200) %%>
              action: std.async_noop
              %s
        """ % cap)
    ex = stack.start("many")
    _wait(stack, lambda: "task1" in stack.tasks(ex["id"]))
    task_id = stack.tasks(ex["id"])["task1"][0].id
    first = concurrency or 200
    _wait(stack, lambda: len(stack.actions(task_id)) == first)
    if concurrency:
        # Complete items in order so that item 190 has started by then.
        for index in range(0, 10):
            stack.engine.complete_action(stack.ctx,
                                         _action(stack, task_id, index),
                                         st.SUCCESS, index)
    early = _statements_per_item(stack, task_id, 10)
    if concurrency:
        for index in range(11, 190):
            stack.engine.complete_action(stack.ctx,
                                         _action(stack, task_id, index),
                                         st.SUCCESS, index)
    late = _statements_per_item(stack, task_id, 190)
    assert len(early) == len(late), (early, late)
    assert [s.split()[0] for s in early] == [s.split()[0] for s in late]


def test_pause_holds_the_next_items_until_resume(stack):
    stack.create_workflows("""
        version: '2.0'
        wf:
          tasks:
            task1:
              action: std.async_noop
              with-items: i in [0, 1, 2]
              concurrency: 1
        """)
    ex = stack.start("wf")
    _wait(stack, lambda: "task1" in stack.tasks(ex["id"]))
    task = stack.tasks(ex["id"])["task1"][0]
    _wait(stack, lambda: _running(stack, task.id) == [0])
    stack.engine.update_execution(stack.ctx, ex["id"], state=st.PAUSED)
    # The running item finishes and its result is kept; no item starts.
    stack.engine.complete_action(stack.ctx, _action(stack, task.id, 0),
                                 st.SUCCESS, "r0")
    assert _running(stack, task.id) == []
    assert len(stack.actions(task.id)) == 1
    stack.engine.update_execution(stack.ctx, ex["id"], state=st.RUNNING)
    assert _running(stack, task.id) == [1]
    for index in (1, 2):
        stack.engine.complete_action(stack.ctx, _action(stack, task.id, index),
                                     st.SUCCESS, "r%d" % index)
    assert stack.wait_for(ex["id"]).state == st.SUCCESS
    assert stack.tasks(ex["id"])["task1"][0].result == ["r0", "r1", "r2"]


def test_cancel_ends_the_task_when_its_running_items_end(stack):
    stack.create_workflows("""
        version: '2.0'
        wf:
          tasks:
            task1:
              action: std.async_noop
              with-items: i in [0, 1, 2]
              concurrency: 1
        """)
    ex = stack.start("wf")
    _wait(stack, lambda: "task1" in stack.tasks(ex["id"]))
    task = stack.tasks(ex["id"])["task1"][0]
    _wait(stack, lambda: _running(stack, task.id) == [0])
    stack.engine.update_execution(stack.ctx, ex["id"], state=st.CANCELLED)
    stack.engine.complete_action(stack.ctx, _action(stack, task.id, 0),
                                 st.SUCCESS, "r0")
    assert stack.wait_for(ex["id"]).state == st.CANCELLED
    assert stack.task_states(ex["id"]) == {"task1": [st.CANCELLED]}
    assert len(stack.actions(task.id)) == 1


def test_rerun_of_the_failed_item_completes_the_task(stack):
    """With-items rows as the resume needs them. Item 1's input fails: the
    task fails at once (Mistral) and item 2 never starts. Re-running item 1
    with its own input lets the sweep go on to item 2; the result has every
    item in order."""
    wf_ex = stack.run("""
        version: '2.0'
        wf:
          tasks:
            task1:
              with-items: i in [1, 2, 3]
              action: std.echo
              input:
                output: <% 10 / ($.i - 2) %>
        """)
    assert wf_ex.state == st.ERROR
    task = stack.tasks(wf_ex.id)["task1"][0]
    assert [a.item_index for a in stack.actions(task.id)] == [0]
    assert task.items_started == 2
    stack.engine.resume_execution(
        stack.ctx, wf_ex.id,
        [{"task": "task1", "mode": "rerun",
          "items": [{"index": 1, "input": {"output": "fixed"}}]}])
    wf_ex = stack.wait_for(wf_ex.id)
    assert wf_ex.state == st.SUCCESS, wf_ex.state_info
    task = stack.tasks(wf_ex.id)["task1"][0]
    assert task.result == [-10.0, "fixed", 10.0]
    actions = stack.actions(task.id)
    assert sorted(a.item_index for a in actions) == [0, 1, 2]
    assert all(a.accepted for a in actions)
