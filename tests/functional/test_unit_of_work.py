"""The unit of work on every backend: row lock, compare-and-set, outbox."""
import threading

import pytest

from mistral_resume import context
from mistral_resume import exceptions as exc
from mistral_resume.db import api as db_api
from mistral_resume.db import database as db_database
from mistral_resume.db import models
from mistral_resume.engine import recovery
from mistral_resume.engine import uow
from mistral_resume.workflow import statuses as st
from tests.fixtures import databases


class RecordingSender(uow.Sender):
    """The real sender, with the RPC cast recorded (or failing)."""

    def __init__(self, db, fail=False):
        super().__init__(db, client=None)
        self.cast_rows = []
        self.fail = fail

    def cast(self, row):
        if self.fail:
            raise ConnectionError("broker down")
        self.cast_rows.append((row.topic, row.method, row.payload))


def _execution(db, state=st.RUNNING):
    with db.writing() as session:
        wf_ex = models.WorkflowExecution(
            id=models.new_id(), name="wf", spec={}, state=state,
            project_id="p")
        wf_ex.root_execution_id = wf_ex.id
        session.add(wf_ex)
    return wf_ex.id


def _state(db, ex_id):
    with db.reading() as session:
        return db_api.get_execution(session, ex_id).state


def _outbox(db):
    with db.reading() as session:
        return [row.payload for row in session.query(models.Outbox)]


def test_messages_are_sent_after_commit_and_removed(db):
    sender = RecordingSender(db)
    ex_id = _execution(db)
    with uow.unit_of_work(db, sender, context.RequestContext(),
                          ex_id) as work:
        work.send("topic", "run_action", action_ex_id="a1")
        assert sender.cast_rows == []  # nothing leaves before the commit
    assert sender.cast_rows == [("topic", "run_action", {"action_ex_id":
                                                         "a1"})]
    # Sent; deleted by the next unit of work, in its own transaction.
    assert _outbox(db) == [{"action_ex_id": "a1"}]
    with uow.unit_of_work(db, sender, context.RequestContext(),
                          ex_id) as work:
        work.send("topic", "run_action", action_ex_id="a2")
    assert _outbox(db) == [{"action_ex_id": "a2"}]
    # No unit of work comes: the recovery loop's chore deletes them.
    assert sender.delete_sent() == 1
    assert _outbox(db) == [] and sender.delete_sent() == 0


def test_a_failed_unit_leaves_sent_rows_for_the_next(db):
    sender = RecordingSender(db)
    ex_id = _execution(db)
    with uow.unit_of_work(db, sender, context.RequestContext(), ex_id) as w:
        w.send("topic", "run_action", action_ex_id="a1")
    with pytest.raises(RuntimeError):
        with uow.unit_of_work(db, sender, context.RequestContext(), ex_id):
            raise RuntimeError("boom")  # its delete rolls back
    assert _outbox(db) == [{"action_ex_id": "a1"}]
    assert sender.delete_sent() == 1
    assert _outbox(db) == []


def test_a_failed_unit_sends_nothing_and_keeps_nothing(db):
    sender = RecordingSender(db)
    ex_id = _execution(db)
    with pytest.raises(RuntimeError):
        with uow.unit_of_work(db, sender, context.RequestContext(),
                              ex_id) as work:
            work.send("topic", "run_action", action_ex_id="a1")
            wf_ex = db_api.get_execution(work.session, ex_id)
            wf_ex.state = st.PAUSED
            raise RuntimeError("boom")
    assert sender.cast_rows == []
    assert _state(db, ex_id) == st.RUNNING
    with db.reading() as session:
        assert session.query(models.Outbox).count() == 0


def test_unsent_messages_stay_in_the_outbox_and_recovery_sends_them(db):
    ex_id = _execution(db)
    down = RecordingSender(db, fail=True)
    with uow.unit_of_work(db, down, context.RequestContext(), ex_id) as w:
        w.send("topic", "run_action", action_ex_id="a1")
    with db.reading() as session:
        assert session.query(models.Outbox).count() == 1
    up = RecordingSender(db)
    # Not stale yet: a live process may still be sending it.
    assert recovery.resend_stale_outbox(db, up, 3600) == 0
    assert recovery.resend_stale_outbox(db, up, -1) == 1
    assert up.cast_rows == [("topic", "run_action", {"action_ex_id": "a1"})]
    with db.reading() as session:
        assert session.query(models.Outbox).count() == 0


def test_lock_of_unknown_root_is_404(db):
    with pytest.raises(exc.NotFound):
        with uow.unit_of_work(db, RecordingSender(db),
                              context.RequestContext(), "nope"):
            pass


def test_compare_and_set_refuses_a_stale_state(db):
    ex_id = _execution(db)
    with db.writing() as session:
        wf_ex = db_api.get_execution(session, ex_id)
        db_api.cas_update_state(session, wf_ex, st.RUNNING,
                                {"state": st.PAUSED})
        assert wf_ex.state == st.PAUSED
    with pytest.raises(exc.LostRace):
        with db.writing() as session:
            wf_ex = db_api.get_execution(session, ex_id)
            db_api.cas_update_state(session, wf_ex, st.RUNNING,
                                    {"state": st.ERROR})
    assert _state(db, ex_id) == st.PAUSED


def test_root_lock_serialises_two_writers(db):
    """The second writer waits for the first, then sees its change."""
    ex_id = _execution(db)
    first_locked, release = threading.Event(), threading.Event()
    seen = []
    sender = RecordingSender(db)

    def first():
        with uow.unit_of_work(db, sender, context.RequestContext(),
                              ex_id) as work:
            first_locked.set()
            release.wait(10)
            wf_ex = db_api.get_execution(work.session, ex_id)
            db_api.cas_update_state(work.session, wf_ex, st.RUNNING,
                                    {"state": st.PAUSED})

    def second():
        first_locked.wait(10)
        with uow.unit_of_work(db, sender, context.RequestContext(),
                              ex_id) as work:
            seen.append(db_api.get_execution(work.session, ex_id).state)

    threads = [threading.Thread(target=first), threading.Thread(
        target=second)]
    for t in threads:
        t.start()
    first_locked.wait(10)
    # The second writer is blocked on the lock while the first holds it.
    threads[1].join(0.3)
    assert threads[1].is_alive()
    release.set()
    for t in threads:
        t.join(20)
    assert seen == [st.PAUSED]


@pytest.mark.parametrize("backend", ["postgresql", "mysql"])
def test_join_row_is_unique_per_key(backend):
    databases.require(backend)
    with databases.fresh_database(backend) as url:
        database = db_database.Database(url)
        models.Base.metadata.create_all(database.engine)
        ex_id = _execution(database)
        row = {"name": "j", "workflow_execution_id": ex_id,
               "root_execution_id": ex_id, "state": st.WAITING,
               "project_id": "p", "unique_key": "join:%s:j" % ex_id}
        with database.writing() as session:
            session.add(models.TaskExecution(id=models.new_id(), **row))
        with pytest.raises(exc.DuplicateEntry):
            with database.writing() as session:
                session.add(models.TaskExecution(id=models.new_id(), **row))
                db_api.flush_or_conflict(session, "join")
        database.dispose()
