"""The items of a with-items task: their values (a row each), and the
action or sub-workflow executions that run them."""
import sqlalchemy as sa
from sqlalchemy import orm

from mistral_resume.db import models


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


def store_items(session, task_ex_id, values):
    """Store a with-items task's item values, one row per item."""
    if values:
        session.execute(sa.insert(models.WithItemsValue), [
            {"task_execution_id": task_ex_id, "item_index": index,
             "value": value} for index, value in enumerate(values)])


def with_items_value(session, task_ex_id, index):
    """One item's values: one small row, whatever the item count."""
    model = models.WithItemsValue
    return session.execute(sa.select(model.value).where(
        model.task_execution_id == task_ex_id,
        model.item_index == index)).scalar_one()


def with_items_values(session, task_ex_id):
    """All item values of a task, in item order."""
    model = models.WithItemsValue
    return list(session.execute(
        sa.select(model.value).where(model.task_execution_id == task_ex_id)
        .order_by(model.item_index)).scalars())


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
