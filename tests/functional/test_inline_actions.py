"""Actions the engine runs itself (``[engine] inline_actions``).

std.noop, std.echo without a delay and std.fail complete inside the unit
of work that starts them: their action executions are recorded as any
other's, but no executor ever claims them. A chain longer than
``[engine] inline_batch`` continues in the next unit of work (a
``run_inline`` message), and such a message delivered twice changes
nothing.
"""
import logging

import pytest

from mistral_resume.engine import inline
from mistral_resume.engine import manager
from mistral_resume.workflow import statuses as st
from tests.fixtures import databases
from tests.fixtures.stack import Stack

CHAIN = """
version: '2.0'
chain:
  output:
    count: <%% $.count %%>
    said: <%% $.said %%>
  tasks:
%s
    say:
      action: std.echo output=<%% $.count %%>
      publish: {said: <%% task().result %%>}
"""


def chain(n):
    tasks = []
    for i in range(n):
        nxt = "t%d" % (i + 1) if i + 1 < n else "say"
        tasks += ["    t%d:" % i, "      action: std.noop",
                  "      publish: {count: %d}" % (i + 1),
                  "      on-success: %s" % nxt]
    return CHAIN % "\n".join(tasks)


def make_stack(request, **overrides):
    ctx = databases.fresh_database("sqlite")
    url = ctx.__enter__()
    stack = Stack(url, **overrides)

    def close():
        stack.stop()
        ctx.__exit__(None, None, None)
    request.addfinalizer(close)
    return stack


@pytest.fixture
def batch3(request, prompt_shutdown):
    return make_stack(request, engine__inline_batch=3)


@pytest.fixture
def no_inline(request, prompt_shutdown):
    return make_stack(request, engine__inline_actions=[])


def action_rows(stack, ex_id):
    rows = []
    for tasks in stack.tasks(ex_id).values():
        for task in tasks:
            rows.extend(stack.actions(task.id))
    return rows


def test_noop_and_echo_complete_without_an_executor(stack):
    wf_ex = stack.run(chain(3))
    assert wf_ex.state == st.SUCCESS
    assert wf_ex.output == {"count": 3, "said": 3}
    rows = action_rows(stack, wf_ex.id)
    assert sorted(r.name for r in rows) == ["std.echo"] + ["std.noop"] * 3
    assert {r.state for r in rows} == {st.SUCCESS}
    # Recorded as an executor's result would be; claimed by none.
    assert {r.executor_id for r in rows} == {None}
    echo = [r for r in rows if r.name == "std.echo"][0]
    assert echo.output == {"result": 3}


def test_without_inline_actions_an_executor_runs_them(no_inline):
    wf_ex = no_inline.run(chain(2))
    assert wf_ex.state == st.SUCCESS
    assert wf_ex.output == {"count": 2, "said": 2}
    rows = action_rows(no_inline, wf_ex.id)
    assert len(rows) == 3 and None not in {r.executor_id for r in rows}


def test_an_echo_with_a_delay_goes_to_an_executor(stack):
    wf_ex = stack.run("""
version: '2.0'
wf:
  tasks:
    slow:
      action: std.echo output=late delay=0.01
""")
    assert wf_ex.state == st.SUCCESS
    [row] = action_rows(stack, wf_ex.id)
    assert row.executor_id is not None and row.output == {"result": "late"}


BAD_INPUT = """
version: '2.0'
wf:
  tasks:
    bad:
      action: std.noop
      input: {unexpected: 1}
    failing:
      action: std.fail error_data=boom
"""


def _errors(stack):
    wf_ex = stack.run(BAD_INPUT)
    assert wf_ex.state == st.ERROR
    tasks = stack.tasks(wf_ex.id)
    return {name: (rows[0].state, rows[0].state_info)
            for name, rows in tasks.items()}


def test_inline_failures_read_as_an_executors(stack, request,
                                              prompt_shutdown):
    inline_errors = _errors(stack)
    executor_errors = _errors(make_stack(request,
                                         engine__inline_actions=[]))
    assert {k: v[0] for k, v in inline_errors.items()} == {
        "bad": st.ERROR, "failing": st.ERROR}
    assert "unexpected=['unexpected']" in inline_errors["bad"][1]
    assert "boom" in inline_errors["failing"][1]
    # Same messages but for the action execution ids they name.
    strip = lambda text: text.split("]", 1)[1]  # noqa: E731
    assert ({k: strip(v[1]) for k, v in inline_errors.items()}
            == {k: strip(v[1]) for k, v in executor_errors.items()})


def test_a_chain_longer_than_a_batch_continues_in_later_units(
        batch3, monkeypatch):
    calls = []
    real = manager.EngineManager.run_inline

    def spy(self, ctx, action_ex_ids, root_execution_id):
        calls.append(list(action_ex_ids))
        return real(self, ctx, action_ex_ids, root_execution_id)
    monkeypatch.setattr(manager.EngineManager, "run_inline", spy)

    wf_ex = batch3.run(chain(10))
    assert wf_ex.state == st.SUCCESS
    assert wf_ex.output == {"count": 10, "said": 10}
    assert len(batch3.tasks(wf_ex.id)) == 11
    # 11 actions, 3 per unit of work: the start's unit, then 3 messages
    # of one action each (a chain has one action waiting at a time).
    assert [len(c) for c in calls] == [1, 1, 1]


def test_a_repeated_run_inline_message_changes_nothing(batch3):
    wf_ex = batch3.run(chain(2))
    assert wf_ex.state == st.SUCCESS
    rows = action_rows(batch3, wf_ex.id)
    before = sorted((r.id, r.state, r.updated_at) for r in rows)
    endpoint = manager.EngineManager(batch3.db, batch3.service.sender,
                                     batch3.service.topics,
                                     worker=batch3.service.worker)
    endpoint.run_inline(batch3.ctx, [r.id for r in rows], wf_ex.id)
    endpoint.run_inline(batch3.ctx, ["no-such-action"], wf_ex.id)
    endpoint.run_inline(batch3.ctx, [rows[0].id], "no-such-execution")
    after = sorted((r.id, r.state, r.updated_at)
                   for r in action_rows(batch3, wf_ex.id))
    assert after == before
    assert batch3.wait_for(wf_ex.id).state == st.SUCCESS
    assert len(batch3.tasks(wf_ex.id)) == 3


def test_with_items_over_batches_keep_item_order(batch3):
    wf_ex = batch3.run("""
version: '2.0'
wf:
  output:
    got: <% $.got %>
  tasks:
    each:
      with-items: i in <% range(7) %>
      concurrency: 2
      action: std.echo output=<% $.i * 10 %>
      publish: {got: <% task().result %>}
""")
    assert wf_ex.state == st.SUCCESS
    assert wf_ex.output == {"got": [0, 10, 20, 30, 40, 50, 60]}
    [task] = batch3.tasks(wf_ex.id)["each"]
    assert sorted(r.item_index for r in batch3.actions(task.id)) == list(
        range(7))


def test_names_that_cannot_run_inline_are_ignored(caplog):
    with caplog.at_level(logging.WARNING):
        settings = inline.Settings(["std.noop", "std.http"], 5, "topic")
    assert settings.names == {"std.noop"}
    assert "std.http cannot run inline" in caplog.text
    queue = settings.queue()
    assert queue.takes("std.noop", {})
    assert not queue.takes("std.http", {"url": "http://x"})
    assert not queue.takes("std.echo", {"output": 1})  # not configured
