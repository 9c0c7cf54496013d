"""with-items: which items run, and what a finished sweep means.

Pure: the engine counts items in the database (running, failed,
cancelled) and asks here what to start next and when the task is done.
Item values are evaluated once, at the task's first run, into one dict per
item (``[{var: value}, ...]``), so item indices never shift.

Mistral 23's rules (mistral/engine/tasks.py ``WithItemsTask``):

- several ``var in <list>`` lists are zipped and must have one length;
- the data an item sees is its variables overlaid by the task's inbound
  data (the inbound data wins a name clash, as Mistral's merge does);
- ``concurrency`` caps the items running at once; the next item starts
  when one ends, whether it failed or not;
- the task ends once every item of the sweep has run: CANCELLED if one was
  cancelled, ERROR if one failed, else SUCCESS; an empty list is a SUCCESS
  with the result ``[]``.
"""
import collections.abc

from mistral_resume import exceptions as exc
from mistral_resume.expressions import base as expr
from mistral_resume.workflow import data_flow
from mistral_resume.workflow import statuses as st

FAILED_INFO = "One or more actions had failed."
CANCELLED_INFO = "One or more actions was cancelled."


def evaluate_values(with_items, data, lookup):
    """``[(var, expression or list)]`` -> one ``{var: value}`` per item.

    :raises: ExpressionError for an expression that fails, a value that is
        not a list, or lists of different lengths.
    """
    columns = []
    for var, source in with_items:
        values = (expr.evaluate(source, data, lookup)
                  if isinstance(source, str) else source)
        # Any iterable, as in Mistral: a string gives its characters, a
        # mapping its keys.
        if not isinstance(values, collections.abc.Iterable):
            raise exc.ExpressionError(
                "Wrong input format for: %s. Iterable type is expected for "
                "each value, got %r" % (var, values))
        columns.append((var, list(values)))
    lengths = {len(values) for _, values in columns}
    if len(lengths) > 1:
        raise exc.ExpressionError(
            "Wrong input format for: %s. All arrays must have the same "
            "length." % dict(columns))
    count = lengths.pop() if lengths else 0
    return [{var: values[i] for var, values in columns}
            for i in range(count)]


def item_data(in_context, item_values):
    """What ``$`` means for one item's input and action name.

    The task's data wins a name clash (Mistral's rule). Values are shared,
    not copied: copying the task's data for every item would make a task
    over N items whose data holds the N values cost N squared.
    """
    data = dict(item_values)
    for key, value in (in_context or {}).items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = data_flow.merge(data[key], value)
        else:
            data[key] = value
    return data


def check_concurrency(value):
    """An evaluated 'concurrency': None (no cap) or an integer >= 1.

    :raises: ExpressionError for anything else (0 means no cap, as in
        Mistral).
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise exc.ExpressionError(
            "Invalid data type in ConcurrencyPolicy: expected an integer >= "
            "0, got %r" % (value,))
    return value or None


def to_start(count, started, running, concurrency):
    """Indices of the items to start now, in order (a ``range``)."""
    room = count - started
    if concurrency:
        room = min(room, concurrency - running)
    return range(started, started + max(room, 0))


def sweep_done(count, started, incomplete):
    """True once every item was started and none is still running."""
    return started >= count and incomplete == 0


def final_state(failed, cancelled):
    """``(state, state_info)`` of a finished sweep."""
    if cancelled:
        return st.CANCELLED, CANCELLED_INFO
    if failed:
        return st.ERROR, FAILED_INFO
    return st.SUCCESS, None
