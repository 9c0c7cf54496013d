"""``task-list`` (what failed, which items) and ``task-items``."""
from cliff import lister

from mistral_resume.cli import transport
from mistral_resume.cli import views


def failed_items(api, task):
    """The items of a failed with-items task that a default re-run takes,
    with their errors; None for any other task."""
    count = views.with_items_count(task)
    if count is None or task.get("state") != "ERROR":
        return None
    actions = transport.list_all(
        api, "/tasks/%s/action_executions" % task["id"],
        "action_executions", {"accepted": "true"})
    return views.FailedItemsColumn(views.failed_items(count, actions))


class TaskList(lister.Lister):
    """List the tasks of an execution: state, error, failed items."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("execution", metavar="EXECUTION",
                            help="execution id")
        parser.add_argument("--state", metavar="STATE",
                            help="only tasks in this state (e.g. ERROR)")
        return parser

    def take_action(self, args):
        api = transport.api_of(self.app)
        params = {"state": args.state.upper()} if args.state else None
        tasks = transport.list_all(
            api, "/executions/%s/tasks" % args.execution, "tasks", params)
        rows = []
        for task in tasks:
            rows.append((task.get("id"), task.get("name"), task.get("state"),
                         task.get("state_info"),
                         views.with_items_count(task),
                         failed_items(api, task)))
        return views.TASK_LIST, rows


class TaskItems(lister.Lister):
    """List the action executions of a task: item, state, attempt, error.

    A with-items task has one per item and run; a re-run leaves the
    failed ones (``accepted`` false) beside the new ones.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("task", metavar="TASK_ID",
                            help="task execution id")
        parser.add_argument("--state", metavar="STATE",
                            help="only action executions in this state")
        parser.add_argument("--long", action="store_true",
                            help="also the action, its input and times")
        return parser

    def take_action(self, args):
        # All of them, filtered here: attempts count every run of an item.
        actions = transport.list_all(
            transport.api_of(self.app),
            "/tasks/%s/action_executions" % args.task, "action_executions",
            {"include_output": "true"})
        return views.item_rows(actions, long=args.long, state=args.state)
