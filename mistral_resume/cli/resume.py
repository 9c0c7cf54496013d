"""``workflow-resume``: re-run or skip the failed task(s) of an execution.

Sends ``PUT /v2/executions/{id}`` with ``{"state": "RUNNING", "resume": R
or [R...], "comment", "dry_run"}`` (DESIGN.md section 3) and shows the
execution it answers, or the plan for ``--dry-run``.
"""
from cliff import show

from mistral_resume.cli import bodies
from mistral_resume.cli import transport
from mistral_resume.cli import views

# The flags that make one R; --resume-json gives whole R instead.
_R_FLAGS = ("task", "input", "items", "all_items", "item_input", "skip",
            "output", "env")


def _given(args, flags):
    return ["--" + f.replace("_", "-") for f in flags
            if getattr(args, f) not in (None, False, [])]


def build_resume(args, stdin=None):
    """R from the flags; ``args.task`` names the task.

    :raises: UsageError for flags that cannot make one R.
    """
    indices = bodies.item_indices(args.items) if args.items else None
    item_list = bodies.items(
        indices, args.all_items,
        [bodies.item_input(v, stdin) for v in args.item_input])
    optional = {}
    if args.output is not None:
        optional["output"] = bodies.json_arg(args.output, stdin)
    return bodies.task_resume(
        args.task, skip=args.skip,
        task_input=(None if args.input is None
                    else bodies.json_arg(args.input, stdin)),
        item_list=item_list,
        env=None if args.env is None else bodies.json_arg(args.env, stdin),
        **optional)


def build_body(args, stdin=None):
    """The body of ``PUT /v2/executions/{id}`` that the flags ask for.

    :raises: UsageError.
    """
    if args.resume_json is not None:
        mixed = _given(args, _R_FLAGS)
        if mixed:
            raise bodies.UsageError(
                "--resume-json gives whole resume entries; it does not go "
                "with %s" % ", ".join(mixed))
        resume = bodies.json_document(args.resume_json, "--resume-json",
                                      stdin)
    else:
        resume = build_resume(args, stdin)
    return bodies.execution_resume(resume, args.comment, args.dry_run)


def choose_task(api, execution_id):
    """The name of the execution's only failed task; None for a paused
    execution with none (a plain resume).

    :raises: UsageError listing the failed tasks when there are several;
        ApiError (404) for an unknown execution.
    """
    failed = transport.list_all(
        api, "/executions/%s/tasks" % execution_id, "tasks",
        {"state": "ERROR"})
    names = [t["name"] for t in failed]
    if len(failed) == 1:
        return failed[0]["name"]
    if failed:
        lines = ["  %s [id=%s]: %s" % (
            t["name"], t["id"], views.first_line(t.get("state_info")))
            for t in failed]
        raise bodies.UsageError(
            "Execution %s has %d failed tasks (%s): say which one to resume "
            "with --task NAME or --task TASK_ID, or several at once with "
            "--resume-json:\n%s" % (execution_id, len(failed),
                                    ", ".join(names), "\n".join(lines)))
    ex = api.request("GET", "/executions/%s" % execution_id)
    if ex.get("state") == "PAUSED":
        return None
    raise bodies.UsageError("Execution %s is %s and has no failed task to "
                            "resume" % (execution_id, ex.get("state")))


class WorkflowResume(show.ShowOne):
    """Resume a workflow execution: re-run or skip its failed task.

    Without --task the execution's only failed task is taken (a paused
    execution without failed tasks is simply resumed). A with-items task
    re-runs its failed items unless --items or --all-items say otherwise.
    JSON values are given inline or as @FILE (@- reads standard input).
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        # json for a --dry-run plan, table for the execution (see run()).
        parser.set_defaults(formatter=None)
        for action in parser._actions:
            if action.dest == "formatter":
                action.help = ("the output format, defaults to json for "
                               "--dry-run, table otherwise")
        parser.add_argument("execution", metavar="EXECUTION",
                            help="workflow execution id")
        parser.add_argument(
            "--task", metavar="NAME",
            help="the failed task to resume: its name or task execution "
                 "id (default: the only failed task)")
        parser.add_argument(
            "--input", metavar="JSON|@FILE",
            help="re-run with these input keys replacing those of the "
                 "task's evaluated input")
        items = parser.add_mutually_exclusive_group()
        items.add_argument(
            "--items", metavar="INDICES",
            help="with-items items to re-run, 0-based: 1,3 or 0-4 "
                 "(default: the failed and never-started ones)")
        items.add_argument("--all-items", action="store_true",
                           help="re-run every item of a with-items task")
        parser.add_argument(
            "--item-input", metavar="INDEX=JSON|@FILE", action="append",
            default=[],
            help="input keys for one item (repeatable); alone it re-runs "
                 "just the items it names")
        parser.add_argument(
            "--skip", action="store_true",
            help="skip the failed task instead of re-running it")
        parser.add_argument(
            "--output", metavar="JSON|@FILE",
            help="with --skip: the task's result, as if it had succeeded "
                 "(its publish and on-success run); text that is not JSON "
                 "is a string")
        parser.add_argument(
            "--env", metavar="JSON|@FILE",
            help="merged into the execution's env before the task's input "
                 "is evaluated again")
        parser.add_argument(
            "--resume-json", metavar="JSON|@FILE",
            help="whole resume entries instead of the flags above: "
                 "{\"task\", \"mode\", \"input\", \"items\", \"output\", "
                 "\"env\"} or a list of them, applied atomically")
        parser.add_argument("--comment", metavar="TEXT",
                            help="recorded in the execution's comments")
        parser.add_argument(
            "--dry-run", action="store_true",
            help="print what would run or be skipped; change nothing")
        parser.add_argument(
            "--idempotency-key", metavar="KEY",
            help="sent as Idempotency-Key: a repeated request with the "
                 "same key answers as the first and does nothing more")
        return parser

    def run(self, parsed_args):
        if parsed_args.formatter is None:
            parsed_args.formatter = "json" if parsed_args.dry_run else (
                "table")
        return super().run(parsed_args)

    def take_action(self, args):
        api = transport.api_of(self.app)
        self._plan = None
        stdin = getattr(self.app, "stdin", None)
        if args.resume_json is None and args.task is None:
            args.task = choose_task(api, args.execution)
        if args.resume_json is None and args.task is None:
            extra = _given(args, _R_FLAGS + ("comment", "dry_run"))
            if extra:
                raise bodies.UsageError(
                    "Execution %s is PAUSED with no failed task: it resumes "
                    "as it is, without %s" % (args.execution,
                                              ", ".join(extra)))
            body = {"state": "RUNNING"}
        else:
            body = build_body(args, stdin)
        headers = ({"Idempotency-Key": args.idempotency_key}
                   if args.idempotency_key else None)
        answer = api.request("PUT", "/executions/%s" % args.execution,
                             body=body, headers=headers)
        if args.dry_run:
            self._plan = answer
            return tuple(answer), tuple(answer.values())
        return views.execution(answer, views.EXECUTION_AFTER_RESUME)

    def produce_output(self, parsed_args, column_names, data):
        if self._plan is not None and parsed_args.formatter in (
                "table", "value"):
            names, rows = views.plan_rows(self._plan)
            self.formatter.emit_list(names, rows, self.app.stdout,
                                     parsed_args)
            return 0
        return super().produce_output(parsed_args, column_names, data)
