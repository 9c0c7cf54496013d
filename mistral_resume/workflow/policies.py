"""Task policies: what to do before a task starts and after it ends.

Pure: the engine evaluates nothing itself; it hands the task spec, the data
and a lookup in, and applies the decision it gets back (change a state,
schedule a job). task-defaults are already merged into the task spec.

Mistral 23's rules (mistral/engine/policies.py):

- policy values may be expressions; they are evaluated with the task's
  data and must then be integers >= 0 (booleans for pause-before and
  fail-on), else the task fails ("Invalid data type in <Policy>"). Unlike
  Mistral, an expression may give a delay (wait-before, wait-after,
  timeout, retry delay) as a fraction of a second;
- before a task starts: pause-before pauses the workflow and leaves the
  task IDLE until a resume; wait-before delays it (DELAYED); timeout starts
  counting; 0 means "no such policy";
- after a task ends: fail-on turns a SUCCESS into an ERROR; retry runs the
  task again while ``retry_no < count``, unless break-on holds on an ERROR,
  or, on a SUCCESS, unless continue-on is given and holds; a given
  continue-on that does not hold stops retries whatever the state; a
  cancelled task is never retried; wait-after delays the completion.
"""
import collections

from mistral_resume import exceptions as exc
from mistral_resume.expressions import base as expr
from mistral_resume.workflow import statuses as st

# Where a task's start stands: before pause-before, before wait-before, or
# ready to run its action.
STAGE_PAUSE = "pause"
STAGE_WAIT = "wait"
STAGE_RUN = "run"

PAUSE_INFO = "Set by 'pause-before' policy"
FAIL_ON_INFO = "Failed by 'fail-on' policy"

# kind: "pause" | "delay" | "run"
Start = collections.namedtuple("Start", "kind delay state_info")
# kind: "retry" | "wait" | "complete"
Outcome = collections.namedtuple("Outcome", "kind state state_info delay")

_INTEGER_POLICY = {
    "wait_before": "WaitBeforePolicy",
    "wait_after": "WaitAfterPolicy",
    "timeout": "TimeoutPolicy",
    "concurrency": "ConcurrencyPolicy",
}
# Policies that are a number of seconds.
_DELAYS = ("wait_before", "wait_after", "timeout")


def _invalid(policy, value, expected):
    return exc.ExpressionError(
        "Invalid data type in %s: expected %s, got %r" % (policy, expected,
                                                         value))


def _evaluate(value, data, lookup):
    if isinstance(value, str):
        return expr.evaluate(value, data, lookup)
    return value


def count_value(task_spec, field, data, lookup):
    """An integer policy (wait-before, timeout...), evaluated; 0 if unset.

    :raises: ExpressionError, for a failing expression or a value that is
        not an integer >= 0.
    """
    value = getattr(task_spec, field)
    if value is None:
        return 0
    return _check_count(_INTEGER_POLICY[field],
                        _evaluate(value, data, lookup), field in _DELAYS)


def _check_count(policy, value, seconds=False):
    kinds = (int, float) if seconds else int
    if isinstance(value, bool) or not isinstance(value, kinds) or value < 0:
        raise _invalid(policy, value, "a number >= 0" if seconds
                       else "an integer >= 0")
    return value


def flag_value(task_spec, field, data, lookup):
    """pause-before / fail-on / safe-rerun, evaluated to a bool."""
    value = getattr(task_spec, field)
    if value is None or value is False:
        return False
    return bool(_evaluate(value, data, lookup))


def retry_value(task_spec, data, lookup):
    """``(count, delay)`` of the retry policy, or None without one.

    :raises: ExpressionError.
    """
    retry = task_spec.retry
    if not retry:
        return None
    count = _check_count("RetryPolicy", _evaluate(retry.get("count", 0),
                                                  data, lookup))
    delay = _check_count("RetryPolicy", _evaluate(retry.get("delay", 0),
                                                  data, lookup), True)
    return count, delay


def check_start(task_spec, data, lookup):
    """Evaluate every policy at the task's start, as Mistral does.

    A bad value of any of them (a negative wait-after, say) fails the task
    before it runs.

    :raises: ExpressionError.
    """
    for field in _INTEGER_POLICY:
        count_value(task_spec, field, data, lookup)
    retry_value(task_spec, data, lookup)


def has_start_policies(task_spec):
    return bool(task_spec.pause_before or task_spec.wait_before
                or task_spec.timeout or task_spec.concurrency
                or task_spec.retry or task_spec.wait_after)


def has_end_policies(task_spec):
    return bool(task_spec.fail_on or task_spec.retry or task_spec.wait_after)


def start(stage, pause_before, wait_before):
    """What happens next for a task whose start stands at ``stage``."""
    if stage == STAGE_PAUSE and pause_before:
        return Start("pause", 0, PAUSE_INFO)
    if stage in (STAGE_PAUSE, STAGE_WAIT) and wait_before:
        return Start("delay", wait_before,
                     "Delayed by 'wait-before' policy [delay=%s]"
                     % wait_before)
    return Start("run", 0, None)


def should_retry(state, retry, retry_no, break_on, continue_on):
    """Mistral's retry rule.

    :param retry: ``(count, delay)`` or None.
    :param break_on: None if not given, else its evaluated truth.
    :param continue_on: None if not given, else its evaluated truth.
    """
    if not retry or state not in st.COMPLETED or state == st.CANCELLED:
        return False
    count, _ = retry
    if retry_no >= count:
        return False
    if state == st.ERROR and break_on:
        return False
    if continue_on is None:
        return state != st.SUCCESS
    return bool(continue_on)


def after_completion(state, state_info, fail_on, retry, retry_no, break_on,
                     continue_on, wait_after=0, waited=False):
    """What to do with a task whose action(s) ended in ``state``.

    wait-after comes first and once (Mistral applies it before fail-on and
    retry, and not again after a retry); fail-on and retry apply once the
    wait is over (``waited``).

    :returns: Outcome: "wait" (decide again after ``delay``), "retry" (run
        again after ``delay``) or "complete" (end in ``state`` now).
    """
    if (wait_after and not waited and not retry_no
            and state != st.CANCELLED):
        return Outcome("wait", state, state_info, wait_after)
    if state == st.SUCCESS and fail_on:
        state, state_info = st.ERROR, FAIL_ON_INFO
    if should_retry(state, retry, retry_no, break_on, continue_on):
        delay = retry[1]
        return Outcome("retry", state, "Delayed by 'retry' policy [delay=%s]"
                       % delay, delay)
    return Outcome("complete", state, state_info, 0)


def wait_after_info(delay):
    return "Delayed by 'wait-after' policy [delay=%s]" % delay


def timeout_info(timeout):
    return "Task timed out [timeout(s)=%s]." % timeout
