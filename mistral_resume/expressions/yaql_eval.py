"""YAQL expressions: ``<% ... %>``, configured as Mistral 23 configures yaql.

Mistral builds one engine with ``YaqlFactory(keyword_operator='=>',
allow_delegates=False)`` and options ``yaql.limitIterators``,
``yaql.memoryQuota``, ``yaql.convertTuplesToLists`` (true),
``yaql.iterableDicts`` (false) and ``yaql.convertOutputData`` (true), and a
root context from ``yaql.create_context()`` (the standard library, the
camelCase convention for keyword arguments: ``tasks(workflowExecutionId =>
...)``) with its functions registered. Input data is converted to yaql's
frozen types; results come back as plain dicts and lists.

Where we differ on purpose: iterator and memory limits are on by default
(Mistral's are off), so ``<% range(0, 100000000) %>`` fails instead of
filling memory; and sets come back as lists, which is what Mistral stores
once its JSON serializer has seen them.
"""

import collections
import copy
import collections.abc  # noqa: F401  (yaql 3.2 uses it without importing it)
import functools
import re
import threading

import yaql
from yaql.language import exceptions as yaql_exc
from yaql.language import factory
from yaql.language import utils as yaql_utils

from mistral_resume import exceptions as exc
from mistral_resume.expressions import checks
from mistral_resume.expressions import functions
from mistral_resume.expressions import yaql_checked

# Mistral's pattern: no DOTALL, so an expression never spans lines.
PATTERN = re.compile(r"<%.*?%>")

CACHE_SIZE = 4096

# Where an evaluation's Scope sits in the yaql context. yaql stores names as
# "$name"; a name with a space cannot be written in an expression ($\w*), so
# expressions can only reach the scope through the functions.
_SCOPE_KEY = "mistral-resume scope"

# Set by base.configure() (base applies its defaults when imported).
_limits = {"max_iterators": -1, "memory_quota": -1}
_engine = None
_root_context = None


def configure(max_iterators=None, memory_quota=None):
    """Set the limits (None keeps the current value, -1 means no limit).

    Parsed expressions are bound to the engine that parsed them, so the
    engine is rebuilt and the cache emptied.
    """
    global _engine
    if max_iterators is not None:
        _limits["max_iterators"] = max_iterators
    if memory_quota is not None:
        _limits["memory_quota"] = memory_quota
    _engine = None
    _parse.cache_clear()


def limits():
    return dict(_limits)


def _get_engine():
    global _engine
    engine = _engine
    if engine is None:
        options = {
            "yaql.limitIterators": _limits["max_iterators"],
            "yaql.memoryQuota": _limits["memory_quota"],
            "yaql.convertTuplesToLists": True,
            "yaql.convertSetsToLists": True,
            "yaql.iterableDicts": False,
            "yaql.convertOutputData": True,
        }
        engine = factory.YaqlFactory(
            keyword_operator="=>", allow_delegates=False
        ).create(options=options)
        _engine = engine
    return engine


@functools.lru_cache(maxsize=CACHE_SIZE)
def _parse(engine, expression):
    return engine(expression)


# yaql reads a function's parameters from its signature (a parameter named
# ``context`` receives the yaql context), so each function gets a wrapper
# with Mistral's exact signature.

def _scope(context):
    return context[_SCOPE_KEY] or functions.Scope(None)


def _env(context):
    return functions.env(_scope(context))


def _execution(context):
    return functions.execution(_scope(context))


def _executions(context, id=None, root_execution_id=None, state=None,
                from_time=None, to_time=None):
    return functions.executions(_scope(context), id, root_execution_id,
                                state, from_time, to_time)


def _global(context, var_name):
    return functions.global_(_scope(context), var_name)


def _json_dump(context, data):
    return functions.json_dump(_scope(context), data)


def _json_parse(context, data):
    return functions.json_parse(_scope(context), data)


def _json_pp(context, data=None):
    return functions.json_pp(_scope(context), data)


def _task(context, task_name=None):
    return functions.task(_scope(context), task_name)


def _tasks(context, workflow_execution_id=None, recursive=False, state=None,
           flat=False):
    return functions.tasks(_scope(context), workflow_execution_id, recursive,
                           state, flat)


def _uuid(context):
    return functions.uuid(_scope(context))


def _yaml_dump(context, data):
    return functions.yaml_dump(_scope(context), data)


def _yaml_parse(context, data):
    return functions.yaml_parse(_scope(context), data)


YAQL_FUNCTIONS = {
    "env": _env,
    "execution": _execution,
    "executions": _executions,
    "global": _global,
    "json_dump": _json_dump,
    "json_parse": _json_parse,
    "json_pp": _json_pp,
    "task": _task,
    "tasks": _tasks,
    "uuid": _uuid,
    "yaml_dump": _yaml_dump,
    "yaml_parse": _yaml_parse,
}


