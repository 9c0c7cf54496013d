"""The CLI against a real server: the ``stack`` fixture's WSGI app served
by wsgiref on a free 127.0.0.1 port, the CLI run in-process."""
import json
import threading
from wsgiref import simple_server

import pytest

from mistral_resume.cmd import cli


class _QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, fmt, *args):
        pass


@pytest.fixture
def url(stack):
    server = simple_server.make_server("127.0.0.1", 0,
                                       stack.service.wsgi_app(),
                                       handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d/v2" % server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class Result:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def run(url, capsys):
    """``run(*argv)``: ``mistral-resume --os-mistral-url URL *argv``."""
    def run(*argv):
        capsys.readouterr()
        code = cli.main(["--os-mistral-url", url, *argv])
        out, err = capsys.readouterr()
        return Result(code, out, err)
    return run
