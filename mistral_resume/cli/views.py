"""What the commands print: rows from API resources, cliff columns.

Values that are structures (comments, a plan's inputs) are cliff
``FormattableColumn``s: readable text in a table, the structure itself in
``-f json`` / ``-f yaml``.
"""
import json

from cliff import columns

EXECUTION_LIST = ("id", "workflow_name", "state", "state_info",
                  "created_at", "updated_at")
EXECUTION_AFTER_RESUME = ("id", "workflow_name", "state", "state_info",
                          "comments", "updated_at")
COMMENT = ("created_at", "user", "project", "operation", "text")
TASK_LIST = ("id", "name", "state", "state_info", "items", "failed_items")
TASK_ITEMS = ("id", "item", "state", "accepted", "attempt", "result")
TASK_ITEMS_LONG = TASK_ITEMS + ("name", "input", "created_at",
                                "updated_at")
PLAN = ("task", "task_execution_id", "mode", "item", "action", "input",
        "output", "successors")


def loads(value):
    """A JSON string field (Mistral sends ``input``, ``output``... so)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def dumps(value):
    return value if isinstance(value, str) else json.dumps(
        value, sort_keys=True)


class JsonColumn(columns.FormattableColumn):
    """A structure: compact JSON in a table, itself in json/yaml."""

    def human_readable(self):
        return "" if self._value is None else dumps(self._value)

    def machine_readable(self):
        return self._value


class CommentsColumn(columns.FormattableColumn):
    """An execution's comments: one line each in a table."""

    def human_readable(self):
        return "\n".join(comment_line(c) for c in self._value or ())

    def machine_readable(self):
        return self._value


def comment_line(comment):
    who = "/".join(p for p in (comment.get("user"), comment.get("project"))
                   if p)
    return "%s %s [%s] %s" % (comment.get("created_at") or "", who,
                              comment.get("operation") or "",
                              comment.get("text") or "")


def comments_of(execution):
    return loads(execution.get("comments")) or []


def execution(row, fields=None):
    """``(names, values)`` of an execution; ``comments`` readable."""
    names = tuple(fields or row)
    values = tuple(CommentsColumn(comments_of(row)) if n == "comments"
                   else row.get(n) for n in names)
    return names, values


def plan_rows(answer):
    """A dry-run answer as rows: one per action to run or task to skip."""
    rows = []
    for entry in answer.get("plan") or ():
        head = (entry.get("task"), entry.get("task_execution_id"),
                entry.get("mode"))
        successors = ", ".join(entry.get("successors") or ())
        if entry.get("mode") == "skip":
            output = entry.get("output")
            if entry.get("injects_noop_task"):
                action = "noop task injected"
            else:
                action = "none (publish-on-skip)"
            rows.append(head + (None, action, None, JsonColumn(output),
                                successors))
            continue
        for action in entry.get("actions") or ():
            rows.append(head + (action.get("index"), action.get("action"),
                                JsonColumn(action.get("input")), None,
                                successors))
    return PLAN, rows


class FailedItemsColumn(columns.FormattableColumn):
    """``[{"index", "error"}]``: ``index: error`` lines in a table."""

    def human_readable(self):
        return "\n".join(
            "%s: %s" % ("?" if i["index"] is None else i["index"],
                        first_line(i["error"]))
            for i in self._value or ())

    def machine_readable(self):
        return self._value


def first_line(text, length=120):
    lines = (text or "").strip().splitlines()
    line = lines[0] if lines else ""
    return line if len(line) <= length else line[:length] + "..."


NOT_STARTED = "not started"


def failed_items(items_count, actions):
    """The items a default re-run takes (failed or never started), as
    ``[{"index", "error"}]``.

    ``actions`` are the task's accepted action executions, oldest first.
    Where the server does not say which item each one ran, ``index`` is
    None and the never-started ones are counted, not named.
    """
    if all("item_index" in a for a in actions):
        latest = {a["item_index"]: a for a in actions}
        return [{"index": i, "error": (latest[i].get("state_info")
                                       if i in latest else NOT_STARTED)}
                for i in range(items_count)
                if i not in latest or latest[i].get("state") == "ERROR"]
    failed = [{"index": None, "error": a.get("state_info")}
              for a in actions if a.get("state") == "ERROR"]
    return failed + [{"index": None, "error": NOT_STARTED}] * max(
        items_count - len(actions), 0)


def with_items_count(task):
    context = loads(task.get("runtime_context")) or {}
    with_items = context.get("with_items") if isinstance(
        context, dict) else None
    return with_items.get("count") if with_items else None


def item_rows(actions, long=False, state=None):
    """Action executions of a task as rows, by item then attempt.

    ``attempt`` counts the runs of the same item (oldest first) where the
    server does not send it.
    """
    seen = {}
    rows = []
    for action in actions:
        index = action.get("item_index")
        seen[index] = seen.get(index, 0) + 1
        attempt = action.get("attempt") or seen[index]
        result = (action.get("state_info") if action.get("state") == "ERROR"
                  else loads(action.get("output")))
        if state and action.get("state") != state.upper():
            continue
        row = (action.get("id"), index, action.get("state"),
               action.get("accepted"), attempt, JsonColumn(result))
        if long:
            row += (action.get("name"), JsonColumn(loads(action.get("input"))),
                    action.get("created_at"), action.get("updated_at"))
        rows.append(row)
    rows.sort(key=lambda r: (-1 if r[1] is None else r[1], r[4]))
    return (TASK_ITEMS_LONG if long else TASK_ITEMS), rows
