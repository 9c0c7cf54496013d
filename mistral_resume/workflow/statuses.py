"""Workflow, task and action execution states and their named groups.

Mistral's names, so that clients reading ``state`` understand them.
"""

IDLE = "IDLE"
WAITING = "WAITING"
RUNNING = "RUNNING"
DELAYED = "DELAYED"
PAUSED = "PAUSED"
SUCCESS = "SUCCESS"
ERROR = "ERROR"
CANCELLED = "CANCELLED"
SKIPPED = "SKIPPED"

ALL = (IDLE, WAITING, RUNNING, DELAYED, PAUSED, SUCCESS, ERROR, CANCELLED,
       SKIPPED)

# A task or execution in one of these will not change again by itself.
COMPLETED = frozenset((SUCCESS, ERROR, CANCELLED, SKIPPED))
# A task in one of these counts as done for its successors.
FINISHED_OK = frozenset((SUCCESS, SKIPPED))
# Still in progress: a workflow cannot finish while a task is in one of these.
INCOMPLETE = frozenset((IDLE, WAITING, RUNNING, DELAYED, PAUSED))
ACTIVE = frozenset((RUNNING, DELAYED, WAITING))


def is_completed(state):
    return state in COMPLETED


def is_incomplete(state):
    return state in INCOMPLETE
