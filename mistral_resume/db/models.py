"""SQLAlchemy models: the database is the only source of truth.

What the engine decides on is a real column (state, item index, attempt,
``accepted``, the root execution id every row is locked through), not a key
inside a JSON bag. JSON columns hold user data (input, output, context).
"""
import datetime
import json
import uuid

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects import mysql

# MySQL's TEXT stops at 64 KiB and its DATETIME at whole seconds.
LongText = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
Timestamp = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql",
                                        "mariadb")


class JsonType(sa.types.TypeDecorator):
    """JSON stored as text, the same on every backend.

    Values are replaced, never mutated in place, so no mutation tracking.
    """

    impl = LongText
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else json.dumps(value)

    def process_result_value(self, value, dialect):
        return None if value is None else json.loads(value)


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def new_id():
    return str(uuid.uuid4())


class Base(orm.DeclarativeBase):
    def to_dict(self):
        """Loaded columns only: a deferred column is not fetched for this."""
        unloaded = sa.inspect(self).unloaded
        return {c.key: getattr(self, c.key)
                for c in sa.inspect(self).mapper.column_attrs
                if c.key not in unloaded}


class _Stamped:
    id = sa.Column(sa.String(36), primary_key=True, default=new_id)
    created_at = sa.Column(Timestamp, nullable=False, default=utcnow)
    updated_at = sa.Column(Timestamp, nullable=True, onupdate=utcnow)
    project_id = sa.Column(sa.String(128), nullable=False, index=True)


class WorkflowDefinition(_Stamped, Base):
    __tablename__ = "workflow_definitions"
    __table_args__ = (
        sa.UniqueConstraint("name", "namespace", "project_id",
                            name="uq_workflow_definitions_name"),
    )

    name = sa.Column(sa.String(255), nullable=False)
    namespace = sa.Column(sa.String(255), nullable=False, default="")
    definition = sa.Column(LongText, nullable=False)
    spec = orm.deferred(sa.Column(JsonType, nullable=False))
    input = sa.Column(sa.Text, nullable=True)
    tags = sa.Column(JsonType, nullable=True)
    scope = sa.Column(sa.String(16), nullable=False, default="private")
    checksum = sa.Column(sa.String(64), nullable=True)


class Workbook(_Stamped, Base):
    """A workbook document; its workflows and actions are rows of their
    own, named ``<workbook>.<name>``."""

    __tablename__ = "workbooks"
    __table_args__ = (
        sa.UniqueConstraint("name", "namespace", "project_id",
                            name="uq_workbooks_name"),
    )

    name = sa.Column(sa.String(255), nullable=False)
    namespace = sa.Column(sa.String(255), nullable=False, default="")
    definition = sa.Column(LongText, nullable=False)
    spec = orm.deferred(sa.Column(JsonType, nullable=False))
    tags = sa.Column(JsonType, nullable=True)
    scope = sa.Column(sa.String(16), nullable=False, default="private")


class ActionDefinition(_Stamped, Base):
    """An ad hoc action: a ``base`` action with ``base-input``."""

    __tablename__ = "action_definitions"
    __table_args__ = (
        sa.UniqueConstraint("name", "namespace", "project_id",
                            name="uq_action_definitions_name"),
    )

    name = sa.Column(sa.String(255), nullable=False)
    namespace = sa.Column(sa.String(255), nullable=False, default="")
    definition = sa.Column(LongText, nullable=True)
    spec = sa.Column(JsonType, nullable=False)
    input = sa.Column(sa.Text, nullable=True)
    description = sa.Column(sa.Text, nullable=True)
    tags = sa.Column(JsonType, nullable=True)
    scope = sa.Column(sa.String(16), nullable=False, default="private")
    # The workbook that defined it (None: a standalone ad hoc action).
    workbook_name = sa.Column(sa.String(255), nullable=True)


class WorkflowExecution(_Stamped, Base):
    __tablename__ = "workflow_executions"

    name = sa.Column(sa.String(255), nullable=False)
    workflow_id = sa.Column(sa.String(36), nullable=True)
    workflow_namespace = sa.Column(sa.String(255), nullable=False,
                                   default="")
    description = sa.Column(sa.String(255), nullable=True)
    tags = sa.Column(JsonType, nullable=True)
    # The spec as it was at start: later edits of the definition do not
    # change a running execution.
    spec = orm.deferred(sa.Column(JsonType, nullable=False))
    state = sa.Column(sa.String(20), nullable=False, index=True)
    state_info = sa.Column(LongText, nullable=True)
    input = sa.Column(JsonType, nullable=True)
    output = sa.Column(JsonType, nullable=True)
    params = sa.Column(JsonType, nullable=True)
    # Input + vars: the data every start task sees.
    context = orm.deferred(sa.Column(JsonType, nullable=True))
    task_execution_id = sa.Column(sa.String(36), nullable=True, index=True)
    root_execution_id = sa.Column(sa.String(36), nullable=True, index=True)
    source_execution_id = sa.Column(sa.String(36), nullable=True)
    user_id = sa.Column(sa.String(128), nullable=True)
    comments = sa.Column(JsonType, nullable=True)
    # A sub-workflow is its parent task's "action": False once superseded
    # by a retry or a re-run; ``item_index`` for a with-items item.
    accepted = sa.Column(sa.Boolean, nullable=False, default=True,
                         server_default=sa.true())
    item_index = sa.Column(sa.Integer, nullable=True)
    finished_at = sa.Column(Timestamp, nullable=True)


