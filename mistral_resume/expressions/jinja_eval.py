"""Jinja expressions: ``{{ }}`` and ``{% %}``, sandboxed as in Mistral 23.

Mistral uses one ``jinja2.sandbox.SandboxedEnvironment(undefined=
StrictUndefined, trim_blocks=True, lstrip_blocks=True)``: ``_`` is the data
context, its functions are globals (``{{ task('t1').result }}``), an
undefined name or key is an error, and attributes starting with ``_``
(``{{ ''.__class__ }}``) are refused. A text that is exactly one ``{{ }}``
(the first non-greedy ``{{(.*?)}}`` match is the whole text) is compiled as an
expression and gives a native value; any other text is rendered as a
template and gives a string.

Beyond Mistral: ``*`` and ``**`` are checked against the same limits as YAQL,
so ``{{ 'a' * 10**10 }}`` fails instead of filling memory (the sandbox already
caps ``range()`` at 100000); and the data filters (``json_dump``...) take the
piped value as their data.
"""

import collections.abc
import functools
import math
import re

import jinja2
from jinja2 import sandbox

from mistral_resume import exceptions as exc
from mistral_resume.expressions import functions

# Mistral's patterns: non-greedy, no DOTALL.
VARIABLE_PATTERN = re.compile(r"{{(.*?)}}")
BLOCK_PATTERN = re.compile(r"{%(.*?)%}")

CACHE_SIZE = 4096

# Where an evaluation's Scope sits among the template variables: not a Jinja
# identifier, so a template can reach it only through the functions.
_SCOPE_KEY = "mistral-resume scope"

# Set by base.configure() (base applies its defaults when imported).
_limits = {"max_iterators": -1, "memory_quota": -1}


def configure(max_iterators=None, memory_quota=None):
    """Set the limits for ``*`` and ``**`` (None keeps, -1 means none)."""
    if max_iterators is not None:
        _limits["max_iterators"] = max_iterators
    if memory_quota is not None:
        _limits["memory_quota"] = memory_quota


# yaql's own rules: an iterator limit of 0 allows nothing, a memory quota of
# 0 or less allows anything.
def _too_long(size):
    return 0 <= _limits["max_iterators"] < size


def _too_big(size):
    return 0 < _limits["memory_quota"] < size


def _check_binop(operator, left, right):
    if operator == "*":
        for seq, count in ((left, right), (right, left)):
            if (isinstance(seq, (str, bytes, list, tuple))
                    and isinstance(count, int) and count > 0):
                size = len(seq) * count
                if isinstance(seq, (str, bytes)):
                    if _too_big(size):
                        raise MemoryError(
                            "Expression consumed too much memory (a %d"
                            " character string)" % size)
                elif _too_long(size):
                    raise OverflowError(
                        "Collection length exceeds %d elements"
                        % _limits["max_iterators"])
    elif (operator == "**" and isinstance(left, int)
            and isinstance(right, int) and abs(left) > 1 and right > 0):
        size = right * math.log2(abs(left)) / 8
        if _too_big(size):
            raise MemoryError("Expression consumed too much memory (a %d"
                              " byte number)" % size)


class _Sandbox(sandbox.SandboxedEnvironment):
    # Read when templates are compiled: these operators go through
    # call_binop, where the size of the result is checked first.
    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context, operator, left, right):
        _check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)


def _scope(context):
    return context.get(_SCOPE_KEY) or functions.Scope(None)


def _as_global(function):
    @jinja2.pass_context
    def call(context, *args, **kwargs):
        return function(_scope(context), *args, **kwargs)

    return call


def _as_filter(function):
    @jinja2.pass_context
    def call(context, value, *args, **kwargs):
        return function(_scope(context), value, *args, **kwargs)

    return call


def _create_environment():
    env = _Sandbox(undefined=jinja2.StrictUndefined, trim_blocks=True,
                   lstrip_blocks=True)
    for name, function in functions.FUNCTIONS.items():
        env.globals[name] = _as_global(function)
    for name in functions.DATA_FILTERS:
        env.filters[name] = _as_filter(functions.FUNCTIONS[name])
    return env


# Holds configuration and compiled code only, no request state.
_environment = _create_environment()


@functools.lru_cache(maxsize=CACHE_SIZE)
def _compile_expression(source):
    return _environment.compile_expression(source, undefined_to_none=False)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _compile_template(text):
    return _environment.from_string(text)


def is_expression(text):
    return (VARIABLE_PATTERN.search(text) is not None
            or BLOCK_PATTERN.search(text) is not None)


def validate(text):
    """Parse ``text`` as a Jinja template.

    :raises ExpressionError: naming the text and the syntax error.
    """
    try:
        _environment.parse(text)
    except jinja2.TemplateSyntaxError as e:
        raise exc.ExpressionError(
            "Invalid Jinja expression [expression=%s, error=%s]" % (text, e))


def _native(value):
    """Plain data from an expression's value; an undefined fails here.

    StrictUndefined raises only when used, so turning it into a string is
    what reports ``_.missing``, inside containers too.
    """
    if isinstance(value, jinja2.Undefined):
        return str(value)
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, collections.abc.Mapping):
        return {_native(k): _native(v) for k, v in value.items()}
    if isinstance(value, collections.abc.Iterable):
        return [_native(v) for v in value]
    return value


def evaluate(text, data, lookup=None):
    """Evaluate ``text`` against ``data``: a native value for a text that is
    exactly one ``{{ }}``, else the rendered string.

    :raises ExpressionError: "Can not evaluate Jinja expression [...]".
    """
    variables = {"_": data, _SCOPE_KEY: functions.Scope(data, lookup)}
    first = VARIABLE_PATTERN.search(text)
    try:
        if first is not None and first.group(0) == text:
            return _native(_compile_expression(first.group(1))(**variables))
        return _compile_template(text).render(**variables)
    except functions.LookupFailure as e:
        raise e.original
    except Exception as e:
        raise exc.ExpressionError(
            "Can not evaluate Jinja expression [expression=%s, error=%s,"
            " data=%s]" % (text, e, functions.cut(data)))
