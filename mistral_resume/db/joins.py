"""The queries behind joins: the join task rows, and the tasks that may
still reach one."""
import sqlalchemy as sa
from sqlalchemy import orm

from mistral_resume.db import models


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


def active_task_names(session, wf_ex_id, names, incomplete, completed,
                      exclude_id=None):
    """The names, among ``names``, of task executions that may still lead
    somewhere: unfinished ones, and finished ones whose transitions have
    not all run (the execution was paused). One query for all names."""
    model = models.TaskExecution
    query = sa.select(model.name).distinct().where(
        model.workflow_execution_id == wf_ex_id,
        model.name.in_(list(names)),
        sa.or_(model.state.in_(list(incomplete)),
               sa.and_(model.state.in_(list(completed)),
                       sa.or_(model.processed.is_(False),
                              model.pending_commands.is_not(None)))))
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return set(session.execute(query).scalars())