class TaskExecution(_Stamped, Base):
    __tablename__ = "task_executions"
    __table_args__ = (
        sa.Index("ix_task_executions_wf_state", "workflow_execution_id",
                 "state"),
        # An execution's end tasks (no task was triggered by them) without
        # visiting the others: ending or resuming a long execution reads
        # only those (migration 0002).
        sa.Index("ix_task_executions_wf_ends", "workflow_execution_id",
                 "has_next_tasks", "state"),
        # One join task execution per (execution, join name, cycle): two
        # engines arriving at a join at once cannot both create it.
        sa.UniqueConstraint("unique_key", name="uq_task_executions_key"),
    )

    name = sa.Column(sa.String(255), nullable=False)
    type = sa.Column(sa.String(10), nullable=False, default="ACTION")
    workflow_execution_id = sa.Column(
        sa.String(36), sa.ForeignKey("workflow_executions.id",
                                     ondelete="CASCADE"),
        nullable=False)
    root_execution_id = sa.Column(sa.String(36), nullable=False, index=True)
    workflow_name = sa.Column(sa.String(255), nullable=True)
    workflow_id = sa.Column(sa.String(36), nullable=True)
    state = sa.Column(sa.String(20), nullable=False)
    state_info = sa.Column(LongText, nullable=True)
    spec = orm.deferred(sa.Column(JsonType, nullable=True))
    in_context = orm.deferred(sa.Column(JsonType, nullable=True))
    published = sa.Column(JsonType, nullable=True)
    result = orm.deferred(sa.Column(JsonType, nullable=True))
    # Transitions were evaluated: successors were started (or none).
    processed = sa.Column(sa.Boolean, nullable=False, default=False)
    reset = sa.Column(sa.Boolean, nullable=False, default=False)
    env = sa.Column(JsonType, nullable=True)
    triggered_by = sa.Column(JsonType, nullable=True)
    # Named in another task's triggered_by: not an end task, whose data
    # the workflow's output merges (kept so ending an execution reads its
    # end tasks only, not every task).
    has_next_tasks = sa.Column(sa.Boolean, nullable=False, default=False,
                               server_default=sa.false())
    unique_key = sa.Column(sa.String(255), nullable=True)
    # A with-items task's item count, set with its values (WithItemsValue)
    # at its first run.
    items_count = sa.Column(sa.Integer, nullable=True)
    # Items of the current sweep started so far (a retry starts a new one).
    items_started = sa.Column(sa.Integer, nullable=True)
    # The evaluated 'concurrency' policy: most items running at once.
    concurrency = sa.Column(sa.Integer, nullable=True)
    retry_no = sa.Column(sa.Integer, nullable=False, default=0)
    # Transitions a 'pause' command left to run when the execution resumes.
    pending_commands = sa.Column(JsonType, nullable=True)
    # A noop task injected by a skip-with-output: the skipped one's id.
    injected_for = sa.Column(sa.String(36), nullable=True)
    started_at = sa.Column(Timestamp, nullable=True)
    finished_at = sa.Column(Timestamp, nullable=True)
    # Never read: there only so that a flush inserts executions before
    # their tasks (the unit of work orders mappers by relationships, not
    # by foreign keys), and tasks can be created without a flush each.
    _execution = orm.relationship("WorkflowExecution", lazy="raise")


