"""The size checks and the time limit, on their own."""
import threading
import time

import pytest

from mistral_resume import exceptions as exc
from mistral_resume.expressions import base
from mistral_resume.expressions import checks
from mistral_resume.expressions import functions
from mistral_resume.expressions import watchdog


@pytest.fixture
def limits():
    saved = base.limits()
    yield
    base.configure(**saved)


@pytest.mark.parametrize("pattern", [
    "(a+)+$", "(a*)*b", "(a|aa)*$", r"(\w+\s?)+$", "(?:x+y?)*", r"(a)\1*",
    "((ab)*c)+",
])
def test_patterns_that_backtrack_exponentially_are_refused(pattern):
    with pytest.raises(ValueError, match="repeats a repetition"):
        checks.pattern(pattern)


@pytest.mark.parametrize("pattern", [
    "a+$", "^[a-z]+@[a-z]+\\.com$", "(a|b)*", "(ab)+", "x{2,5}", "(?:abc)?",
    r"\d+(\.\d+)?", "[",  # invalid: re reports it, not this check
])
def test_ordinary_patterns_pass(pattern):
    checks.pattern(pattern)


def test_cost_counts_a_shared_list_each_time_it_appears():
    shared = [0] * 1000
    assert checks.cost([shared] * 10) >= 10 * 1000 * 8
    assert checks.cost({"k": "abc"}) == 8 + 1 + 3


def test_cost_stops_counting_past_the_budget():
    huge = [[0] * 100000] * 100000
    assert 100 < checks.cost(huge, budget=100) < 10 ** 7


def test_yaml_load_allows_a_few_aliases_and_refuses_a_bomb(limits):
    assert checks.yaml_load("a: &x [1, 2]\nb: *x") == {"a": [1, 2],
                                                       "b": [1, 2]}
    base.configure(max_iterators=50)
    with pytest.raises(ValueError, match="beyond 50 nodes"):
        checks.yaml_load("a: &a [1, 1, 1, 1, 1, 1, 1, 1]\n"
                         "b: [*a, *a, *a, *a, *a, *a, *a, *a]")


@pytest.mark.parametrize("fmt, args", [
    ("%0100d", 1), ("%.100f", 1.0), ("%*d", (100, 1)), ("%(a)100s", {}),
])
def test_percent_format_counts_widths(fmt, args, limits):
    base.configure(memory_quota=50)
    with pytest.raises(MemoryError, match="the limit is 50 bytes"):
        checks.percent_format(fmt, args)


def test_time_limit_stops_a_loop_and_the_thread_goes_on(limits):
    base.configure(time_limit=0.3)
    text = ("{% for i in range(100000) %}{% for j in range(100000) %}"
            "{% endfor %}{% endfor %}")
    with pytest.raises(exc.ExpressionError,
                       match="more than 0.3 seconds of CPU time"):
        base.evaluate(text, {})
    # Nothing is left pending for this thread.
    assert base.evaluate("<% range(0, 1000).sum() %>", {}) == 499500


def test_time_limit_applies_in_other_threads(limits):
    base.configure(time_limit=0.3)
    errors = []

    def run():
        try:
            base.evaluate("<% sequence().len() %>", {})
        except exc.ExpressionError as e:
            errors.append(str(e))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert not thread.is_alive()
    assert len(errors) == 1 and "of CPU time" in errors[0]


class _SlowLookup(functions.DictLookup):
    """A lookup that works longer than the time limit (a database read
    whose rows take CPU to load)."""

    def env(self):
        started = time.thread_time()
        while time.thread_time() - started < 0.6:
            pass
        return {"x": 1}


def test_lookups_do_not_count_against_the_time_limit(limits):
    base.configure(time_limit=0.3)
    assert base.evaluate("<% env().x %>", {}, _SlowLookup()) == 1


def test_nested_limits_keep_the_outer_one():
    with watchdog.limit(30):
        with watchdog.limit(0.001):
            assert sum(range(100000)) == 4999950000
