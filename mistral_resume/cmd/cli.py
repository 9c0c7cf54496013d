"""``mistral-resume``: the operator's CLI (cliff, OpenStack conventions).

Talks to the REST API like python-mistralclient does: ``--os-mistral-url``
or ``MISTRAL_URL`` / ``OS_MISTRAL_URL``, identity headers from
``--os-project-id`` / ``--os-user-id`` when there is no Keystone.
"""
import os
import sys

from cliff import app
from cliff import commandmanager
from cliff import lister
from cliff import show
import requests

DEFAULT_URL = "http://127.0.0.1:8989/v2"

EXECUTION_COLUMNS = ("id", "workflow_name", "state", "state_info",
                     "created_at", "updated_at")
TASK_COLUMNS = ("id", "name", "state", "state_info", "created_at")


class ApiError(Exception):
    pass


class Api:
    """The few REST calls the CLI makes."""

    def __init__(self, url, headers):
        self.url = url.rstrip("/")
        self.headers = headers

    def request(self, method, path, body=None, params=None):
        response = requests.request(
            method, self.url + path, json=body, params=params,
            headers=self.headers, timeout=120)
        if response.status_code >= 400:
            try:
                message = response.json().get("faultstring")
            except ValueError:
                message = response.text
            raise ApiError("%s %s: %s" % (response.status_code,
                                          response.reason, message))
        return response.json() if response.content else None


class ExecutionList(lister.Lister):
    """List workflow executions, newest first."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--state", help="only executions in this state")
        parser.add_argument("--limit", type=int, default=100)
        return parser

    def take_action(self, args):
        params = {"limit": args.limit, "sort_keys": "created_at",
                  "sort_dirs": "desc"}
        if args.state:
            params["state"] = args.state
        rows = self.app.api.request("GET", "/executions",
                                    params=params)["executions"]
        return EXECUTION_COLUMNS, [[r.get(c) for c in EXECUTION_COLUMNS]
                                   for r in rows]


class ExecutionShow(show.ShowOne):
    """Show one workflow execution, with its comments."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("execution", help="execution id")
        return parser

    def take_action(self, args):
        row = self.app.api.request("GET", "/executions/%s" % args.execution)
        return tuple(row), tuple(row.values())


class TaskList(lister.Lister):
    """List the tasks of an execution, failed ones with their error."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("execution", help="execution id")
        return parser

    def take_action(self, args):
        rows = self.app.api.request(
            "GET", "/executions/%s/tasks" % args.execution)["tasks"]
        return TASK_COLUMNS, [[r.get(c) for c in TASK_COLUMNS] for r in rows]


COMMANDS = {
    "execution-list": ExecutionList,
    "execution-show": ExecutionShow,
    "task-list": TaskList,
}


class MistralResumeApp(app.App):
    def __init__(self):
        manager = commandmanager.CommandManager("mistral_resume.cli")
        for name, command in COMMANDS.items():
            manager.add_command(name, command)
        super().__init__(description=__doc__.splitlines()[0],
                         version="0.1.0", command_manager=manager,
                         deferred_help=True)
        self.api = None

    def build_option_parser(self, description, version, argparse_kwargs=None):
        parser = super().build_option_parser(description, version,
                                             argparse_kwargs)
        parser.add_argument(
            "--os-mistral-url", default=os.environ.get(
                "MISTRAL_URL", os.environ.get("OS_MISTRAL_URL", DEFAULT_URL)),
            help="the API's /v2 URL (env MISTRAL_URL or OS_MISTRAL_URL)")
        parser.add_argument("--os-project-id",
                            default=os.environ.get("OS_PROJECT_ID"))
        parser.add_argument("--os-user-id",
                            default=os.environ.get("OS_USER_ID"))
        return parser

    def initialize_app(self, argv):
        headers = {"Content-Type": "application/json"}
        if self.options.os_project_id:
            headers["X-Project-Id"] = self.options.os_project_id
        if self.options.os_user_id:
            headers["X-User-Id"] = self.options.os_user_id
        self.api = Api(self.options.os_mistral_url, headers)

    def clean_up(self, cmd, result, err):
        if isinstance(err, ApiError):
            self.LOG.error("%s", err)


def main(argv=None):
    return MistralResumeApp().run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
