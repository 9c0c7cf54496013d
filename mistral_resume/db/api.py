"""The database: engine set-up, sessions, and every query the service makes.

Sessions are explicit: ``Database.reading()`` for a GET, ``writing()`` for a
unit of work. A writer locks the root execution row it works on
(:func:`lock_root`) and writes states by compare-and-set
(:func:`cas_update_state`), so two engines never apply the same transition.
"""
import contextlib
import json
import logging
import sqlite3
import threading

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from mistral_resume import exceptions as exc
from mistral_resume.db import models

LOG = logging.getLogger(__name__)


class Database:
    """One engine per process and database URL; hands out sessions."""

    def __init__(self, url, sqlite_busy_timeout=60, pool_size=None):
        self.url = sa.engine.make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        kwargs = {"pool_pre_ping": not self.is_sqlite}
        if self.url.get_backend_name() in ("mysql", "mariadb"):
            # Row locks must see rows committed after our transaction began.
            kwargs["isolation_level"] = "READ COMMITTED"
        if pool_size and not self.is_sqlite:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size)
        self.engine = sa.create_engine(self.url, **kwargs)
        if self.is_sqlite:
            _setup_sqlite(self.engine, sqlite_busy_timeout)
        # On SQLite the writer's BEGIN is IMMEDIATE (see _setup_sqlite).
        self._write_engine = self.engine.execution_options(mr_write=True)
        self._read_maker = orm.sessionmaker(self.engine,
                                            expire_on_commit=False)
        self._write_maker = orm.sessionmaker(self._write_engine,
                                             expire_on_commit=False)
        # SQLite has one writer at a time, and its busy handler waits in
        # sleeps of 1 to 100 ms: threads of this process queue on a lock
        # instead, which wakes the next writer at once.
        self._write_lock = threading.Lock() if self.is_sqlite else None
        self._lock_timeout = sqlite_busy_timeout

    @contextlib.contextmanager
    def reading(self):
        with self._read_maker() as session:
            yield session

    @contextlib.contextmanager
    def writing(self):
        """A transaction that commits when the block ends without error."""
        with self._sqlite_writer(), self._write_maker() as session, \
                session.begin():
            yield session

    @contextlib.contextmanager
    def _sqlite_writer(self):
        if self._write_lock is None:
            yield
            return
        if not self._write_lock.acquire(timeout=self._lock_timeout):
            raise exc.MistralResumeError(
                "Timed out waiting for the SQLite write lock")
        try:
            yield
        finally:
            self._write_lock.release()

    def dispose(self):
        self.engine.dispose()


