"""Real ``mistral-resume-server`` processes: 3 engines, 2 executors, 1 API.

A :class:`Cluster` writes one config file per process (the same settings a
three-host deployment has, on loopback), migrates its database with
``mistral-resume-db-manage upgrade``, starts every process in its own
process group with its log in the run's directory, and can SIGKILL and
restart any of them. Executors get ``MR_TEST_LEDGER`` in their environment:
the ledger action (``test.ledger``) appends a line per start there.
"""
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import time

import requests

from tests.distributed import workloads

BIN = os.path.dirname(sys.executable)
READY_LINE = "mistral-resume running"
START_LIMIT = 120.0
LEDGER_ENV = "MR_TEST_LEDGER"


@dataclasses.dataclass
class Timing:
    """Short recovery settings, and how long a test may see no progress.

    A test fails when nothing moves for :meth:`stall_limit` seconds: the
    longest chain of recoveries these settings allow (an API call that
    times out, a lease that expires, an outbox row and a job claim that go
    stale, a process that restarts), with a margin for a loaded machine.
    """

    heartbeat_interval: float = 0.5
    result_resend_after: float = 3.0
    action_lease: int = 3
    outbox_resend_after: int = 2
    job_claim_timeout: int = 3
    scheduler_poll_interval: float = 0.2
    rpc_timeout: int = 10
    # Reconnect quickly after a broker cut.
    rabbit_interval_max: int = 2

    @classmethod
    def for_soak(cls):
        """The soak runs ~10 processes hard on 2 cores for many minutes:
        leases a starved heartbeat cannot miss, still short enough that
        every kill is recovered within a few seconds."""
        return cls(heartbeat_interval=1.0, result_resend_after=5.0,
                   action_lease=10, outbox_resend_after=5,
                   job_claim_timeout=10, rpc_timeout=30)

    @classmethod
    def from_env(cls):
        """Defaults (the soak's at soak size), changed by
        ``MR_TEST_TIMING=name=value,...`` (to replay a run with other
        settings)."""
        timing = cls.for_soak() if workloads.SOAK else cls()
        for pair in filter(None, os.environ.get("MR_TEST_TIMING",
                                                "").split(",")):
            name, _, value = pair.partition("=")
            kind = type(getattr(timing, name.strip()))
            setattr(timing, name.strip(), kind(value))
        return timing

    def stall_limit(self):
        recoveries = (self.rpc_timeout + self.action_lease
                      + self.result_resend_after
                      + self.heartbeat_interval * 2
                      + self.outbox_resend_after + self.job_claim_timeout
                      + self.rabbit_interval_max)
        return 2 * recoveries + START_LIMIT / 2


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render_config(role, host, settings):
    """The config file of one process, as an operator writes it."""
    timing, run = settings["timing"], settings["run"]
    lines = [
        "[DEFAULT]",
        "transport_url = %s" % settings["transport_url"],
        "control_exchange = %s" % run,
        "debug = %s" % settings.get("debug", False),
        "",
        "[database]",
        "connection = %s" % settings["database"],
        "",
        "[api]",
        "host = 127.0.0.1",
        "port = %d" % settings["api_port"],
        # 20 clients resume at once. Every process's pool together stays
        # under PostgreSQL's default max_connections (100): API 20, engines
        # 3 x (2 x 4 + 2), executors 2 x (4 + 1), 2 overflow each.
        "threads = 20",
        "",
        "[engine]",
        "topic = %s_engine" % run,
        "host = %s" % (host if role == "engine" else "engine"),
        "workers = 4",
        "rpc_timeout = %d" % timing.rpc_timeout,
        "outbox_resend_after = %d" % timing.outbox_resend_after,
        "job_claim_timeout = %d" % timing.job_claim_timeout,
        "scheduler_poll_interval = %s" % timing.scheduler_poll_interval,
        "action_lease = %d" % timing.action_lease,
        "",
        "[executor]",
        "topic = %s_executor" % run,
        "host = %s" % (host if role == "executor" else "executor"),
        "workers = 4",
        "heartbeat_interval = %s" % timing.heartbeat_interval,
        "result_resend_after = %s" % timing.result_resend_after,
        "",
        "[oslo_messaging_rabbit]",
        "rabbit_retry_interval = 1",
        "rabbit_retry_backoff = 1",
        "rabbit_interval_max = %d" % timing.rabbit_interval_max,
        "kombu_reconnect_delay = 0.5",
        "",
    ]
    return "\n".join(lines)


