"""``mistral-resume``: the operator's CLI (cliff, OpenStack conventions).

Talks to the REST API like python-mistralclient does: ``--os-mistral-url``
or ``MISTRAL_URL`` / ``OS_MISTRAL_URL``; identity headers from
``--os-project-id`` / ``--os-user-id`` when there is no Keystone, or a
token from ``--os-auth-token``. An error from the API prints its
faultstring and exits non-zero.
"""
import logging
import os
import sys
import threading

from cliff import app
from cliff import commandmanager

from mistral_resume.cli import executions
from mistral_resume.cli import resume
from mistral_resume.cli import tasks
from mistral_resume.cli import transport

DEFAULT_URL = "http://127.0.0.1:8989/v2"
VERSION = "0.1.0"

COMMANDS = {
    "workflow-resume": resume.WorkflowResume,
    "execution-list": executions.ExecutionList,
    "execution-show": executions.ExecutionShow,
    "execution-comments": executions.ExecutionComments,
    "task-list": tasks.TaskList,
    "task-items": tasks.TaskItems,
}


def _env(*names, default=None):
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    return default


class MistralResumeApp(app.App):
    NAME = "mistral-resume"

    def __init__(self, stdin=None, stdout=None, stderr=None):
        manager = commandmanager.CommandManager("mistral_resume.cli")
        for name, command in COMMANDS.items():
            manager.add_command(name, command)
        super().__init__(description=__doc__.splitlines()[0],
                         version=VERSION, command_manager=manager,
                         stdin=stdin, stdout=stdout, stderr=stderr,
                         deferred_help=True)
        self.api = None

    def build_option_parser(self, description, version, argparse_kwargs=None):
        parser = super().build_option_parser(description, version,
                                             argparse_kwargs)
        parser.add_argument(
            "--os-mistral-url", metavar="URL",
            default=_env("MISTRAL_URL", "OS_MISTRAL_URL",
                         default=DEFAULT_URL),
            help="the API's /v2 URL (env MISTRAL_URL or OS_MISTRAL_URL; "
                 "default %s)" % DEFAULT_URL)
        parser.add_argument(
            "--os-project-id", metavar="ID", default=_env("OS_PROJECT_ID"),
            help="sent as X-Project-Id (env OS_PROJECT_ID)")
        parser.add_argument(
            "--os-user-id", metavar="ID", default=_env("OS_USER_ID"),
            help="sent as X-User-Id (env OS_USER_ID)")
        parser.add_argument(
            "--os-auth-token", metavar="TOKEN", default=_env("OS_AUTH_TOKEN"),
            help="sent as X-Auth-Token (env OS_AUTH_TOKEN)")
        return parser

    def initialize_app(self, argv):
        headers = {}
        for option, header in (("os_project_id", "X-Project-Id"),
                               ("os_user_id", "X-User-Id"),
                               ("os_auth_token", "X-Auth-Token")):
            value = getattr(self.options, option)
            if value:
                headers[header] = value
        self.api = transport.Api(self.options.os_mistral_url, headers)

    def configure_logging(self):
        # The console shows what this command logs, not what other threads
        # of an embedding process (a server in tests) log meanwhile.
        root = logging.getLogger()
        before = list(root.handlers)
        super().configure_logging()
        thread = threading.get_ident()
        for handler in root.handlers:
            if handler not in before:
                handler.addFilter(lambda record: record.thread == thread)

    def run(self, argv):
        # cliff configures the root logger for each run; undo it after, so
        # that runs in one process (tests, scripts) do not stack handlers.
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        try:
            return super().run(argv)
        finally:
            for handler in root.handlers[:]:
                if handler not in handlers:
                    root.removeHandler(handler)
            root.setLevel(level)


def main(argv=None, stdin=None, stdout=None, stderr=None):
    try:
        return MistralResumeApp(stdin, stdout, stderr).run(
            sys.argv[1:] if argv is None else argv)
    except SystemExit as e:  # argparse's usage errors, --help, --version
        return e.code
