"""``execution-list``, ``execution-show``, ``execution-comments``."""
from cliff import lister
from cliff import show

from mistral_resume.cli import transport
from mistral_resume.cli import views


class ExecutionList(lister.Lister):
    """List workflow executions, newest first."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--state", metavar="STATE",
                            help="only executions in this state (e.g. "
                                 "ERROR, PAUSED)")
        parser.add_argument("--workflow", metavar="NAME",
                            help="only executions of this workflow")
        parser.add_argument("--limit", type=int, default=100,
                            help="at most this many (default 100)")
        return parser

    def take_action(self, args):
        params = {"limit": args.limit, "sort_keys": "created_at",
                  "sort_dirs": "desc"}
        if args.state:
            params["state"] = args.state.upper()
        if args.workflow:
            params["workflow_name"] = args.workflow
        rows = transport.api_of(self.app).request(
            "GET", "/executions", params=params)["executions"]
        return views.EXECUTION_LIST, [
            [r.get(c) for c in views.EXECUTION_LIST] for r in rows]


class ExecutionShow(show.ShowOne):
    """Show a workflow execution, with the comments its resumes left."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("execution", metavar="EXECUTION",
                            help="execution id")
        return parser

    def take_action(self, args):
        row = transport.api_of(self.app).request(
            "GET", "/executions/%s" % args.execution)
        return views.execution(row)


class ExecutionComments(lister.Lister):
    """List the comments of a workflow execution: who resumed what."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("execution", metavar="EXECUTION",
                            help="execution id")
        return parser

    def take_action(self, args):
        row = transport.api_of(self.app).request(
            "GET", "/executions/%s" % args.execution)
        return views.COMMENT, [[c.get(f) for f in views.COMMENT]
                               for c in views.comments_of(row)]