class Process:
    """One server process; its output goes to ``<name>.log``."""

    def __init__(self, name, role, config, log, env):
        self.name, self.role = name, role
        self.config, self.log, self.env = config, log, env
        self.proc = None
        self.starts = 0
        self._ready_offset = 0

    def start(self):
        self._ready_offset = (os.path.getsize(self.log)
                              if os.path.exists(self.log) else 0)
        with open(self.log, "ab") as out:
            out.write(("==== start %d of %s\n" % (self.starts + 1, self.name)
                       ).encode())
            out.flush()
            self.proc = subprocess.Popen(
                [os.path.join(BIN, "mistral-resume-server"),
                 "--server", self.role, "--config-file", self.config],
                stdout=out, stderr=subprocess.STDOUT, env=self.env,
                start_new_session=True)
        self.starts += 1

    def ready(self):
        """True once the server logged that its parts run.

        :raises AssertionError: the process exited.
        """
        if self.proc.poll() is not None:
            raise AssertionError("%s exited with %s:\n%s" % (
                self.name, self.proc.returncode, self.tail()))
        with open(self.log, "rb") as f:
            f.seek(self._ready_offset)
            return READY_LINE.encode() in f.read()

    def wait_ready(self, limit=START_LIMIT):
        deadline = time.monotonic() + limit
        while not self.ready():
            if time.monotonic() > deadline:
                raise AssertionError("%s not ready after %ss:\n%s"
                                     % (self.name, limit, self.tail()))
            time.sleep(0.05)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, signum):
        """Signal the whole process group; wait for a SIGKILL to land."""
        if not self.alive():
            return
        try:
            os.killpg(self.proc.pid, signum)
        except ProcessLookupError:
            return
        if signum == signal.SIGKILL:
            self.proc.wait(timeout=30)

    def stop(self, limit=10):
        if not self.alive():
            return
        self.signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)

    def tail(self, size=6000):
        if not os.path.exists(self.log):
            return "(no log)"
        with open(self.log, "rb") as f:
            f.seek(max(0, os.path.getsize(self.log) - size))
            return f.read().decode(errors="replace")


class Cluster:
    """3 engines, 2 executors and 1 API on one database and one broker."""

    LAYOUT = (("engine", 3), ("executor", 2), ("api", 1))

    def __init__(self, tmp, run, database, transport_url, timing=None):
        self.tmp, self.run, self.database = str(tmp), run, database
        self.timing = timing or Timing.from_env()
        self.ledger = os.path.join(self.tmp, "ledger.txt")
        open(self.ledger, "a").close()
        self.api_port = free_port()
        self.url = "http://127.0.0.1:%d/v2" % self.api_port
        self.kills = []
        env = dict(os.environ, **{LEDGER_ENV: self.ledger})
        settings = {"transport_url": transport_url, "run": run,
                    "database": database, "api_port": self.api_port,
                    "timing": self.timing}
        self.processes = {}
        for role, count in self.LAYOUT:
            for i in range(1, count + 1):
                name = "%s-%d" % (role, i) if count > 1 else role
                config = os.path.join(self.tmp, name + ".conf")
                with open(config, "w") as f:
                    f.write(render_config(role, name, settings))
                self.processes[name] = Process(
                    name, role, config, os.path.join(self.tmp, name + ".log"),
                    env)

    def of(self, role):
        return [p for p in self.processes.values() if p.role == role]

    def migrate(self):
        done = subprocess.run(
            [os.path.join(BIN, "mistral-resume-db-manage"),
             "--database-connection", self.database, "upgrade"],
            capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr

    def start(self):
        self.migrate()
        for process in self.processes.values():
            process.start()
        for process in self.processes.values():
            process.wait_ready()
        self.wait_api()
        return self

    def wait_api(self, limit=START_LIMIT):
        deadline = time.monotonic() + limit
        while True:
            try:
                if requests.get(self.url + "/workflows",
                                timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, self.processes["api"].tail()
            time.sleep(0.1)

    def kill(self, name, restart=True):
        """SIGKILL a process (its whole group); start it again."""
        process = self.processes[name]
        process.signal(signal.SIGKILL)
        self.kills.append(name)
        if restart:
            process.start()
            process.wait_ready()

    def stop(self):
        for process in self.processes.values():
            process.stop()

    def logs(self):
        return "\n".join("----- %s (%s)\n%s" % (p.name, p.config, p.tail())
                         for p in self.processes.values())

    def errors_logged(self):
        """Tracebacks the processes logged, by process name."""
        found = {}
        for process in self.processes.values():
            with open(process.log, "rb") as f:
                text = f.read().decode(errors="replace")
            count = text.count("Traceback (most recent call last)")
            if count:
                found[process.name] = count
        return found
