"""Every row of every transition table, and what lies outside them."""
import itertools

import pytest

from mistral_resume import exceptions as exc
from mistral_resume.workflow import machines
from mistral_resume.workflow import statuses as st

ROWS = [(m, cur, new) for m in machines.MACHINES for (cur, new) in m.rows]
NOOPS = [(m, cur, new) for m in machines.MACHINES for (cur, new) in m.noops]
OUTSIDE = [(m, cur, new) for m in machines.MACHINES
           for cur, new in itertools.product(st.ALL, st.ALL)
           if (cur, new) not in m.rows and (cur, new) not in m.noops]


@pytest.mark.parametrize("machine,current,target", ROWS,
                         ids=lambda v: getattr(v, "name", v))
def test_every_row_applies(machine, current, target):
    assert machines.apply(machine, current, target) is True
    assert machines.is_allowed(machine, current, target)
    assert machine.rows[(current, target)].strip()


@pytest.mark.parametrize("machine,current,target", NOOPS,
                         ids=lambda v: getattr(v, "name", v))
def test_noops_write_nothing(machine, current, target):
    assert machines.apply(machine, current, target) is False
    assert not machines.is_allowed(machine, current, target)


@pytest.mark.parametrize("machine,current,target", OUTSIDE,
                         ids=lambda v: getattr(v, "name", v))
def test_everything_else_is_refused(machine, current, target):
    with pytest.raises(exc.InvalidStateTransition) as raised:
        machines.apply(machine, current, target)
    assert "%s from %s to %s" % (machine.name, current, target) in str(
        raised.value)
    assert raised.value.http_code == 409


def test_no_pair_is_both_a_row_and_a_noop():
    for machine in machines.MACHINES:
        assert not set(machine.rows) & machine.noops, machine.name


def test_resume_rows_exist():
    # The product's promise: a failed workflow and task can be resumed.
    assert machines.is_allowed(machines.WORKFLOW, st.ERROR, st.RUNNING)
    assert machines.is_allowed(machines.TASK, st.ERROR, st.RUNNING)
    assert machines.is_allowed(machines.TASK, st.ERROR, st.SKIPPED)


def test_completed_workflows_do_not_restart_by_themselves():
    for state in (st.SUCCESS, st.CANCELLED):
        assert not machines.is_allowed(machines.WORKFLOW, state, st.RUNNING)


def test_policy_and_sub_workflow_rows_exist():
    # pause-before holds a task IDLE; wait-before, retry and wait-after
    # delay it; a timeout or a wait-after ends a delayed task; a paused
    # sub-workflow pauses its task.
    for current, target in ((st.RUNNING, st.IDLE), (st.IDLE, st.DELAYED),
                            (st.IDLE, st.CANCELLED), (st.DELAYED, st.SUCCESS),
                            (st.DELAYED, st.ERROR), (st.RUNNING, st.PAUSED),
                            (st.PAUSED, st.CANCELLED)):
        assert machines.is_allowed(machines.TASK, current, target)
