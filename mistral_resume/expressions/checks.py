"""Size checks both languages make before an operation allocates.

A value an expression builds can be far larger in its JSON form than in
memory: ``[l] * 100000`` holds 100000 references to one list ``l``, which
turning into text (rendering, storing, ``json_dump``) repeats 100000 times.
So sizes here are *expanded* sizes: :func:`cost` counts a container's
elements and strings' characters as often as they appear.

Each check raises an error whose message says what the limit is;
the evaluators turn it into an ``ExpressionError``.
"""

import collections.abc
import math
import re
from re import _constants as sre_constants  # the public names are
from re import _parser as sre_parse  # deprecated aliases of these
import string
import sys

import yaml

# Set by base.configure(); yaql's rules: an iterator limit of 0 allows
# nothing, a memory quota of 0 or less allows anything.
LIMITS = {"max_iterators": -1, "memory_quota": -1}

# Integers above this many bits are refused: multiplying two of them is a
# single C call that nothing can interrupt (minutes for a few megabytes),
# and Python refuses to turn more than 4300 digits into text, which is what
# storing a number as JSON does.
MAX_INT_BITS = int((sys.get_int_max_str_digits() or 4300) * math.log2(10))

# What one element of a container costs, beyond its contents (bytes).
_SLOT = 8


def configure(max_iterators=None, memory_quota=None):
    if max_iterators is not None:
        LIMITS["max_iterators"] = max_iterators
    if memory_quota is not None:
        LIMITS["memory_quota"] = memory_quota


def _quota():
    quota = LIMITS["memory_quota"]
    return quota if quota > 0 else None


def length(size):
    """:raises OverflowError: for a collection of more than max_iterators."""
    limit = LIMITS["max_iterators"]
    if 0 <= limit < size:
        raise OverflowError("Collection length exceeds %d elements" % limit)


def memory(size, what="a value"):
    """:raises MemoryError: for ``size`` bytes over the memory quota."""
    quota = _quota()
    if quota is not None and size > quota:
        raise MemoryError(
            "Expression consumed too much memory (%s of %d bytes; the limit"
            " is %d bytes)" % (what, size, quota))


def cost(value, budget=None):
    """The expanded size of ``value`` in bytes, roughly; counting stops
    a little above ``budget`` (default: the memory quota)."""
    if budget is None:
        budget = _quota() or float("inf")
    total = 0
    stack = [value]
    while stack and total <= budget:
        item = stack.pop()
        if isinstance(item, (str, bytes)):
            total += len(item)
        elif isinstance(item, collections.abc.Mapping):
            total += _SLOT * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += _SLOT * len(item)
            stack.extend(item)
        else:
            total += _SLOT
    return total


def value(result, what="the result"):
    """:raises MemoryError: for a value larger than the quota, expanded."""
    memory(cost(result), what)


def repeat(seq, count):
    """``seq * count`` for a string, list or tuple and an int."""
    if count <= 0:
        return
    if isinstance(seq, (str, bytes)):
        memory(len(seq) * count, "a string")
    else:
        length(len(seq) * count)
        memory(cost(seq) * count, "a list")


def concat(left, right):
    """``left + right`` for two strings or two lists."""
    if isinstance(left, (str, bytes)):
        memory(len(left) + len(right), "a string")
    else:
        length(len(left) + len(right))
        memory(cost(left) + cost(right), "a list")


def integer(bits):
    """:raises OverflowError: for an integer of more than MAX_INT_BITS."""
    if bits > MAX_INT_BITS:
        raise OverflowError(
            "Number too large (about %d bits; the limit is %d bits)"
            % (bits, MAX_INT_BITS))


def power(base, exponent):
    if (isinstance(base, int) and isinstance(exponent, int)
            and abs(base) > 1 and exponent > 0):
        integer(exponent * math.log2(abs(base)))


def product(left, right):
    if isinstance(left, int) and isinstance(right, int):
        integer(left.bit_length() + right.bit_length())


def shift(value, bits):
    if value and bits > 0:
        integer(abs(value).bit_length() + bits)


# A conversion spec of printf-style formatting: flags, width, precision.
_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def percent_format(fmt, args):
    """``fmt % args``: widths and precisions count as characters."""
    numbers = [int(n) for m in _PERCENT.finditer(fmt)
               for n in m.groups() if n and n != "*"]
    if "*" in fmt:
        items = args if isinstance(args, tuple) else (args,)
        numbers += [abs(a) for a in items if isinstance(a, int)]
    memory(len(fmt) + sum(numbers), "a formatted string")


