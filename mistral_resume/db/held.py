"""The rows a unit of work holds: those it created (written or not yet) and
those it read, so that it asks the database only for what it does not know.

A unit of work is one session and one transaction. What it created nobody
else can see before it commits: an execution it created has exactly the
task rows it created, so questions about that execution's tasks (are any
still running, which are its end tasks) are answered from memory, without
a flush and a SELECT. The registries are dropped when the transaction
ends.
"""
import sqlalchemy as sa
from sqlalchemy import orm

from mistral_resume.db import models

_NEW = "mistral_resume: new rows"
_NEW_TASKS = "mistral_resume: new tasks by execution"
_READ = "mistral_resume: rows read"


@sa.event.listens_for(orm.Session, "transient_to_pending")
def _remember_new(session, instance):
    key = orm.util.identity_key(instance=instance)
    session.info.setdefault(_NEW, {})[key] = instance
    if isinstance(instance, models.TaskExecution):
        session.info.setdefault(_NEW_TASKS, {}).setdefault(
            instance.workflow_execution_id, []).append(instance)


@sa.event.listens_for(orm.Session, "after_transaction_end")
def _forget(session, transaction):
    if transaction.parent is None:  # the session's own, not a savepoint
        for name in (_NEW, _NEW_TASKS, _READ):
            session.info.pop(name, None)


def held(session, model, obj_id):
    """The session's row ``obj_id``, written or not yet, or None."""
    key = orm.util.identity_key(model, obj_id)
    row = session.identity_map.get(key)
    if row is None:
        row = session.info.get(_NEW, {}).get(key)
    return row


def keep_read(session, row):
    """Keep ``row`` for the rest of the unit of work: the identity map
    holds rows weakly, and a row read once should not be read again."""
    session.info.setdefault(_READ, []).append(row)


def tasks_of_new_execution(session, wf_ex_id):
    """Every task row of execution ``wf_ex_id``, oldest first, if this unit
    of work created the execution (then it created all of them); None for
    an execution that existed before."""
    key = orm.util.identity_key(models.WorkflowExecution, wf_ex_id)
    if key not in session.info.get(_NEW, {}):
        return None
    return list(session.info.get(_NEW_TASKS, {}).get(wf_ex_id, ()))