class ActionExecution(_Stamped, Base):
    __tablename__ = "action_executions"
    __table_args__ = (
        sa.Index("ix_action_executions_task_item", "task_execution_id",
                 "item_index"),
        # Counting a with-items task's running, failed and finished items.
        sa.Index("ix_action_executions_task_accepted_state",
                 "task_execution_id", "accepted", "state"),
    )

    name = sa.Column(sa.String(255), nullable=False)
    task_execution_id = sa.Column(
        sa.String(36), sa.ForeignKey("task_executions.id",
                                     ondelete="CASCADE"),
        nullable=True)
    workflow_execution_id = sa.Column(sa.String(36), nullable=True,
                                      index=True)
    root_execution_id = sa.Column(sa.String(36), nullable=True, index=True)
    workflow_name = sa.Column(sa.String(255), nullable=True)
    task_name = sa.Column(sa.String(255), nullable=True)
    state = sa.Column(sa.String(20), nullable=False)
    state_info = sa.Column(LongText, nullable=True)
    input = sa.Column(JsonType, nullable=True)
    output = sa.Column(JsonType, nullable=True)
    # False once superseded by a re-run: kept for audit, not for results.
    accepted = sa.Column(sa.Boolean, nullable=False, default=True)
    item_index = sa.Column(sa.Integer, nullable=True)
    attempt = sa.Column(sa.Integer, nullable=False, default=1)
    tags = sa.Column(JsonType, nullable=True)
    description = sa.Column(sa.String(255), nullable=True)
    params = sa.Column(JsonType, nullable=True)
    # An ad hoc action's ``output`` transforms, innermost first, applied to
    # the base action's result when it completes (None: a plain action).
    adhoc_outputs = sa.Column(JsonType, nullable=True)
    # What an ad hoc action runs: ``{"name", "input"}`` of its base action
    # (sent again as it was if the action is re-sent after a lost executor).
    adhoc_base = sa.Column(JsonType, nullable=True)
    # The executor that claimed the run (db/leases.py) and its last
    # heartbeat; ``claimed_at`` is when the run was last handed out (claimed,
    # or re-sent by lease recovery). A NULL heartbeat under a claim: an async
    # action, which completes through the API and has no lease.
    executor_id = sa.Column(sa.String(255), nullable=True)
    claimed_at = sa.Column(Timestamp, nullable=True)
    heartbeat_at = sa.Column(Timestamp, nullable=True)
    # Never read: a flush inserts tasks before their actions (see
    # TaskExecution._execution).
    _task = orm.relationship("TaskExecution", lazy="raise")


class WithItemsValue(Base):
    """One item's values ({var: value}) of a with-items task, evaluated
    once at the task's first run: starting or re-running item N reads one
    small row, whatever the item count."""

    __tablename__ = "with_items_values"

    task_execution_id = sa.Column(
        sa.String(36), sa.ForeignKey("task_executions.id",
                                     ondelete="CASCADE"),
        primary_key=True)
    item_index = sa.Column(sa.Integer, primary_key=True,
                           autoincrement=False)
    value = sa.Column(JsonType, nullable=True)


class Outbox(Base):
    """Messages a unit of work committed to send; deleted once sent."""

    __tablename__ = "outbox"

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    topic = sa.Column(sa.String(255), nullable=False)
    method = sa.Column(sa.String(255), nullable=False)
    payload = sa.Column(JsonType, nullable=False)
    context = sa.Column(JsonType, nullable=True)
    created_at = sa.Column(Timestamp, nullable=False, default=utcnow,
                           index=True)


class ScheduledJob(Base):
    """A call to make later (retry delay, wait-before): survives restarts."""

    __tablename__ = "scheduled_jobs"

    id = sa.Column(sa.String(36), primary_key=True, default=new_id)
    run_at = sa.Column(Timestamp, nullable=False, index=True)
    method = sa.Column(sa.String(255), nullable=False)
    payload = sa.Column(JsonType, nullable=False)
    context = sa.Column(JsonType, nullable=True)
    root_execution_id = sa.Column(sa.String(36), nullable=True)
    # The task the job continues, so a resume can tell whether it is due.
    task_execution_id = sa.Column(sa.String(36), nullable=True, index=True)
    owner = sa.Column(sa.String(255), nullable=True)
    claimed_at = sa.Column(Timestamp, nullable=True)
    created_at = sa.Column(Timestamp, nullable=False, default=utcnow)


class Environment(_Stamped, Base):
    """Named variables that ``params.env`` may name at start."""

    __tablename__ = "environments"
    __table_args__ = (
        sa.UniqueConstraint("name", "project_id",
                            name="uq_environments_name"),
    )

    name = sa.Column(sa.String(255), nullable=False)
    description = sa.Column(sa.Text, nullable=True)
    variables = sa.Column(JsonType, nullable=True)
    scope = sa.Column(sa.String(16), nullable=False, default="private")


class IdempotencyKey(Base):
    """The first answer to a request sent with an ``Idempotency-Key``."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "key",
                            name="uq_idempotency_keys_key"),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    project_id = sa.Column(sa.String(128), nullable=False)
    key = sa.Column(sa.String(255), nullable=False)
    request_hash = sa.Column(sa.String(64), nullable=False)
    status_code = sa.Column(sa.Integer, nullable=False)
    response = sa.Column(JsonType, nullable=True)
    created_at = sa.Column(Timestamp, nullable=False, default=utcnow)