def _setup_sqlite(engine, busy_timeout):
    """WAL, foreign keys, and BEGIN IMMEDIATE for writers.

    A deferred transaction that later writes gets SQLITE_BUSY at once when
    another writer is active, whatever the busy timeout: a writer must take
    the write lock when it begins.
    """
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=%d" % (busy_timeout * 1000))
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        write = conn.get_execution_options().get("mr_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


# ------------------------------------------------------------------ locking

def lock_root(session, root_id):
    """Lock the root execution row for the rest of the transaction.

    :raises: NotFound if there is no such execution.
    """
    query = sa.select(models.WorkflowExecution.id).where(
        models.WorkflowExecution.id == root_id)
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update()
    if session.execute(query).scalar_one_or_none() is None:
        raise exc.NotFound("Workflow execution not found [id=%s]" % root_id)


def lock_action_execution(session, ax_id, project_id=None):
    """Lock an action execution row that has no root execution (an ad hoc
    run) for the rest of the transaction, and return it.

    ``SELECT ... FOR UPDATE``; on SQLite the writer's ``BEGIN IMMEDIATE``
    already holds the database's write lock.

    :raises: NotFound.
    """
    model = models.ActionExecution
    query = sa.select(model).where(model.id == ax_id)
    if project_id is not None:
        query = query.where(model.project_id == project_id)
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update()
    obj = session.execute(query).scalar_one_or_none()
    if obj is None:
        raise exc.NotFound("Action execution not found [id=%s]" % ax_id)
    return obj


def cas_update_state(session, obj, expected, values):
    """``UPDATE ... WHERE id = :id AND state = :expected``, then ``obj``.

    ``obj`` gets the new values as committed ones, so the ORM does not write
    them again.

    :raises: LostRace if the row is no longer in ``expected``.
    """
    model = type(obj)
    values = dict(values, updated_at=models.utcnow())
    result = session.execute(
        sa.update(model)
        .where(model.id == obj.id, model.state == expected)
        .values(**values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise exc.LostRace(
            "%s %s is no longer %s" % (model.__tablename__, obj.id, expected))
    for key, value in values.items():
        orm.attributes.set_committed_value(obj, key, value)


def flush_or_conflict(session, what):
    """Flush, turning a unique-key violation into a 409."""
    try:
        session.flush()
    except sa_exc.IntegrityError as e:
        raise exc.DuplicateEntry("%s already exists" % what) from e


# ------------------------------------------------------------------ getters

def _get(session, model, obj_id, what, project_id=None, options=()):
    query = sa.select(model).where(model.id == obj_id)
    if project_id is not None:
        query = query.where(model.project_id == project_id)
    obj = session.execute(query.options(*options)).scalar_one_or_none()
    if obj is None:
        raise exc.NotFound("%s not found [id=%s]" % (what, obj_id))
    return obj


def get_execution(session, ex_id, project_id=None, with_spec=False):
    opts = (orm.undefer(models.WorkflowExecution.spec),
            orm.undefer(models.WorkflowExecution.context)) if with_spec else ()
    return _get(session, models.WorkflowExecution, ex_id,
                "Workflow execution", project_id, opts)


def get_task(session, task_id, project_id=None, full=False):
    opts = ()
    if full:
        # Not the with-items values nor the result: they can be as long as
        # the item list, and completing one item must not read them all
        # (they load on first access where really needed).
        opts = (orm.undefer(models.TaskExecution.spec),
                orm.undefer(models.TaskExecution.in_context))
    return _get(session, models.TaskExecution, task_id, "Task execution",
                project_id, opts)


def get_action_execution(session, ax_id, project_id=None):
    return _get(session, models.ActionExecution, ax_id, "Action execution",
                project_id)


def find_workflow_definition(session, identifier, namespace, project_id):
    """By id, or by name in the namespace (own project first).

    ``project_id`` None (an admin's read) finds any project's.
    """
    model = models.WorkflowDefinition
    query = sa.select(model).options(orm.undefer(model.spec))
    by_id = session.execute(
        query.where(model.id == identifier)).scalar_one_or_none()
    if by_id is not None and (project_id is None or by_id.project_id in (
            project_id, None) or by_id.scope == "public"):
        return by_id
    query = query.where(model.name == identifier,
                        model.namespace == (namespace or ""))
    if project_id is not None:
        query = query.where(sa.or_(model.project_id == project_id,
                                   model.scope == "public"))
    rows = session.execute(query).scalars().all()
    rows.sort(key=lambda r: r.project_id != project_id)
    if not rows:
        raise exc.NotFound("Workflow not found [workflow_identifier=%s, "
                           "namespace=%s]" % (identifier, namespace or ""))
    return rows[0]


def list_rows(session, model, filters=None, project_id=None, limit=None,
              marker=None, sort_keys=("created_at",), sort_dirs=("asc",),
              options=()):
    """A page of rows, Mistral's marker pagination (marker = an id)."""
    query = sa.select(model).options(*options)
    for name, value in (filters or {}).items():
        column = getattr(model, name)
        if isinstance(value, (list, tuple, set)):
            query = query.where(column.in_(list(value)))
        else:
            query = query.where(column == value)
    if project_id is not None:
        query = query.where(model.project_id == project_id)
    sort = list(zip(sort_keys, sort_dirs, strict=False))
    if "id" not in sort_keys:
        sort.append(("id", sort_dirs[0] if sort_dirs else "asc"))
    if marker is not None:
        query = query.where(_after_marker(session, model, marker, sort,
                                          project_id))
    for key, direction in sort:
        column = getattr(model, key)
        query = query.order_by(column.desc() if direction == "desc"
                               else column.asc())
    if limit:
        query = query.limit(limit)
    return session.execute(query).scalars().all()


def _after_marker(session, model, marker_id, sort, project_id=None):
    """WHERE clause selecting the rows after ``marker_id`` in ``sort``.

    :raises: NotFound for a marker the project may not see, as for one
        that does not exist.
    """
    marker = _get(session, model, marker_id, model.__tablename__,
                  project_id)
    clauses = []
    for i, (key, direction) in enumerate(sort):
        equal = [getattr(model, k) == getattr(marker, k) for k, _ in sort[:i]]
        column, value = getattr(model, key), getattr(marker, key)
        beyond = column < value if direction == "desc" else column > value
        clauses.append(sa.and_(*equal, beyond))
    return sa.or_(*clauses)


# ------------------------------------------------------------ engine reads

def root_of_action(session, ax_id):
    """The root execution an action's unit of work locks; None for an ad
    hoc action (no workflow: its own row is the lock).

    :raises: NotFound.
    """
    model = models.ActionExecution
    row = session.execute(sa.select(model.id, model.root_execution_id).where(
        model.id == ax_id)).one_or_none()
    if row is None:
        raise exc.NotFound("Action execution not found [id=%s]" % ax_id)
    return row[1]


def root_of_execution(session, ex_id, project_id=None):
    model = models.WorkflowExecution
    query = sa.select(model.root_execution_id, model.id).where(
        model.id == ex_id)
    if project_id is not None:
        query = query.where(model.project_id == project_id)
    row = session.execute(query).one_or_none()
    if row is None:
        raise exc.NotFound("Workflow execution not found [id=%s]" % ex_id)
    return row[0] or row[1]


def newest_task(session, wf_ex_id, name):
    """The newest task execution of ``name`` in an execution, or None."""
    model = models.TaskExecution
    return session.execute(
        sa.select(model)
        .options(orm.undefer(model.result), orm.undefer(model.spec))
        .where(model.workflow_execution_id == wf_ex_id, model.name == name)
        .order_by(model.created_at.desc(), model.id.desc())
        .limit(1)).scalar_one_or_none()


def count_incomplete_tasks(session, wf_ex_id, incomplete_states):
    model = models.TaskExecution
    return session.execute(
        sa.select(sa.func.count()).select_from(model).where(
            model.workflow_execution_id == wf_ex_id,
            model.state.in_(list(incomplete_states)))).scalar_one()


def tasks_of(session, wf_ex_id, states=None, full=False):
    model = models.TaskExecution
    query = sa.select(model).where(model.workflow_execution_id == wf_ex_id)
    if states is not None:
        query = query.where(model.state.in_(list(states)))
    if full:
        query = query.options(orm.undefer(model.spec),
                              orm.undefer(model.in_context),
                              orm.undefer(model.result))
    return session.execute(
        query.order_by(model.created_at, model.id)).scalars().all()


def tasks_to_continue(session, wf_ex_id, completed_states):
    """Finished tasks whose transitions have not (all) run yet."""
    model = models.TaskExecution
    return session.execute(
        sa.select(model)
        .options(orm.undefer(model.spec), orm.undefer(model.in_context),
                 orm.undefer(model.result))
        .where(model.workflow_execution_id == wf_ex_id,
               model.state.in_(list(completed_states)),
               sa.or_(model.processed.is_(False),
                      model.pending_commands.is_not(None)))
        .order_by(model.created_at, model.id)).scalars().all()


def item_states(session, task_ex_id):
    """``{item index: state}`` of a task's accepted action executions."""
    model = models.ActionExecution
    rows = session.execute(
        sa.select(model.item_index, model.state).where(
            model.task_execution_id == task_ex_id,
            model.accepted.is_(True))).all()
    return dict(rows)


def reject_actions(session, task_ex_id, item_indices=None):
    """Mark a task's accepted actions (of these items) as superseded."""
    model = models.ActionExecution
    query = sa.update(model).where(model.task_execution_id == task_ex_id,
                                   model.accepted.is_(True))
    if item_indices is not None:
        query = query.where(model.item_index.in_(list(item_indices)))
    session.execute(query.values(accepted=False, updated_at=models.utcnow())
                    .execution_options(synchronize_session=False))


def newest_attempt(session, task_ex_id, item_index):
    model = models.ActionExecution
    return session.execute(
        sa.select(sa.func.max(model.attempt)).where(
            model.task_execution_id == task_ex_id,
            model.item_index.is_(None) if item_index is None
            else model.item_index == item_index)).scalar() or 0


def actions_of(session, task_ex_id, accepted_only=False):
    model = models.ActionExecution
    query = sa.select(model).where(model.task_execution_id == task_ex_id)
    if accepted_only:
        query = query.where(model.accepted.is_(True))
    return session.execute(
        query.order_by(model.item_index, model.created_at, model.id)
    ).scalars().all()


def child_executions(session, task_ex_id):
    model = models.WorkflowExecution
    return session.execute(
        sa.select(model).where(model.task_execution_id == task_ex_id)
        .order_by(model.created_at)).scalars().all()


# ------------------------------------------------------------------- outbox

def outbox_take_stale(session, older_than, limit=100):
    model = models.Outbox
    query = (sa.select(model).where(model.created_at < older_than)
             .order_by(model.id).limit(limit))
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update(skip_locked=True)
    return session.execute(query).scalars().all()


def outbox_delete(session, ids):
    if ids:
        session.execute(sa.delete(models.Outbox).where(
            models.Outbox.id.in_(list(ids))))


def claim_action(session, ax_id, executor_id, now=None):
    """Claim a RUNNING, unclaimed action execution for ``executor_id`` by
    compare-and-set; False if it is claimed already or no longer running
    (a duplicate ``run_action``: the caller drops it)."""
    model = models.ActionExecution
    now = now or models.utcnow()
    return session.execute(
        sa.update(model)
        .where(model.id == ax_id, model.state == "RUNNING",
               model.executor_id.is_(None))
        .values(executor_id=executor_id, claimed_at=now, heartbeat_at=now)
        .execution_options(synchronize_session=False)).rowcount == 1


# -------------------------------------------------------- with-items items

def load_task(session, task_id, items=False):
    """A task with what a step works on; its item values only if asked.

    The item values of a with-items task can be large: completing one item
    must not read them all.
    """
    model = models.TaskExecution
    opts = [orm.undefer(model.spec), orm.undefer(model.in_context),
            orm.undefer(model.result)]
    if items:
        opts.append(orm.undefer(model.with_items_values))
    return _get(session, model, task_id, "Task execution", None, opts)


def _item_model(task_type):
    return (models.WorkflowExecution if task_type == "WORKFLOW"
            else models.ActionExecution)


def count_items(session, task_ex, states):
    """Accepted items (actions, or sub-workflows) of a task in ``states``."""
    model = _item_model(task_ex.type)
    return session.execute(
        sa.select(sa.func.count()).select_from(model).where(
            model.task_execution_id == task_ex.id,
            model.accepted.is_(True),
            model.state.in_(list(states)))).scalar_one()


def item_outputs(session, task_ex):
    """``[(item index, output)]`` of a task's accepted items, in order."""
    model = _item_model(task_ex.type)
    return session.execute(
        sa.select(model.item_index, model.output).where(
            model.task_execution_id == task_ex.id,
            model.accepted.is_(True))
        .order_by(model.item_index, model.created_at)).all()


_ITEM_SQL = {
    "sqlite": "SELECT with_items_values -> :path FROM task_executions "
              "WHERE id = :id",
    "postgresql": "SELECT (with_items_values::jsonb -> :index)::text "
                  "FROM task_executions WHERE id = :id",
    "mysql": "SELECT JSON_EXTRACT(with_items_values, :path) "
             "FROM task_executions WHERE id = :id",
}


def with_items_value(session, task_ex_id, index):
    """One item's values, extracted by the database.

    Starting the next item of a long list costs one small read, not the
    whole list; the whole column is read only where the database cannot
    extract (SQLite before 3.38).
    """
    dialect = session.get_bind().dialect.name
    sql = _ITEM_SQL.get("mysql" if dialect == "mariadb" else dialect)
    if dialect == "sqlite" and sqlite3.sqlite_version_info < (3, 38):
        sql = None
    if sql is not None:
        text = session.execute(sa.text(sql), {
            "id": task_ex_id, "index": index,
            "path": "$[%d]" % index}).scalar_one_or_none()
        if text is not None:
            return json.loads(text)
    values = session.execute(
        sa.select(models.TaskExecution.with_items_values).where(
            models.TaskExecution.id == task_ex_id)).scalar_one()
    return values[index]


def reject_children(session, task_ex_id):
    """Mark a task's sub-workflow executions superseded (a retry)."""
    model = models.WorkflowExecution
    session.execute(
        sa.update(model).where(model.task_execution_id == task_ex_id,
                               model.accepted.is_(True))
        .values(accepted=False, updated_at=models.utcnow())
        .execution_options(synchronize_session=False))


def running_children(session, task_ex_id, states):
    """A task's accepted sub-workflow executions in ``states``."""
    model = models.WorkflowExecution
    return session.execute(
        sa.select(model).options(orm.undefer(model.spec),
                                 orm.undefer(model.context))
        .where(model.task_execution_id == task_ex_id,
               model.accepted.is_(True), model.state.in_(list(states)))
        .order_by(model.created_at, model.id)).scalars().all()


# ------------------------------------------------------------------- joins

def join_tasks(session, wf_ex_id, name):
    """Join task executions of ``name`` (one per round), oldest first."""
    model = models.TaskExecution
    return session.execute(
        sa.select(model)
        .options(orm.undefer(model.spec), orm.undefer(model.in_context))
        .where(model.workflow_execution_id == wf_ex_id, model.name == name,
               model.unique_key.is_not(None))
        .order_by(model.created_at, model.id)).scalars().all()


def tasks_by_id(session, task_ids):
    """Task executions with their data, for the ids given."""
    model = models.TaskExecution
    if not task_ids:
        return []
    return session.execute(
        sa.select(model).options(orm.undefer(model.in_context))
        .where(model.id.in_(list(task_ids)))).scalars().all()


def task_names(session, task_ids):
    model = models.TaskExecution
    if not task_ids:
        return {}
    return dict(session.execute(
        sa.select(model.id, model.name).where(
            model.id.in_(list(task_ids)))).all())


def count_active_tasks(session, wf_ex_id, names, incomplete, completed,
                       exclude_id=None):
    """Task executions of ``names`` that may still lead somewhere.

    Unfinished ones, and finished ones whose transitions have not all run
    (the execution was paused).
    """
    model = models.TaskExecution
    query = sa.select(sa.func.count()).select_from(model).where(
        model.workflow_execution_id == wf_ex_id,
        model.name.in_(list(names)),
        sa.or_(model.state.in_(list(incomplete)),
               sa.and_(model.state.in_(list(completed)),
                       sa.or_(model.processed.is_(False),
                              model.pending_commands.is_not(None)))))
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return session.execute(query).scalar_one()


# -------------------------------------------------------------- scheduler

def next_job_due(session):
    """When the earliest unclaimed job is due, or None."""
    model = models.ScheduledJob
    return session.execute(sa.select(sa.func.min(model.run_at)).where(
        model.owner.is_(None))).scalar()


def claim_due_jobs(session, owner, now, stale_before, limit=50):
    """Take due jobs for ``owner``: unclaimed ones, or claims gone stale.

    Compare-and-set on ``owner``/``claimed_at``: two schedulers never claim
    the same job.
    """
    model = models.ScheduledJob
    free = sa.or_(model.owner.is_(None), model.claimed_at < stale_before)
    query = (sa.select(model.id, model.owner, model.claimed_at)
             .where(model.run_at <= now, free)
             .order_by(model.run_at).limit(limit))
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for job_id, old_owner, old_claimed in session.execute(query).all():
        same = (model.owner.is_(None) if old_owner is None
                else sa.and_(model.owner == old_owner,
                             model.claimed_at == old_claimed))
        result = session.execute(
            sa.update(model).where(model.id == job_id, same)
            .values(owner=owner, claimed_at=now)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            claimed.append(job_id)
    if not claimed:
        return []
    return session.execute(sa.select(model).where(
        model.id.in_(claimed)).order_by(model.run_at)).scalars().all()


def delete_job(session, job_id, owner):
    """Delete a job this owner claimed; False if it is no longer ours."""
    model = models.ScheduledJob
    result = session.execute(
        sa.delete(model).where(model.id == job_id, model.owner == owner)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def release_job(session, job_id, owner, run_at=None):
    """Give a claimed job back (to run again at ``run_at``, if given)."""
    model = models.ScheduledJob
    values = {"owner": None, "claimed_at": None}
    if run_at is not None:
        values["run_at"] = run_at
    session.execute(
        sa.update(model).where(model.id == job_id, model.owner == owner)
        .values(**values).execution_options(synchronize_session=False))


# A job whose execution is paused waits under this owner for the resume.
PARKED = "parked"


def park_job(session, job_id, owner):
    model = models.ScheduledJob
    session.execute(
        sa.update(model).where(model.id == job_id, model.owner == owner)
        .values(owner=PARKED, claimed_at=None)
        .execution_options(synchronize_session=False))


def unpark_jobs(session, task_ex_ids, run_at):
    """Let the parked jobs of these tasks run (at ``run_at``)."""
    model = models.ScheduledJob
    if not task_ex_ids:
        return 0
    return session.execute(
        sa.update(model).where(model.task_execution_id.in_(list(task_ex_ids)),
                               model.owner == PARKED)
        .values(owner=None, run_at=run_at)
        .execution_options(synchronize_session=False)).rowcount


def has_job(session, task_ex_id):
    model = models.ScheduledJob
    return session.execute(sa.select(model.id).where(
        model.task_execution_id == task_ex_id).limit(1)).first() is not None


def delete_task_jobs(session, task_ex_id):
    model = models.ScheduledJob
    session.execute(sa.delete(model).where(
        model.task_execution_id == task_ex_id)
        .execution_options(synchronize_session=False))


# ------------------------------------------------------------ environments

def find_environment(session, name, project_id):
    """An environment by name: the project's own, else a public one;
    ``project_id`` None (an admin's read): any project's.

    :raises: NotFound.
    """
    model = models.Environment
    query = sa.select(model).where(model.name == name)
    if project_id is not None:
        query = query.where(sa.or_(model.project_id == project_id,
                                   model.scope == "public"))
    rows = session.execute(query).scalars().all()
    rows.sort(key=lambda r: r.project_id != project_id)
    if not rows:
        raise exc.NotFound("Environment not found [name=%s]" % name)
    return rows[0]


def find_workbook(session, name, namespace, project_id):
    """The project's workbook ``name`` (or a public one).

    :raises: NotFound.
    """
    model = models.Workbook
    query = sa.select(model).where(model.name == name,
                                   model.namespace == (namespace or ""))
    if project_id is not None:
        query = query.where(sa.or_(model.project_id == project_id,
                                   model.scope == "public"))
    rows = session.execute(query).scalars().all()
    rows.sort(key=lambda r: r.project_id != project_id)
    if not rows:
        raise exc.NotFound("Workbook not found [name=%s, namespace=%s]"
                           % (name, namespace or ""))
    return rows[0]
