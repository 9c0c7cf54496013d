"""The pure policy rules (Mistral 23's), table-driven."""
import pytest

from mistral_resume import exceptions as exc
from mistral_resume.spec import models as spec_models
from mistral_resume.workflow import policies
from mistral_resume.workflow import statuses as st

RETRY = (3, 0)


@pytest.mark.parametrize("state,retry,retry_no,break_on,continue_on,again", [
    # A failure is retried while retries remain.
    (st.ERROR, RETRY, 0, None, None, True),
    (st.ERROR, RETRY, 2, None, None, True),
    (st.ERROR, RETRY, 3, None, None, False),
    (st.ERROR, (0, 0), 0, None, None, False),
    (st.ERROR, None, 0, None, None, False),
    # break-on stops retries of a failure.
    (st.ERROR, RETRY, 0, True, None, False),
    (st.ERROR, RETRY, 0, False, None, True),
    # A success is retried only while a given continue-on holds.
    (st.SUCCESS, RETRY, 0, None, None, False),
    (st.SUCCESS, RETRY, 0, None, True, True),
    (st.SUCCESS, RETRY, 0, None, False, False),
    (st.SUCCESS, RETRY, 3, None, True, False),
    # A given continue-on that does not hold stops a failure's retries too.
    (st.ERROR, RETRY, 0, None, False, False),
    (st.ERROR, RETRY, 0, None, True, True),
    # Never a cancelled or unfinished task.
    (st.CANCELLED, RETRY, 0, None, None, False),
    (st.RUNNING, RETRY, 0, None, None, False),
])
def test_should_retry(state, retry, retry_no, break_on, continue_on, again):
    assert policies.should_retry(state, retry, retry_no, break_on,
                                 continue_on) is again


@pytest.mark.parametrize(
    "state,fail_on,retry,retry_no,wait_after,waited,kind,final", [
        (st.SUCCESS, False, None, 0, 0, False, "complete", st.SUCCESS),
        (st.SUCCESS, True, None, 0, 0, False, "complete", st.ERROR),
        (st.SUCCESS, True, RETRY, 0, 0, False, "retry", st.ERROR),
        (st.ERROR, False, RETRY, 0, 0, False, "retry", st.ERROR),
        # wait-after first, the rest once the wait is over...
        (st.SUCCESS, True, RETRY, 0, 2, False, "wait", st.SUCCESS),
        (st.SUCCESS, True, None, 0, 2, True, "complete", st.ERROR),
        (st.ERROR, False, RETRY, 0, 2, True, "retry", st.ERROR),
        # ... and only before the first retry.
        (st.ERROR, False, RETRY, 1, 2, False, "retry", st.ERROR),
        (st.ERROR, False, RETRY, 3, 2, False, "complete", st.ERROR),
        (st.CANCELLED, False, RETRY, 0, 2, False, "complete", st.CANCELLED),
    ])
def test_after_completion(state, fail_on, retry, retry_no, wait_after, waited,
                          kind, final):
    outcome = policies.after_completion(state, None, fail_on, retry,
                                        retry_no, None, None, wait_after,
                                        waited)
    assert (outcome.kind, outcome.state) == (kind, final)
    if fail_on and state == st.SUCCESS and kind == "complete":
        assert outcome.state_info == policies.FAIL_ON_INFO
    if kind == "retry":
        assert outcome.state_info == "Delayed by 'retry' policy [delay=0]"


@pytest.mark.parametrize("stage,pause,wait,kind", [
    (policies.STAGE_PAUSE, True, 0, "pause"),
    (policies.STAGE_PAUSE, True, 2, "pause"),
    (policies.STAGE_PAUSE, False, 2, "delay"),
    (policies.STAGE_WAIT, True, 2, "delay"),
    (policies.STAGE_WAIT, True, 0, "run"),
    (policies.STAGE_RUN, True, 2, "run"),
    (policies.STAGE_PAUSE, False, 0, "run"),
])
def test_start(stage, pause, wait, kind):
    assert policies.start(stage, pause, wait).kind == kind


def _spec(**policies_):
    return spec_models.TaskSpec(name="t", **policies_)


@pytest.mark.parametrize("field,value,data,expected", [
    ("wait_before", 2, {}, 2),
    ("wait_before", "<% $.d %>", {"d": 0.5}, 0.5),
    ("timeout", None, {}, 0),
    ("concurrency", "<% $.c %>", {"c": 4}, 4),
])
def test_count_values(field, value, data, expected):
    assert policies.count_value(_spec(**{field: value}), field, data,
                                None) == expected


@pytest.mark.parametrize("field,value,data", [
    ("wait_before", "<% $.d %>", {"d": "1"}),
    ("wait_after", "<% $.d %>", {"d": -1}),
    ("concurrency", "<% $.c %>", {"c": 1.5}),
    ("timeout", "<% $.d %>", {"d": True}),
])
def test_bad_count_values(field, value, data):
    with pytest.raises(exc.ExpressionError) as raised:
        policies.count_value(_spec(**{field: value}), field, data, None)
    assert "Invalid data type in" in str(raised.value)


def test_retry_value():
    spec = _spec(retry={"count": "<% $.n %>", "delay": 1})
    assert policies.retry_value(spec, {"n": 2}, None) == (2, 1)
    assert policies.retry_value(_spec(), {}, None) is None
    with pytest.raises(exc.ExpressionError):
        policies.retry_value(spec, {"n": -1}, None)
