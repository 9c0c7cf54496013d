"""New execution rows written by one INSERT per table at the end of a unit
of work hold what the ORM's flush would have written, on every backend."""
import sqlalchemy as sa

from mistral_resume.db import bulk
from mistral_resume.db import models
from mistral_resume.workflow import statuses as st


def _family(tag):
    """An execution with two tasks and an action: columns set, columns
    left to their defaults, JSON values and None."""
    ex_id = models.new_id()
    wf_ex = models.WorkflowExecution(
        id=ex_id, name="wf-" + tag, spec={"tasks": {"a": {}}},
        state=st.RUNNING, project_id="p", root_execution_id=ex_id,
        input={"x": [1, 2]}, params=None)
    tasks = [models.TaskExecution(
        id=models.new_id(), name="t%d" % i, workflow_execution_id=ex_id,
        root_execution_id=ex_id, state=st.SUCCESS, project_id="p",
        published={"v": i}, in_context={"x": [1, 2]}) for i in (1, 2)]
    action = models.ActionExecution(
        id=models.new_id(), name="std.noop", task_execution_id=tasks[0].id,
        workflow_execution_id=ex_id, root_execution_id=ex_id,
        state=st.SUCCESS, project_id="p", input={}, output={"result": None})
    return [wf_ex] + tasks + [action]


def _stored(db, model, ids):
    """The rows, without what differs by nature (ids, times, names)."""
    skip = {"id", "created_at", "updated_at", "name",
            "workflow_execution_id", "root_execution_id",
            "task_execution_id"}
    with db.reading() as session:
        rows = session.execute(
            sa.select(model.__table__).where(model.__table__.c.id.in_(ids))
            .order_by(model.__table__.c.created_at,
                      model.__table__.c.name)).mappings().all()
    return [{k: v for k, v in row.items() if k not in skip} for row in rows]


def test_bulk_rows_are_the_rows_the_orm_writes(db):
    by_orm, by_bulk = _family("orm"), _family("bulk")
    with db.writing() as session:
        session.add_all(by_orm)
    with db.writing() as session:
        session.add_all(by_bulk)
        assert bulk.insert_new_rows(session) == 4
        assert not session.new  # the session forgot them: no second INSERT
    for model in bulk.MODELS:
        orm_ids = [o.id for o in by_orm if type(o) is model]
        bulk_ids = [o.id for o in by_bulk if type(o) is model]
        assert _stored(db, model, bulk_ids) == _stored(db, model, orm_ids)
        assert _stored(db, model, bulk_ids), model
    # Defaults the rows got are on the objects too, as after a flush.
    assert by_bulk[1].has_next_tasks is False and by_bulk[1].created_at


def test_rows_in_creation_order_and_flushed_ones_left_to_the_orm(db):
    family = _family("order")
    with db.writing() as session:
        session.add(family[0])
        session.flush()  # written already: the ORM updates it later
        family[0].state = st.SUCCESS
        session.add_all(family[1:])
        assert bulk.insert_new_rows(session) == 3
    with db.reading() as session:
        stamps = dict(session.execute(
            sa.select(models.TaskExecution.name,
                      models.TaskExecution.created_at)
            .where(models.TaskExecution.workflow_execution_id
                   == family[0].id)).all())
        state = session.get(models.WorkflowExecution, family[0].id).state
    # Stamped in the order they were created (oldest first is the order
    # the engine reads tasks in).
    assert set(stamps) == {"t1", "t2"}
    assert stamps["t1"] <= stamps["t2"]
    assert state == st.SUCCESS
