"""Ad hoc action runs through the engine, on every database backend.

An ad hoc row has no root execution: its unit of work locks the row itself
(``SELECT ... FOR UPDATE``; SQLite's ``BEGIN IMMEDIATE``).
"""
from mistral_resume.db import api as db_api
from mistral_resume.db import listing as db_listing
from mistral_resume.db import models
from mistral_resume.workflow import statuses as st


def _row(stack, ax_id):
    with stack.db.reading() as session:
        return db_api.get_action_execution(session, ax_id)


def test_awaited_and_scheduled_runs_on_every_backend(any_stack):
    engine, ctx = any_stack.engine, any_stack.ctx
    saved = engine.run_action(ctx, "std.echo", {"output": "x"},
                              {"run_sync": True, "save_result": True},
                              "awaited")
    assert saved["state"] == st.SUCCESS
    row = _row(any_stack, saved["id"])
    assert row.output == {"result": "x"} and row.description == "awaited"
    assert row.root_execution_id is None and row.task_execution_id is None

    waiting = engine.run_action(ctx, "std.async_noop")
    assert waiting["state"] == st.RUNNING
    done = engine.complete_action(ctx, waiting["id"], st.ERROR, "nope")
    assert done["state"] == st.ERROR and done["state_info"] == "nope"
    # A late result for a completed row changes nothing.
    engine.on_action_complete(ctx, waiting["id"], {"data": 1, "error": None})
    again = _row(any_stack, waiting["id"])
    assert again.state == st.ERROR and again.output == {"result": "nope"}


def test_unsaved_run_stores_nothing(stack):
    result = stack.engine.run_action(stack.ctx, "std.echo", {"output": 2})
    assert result["id"] is None and result["output"] == {"result": 2}
    with stack.db.reading() as session:
        assert db_listing.list_rows(session, models.ActionExecution) == []
