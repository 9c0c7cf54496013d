"""The queries of the service: locks, getters, engine reads (with-items
items: ``db/items.py``; joins: ``db/joins.py``; API list pages:
``db/listing.py``; sessions: ``db/database.py``; the rows a unit of work
holds already: ``db/held.py``).

Sessions are explicit: ``Database.reading()`` for a GET, ``writing()`` for a
unit of work. A writer locks the root execution row it works on
(:func:`lock_root`) and writes states by compare-and-set
(:func:`cas_update_state`), so two engines never apply the same transition.
"""
import collections
import logging

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from mistral_resume import exceptions as exc
from mistral_resume.db import held
from mistral_resume.db import models

LOG = logging.getLogger(__name__)


# ------------------------------------------------------------------ locking

def lock_root(session, root_id):
    """Lock the root execution row for the rest of the transaction.

    :raises: NotFound if there is no such execution.
    """
    # The row itself, not its id only: the unit of work reads it next
    # (``get_row`` finds it in the session).
    query = sa.select(models.WorkflowExecution).where(
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
    if sa.inspect(obj).pending:
        # Made by this transaction and not written yet: nobody else can
        # see it, and its INSERT carries the new values.
        if obj.state != expected:
            raise exc.LostRace("%s %s is no longer %s" % (
                model.__tablename__, obj.id, expected))
        for key, value in values.items():
            setattr(obj, key, value)
        return
    # Core, not an ORM update: nothing of the session needs flushing for
    # one row this transaction already holds.
    table = model.__table__
    result = session.connection().execute(
        sa.update(table)
        .where(table.c.id == obj.id, table.c.state == expected)
        .values(**values))
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

class Undeferred:
    """Deferred columns a read needs: the loader options that read them,
    and their names (to tell whether a row in the session has them)."""

    def __init__(self, model, *names):
        self.options = tuple(orm.undefer(getattr(model, n)) for n in names)
        self.columns = frozenset(names)


_NO_DEFERRED = Undeferred(models.Base)


def get_row(session, model, obj_id, what, project_id=None, need=_NO_DEFERRED):
    """The row ``obj_id`` (of ``project_id``, if given): the session's own
    (written or not yet) if it holds it with the deferred columns ``need``
    names loaded (no SELECT), else read.

    :raises: NotFound naming ``what``.
    """
    row = held.held(session, model, obj_id)
    if (row is not None and project_id in (None, row.project_id)
            and not (sa.inspect(row).unloaded & need.columns)):
        return row
    query = sa.select(model).where(model.id == obj_id)
    if project_id is not None:
        query = query.where(model.project_id == project_id)
    obj = session.execute(query.options(*need.options)).scalar_one_or_none()
    if obj is None:
        raise exc.NotFound("%s not found [id=%s]" % (what, obj_id))
    held.keep_read(session, obj)
    return obj


def get_execution(session, ex_id, project_id=None, with_spec=False):
    return get_row(session, models.WorkflowExecution, ex_id,
                   "Workflow execution", project_id,
                   _EXECUTION_FULL if with_spec else _NO_DEFERRED)


_EXECUTION_FULL = Undeferred(models.WorkflowExecution, "spec", "context")


def get_task(session, task_id, project_id=None, full=False):
    # ``full``: not the with-items values nor the result: they can be as
    # long as the item list, and completing one item must not read them
    # all (they load on first access where really needed).
    return get_row(session, models.TaskExecution, task_id, "Task execution",
                   project_id, _TASK_FULL if full else _NO_DEFERRED)


def get_action_execution(session, ax_id, project_id=None):
    return get_row(session, models.ActionExecution, ax_id,
                   "Action execution", project_id)


def action_executions(session, ax_ids):
    """These action executions (those that exist), in the order given."""
    model = models.ActionExecution
    rows = {ax.id: ax for ax in session.execute(
        sa.select(model).where(model.id.in_(list(ax_ids)))).scalars()}
    return [rows[ax_id] for ax_id in ax_ids if ax_id in rows]


def find_workflow_definition(session, identifier, namespace, project_id,
                             with_text=True):
    """By id, or by name in the namespace (own project first), in one query.

    ``project_id`` None (an admin's read) finds any project's. The spec
    column (the whole parsed workflow) loads when first read, and so does
    the definition's text without ``with_text`` (starting an execution
    reads neither but once per version).
    """
    model = models.WorkflowDefinition
    namespace = namespace or ""
    named = sa.and_(model.name == identifier, model.namespace == namespace)
    if project_id is not None:
        named = sa.and_(named, sa.or_(model.project_id == project_id,
                                      model.scope == "public"))
    query = sa.select(model).where(sa.or_(model.id == identifier, named))
    if not with_text:
        query = query.options(orm.defer(model.definition))
    rows = session.execute(query).scalars().all()
    for row in rows:
        if row.id == identifier and (
                project_id is None or row.scope == "public"
                or row.project_id in (project_id, None)):
            return row
    # A row found by id and not visible is never one found by name (those
    # are all visible): drop it.
    rows = sorted((r for r in rows if r.id != identifier),
                  key=lambda r: r.project_id != project_id)
    if not rows:
        raise exc.NotFound("Workflow not found [workflow_identifier=%s, "
                           "namespace=%s]" % (identifier, namespace))
    return rows[0]


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


def task_state_counts(session, wf_ex_id, states):
    """``{state: number of the execution's tasks in it}`` for ``states``
    (those with none are left out), in one query."""
    rows = held.tasks_of_new_execution(session, wf_ex_id)
    if rows is not None:
        return dict(collections.Counter(
            t.state for t in rows if t.state in states))
    model = models.TaskExecution
    return dict(session.execute(
        sa.select(model.state, sa.func.count())
        .where(model.workflow_execution_id == wf_ex_id,
               model.state.in_(list(states)))
        .group_by(model.state)).all())


def count_incomplete_tasks(session, wf_ex_id, incomplete_states):
    rows = held.tasks_of_new_execution(session, wf_ex_id)
    if rows is not None:
        return sum(1 for t in rows if t.state in incomplete_states)
    model = models.TaskExecution
    return session.execute(
        sa.select(sa.func.count()).select_from(model).where(
            model.workflow_execution_id == wf_ex_id,
            model.state.in_(list(incomplete_states)))).scalar_one()


def tasks_of(session, wf_ex_id, states=None, full=False, ends_only=False):
    """Task rows of an execution, oldest first; ``ends_only``: those no
    other task was triggered by."""
    rows = held.tasks_of_new_execution(session, wf_ex_id)
    if rows is not None:
        return [t for t in rows
                if (states is None or t.state in states)
                and not (ends_only and t.has_next_tasks)]
    model = models.TaskExecution
    query = sa.select(model).where(model.workflow_execution_id == wf_ex_id)
    if states is not None:
        query = query.where(model.state.in_(list(states)))
    if ends_only:
        query = query.where(model.has_next_tasks == sa.false())
    if full:
        query = query.options(orm.undefer(model.spec),
                              orm.undefer(model.in_context),
                              orm.undefer(model.result))
    return session.execute(
        query.order_by(model.created_at, model.id)).scalars().all()


def mark_triggering(session, triggered_by):
    """Flag the tasks a ``triggered_by`` list names as having a next task:
    in memory for those this session holds (the task being processed,
    saved with its own update), by one UPDATE for the others."""
    model = models.TaskExecution
    elsewhere = []
    for ref in triggered_by or ():
        row = held.held(session, model, ref["task_id"])
        if row is not None:
            row.has_next_tasks = True
        else:
            elsewhere.append(ref["task_id"])
    if elsewhere:
        session.execute(
            sa.update(model).where(model.id.in_(elsewhere),
                                   model.has_next_tasks.is_(False))
            .values(has_next_tasks=True)
            .execution_options(synchronize_session=False))


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


def load_task(session, task_id):
    """A task with what a step works on (a with-items task's item values
    are rows of their own: :func:`with_items_value`)."""
    return get_row(session, models.TaskExecution, task_id, "Task execution",
                   None, _TASK_STEP)


_TASK_FULL = Undeferred(models.TaskExecution, "spec", "in_context")
_TASK_STEP = Undeferred(models.TaskExecution, "spec", "in_context",
                        "result")


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
