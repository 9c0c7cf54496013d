"""Initial schema: definitions, executions, outbox, jobs, idempotency keys.

Revision ID: 0001
Revises:
Create Date: 2025-11-28

Types are spelled out here rather than imported from the models, so that this
revision keeps creating the same tables when the models move on. JSON columns
are plain long text (the models' JsonType serializes on top of it).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# MySQL's TEXT stops at 64 KiB and its DATETIME at whole seconds.
LONG_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql",
                                       "mariadb")
JSON_TEXT = LONG_TEXT
UUID = sa.String(36)


def _stamped():
    """The columns every execution-like row carries (models._Stamped)."""
    return [
        sa.Column("id", UUID, primary_key=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=True),
        sa.Column("project_id", sa.String(128), nullable=False),
    ]


def _index(table, *columns, name=None):
    op.create_index(name or "ix_%s_%s" % (table, columns[0]), table,
                    list(columns))


def _idempotency_keys():
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.String(128), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("response", JSON_TEXT, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.UniqueConstraint("project_id", "key",
                            name="uq_idempotency_keys_key"),
    )


def _outbox():
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("method", sa.String(255), nullable=False),
        sa.Column("payload", JSON_TEXT, nullable=False),
        sa.Column("context", JSON_TEXT, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
    )
    _index("outbox", "created_at")


def _scheduled_jobs():
    op.create_table(
        "scheduled_jobs",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("run_at", TIMESTAMP, nullable=False),
        sa.Column("method", sa.String(255), nullable=False),
        sa.Column("payload", JSON_TEXT, nullable=False),
        sa.Column("context", JSON_TEXT, nullable=True),
        sa.Column("root_execution_id", UUID, nullable=True),
        sa.Column("task_execution_id", UUID, nullable=True),
        sa.Column("owner", sa.String(255), nullable=True),
        sa.Column("claimed_at", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
    )
    _index("scheduled_jobs", "run_at")
    _index("scheduled_jobs", "task_execution_id")


def _environments():
    op.create_table(
        "environments",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("variables", JSON_TEXT, nullable=True),
        sa.Column("scope", sa.String(16), nullable=False),
        *_stamped(),
        sa.UniqueConstraint("name", "project_id",
                            name="uq_environments_name"),
    )
    _index("environments", "project_id")


def _workbooks():
    op.create_table(
        "workbooks",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("namespace", sa.String(255), nullable=False),
        sa.Column("definition", LONG_TEXT, nullable=False),
        sa.Column("spec", JSON_TEXT, nullable=False),
        sa.Column("tags", JSON_TEXT, nullable=True),
        sa.Column("scope", sa.String(16), nullable=False),
        *_stamped(),
        sa.UniqueConstraint("name", "namespace", "project_id",
                            name="uq_workbooks_name"),
    )
    _index("workbooks", "project_id")


def _action_definitions():
    op.create_table(
        "action_definitions",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("namespace", sa.String(255), nullable=False),
        sa.Column("definition", LONG_TEXT, nullable=True),
        sa.Column("spec", JSON_TEXT, nullable=False),
        sa.Column("input", sa.Text, nullable=True),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("tags", JSON_TEXT, nullable=True),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("workbook_name", sa.String(255), nullable=True),
        *_stamped(),
        sa.UniqueConstraint("name", "namespace", "project_id",
                            name="uq_action_definitions_name"),
    )
    _index("action_definitions", "project_id")


def _workflow_definitions():
    op.create_table(
        "workflow_definitions",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("namespace", sa.String(255), nullable=False),
        sa.Column("definition", LONG_TEXT, nullable=False),
        sa.Column("spec", JSON_TEXT, nullable=False),
        sa.Column("input", sa.Text, nullable=True),
        sa.Column("tags", JSON_TEXT, nullable=True),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("checksum", sa.String(64), nullable=True),
        *_stamped(),
        sa.UniqueConstraint("name", "namespace", "project_id",
                            name="uq_workflow_definitions_name"),
    )
    _index("workflow_definitions", "project_id")


def _workflow_executions():
    op.create_table(
        "workflow_executions",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("workflow_id", UUID, nullable=True),
        sa.Column("workflow_namespace", sa.String(255), nullable=False),
        sa.Column("description", sa.String(255), nullable=True),
        sa.Column("tags", JSON_TEXT, nullable=True),
        sa.Column("spec", JSON_TEXT, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("state_info", LONG_TEXT, nullable=True),
        sa.Column("input", JSON_TEXT, nullable=True),
        sa.Column("output", JSON_TEXT, nullable=True),
        sa.Column("params", JSON_TEXT, nullable=True),
        sa.Column("context", JSON_TEXT, nullable=True),
        sa.Column("task_execution_id", UUID, nullable=True),
        sa.Column("root_execution_id", UUID, nullable=True),
        sa.Column("source_execution_id", UUID, nullable=True),
        sa.Column("user_id", sa.String(128), nullable=True),
        sa.Column("comments", JSON_TEXT, nullable=True),
        sa.Column("accepted", sa.Boolean, nullable=False,
                  server_default=sa.true()),
        sa.Column("item_index", sa.Integer, nullable=True),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        *_stamped(),
    )
    for column in ("state", "root_execution_id", "project_id",
                   "task_execution_id"):
        _index("workflow_executions", column)


def _task_executions():
    # The foreign key is named so that a later batch migration can drop it
    # on every backend (unnamed, PostgreSQL, MySQL and SQLite differ).
    op.create_table(
        "task_executions",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("type", sa.String(10), nullable=False),
        sa.Column("workflow_execution_id", UUID,
                  sa.ForeignKey(
                      "workflow_executions.id", ondelete="CASCADE",
                      name="fk_task_executions_workflow_execution_id_"
                           "workflow_executions"),
                  nullable=False),
        sa.Column("root_execution_id", UUID, nullable=False),
        sa.Column("workflow_name", sa.String(255), nullable=True),
        sa.Column("workflow_id", UUID, nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("state_info", LONG_TEXT, nullable=True),
        sa.Column("spec", JSON_TEXT, nullable=True),
        sa.Column("in_context", JSON_TEXT, nullable=True),
        sa.Column("published", JSON_TEXT, nullable=True),
        sa.Column("result", JSON_TEXT, nullable=True),
        sa.Column("processed", sa.Boolean, nullable=False),
        sa.Column("reset", sa.Boolean, nullable=False),
        sa.Column("env", JSON_TEXT, nullable=True),
        sa.Column("triggered_by", JSON_TEXT, nullable=True),
        sa.Column("has_next_tasks", sa.Boolean, nullable=False,
                  server_default=sa.false()),
        sa.Column("unique_key", sa.String(255), nullable=True),
        sa.Column("items_count", sa.Integer, nullable=True),
        sa.Column("items_started", sa.Integer, nullable=True),
        sa.Column("concurrency", sa.Integer, nullable=True),
        sa.Column("retry_no", sa.Integer, nullable=False),
        sa.Column("pending_commands", JSON_TEXT, nullable=True),
        sa.Column("injected_for", UUID, nullable=True),
        sa.Column("started_at", TIMESTAMP, nullable=True),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        *_stamped(),
        sa.UniqueConstraint("unique_key", name="uq_task_executions_key"),
    )
    _index("task_executions", "project_id")
    _index("task_executions", "workflow_execution_id", "state",
           name="ix_task_executions_wf_state")
    _index("task_executions", "root_execution_id")


def _action_executions():
    op.create_table(
        "action_executions",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("task_execution_id", UUID,
                  sa.ForeignKey(
                      "task_executions.id", ondelete="CASCADE",
                      name="fk_action_executions_task_execution_id_"
                           "task_executions"),
                  nullable=True),
        sa.Column("workflow_execution_id", UUID, nullable=True),
        sa.Column("root_execution_id", UUID, nullable=True),
        sa.Column("workflow_name", sa.String(255), nullable=True),
        sa.Column("task_name", sa.String(255), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("state_info", LONG_TEXT, nullable=True),
        sa.Column("input", JSON_TEXT, nullable=True),
        sa.Column("output", JSON_TEXT, nullable=True),
        sa.Column("accepted", sa.Boolean, nullable=False),
        sa.Column("item_index", sa.Integer, nullable=True),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("tags", JSON_TEXT, nullable=True),
        sa.Column("description", sa.String(255), nullable=True),
        sa.Column("params", JSON_TEXT, nullable=True),
        sa.Column("adhoc_outputs", JSON_TEXT, nullable=True),
        sa.Column("adhoc_base", JSON_TEXT, nullable=True),
        sa.Column("executor_id", sa.String(255), nullable=True),
        sa.Column("claimed_at", TIMESTAMP, nullable=True),
        sa.Column("heartbeat_at", TIMESTAMP, nullable=True),
        *_stamped(),
    )
    _index("action_executions", "project_id")
    _index("action_executions", "workflow_execution_id")
    _index("action_executions", "task_execution_id", "item_index",
           name="ix_action_executions_task_item")
    _index("action_executions", "task_execution_id", "accepted", "state",
           name="ix_action_executions_task_accepted_state")
    _index("action_executions", "root_execution_id")


def _with_items_values():
    op.create_table(
        "with_items_values",
        sa.Column("task_execution_id", UUID,
                  sa.ForeignKey(
                      "task_executions.id", ondelete="CASCADE",
                      name="fk_with_items_values_task_execution_id_"
                           "task_executions"),
                  primary_key=True),
        sa.Column("item_index", sa.Integer, primary_key=True,
                  autoincrement=False),
        sa.Column("value", JSON_TEXT, nullable=True),
    )


# Parents before children: the foreign keys need their targets.
_TABLES = (
    ("idempotency_keys", _idempotency_keys),
    ("outbox", _outbox),
    ("scheduled_jobs", _scheduled_jobs),
    ("environments", _environments),
    ("workbooks", _workbooks),
    ("action_definitions", _action_definitions),
    ("workflow_definitions", _workflow_definitions),
    ("workflow_executions", _workflow_executions),
    ("task_executions", _task_executions),
    ("action_executions", _action_executions),
    ("with_items_values", _with_items_values),
)


def upgrade():
    for _name, create in _TABLES:
        create()


def downgrade():
    # Dropping a table drops its indexes and constraints with it.
    for name, _create in reversed(_TABLES):
        op.drop_table(name)
