"""The pure with-items rules, table-driven."""
import pytest

from mistral_resume import exceptions as exc
from mistral_resume.workflow import statuses as st
from mistral_resume.workflow import with_items


@pytest.mark.parametrize("spec,data,expected", [
    ([("x", [1, 2])], {}, [{"x": 1}, {"x": 2}]),
    ([("x", "<% $.xs %>")], {"xs": ["a"]}, [{"x": "a"}]),
    ([("x", "<% $.xs %>"), ("y", [3, 4])], {"xs": [1, 2]},
     [{"x": 1, "y": 3}, {"x": 2, "y": 4}]),
    ([("x", "<% $.xs %>")], {"xs": []}, []),
    # Any iterable, as in Mistral: a string gives its characters.
    ([("c", "<% $.s %>")], {"s": "ab"}, [{"c": "a"}, {"c": "b"}]),
])
def test_values_are_one_dict_per_item(spec, data, expected):
    assert with_items.evaluate_values(spec, data, None) == expected


@pytest.mark.parametrize("spec,data,message", [
    ([("x", [1]), ("y", [1, 2])], {}, "All arrays must have the same"),
    ([("x", "<% $.n %>")], {"n": 3}, "Iterable type is expected"),
    ([("x", "<% $.missing.deeper %>")], {}, "missing"),
])
def test_bad_values_fail(spec, data, message):
    with pytest.raises(exc.ExpressionError) as raised:
        with_items.evaluate_values(spec, data, None)
    assert message in str(raised.value)


def test_inbound_data_wins_a_name_clash():
    assert with_items.item_data({"x": "outer", "y": 1}, {"x": 5, "z": 2}) \
        == {"x": "outer", "y": 1, "z": 2}


@pytest.mark.parametrize("count,started,running,concurrency,expected", [
    (5, 0, 0, None, [0, 1, 2, 3, 4]),
    (5, 0, 0, 2, [0, 1]),
    (5, 2, 1, 2, [2]),
    (5, 2, 2, 2, []),
    (5, 5, 0, 2, []),
    (3, 1, 0, 10, [1, 2]),
    (0, 0, 0, None, []),
])
def test_to_start(count, started, running, concurrency, expected):
    assert list(with_items.to_start(count, started, running,
                                    concurrency)) == expected


@pytest.mark.parametrize("count,started,incomplete,done", [
    (3, 3, 0, True), (3, 3, 1, False), (3, 2, 0, False), (0, 0, 0, True),
])
def test_sweep_done(count, started, incomplete, done):
    assert with_items.sweep_done(count, started, incomplete) is done


@pytest.mark.parametrize("failed,cancelled,state", [
    (0, 0, st.SUCCESS), (1, 0, st.ERROR), (1, 1, st.CANCELLED),
    (0, 2, st.CANCELLED),
])
def test_final_state(failed, cancelled, state):
    assert with_items.final_state(failed, cancelled)[0] == state


@pytest.mark.parametrize("value,expected", [(None, None), (0, None),
                                            (3, 3)])
def test_concurrency(value, expected):
    assert with_items.check_concurrency(value) == expected


@pytest.mark.parametrize("value", [-1, "2", True, 1.5])
def test_bad_concurrency(value):
    with pytest.raises(exc.ExpressionError):
        with_items.check_concurrency(value)
