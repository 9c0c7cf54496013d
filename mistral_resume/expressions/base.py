"""The expression facade: detect, validate and evaluate YAQL and Jinja.

What callers use (the spec parser at workflow-create time, the workflow core
and the engine when tasks run)::

    is_expression(value)                    -> bool
    validate(text)                          raises ExpressionError
    validate_recursively(value)             raises ExpressionError
    evaluate(text, data, lookup=None)       -> value
    evaluate_recursively(value, data, lookup=None) -> value
    configure(max_iterators=..., memory_quota=...)

``data`` is what ``$`` (YAQL) and ``_`` (Jinja) mean: the workflow input,
variables, published variables and with-items variables. ``lookup`` is a
``functions.Lookup`` the engine gives for ``task()``, ``execution()``,
``env()``... (None: those functions fail with "not available here").

Mistral 23's rules kept here: a string holding both ``<% %>`` and
``{{ }}`` is refused at validation ("Mixing expression types in a single
line is not allowed") and, at evaluation, is Jinja (Mistral tries its
evaluators in name order, jinja before yaql); dict keys are never evaluated;
non-strings pass through. Unlike Mistral, an empty data context is still
evaluated (Mistral returns the value untouched when its context is empty,
but its context always holds ``__execution``, which ours keeps in
``lookup``).
"""

from mistral_resume import exceptions as exc
from mistral_resume.expressions import checks
from mistral_resume.expressions import jinja_eval
from mistral_resume.expressions import watchdog
from mistral_resume.expressions import yaql_eval

# yaql's options; Mistral leaves both off (-1), we do not: a result longer
# than DEFAULT_MAX_ITERATORS items, or a value of more than
# DEFAULT_MEMORY_QUOTA bytes, fails the expression instead of the process.
DEFAULT_MAX_ITERATORS = 100000
DEFAULT_MEMORY_QUOTA = 32 * 1024 * 1024
# Seconds of CPU time one evaluation may use: what the size checks cannot
# recognise (a loop inside a loop) is stopped by this.
DEFAULT_TIME_LIMIT = 10.0
_time = {"limit": 0}

# Name order, as Mistral's evaluator registry: Jinja is tried first.
_LANGUAGES = (("jinja", jinja_eval), ("yaql", yaql_eval))


def configure(max_iterators=None, memory_quota=None, time_limit=None):
    """Set the evaluation limits of both languages.

    :param max_iterators: most items a collection may have (yaql's
        ``limitIterators``); -1 for no limit; None keeps the current value.
    :param memory_quota: most bytes a value may take (yaql's
        ``memoryQuota``); -1 for no limit; None keeps the current value.
    :param time_limit: most seconds of CPU time one evaluation may use
        (lookups not counted); 0 for no limit; None keeps the current value.
    :raises ValueError: for a value that is not an integer >= -1, or a
        negative time limit.
    """
    for name, value in (("max_iterators", max_iterators),
                        ("memory_quota", memory_quota)):
        if value is not None and (isinstance(value, bool)
                                  or not isinstance(value, int)
                                  or value < -1):
            raise ValueError("%s must be an integer >= -1, not %r"
                             % (name, value))
    if time_limit is not None and (
            isinstance(time_limit, bool)
            or not isinstance(time_limit, (int, float)) or time_limit < 0):
        raise ValueError("time_limit must be a number >= 0, not %r"
                         % (time_limit,))
    yaql_eval.configure(max_iterators, memory_quota)
    checks.configure(max_iterators, memory_quota)
    if time_limit is not None:
        _time["limit"] = time_limit


def limits():
    """The limits in force: ``{"max_iterators": ..., "memory_quota": ...,
    "time_limit": ...}``."""
    return dict(yaql_eval.limits(), time_limit=_time["limit"])


def _languages_in(text):
    return [name for name, module in _LANGUAGES if module.is_expression(text)]


def is_expression(value):
    """Whether ``value`` is a string holding ``<% %>``, ``{{ }}`` or
    ``{% %}`` (on one line each, as Mistral's patterns match)."""
    return isinstance(value, str) and bool(_languages_in(value))


def validate(text):
    """Parse every expression in ``text``; a non-string is valid.

    :raises ExpressionError: naming the expression and the syntax problem,
        or the mix of both languages in one string.
    """
    if not isinstance(text, str):
        return
    found = _languages_in(text)
    if len(found) > 1:
        raise exc.ExpressionError(
            "The line already contains an expression of type '%s'. Mixing"
            " expression types in a single line is not allowed. [text=%s]"
            % (found[0], text))
    for name, module in _LANGUAGES:
        if name in found:
            module.validate(text)


def validate_recursively(value):
    """:func:`validate` every string inside dicts and lists (not the keys).

    :raises ExpressionError: for the first invalid string.
    """
    if isinstance(value, dict):
        for item in value.values():
            validate_recursively(item)
    elif isinstance(value, list):
        for item in value:
            validate_recursively(item)
    else:
        validate(value)


def evaluate(text, data, lookup=None):
    """The value of ``text`` with its expressions evaluated against ``data``.

    A string that is exactly one expression gives the expression's native
    value (a dict, a list, a number, None...); a string with text around its
    expressions gives a string; a string without expressions and any
    non-string come back as they are.

    :raises ExpressionError: "Can not evaluate YAQL expression [expression=
        ..., error=..., data=...]" (or Jinja), data cut short. An error
        raised by ``lookup`` itself (not an ExpressionError) propagates as
        it is, so that the engine can retry its unit of work.
    """
    if not isinstance(text, str):
        return text
    for name, module in _LANGUAGES:
        if module.is_expression(text):
            return _evaluate_in_time(name, module, text, data, lookup)
    return text


def _evaluate_in_time(name, module, text, data, lookup):
    limit = _time["limit"]
    # Building yaql's parser (once per process) is not the expression's
    # time.
    module.prepare()
    try:
        with watchdog.limit(limit):
            return module.evaluate(text, data, lookup)
    except watchdog.Timeout:
        raise exc.ExpressionError(
            "Can not evaluate %s expression [expression=%s, error=it used"
            " more than %s seconds of CPU time, the limit of one evaluation]"
            % ("Jinja" if name == "jinja" else "YAQL", text, limit))


def evaluate_recursively(value, data, lookup=None):
    """:func:`evaluate` every string inside dicts and lists.

    Returns new dicts and lists (the given structure is left untouched);
    keys are not evaluated, as in Mistral.
    """
    if isinstance(value, dict):
        return {key: evaluate_recursively(item, data, lookup)
                for key, item in value.items()}
    if isinstance(value, list):
        return [evaluate_recursively(item, data, lookup) for item in value]
    return evaluate(value, data, lookup)


configure(DEFAULT_MAX_ITERATORS, DEFAULT_MEMORY_QUOTA, DEFAULT_TIME_LIMIT)