def _get_root_context():
    global _root_context
    root = _root_context
    if root is None:
        root = yaql.create_context().create_child_context()
        yaql_checked.register(root)
        for name, function in YAQL_FUNCTIONS.items():
            root.register_function(function, name=name)
        _root_context = root
    return root


# yaql wants its own frozen types; converting a large value costs its size.
# The same large values (a with-items list in the task's data) come back
# for every item, so their conversions are kept by identity.
_CONVERTED_SIZE = 64
_LARGE = 100
_converted = collections.OrderedDict()
_converted_lock = threading.Lock()


def _convert_value(value):
    if not isinstance(value, (list, dict)) or len(value) < _LARGE:
        return yaql_utils.convert_input_data(value)
    key = id(value)
    with _converted_lock:
        hit = _converted.get(key)
    # The identity check guards against a freed object's id being reused.
    if hit is not None and hit[0] is value:
        return hit[1]
    converted = yaql_utils.convert_input_data(value)
    with _converted_lock:
        _converted[key] = (value, converted)
        while len(_converted) > _CONVERTED_SIZE:
            _converted.popitem(last=False)
    return converted


def _convert(data):
    if not isinstance(data, dict):
        return yaql_utils.convert_input_data(data)
    return yaql_utils.FrozenDict(
        {key: _convert_value(value) for key, value in data.items()})


def prepare():
    """Build the engine and the root context now, not in an evaluation."""
    _get_engine()
    _get_root_context()


def is_expression(text):
    return PATTERN.search(text) is not None


def _inner(match):
    return match.group(0)[2:-2].strip()


def validate(text):
    """Parse every ``<% %>`` in ``text``.

    :raises ExpressionError: naming the first expression that does not parse.
    """
    engine = _get_engine()
    for match in PATTERN.finditer(text):
        expression = _inner(match)
        try:
            _parse(engine, expression)
        except (yaql_exc.YaqlException, KeyError, ValueError,
                TypeError) as e:
            raise exc.ExpressionError(
                "Invalid YAQL expression [expression=%s, error=%s]"
                % (expression, e))


def evaluate(text, data, lookup=None):
    """Evaluate the ``<% %>`` expressions of ``text`` against ``data``.

    A text that is exactly one expression gives its value; otherwise each
    expression is replaced by ``str()`` of its value, as Mistral does (a dict
    shows as ``{'a': 1}``, None as ``None``).

    :raises ExpressionError: "Can not evaluate YAQL expression [...]".
    """
    matches = list(PATTERN.finditer(text))
    if not matches:
        return text
    if len(matches) == 1 and matches[0].group(0) == text:
        value = _plain_path(_inner(matches[0]), data)
        if value is not _YAQL:
            return value
    engine = _get_engine()
    context = _get_root_context().create_child_context()
    context["$"] = _convert(data)
    context[_SCOPE_KEY] = functions.Scope(data, lookup)
    if len(matches) == 1 and matches[0].group(0) == text:
        return _evaluate_one(engine, context, _inner(matches[0]), data)
    return PATTERN.sub(
        lambda m: _text(_evaluate_one(engine, context, _inner(m), data),
                        _inner(m), data), text)


# ``$``, ``$.a``, ``$.a.b``...: read straight from the data's dicts.
_PATH = re.compile(r"\$((?:\.[A-Za-z_][A-Za-z0-9_]*)*)")
_YAQL = object()  # _plain_path's "not that simple: ask yaql"


def _plain_path(expression, data):
    """The value of a plain ``$.a.b`` path as yaql gives it (a dict or a
    list comes back as a copy), without converting the data; ``_YAQL`` if
    the expression is anything else, or meets a missing key or something
    other than a dict on its way (yaql then says what it makes of it)."""
    match = _PATH.fullmatch(expression)
    if match is None:
        return _YAQL
    value = data
    for name in match.group(1).split(".")[1:]:
        if not isinstance(value, dict) or name not in value:
            return _YAQL
        value = value[name]
    if isinstance(value, (dict, list)):
        return copy.deepcopy(value)
    return value


def _text(value, expression, data):
    try:
        checks.value(value, "the text of the result")
    except MemoryError as e:
        raise exc.ExpressionError(
            "Can not evaluate YAQL expression [expression=%s, error=%s,"
            " data=%s]" % (expression, e, functions.cut(data)))
    return str(value)


def _evaluate_one(engine, context, expression, data):
    try:
        return _parse(engine, expression).evaluate(context=context)
    except functions.LookupFailure as e:
        raise e.original
    except Exception as e:
        raise exc.ExpressionError(
            "Can not evaluate YAQL expression [expression=%s, error=%s,"
            " data=%s]" % (expression, e, functions.cut(data)))
