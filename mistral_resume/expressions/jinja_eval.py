"""Jinja expressions: ``{{ }}`` and ``{% %}``, sandboxed as in Mistral 23.

Mistral uses one ``jinja2.sandbox.SandboxedEnvironment(undefined=
StrictUndefined, trim_blocks=True, lstrip_blocks=True)``: ``_`` is the data
context, its functions are globals (``{{ task('t1').result }}``), an
undefined name or key is an error, and attributes starting with ``_``
(``{{ ''.__class__ }}``) are refused. A text that is exactly one ``{{ }}``
(the first non-greedy ``{{(.*?)}}`` match is the whole text) is compiled as an
expression and gives a native value; any other text is rendered as a
template and gives a string.

Beyond Mistral: what can turn a short expression into a huge value is
checked against the same limits as YAQL before it runs (``checks``): ``*``,
``**``, ``+``, ``%``, the string methods that pad or replace, ``str.format``
widths, list and dict growth, ``~`` and the rendered text, and the filters
that amplify (``filters``); so ``{{ 'a' * 10**10 }}`` fails instead of
filling memory (the sandbox already caps ``range()`` at 100000). The data
filters (``json_dump``...) take the piped value as their data.
"""

import collections.abc
import functools
import re

import jinja2
from jinja2 import compiler
from jinja2 import sandbox

from mistral_resume import exceptions as exc
from mistral_resume.expressions import checks
from mistral_resume.expressions import filters
from mistral_resume.expressions import functions

# Mistral's patterns: non-greedy, no DOTALL.
VARIABLE_PATTERN = re.compile(r"{{(.*?)}}")
BLOCK_PATTERN = re.compile(r"{%(.*?)%}")

CACHE_SIZE = 4096

# Where an evaluation's Scope sits among the template variables: not a Jinja
# identifier, so a template can reach it only through the functions.
_SCOPE_KEY = "mistral-resume scope"

def configure(max_iterators=None, memory_quota=None):
    """Set the limits for sizes (None keeps, -1 means none)."""
    checks.configure(max_iterators, memory_quota)


def _check_binop(operator, left, right):
    both = (str, bytes, list, tuple)
    if operator == "*":
        checks.product(left, right)
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, both) and isinstance(count, int):
                checks.repeat(seq, count)
    elif operator == "**":
        checks.power(left, right)
    elif operator == "+":
        if isinstance(left, both) and type(left) is type(right):
            checks.concat(left, right)
    elif operator == "%" and isinstance(left, str):
        checks.percent_format(left, right)


def _check_call(obj, args):
    """Checks before a method call; the arguments to call it with."""
    owner = getattr(obj, "__self__", None)
    if isinstance(owner, str):
        name = getattr(obj, "__name__", "")
        checks.string_method(name, owner, args)
        if name == "join" and args:
            items = list(args[0])
            checks.join(owner, items)
            args = (items,) + tuple(args[1:])
    return args


# Methods that add to a list, dict or set: the container is checked after.
_GROWING = frozenset(["append", "extend", "insert", "update", "setdefault",
                      "add", "__iadd__"])


def _check_growth(obj, args):
    owner = getattr(obj, "__self__", None)
    if (isinstance(owner, (list, dict, set))
            and getattr(obj, "__name__", "") in _GROWING):
        checks.length(len(owner))
        if obj.__name__ in ("append", "insert", "add", "setdefault"):
            # As if every element were as large as the newest: building a
            # list of references to one big list is the bomb here.
            checks.memory(checks.cost(args[-1] if args else None)
                          * len(owner), "a collection")
        else:
            checks.value(owner, "a collection")


def _concat(parts):
    """Join what a template renders, its size checked first."""
    parts = [p if isinstance(p, str) else str(p) for p in parts]
    checks.memory(sum(len(p) for p in parts), "the rendered text")
    return "".join(parts)


class _CodeGenerator(compiler.CodeGenerator):
    # ``a ~ b`` is compiled into a call of a runtime function nothing can
    # intercept; here it goes through the environment, which checks sizes.
    def visit_Concat(self, node, frame):
        self.write("environment.checked_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class _Sandbox(sandbox.SandboxedEnvironment):
    # Read when templates are compiled: these operators go through
    # call_binop, where the size of the result is checked first.
    intercepted_binops = frozenset(["*", "**", "+", "%"])
    code_generator_class = _CodeGenerator
    concat = staticmethod(_concat)

    def call_binop(self, context, operator, left, right):
        _check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805
        args = _check_call(__obj, args)
        result = super().call(__context, __obj, *args, **kwargs)
        _check_growth(__obj, args)
        return result

    def checked_concat(self, items):
        return _concat(items)

    def wrap_str_format(self, value):
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        text = value.__self__

        def checked(*args, **kwargs):
            checks.str_format(text, args, kwargs)
            return wrapper(*args, **kwargs)

        return checked


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
    filters.install(env)
    return env


# Holds configuration and compiled code only, no request state.
_environment = _create_environment()


@functools.lru_cache(maxsize=CACHE_SIZE)
def _compile_expression(source):
    return _environment.compile_expression(source, undefined_to_none=False)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _compile_template(text):
    return _environment.from_string(text)


def prepare():
    """Nothing to build: the environment is made at import."""


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
