"""Start and stop the parts of the service a process runs.

``Service(conf, parts)`` wires everything explicitly: one transport, one
database, the engine's RPC server, the executor's RPC server, the API's
WSGI server. The embedded default runs all three in one process over the
``inproc://`` transport and a SQLite file.
"""
import concurrent.futures
import functools
import logging
import threading
from wsgiref import simple_server

import oslo_messaging as messaging

from mistral_resume import context
from mistral_resume.db import database
from mistral_resume.engine import inline
from mistral_resume.engine import leases
from mistral_resume.engine import manager
from mistral_resume.engine import recovery
from mistral_resume.engine import rpcapi
from mistral_resume.engine import scheduler
from mistral_resume.engine import specs
from mistral_resume.engine import uow
from mistral_resume.executor import service as executor_service

LOG = logging.getLogger(__name__)

ALL_PARTS = ("api", "engine", "executor")



class _PooledWSGIServer(simple_server.WSGIServer):
    """The WSGI server with ``[api] threads`` workers: a burst of
    requests queues instead of opening a thread (and a database
    connection) each."""

    allow_reuse_address = True
    # socketserver listens with a backlog of 5: a burst of concurrent
    # clients (20 resumes at once) got connection resets.
    request_queue_size = 128
    pool = None  # set by Service._start_api

    def process_request(self, request, client_address):
        self.pool.submit(self._serve, request, client_address)

    def _serve(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)


def connections_needed(conf, parts):
    """Database connections a process running ``parts`` may hold at once:
    one per thread that works on the database. Opened as they are needed;
    the database server must allow the sum over all processes."""
    per_part = {"api": conf.api.threads,
                # API calls and executors' results (a pool each), the
                # scheduler and the recovery loop.
                "engine": 2 * conf.engine.workers + 2,
                # The action runners and the heartbeat.
                "executor": conf.executor.workers + 1}
    return sum(per_part[part] for part in parts)


class _QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, fmt, *args):
        LOG.debug("%s - %s", self.address_string(), fmt % args)


class Service:
    """The parts of mistral-resume running in this process."""

    def __init__(self, conf, parts=ALL_PARTS, db=None):
        self.conf = conf
        self.parts = tuple(parts)
        self.transport = rpcapi.get_transport(conf)
        self.db = db or database.Database(
            conf.database.connection,
            sqlite_busy_timeout=conf.database.sqlite_busy_timeout,
            pool_size=connections_needed(conf, self.parts))
        self.engine_client = rpcapi.EngineClient(conf, self.transport)
        self.topics = manager.Topics(conf.engine.topic, conf.executor.topic)
        self._servers = []
        self._threads = []
        self.wsgi_server = None
        self.worker = None  # the engine's units of work
        self.sender = None  # the engine's outbox sender
        self.executor = None  # the executor's endpoint

    def _rpc_server(self, topic, host, endpoint, workers):
        target = messaging.Target(topic=topic, server=host)
        server = messaging.get_rpc_server(
            self.transport, target, [endpoint],
            serializer=context.ContextSerializer())
        server.start(override_pool_size=workers)
        self._servers.append(server)

    def start(self):
        if self.parts != ("api",):
            self.db.check_isolation()  # READ COMMITTED, or refuse to start
        if "engine" in self.parts:
            self._start_engine()
        if "executor" in self.parts:
            self._start_executor()
        if "api" in self.parts:
            self._start_api()
        return self

    def _start_engine(self):
        conf = self.conf.engine
        client = messaging.get_rpc_client(
            self.transport, messaging.Target(topic=self.topics.executor),
            serializer=context.ContextSerializer())
        sender = self.sender = uow.Sender(self.db, client)
        jobs = scheduler.Scheduler(self.db, conf.host,
                                   conf.scheduler_poll_interval,
                                   conf.job_claim_timeout)
        self.worker = uow.Worker(
            self.db, sender, specs.SpecCache(), jobs.wake,
            inline.Settings(conf.inline_actions, conf.inline_batch,
                            rpcapi.results_topic(conf.topic)))
        endpoint = manager.EngineManager(
            self.db, sender, self.topics, conf.rpc_timeout,
            worker=self.worker)
        self._rpc_server(conf.topic, conf.host, endpoint, conf.workers)
        self._rpc_server(rpcapi.results_topic(conf.topic), conf.host,
                         endpoint, conf.workers)
        jobs.start(endpoint.run_job)
        self._threads.append(jobs)
        loop = recovery.RecoveryLoop(
            {"outbox": functools.partial(
                recovery.resend_stale_outbox, self.db, sender,
                conf.outbox_resend_after),
             "actions": self.recover_lost_actions},
            interval=max(0.1, min(conf.outbox_resend_after,
                                  conf.action_lease) / 3),
            chores={"outbox-sent": sender.delete_sent})
        loop.start()
        self._threads.append(loop)

    def recover_lost_actions(self, now=None):
        """Resend or fail the actions whose executor was lost (see
        ``engine/leases.py``); ``{action id: what was done}``."""
        return leases.recover_lost_actions(
            self.worker.work, self.topics, self.db,
            self.conf.engine.action_lease, now)

    def _start_executor(self):
        endpoint = executor_service.ExecutorEndpoint(
            self.engine_client, self.conf, self.db)
        self._rpc_server(self.conf.executor.topic, self.conf.executor.host,
                         endpoint, self.conf.executor.workers)
        beat = executor_service.Heartbeat(
            self.db, endpoint, self.conf.executor.heartbeat_interval)
        beat.start()
        self._threads.append(beat)
        self.executor = endpoint

    def wsgi_app(self):
        from mistral_resume.api import app  # the API is optional per part
        return app.setup_app(self.conf, self.db, self.engine_client)

    def _start_api(self):
        self.wsgi_server = simple_server.make_server(
            self.conf.api.host, self.conf.api.port, self.wsgi_app(),
            server_class=_PooledWSGIServer, handler_class=_QuietHandler)
        self.wsgi_server.pool = concurrent.futures.ThreadPoolExecutor(
            self.conf.api.threads, thread_name_prefix="mistral-resume-api")
        thread = threading.Thread(target=self.wsgi_server.serve_forever,
                                  name="mistral-resume-api", daemon=True)
        thread.start()
        LOG.info("API listening on http://%s:%s/v2", self.conf.api.host,
                 self.wsgi_server.server_port)

    def stop(self):
        if self.wsgi_server is not None:
            self.wsgi_server.shutdown()
            self.wsgi_server.server_close()
            self.wsgi_server.pool.shutdown(wait=False, cancel_futures=True)
        for thread in self._threads:
            thread.stop()
        for server in self._servers:
            server.stop()
        for server in self._servers:
            server.wait()
        self._servers = []
        if self.sender is not None:
            try:
                self.sender.delete_sent()
            except Exception:
                # Left behind they are sent again; receivers drop repeats.
                LOG.exception("Could not delete sent outbox rows")
        self.transport.cleanup()
