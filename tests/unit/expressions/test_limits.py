"""The Jinja sandbox, the size limits of both languages, and the caches."""

import pytest

from mistral_resume import exceptions as exc
from mistral_resume.expressions import base
from mistral_resume.expressions import functions
from mistral_resume.expressions import jinja_eval
from mistral_resume.expressions import yaql_eval


@pytest.fixture
def limits():
    """Restore the limits a test changes."""
    saved = base.limits()
    yield
    base.configure(**saved)


@pytest.mark.parametrize("text, expected", [
    ("{{ ''.__class__ }}", "access to attribute '__class__' of 'str'"
                           " object is unsafe"),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "is unsafe"),
    ("{{ _.__class__ }}", "is unsafe"),
    ("{{ _.keys.__self__ }}", "is unsafe"),
    ("{{ task.__globals__ }}", "is unsafe"),
    ("{{ env.__closure__ }}", "is unsafe"),
    ("{{ (1).__class__.__base__ }}", "is unsafe"),
    ("x {{ ''.__class__ }}", "is unsafe"),
    ("{{ lipsum.__globals__ }}", "is unsafe"),
    ("{{ cycler.__init__.__globals__ }}", "is unsafe"),
    ("{{ range(10**9) | list }}", "Range too big"),
])
def test_jinja_sandbox_refuses_escapes(text, expected):
    with pytest.raises(exc.ExpressionError) as raised:
        base.evaluate(text, {"a": 1}, functions.DictLookup())
    assert "Can not evaluate Jinja expression" in str(raised.value)
    assert expected in str(raised.value)


def test_the_scope_is_out_of_reach_of_expressions():
    # Its key is not an identifier in either language.
    lookup = functions.DictLookup(env={"secret": 1})
    with pytest.raises(exc.ExpressionError):
        base.evaluate("{{ mistral-resume scope }}", {}, lookup)
    assert base.evaluate("<% $mistral %>", {}, lookup) is None


@pytest.mark.parametrize("text, expected", [
    ("<% range(0, 100000000) %>", "Collection length exceeds 100000"),
    ("x <% range(0, 100000000) %>", "Collection length exceeds 100000"),
    ("<% list(range(0, 200000)) %>", "Collection length exceeds 100000"),
    ("<% 'abc' * 20000000 %>", "Expression consumed too much memory"),
    ("{{ 'abc' * 20000000 }}", "Expression consumed too much memory"),
    ("{{ [0] * 200000 }}", "Collection length exceeds 100000"),
    ("{{ 200000 * [0] }}", "Collection length exceeds 100000"),
    ("{{ 10 ** 1000000000 }}", "Number too large"),
])
def test_default_limits_refuse_huge_results(text, expected):
    with pytest.raises(exc.ExpressionError) as raised:
        base.evaluate(text, {})
    assert expected in str(raised.value)


@pytest.mark.parametrize("text", [
    "<% range(0, 1000).select($ * 2) %>",
    "<% range(0, 1000).sum() %>",
    "<% range(0, 1000).where($ > 0).toSet() %>",
    "<% [1, 2].select(range(0, 1000)).first() %>",
])
def test_every_iterator_is_limited(text, limits):
    # Functions that consume an iterator stop at the limit too (a small one
    # here: each yaql step costs tens of microseconds).
    base.configure(max_iterators=100)
    with pytest.raises(exc.ExpressionError,
                       match="Collection length exceeds 100 elements"):
        base.evaluate(text, {})


@pytest.mark.parametrize("text, expected", [
    ("<% range(0, 100000).len() %>", 100000),
    # Lazy queries only take what they need.
    ("<% range(0, 100000000).where($ > 5).first() %>", 6),
    ("<% len('ab' * 1000) %>", 2000),
    ("{{ ('ab' * 1000) | length }}", 2000),
    ("{{ ([0] * 100000) | length }}", 100000),
    ("{{ 2 ** 64 }}", 2 ** 64),
    ("{{ 'a' * -1 }}", ""),
])
def test_default_limits_allow_ordinary_work(text, expected):
    assert base.evaluate(text, {}) == expected


def test_configure_changes_the_limits(limits):
    base.configure(max_iterators=10, memory_quota=1000)
    assert base.limits() == {"max_iterators": 10, "memory_quota": 1000,
                             "time_limit": base.DEFAULT_TIME_LIMIT}
    for text in ("<% range(0, 11) %>", "{{ [0] * 11 }}"):
        with pytest.raises(exc.ExpressionError, match="exceeds 10 elements"):
            base.evaluate(text, {})
    for text in ("<% 'a' * 2000 %>", "{{ 'a' * 2000 }}"):
        with pytest.raises(exc.ExpressionError, match="too much memory"):
            base.evaluate(text, {})
    assert base.evaluate("<% range(0, 10) %>", {}) == list(range(10))
    assert base.evaluate("{{ [0] * 10 }}", {}) == [0] * 10


def test_configure_keeps_what_it_is_not_given(limits):
    base.configure(max_iterators=5)
    base.configure(memory_quota=500)
    assert base.limits() == {"max_iterators": 5, "memory_quota": 500,
                             "time_limit": base.DEFAULT_TIME_LIMIT}


def test_configure_minus_one_lifts_the_limit(limits):
    base.configure(max_iterators=-1)
    assert len(base.evaluate("<% range(0, 200000) %>", {})) == 200000
    assert len(base.evaluate("{{ [0] * 200000 }}", {})) == 200000


@pytest.mark.parametrize("kwargs", [
    {"max_iterators": -2},
    {"max_iterators": "10"},
    {"memory_quota": 1.5},
    {"memory_quota": True},
    {"time_limit": -1},
    {"time_limit": "1"},
])
def test_configure_rejects_bad_values(kwargs, limits):
    before = base.limits()
    with pytest.raises(ValueError):
        base.configure(**kwargs)
    assert base.limits() == before


def test_yaql_expressions_are_parsed_once():
    yaql_eval._parse.cache_clear()
    for _ in range(3):
        base.evaluate("<% $.a + 1 %>", {"a": 1})
        base.validate("<% $.a + 1 %>")
    info = yaql_eval._parse.cache_info()
    assert (info.misses, info.hits) == (1, 5)


def test_jinja_expressions_are_compiled_once():
    jinja_eval._compile_expression.cache_clear()
    jinja_eval._compile_template.cache_clear()
    for _ in range(3):
        assert base.evaluate("{{ _.a }}", {"a": 1}) == 1
        assert base.evaluate("a={{ _.a }}", {"a": 2}) == "a=2"
    assert jinja_eval._compile_expression.cache_info().misses == 1
    assert jinja_eval._compile_template.cache_info().misses == 1
    assert jinja_eval._compile_expression.cache_info().hits == 2


def test_configure_drops_expressions_parsed_under_old_limits(limits):
    assert len(base.evaluate("<% range(0, 50) %>", {})) == 50
    base.configure(max_iterators=20)
    with pytest.raises(exc.ExpressionError, match="exceeds 20 elements"):
        base.evaluate("<% range(0, 50) %>", {})
