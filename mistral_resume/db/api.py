"""The database: engine set-up, sessions, and every query the service makes.

Sessions are explicit: ``Database.reading()`` for a GET, ``writing()`` for a
unit of work. A writer locks the root execution row it works on
(:func:`lock_root`) and writes states by compare-and-set
(:func:`cas_update_state`), so two engines never apply the same transition.
"""
import contextlib
import logging
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
        opts = (orm.undefer(models.TaskExecution.spec),
                orm.undefer(models.TaskExecution.in_context),
                orm.undefer(models.TaskExecution.result),
                orm.undefer(models.TaskExecution.with_items_values))
    return _get(session, models.TaskExecution, task_id, "Task execution",
                project_id, opts)


def get_action_execution(session, ax_id, project_id=None):
    return _get(session, models.ActionExecution, ax_id, "Action execution",
                project_id)


def find_workflow_definition(session, identifier, namespace, project_id):
    """By id, or by name in the namespace (own project first)."""
    model = models.WorkflowDefinition
    query = sa.select(model).options(orm.undefer(model.spec))
    by_id = session.execute(
        query.where(model.id == identifier)).scalar_one_or_none()
    if by_id is not None and by_id.project_id in (project_id, None) or (
            by_id is not None and by_id.scope == "public"):
        return by_id
    rows = session.execute(query.where(
        model.name == identifier, model.namespace == (namespace or ""),
        sa.or_(model.project_id == project_id, model.scope == "public"),
    )).scalars().all()
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
        query = query.where(_after_marker(session, model, marker, sort))
    for key, direction in sort:
        column = getattr(model, key)
        query = query.order_by(column.desc() if direction == "desc"
                               else column.asc())
    if limit:
        query = query.limit(limit)
    return session.execute(query).scalars().all()


def _after_marker(session, model, marker_id, sort):
    """WHERE clause selecting the rows after ``marker_id`` in ``sort``."""
    marker = _get(session, model, marker_id, model.__tablename__)
    clauses = []
    for i, (key, direction) in enumerate(sort):
        equal = [getattr(model, k) == getattr(marker, k) for k, _ in sort[:i]]
        column, value = getattr(model, key), getattr(marker, key)
        beyond = column < value if direction == "desc" else column > value
        clauses.append(sa.and_(*equal, beyond))
    return sa.or_(*clauses)


# ------------------------------------------------------------ engine reads

def join_task(session, unique_key):
    model = models.TaskExecution
    return session.execute(
        sa.select(model)
        .options(orm.undefer(model.spec), orm.undefer(model.in_context))
        .where(model.unique_key == unique_key)).scalar_one_or_none()


def root_of_action(session, ax_id):
    model = models.ActionExecution
    root = session.execute(sa.select(model.root_execution_id).where(
        model.id == ax_id)).scalar_one_or_none()
    if root is None:
        raise exc.NotFound("Action execution not found [id=%s]" % ax_id)
    return root


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
