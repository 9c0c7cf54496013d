"""Questions about an execution's tasks, answered from the unit of work's
memory when it created the execution, and from the database otherwise:
the same answers either way, on every backend."""

from mistral_resume.db import api as db_api
from mistral_resume.db import held
from mistral_resume.db import models
from mistral_resume.workflow import statuses as st

# (name, state, has a next task), in creation order.
TASKS = [("t1", st.SUCCESS, True), ("t2", st.ERROR, False),
         ("t3", st.RUNNING, True), ("t4", st.SUCCESS, False),
         ("t5", st.WAITING, False)]


def _create(session):
    wf_ex = models.WorkflowExecution(id=models.new_id(), name="wf", spec={},
                                     state=st.RUNNING, project_id="p")
    wf_ex.root_execution_id = wf_ex.id
    session.add(wf_ex)
    for name, state, has_next in TASKS:
        session.add(models.TaskExecution(
            id=models.new_id(), name=name, workflow_execution_id=wf_ex.id,
            root_execution_id=wf_ex.id, state=state, project_id="p",
            has_next_tasks=has_next, published={}))
        # Created one after the other, as a unit of work does: the
        # database's order (created_at, id) is the creation order.
        session.flush()
    return wf_ex.id


def _answers(session, ex_id):
    return {
        "incomplete": db_api.count_incomplete_tasks(session, ex_id,
                                                    st.INCOMPLETE),
        "counts": db_api.task_state_counts(session, ex_id,
                                           (st.ERROR, st.SUCCESS,
                                            st.CANCELLED)),
        "all": [t.name for t in db_api.tasks_of(session, ex_id)],
        "completed ends": [t.name for t in db_api.tasks_of(
            session, ex_id, states=st.COMPLETED, ends_only=True)],
        "errors": [t.name for t in db_api.tasks_of(session, ex_id,
                                                   states=[st.ERROR])],
    }


EXPECTED = {"incomplete": 2, "counts": {st.ERROR: 1, st.SUCCESS: 2},
            "all": ["t1", "t2", "t3", "t4", "t5"],
            "completed ends": ["t2", "t4"], "errors": ["t2"]}


def test_memory_and_database_give_the_same_answers(db):
    with db.writing() as session:
        ex_id = _create(session)
        assert held.tasks_of_new_execution(session, ex_id) is not None
        in_memory = _answers(session, ex_id)
    with db.reading() as session:
        assert held.tasks_of_new_execution(session, ex_id) is None
        from_database = _answers(session, ex_id)
    assert in_memory == from_database == EXPECTED


def test_a_task_changed_in_memory_is_counted_as_it_is_now(db):
    with db.writing() as session:
        ex_id = _create(session)
        rows = held.tasks_of_new_execution(session, ex_id)
        for row in rows:
            if row.state in st.INCOMPLETE:
                row.state = st.SUCCESS
        assert db_api.count_incomplete_tasks(session, ex_id,
                                             st.INCOMPLETE) == 0
        assert db_api.task_state_counts(session, ex_id, [st.SUCCESS]) == {
            st.SUCCESS: 4}


def test_an_execution_created_before_is_asked_of_the_database(db):
    with db.writing() as session:
        ex_id = _create(session)
    with db.writing() as session:
        wf_ex = db_api.get_execution(session, ex_id)
        assert held.tasks_of_new_execution(session, wf_ex.id) is None
        # A task another unit of work would add is seen: nothing is
        # answered from what this one happens to hold.
        session.add(models.TaskExecution(
            id=models.new_id(), name="t6", workflow_execution_id=ex_id,
            root_execution_id=ex_id, state=st.RUNNING, project_id="p"))
        assert db_api.count_incomplete_tasks(session, ex_id,
                                             st.INCOMPLETE) == 3


def test_what_a_session_held_is_forgotten_when_its_transaction_ends(db):
    session = db._write_maker()
    try:
        with session.begin():
            ex_id = _create(session)
        # Committed: others may add tasks to it from now on.
        assert held.tasks_of_new_execution(session, ex_id) is None
        with session.begin():
            assert db_api.count_incomplete_tasks(session, ex_id,
                                                 st.INCOMPLETE) == 2
    finally:
        session.close()
