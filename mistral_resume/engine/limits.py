"""Run-time size limits: the one check for values the engine stores.

An action's output, what a task publishes, a task's result (a with-items
task's list, a sub-workflow's output) and a workflow's output are produced
at run time, after the API's request limits. Each passes through
:func:`problem` before it is written: over ``[engine] max_result_size``
(bytes of its JSON form) the value is not stored and the task (or the
workflow) fails with a message that says what was too large and which
option sets the limit. Like any task error, a re-run (``resume``) can then
try again, with other input.

The limit is process-wide: :func:`configure_from` applies the engine's
configuration (``[engine] max_result_size`` and ``expression_time_limit``)
when the server starts; the defaults are the options'.
"""

from oslo_serialization import jsonutils

from mistral_resume.expressions import base as expr

DEFAULT_MAX_RESULT_SIZE = 1024 * 1024
OPTION = "[engine] max_result_size"

_settings = {"max_result_size": DEFAULT_MAX_RESULT_SIZE}


def configure(max_result_size=None):
    """Set the limit in bytes (0: none; None keeps the current one)."""
    if max_result_size is not None:
        if isinstance(max_result_size, bool) or not isinstance(
                max_result_size, int) or max_result_size < 0:
            raise ValueError("max_result_size must be an integer >= 0, "
                             "not %r" % (max_result_size,))
        _settings["max_result_size"] = max_result_size


def configure_from(conf):
    """Apply ``conf``'s ``[engine]`` limits to this process."""
    configure(conf.engine.max_result_size)
    expr.configure(time_limit=conf.engine.expression_time_limit)


def max_result_size():
    return _settings["max_result_size"]


def human(size):
    """``3.2 MB``, ``12 KB``, ``500 bytes``."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            text = ("%.1f" % (size / scale)).replace(".0", "")
            return "%s %s" % (text, unit)
    return "%d bytes" % size


def size_of(value):
    """Bytes of ``value``'s JSON form.

    :raises ValueError: for a value JSON cannot hold (a number of more
        than 4300 digits, say), with the reason.
    """
    try:
        return len(jsonutils.dumps(value).encode("utf-8"))
    except (TypeError, ValueError, RecursionError) as e:
        raise ValueError(str(e) or type(e).__name__)


def problem(what, value):
    """None if ``value`` may be stored; else the message saying why not.

    :param what: the value's name in the message, capitalised ("The action
        result", "The published variables"...).
    """
    if value is None:
        return None
    limit = _settings["max_result_size"]
    try:
        size = size_of(value)
    except ValueError as e:
        return "%s cannot be stored: %s" % (what, e)
    if limit and size > limit:
        return "%s is %s; the limit is %s (%s)" % (
            what, human(size), human(limit), OPTION)
    return None


def action_result(result):
    """An executor's ``{"data", "error"}`` with data over the limit turned
    into an error (the action execution then ends in ERROR)."""
    if result.get("error") is not None:
        message = problem("The action error", result.get("error"))
    else:
        message = problem("The action result", result.get("data"))
    if message is None:
        return result
    return {"data": None, "error": message}
