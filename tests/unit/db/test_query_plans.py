"""The engine's per-execution reads are index lookups whatever the size of
the execution's history (SQLite's plan: no row of another task visited)."""
import pytest
from sqlalchemy import event

from mistral_resume.db import api as db_api
from mistral_resume.db import database as db_database
from mistral_resume.db import models
from mistral_resume.workflow import statuses as st


@pytest.fixture
def db(tmp_path):
    database = db_database.Database("sqlite:///%s" % (tmp_path / "plans.db"))
    models.Base.metadata.create_all(database.engine)
    yield database
    database.dispose()


def _plan_of(db, read):
    """SQLite's query plan of the one SELECT ``read(session)`` runs."""
    seen = []

    def record(conn, cursor, statement, params, context, many):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with db.reading() as session:
            read(session)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(seen) == 1, seen
    statement, params = seen[0]
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                    params).all()
    return " | ".join(row[-1] for row in rows)


def test_the_end_tasks_are_read_through_their_own_index(db):
    plan = _plan_of(db, lambda s: db_api.tasks_of(
        s, "ex", states=st.COMPLETED, full=True, ends_only=True))
    assert "USING INDEX ix_task_executions_wf_ends" in plan, plan
    assert "SCAN" not in plan, plan


def test_counting_unfinished_tasks_reads_the_state_index_only(db):
    plan = _plan_of(db, lambda s: db_api.count_incomplete_tasks(
        s, "ex", st.INCOMPLETE))
    assert "COVERING INDEX ix_task_executions_wf_state" in plan, plan
    assert "SCAN" not in plan, plan
