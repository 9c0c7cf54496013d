"""An index for an execution's end tasks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

Ending an execution merges the data of its end tasks (those no other task
was triggered by). With only (workflow_execution_id, state) to go by, the
query visited every finished task of the execution: a 1000-task execution
paid for its whole history at its end, and again at each resume.
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NAME = "ix_task_executions_wf_ends"


def upgrade():
    op.create_index(NAME, "task_executions",
                    ["workflow_execution_id", "has_next_tasks", "state"])


def downgrade():
    op.drop_index(NAME, table_name="task_executions")
