"""Rows as the plain, JSON-ready dicts an engine verb answers with."""
import datetime

# Columns that are the engine's working data, not part of any resource.
_HIDDEN = frozenset(("spec", "context", "in_context",
                     "adhoc_outputs", "adhoc_base",
                     "unique_key"))


def as_dict(row, hidden=_HIDDEN):
    result = {}
    for key, value in row.to_dict().items():
        if key in hidden:
            continue
        if isinstance(value, datetime.datetime):
            value = value.strftime("%Y-%m-%d %H:%M:%S")
        result[key] = value
    return result
