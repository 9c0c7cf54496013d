"""The new execution rows of a unit of work, written by one multi-row INSERT
per table at its end.

A unit of work that runs a chain of inline tasks creates an execution, its
tasks and their actions, and changes them in memory until it ends: the ORM's
flush would then spend more time deciding how to write those rows (their
attribute histories, the order of the tables) than the database spends
writing them. They are written here instead, straight from their
attributes, and the session forgets them: nothing reads them after the
commit. Rows already written (by an autoflush) are the ORM's to update.
"""
import sqlalchemy as sa
from sqlalchemy import orm

from mistral_resume.db import models

# In the order their foreign keys need.
MODELS = (models.WorkflowExecution, models.TaskExecution,
          models.ActionExecution)


def _default_of(column):
    """A zero-argument function giving the column's Python-side default,
    or None (the row gets NULL, as it would from the ORM)."""
    default = column.default
    if default is None:
        return None
    if default.is_callable:
        return lambda: default.arg(None)
    return lambda: default.arg


def _columns(model):
    return [(column.key, _default_of(column))
            for column in model.__table__.columns]


_COLUMNS = {model: _columns(model) for model in MODELS}


def insert_new_rows(session):
    """INSERT the session's new executions, tasks and actions that were
    never flushed, one statement per table (in creation order), and
    expunge them. :returns: the number of rows written."""
    pending = {}
    for obj in session.new:
        if type(obj) in _COLUMNS:
            pending.setdefault(type(obj), []).append(obj)
    if not pending:
        return 0
    connection = session.connection()
    for model in MODELS:
        rows = pending.get(model)
        if rows:
            rows.sort(key=lambda obj: sa.inspect(obj).insert_order)
            connection.execute(model.__table__.insert(),
                               [_values(_COLUMNS[model], obj)
                                for obj in rows])
    for rows in pending.values():
        for obj in rows:
            session.expunge(obj)
    return sum(len(rows) for rows in pending.values())


def _values(columns, obj):
    state = obj.__dict__
    values = {}
    for key, default in columns:
        if key in state:
            values[key] = state[key]
        elif default is None:
            values[key] = None
        else:
            values[key] = default()
            orm.attributes.set_committed_value(obj, key, values[key])
    return values
