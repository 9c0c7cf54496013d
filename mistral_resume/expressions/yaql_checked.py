"""yaql's standard functions that can build a huge value, or run for
minutes in one C call, from a short expression, with their sizes checked.

yaql's own memory quota covers ``'a' * n``, list ``+`` and a few more; not
``pow(10, 10**9)``, ``shiftBitsLeft(1, 10**10)``, ``s.replace('a', 'aa..')``,
``[s, s, ...].join('')`` or ``str()`` of a list holding one large list many
times, nor regular expressions that backtrack exponentially. The functions
here are registered in a context layer above the standard library, with
the same names and parameters: yaql takes the nearest layer's overload that
matches, so they replace the standard ones, which they call once the
checks pass.
"""

from yaql.language import specs
from yaql.language import yaqltypes
from yaql.standard_library import math as std_math
from yaql.standard_library import regex as std_regex
from yaql.standard_library import strings as std_strings

from mistral_resume.expressions import checks


@specs.parameter("a", yaqltypes.Number())
@specs.parameter("b", yaqltypes.Number())
@specs.parameter("c", yaqltypes.Number(nullable=True))
@specs.name("pow")
def pow_(a, b, c=None):
    if c is None:
        checks.power(a, b)
    return std_math.pow_(a, b, c)


@specs.parameter("value", int)
@specs.parameter("bits_number", int)
@specs.name("shiftBitsLeft")
def shift_bits_left(value, bits_number):
    checks.shift(value, bits_number)
    return std_math.shift_bits_left(value, bits_number)


@specs.parameter("left", int)
@specs.parameter("right", int)
@specs.name("#operator_*")
def multiplication(left, right):
    checks.product(left, right)
    return left * right


@specs.parameter("string", yaqltypes.String())
@specs.parameter("old", yaqltypes.String())
@specs.parameter("new", yaqltypes.String())
@specs.parameter("count", int)
@specs.method
@specs.name("replace")
def replace(string, old, new, count=-1):
    checks.string_method("replace", string, [old, new, count])
    return std_strings.replace(string, old, new, count)


def _join(separator, sequence, str_delegate):
    items = [str_delegate(item) for item in sequence]
    checks.join(separator, items)
    return separator.join(items)


@specs.parameter("sequence", yaqltypes.Iterable())
@specs.parameter("separator", yaqltypes.String())
@specs.inject("str_delegate", yaqltypes.Delegate("str"))
@specs.method
@specs.name("join")
def join(sequence, separator, str_delegate):
    return _join(separator, sequence, str_delegate)


@specs.parameter("sequence", yaqltypes.Iterable())
@specs.parameter("separator", yaqltypes.String())
@specs.inject("str_delegate", yaqltypes.Delegate("str"))
@specs.method
@specs.name("join")
def join_(separator, sequence, str_delegate):
    return _join(separator, sequence, str_delegate)


@specs.parameter("value", nullable=True)
@specs.name("str")
def str_(value):
    checks.value(value, "the text of a value")
    return std_strings.str_(value)


FUNCTIONS = (pow_, shift_bits_left, multiplication, replace, join, join_,
             str_)


class _CheckedRe:
    """What yaql's regex functions see as ``re``: patterns checked first.

    Every pattern they use passes through ``compile`` or ``search`` (the
    ``regex()`` constructor, ``=~``, ``!~``, ``matches``).
    """

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def compile(self, pattern, flags=0):
        checks.pattern(pattern)
        return self._real.compile(pattern, flags)

    def search(self, pattern, string, flags=0):
        if isinstance(pattern, str):
            checks.pattern(pattern)
        return self._real.search(pattern, string, flags)


def register(context):
    """Register the checked functions in ``context``, a layer above the
    standard library's."""
    for function in FUNCTIONS:
        context.register_function(function)
    # yaql's regex module has no hook; its module-level ``re`` is the one
    # place every pattern goes through.
    if not isinstance(std_regex.re, _CheckedRe):
        std_regex.re = _CheckedRe(std_regex.re)
