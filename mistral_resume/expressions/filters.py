"""Jinja's built-in filters and globals that can make a large value from a
small expression, with their sizes checked first.

``{{ s | replace('a', 'aaaaaaaaaa') }}``, ``{{ x | center(10**9) }}``,
``{{ l | join }}`` over a list of references to one long string... each is a
single C call once it starts. A check here estimates the result from the
arguments and refuses it over the limits (``checks``); otherwise the filter
runs unchanged.
"""

import functools
import numbers

from jinja2 import utils

from mistral_resume.expressions import checks


def _int(value, default):
    return value if isinstance(value, int) else default


def _replace(args, kwargs):
    s, old, new = (list(args) + [None, None, None])[:3]
    count = args[3] if len(args) > 3 else kwargs.get("count")
    if isinstance(s, str) and old is not None and new is not None:
        checks.string_method("replace", s, [str(old), str(new)] + (
            [count] if isinstance(count, int) else []))
    return args, kwargs


def _center(args, kwargs):
    width = args[1] if len(args) > 1 else kwargs.get("width", 80)
    checks.memory(_int(width, 0), "a string")
    return args, kwargs


def _indent(args, kwargs):
    s = str(args[0]) if args else ""
    width = args[1] if len(args) > 1 else kwargs.get("width", 4)
    size = len(width) if isinstance(width, str) else _int(width, 0)
    checks.memory(len(s) + (s.count("\n") + 1) * size, "a string")
    return args, kwargs


def _wordwrap(args, kwargs):
    s = str(args[0]) if args else ""
    wrap = args[3] if len(args) > 3 else kwargs.get("wrapstring")
    checks.memory(len(s) * (1 + len(wrap or "\n")), "a string")
    return args, kwargs


def _format(args, kwargs):
    if args and isinstance(args[0], str):
        checks.percent_format(args[0], kwargs or tuple(args[1:]))
    return args, kwargs


def _join(args, kwargs):
    if not args:
        return args, kwargs
    items = list(args[0])
    separator = args[1] if len(args) > 1 else kwargs.get("d", "")
    if "attribute" not in kwargs and len(args) < 3:
        checks.join(str(separator), items)
    return (items,) + tuple(args[1:]), kwargs


def _sum(args, kwargs):
    if not args:
        return args, kwargs
    items = list(args[0])
    start = args[2] if len(args) > 2 else kwargs.get("start", 0)
    if not isinstance(start, numbers.Number) or any(
            not isinstance(i, numbers.Number) for i in items):
        # Adding lists: each step copies what came before.
        checks.length(len(items))
        checks.memory(checks.cost(start)
                      + sum(checks.cost(i) for i in items), "a sum")
    return (items,) + tuple(args[1:]), kwargs


def _tojson(args, kwargs):
    indent = args[1] if len(args) > 1 else kwargs.get("indent")
    if isinstance(indent, int) and args:
        checks.memory(checks.cost(args[0]) * (1 + max(indent, 0)),
                      "the JSON text")
    return args, kwargs


# Filter name -> check(args, kwargs) -> (args, kwargs); args start with the
# value filtered (after the context Jinja passes to some filters).
_CHECKS = {
    "replace": _replace,
    "center": _center,
    "indent": _indent,
    "wordwrap": _wordwrap,
    "format": _format,
    "join": _join,
    "sum": _sum,
    "tojson": _tojson,
}


def _checked(original, check):
    passes = utils._PassArg.from_obj(original) is not None

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        head, rest = (args[:1], args[1:]) if passes else ((), args)
        rest, kwargs = check(tuple(rest), kwargs)
        return original(*head, *rest, **kwargs)

    return wrapper


def _lipsum(original):
    @functools.wraps(original)
    def lipsum(n=5, html=True, min=20, max=100):  # noqa: A002
        checks.length(_int(n, 0) * _int(max, 0))
        return original(n, html, min, max)

    return lipsum


def install(env):
    """Replace ``env``'s filters (and ``lipsum``) by checked ones."""
    for name, check in _CHECKS.items():
        env.filters[name] = _checked(env.filters[name], check)
    env.globals["lipsum"] = _lipsum(env.globals["lipsum"])