_SPEC_NUMBERS = re.compile(r"\d+")


def str_format(text, args, kwargs):
    """``text.format(*args, **kwargs)`` (or ``format_map``): the widths
    of its fields; a width given by another field counts every integer
    argument, as it may be any of them."""
    numbers = []
    nested = False
    for _literal, _field, spec, _conv in string.Formatter().parse(text):
        if spec:
            numbers += [int(n) for n in _SPEC_NUMBERS.findall(spec)]
            nested = nested or "{" in spec
    if nested:
        values = list(args) + list(kwargs.values())
        for item in list(values):
            if isinstance(item, collections.abc.Mapping):
                values += list(item.values())
        numbers += [abs(v) for v in values
                    if isinstance(v, int) and not isinstance(v, bool)]
    memory(len(text) + sum(numbers), "a formatted string")


def _text_size(method, text, args):
    """The size of ``text.<method>(*args)`` before it is made."""
    if method in ("ljust", "rjust", "center", "zfill"):
        return max(len(text), int(args[0])) if args else len(text)
    if method == "expandtabs":
        width = int(args[0]) if args else 8
        return len(text) + text.count("\t") * max(width, 0)
    if method == "replace" and len(args) >= 2:
        old, new = str(args[0]), str(args[1])
        hits = text.count(old) if old else len(text) + 1
        if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
            hits = min(hits, args[2])
        return len(text) + hits * max(len(new) - len(old), 0)
    return len(text)


STRING_METHODS = frozenset(["ljust", "rjust", "center", "zfill",
                            "expandtabs", "replace"])


def string_method(method, text, args):
    if method in STRING_METHODS:
        memory(_text_size(method, text, args), "a string")


def join(separator, items):
    """``separator.join(items)``; ``items`` a list."""
    length(len(items))
    memory(len(separator) * len(items)
           + sum(len(i) if isinstance(i, str) else cost(i) for i in items),
           "a string")


# Regular expressions: Python's engine backtracks, and a repetition (or an
# alternation) inside a repetition, ``(a+)+``, ``(a*)*``, ``(a|aa)*``, can
# take exponential time on a short text, in one C call. Single-character
# alternatives (``(a|b)*``) are a character set to the parser, so allowed.
_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT)
_POSSESSIVE = getattr(sre_constants, "POSSESSIVE_REPEAT", None)


def _has_repeat(items, inside):
    for op, av in items:
        if op in _REPEATS:
            low, high, sub = av
            if inside and high > 1:
                return True
            if _has_repeat(sub, inside or high > 1):
                return True
        elif op == sre_constants.SUBPATTERN:
            if _has_repeat(av[-1], inside):
                return True
        elif op == sre_constants.BRANCH:
            # Alternatives that can match the same text (``(a|aa)*``)
            # backtrack as badly as a nested repetition.
            if inside or any(_has_repeat(b, inside) for b in av[1]):
                return True
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            if _has_repeat(av[1], inside):
                return True
        elif op == sre_constants.GROUPREF and inside:
            return True
    return False


def pattern(text):
    """:raises ValueError: for a pattern with a repetition or an
    alternation inside a repetition."""
    try:
        parsed = sre_parse.parse(text)
    except re.error:
        return  # re reports it itself
    if _has_repeat(list(parsed), False):
        raise ValueError(
            "Regular expression %r repeats a repetition or an alternation"
            " (like '(a+)+' or '(a|aa)*'), which can take exponential time;"
            " rewrite it without nested quantifiers" % text)


class _YamlLoader(yaml.SafeLoader):
    """``yaml.safe_load`` that counts what aliases expand to."""


def yaml_load(text):
    """``yaml.safe_load(text)``, refusing a document whose aliases expand
    it beyond the collection limit ("billion laughs").

    :raises ValueError: naming the expanded size.
    """
    loader = _YamlLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        limit = LIMITS["max_iterators"]
        size = _expanded(node, {}, limit if limit >= 0 else float("inf"))
        if limit >= 0 and size > limit:
            raise ValueError(
                "YAML aliases expand the document beyond %d nodes; refused"
                " (a \"billion laughs\" document?)" % limit)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _expanded(node, seen, limit):
    # Aliases share node objects: the memo keeps this linear in the text,
    # the sum counts every use.
    key = id(node)
    if key in seen:
        return seen[key]
    seen[key] = limit + 1  # a node that contains itself
    size = 1
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            size += _expanded(child, seen, limit)
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            size += _expanded(k, seen, limit) + _expanded(v, seen, limit)
    seen[key] = size
    return size
