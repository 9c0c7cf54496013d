"""The sizes an operator sets are the sizes a process runs with.

``[api] threads``, ``[engine] workers`` and ``[executor] workers`` bound
the threads of each part, and the database pool holds one connection per
thread (plus the spare ones): a burst of requests or messages waits for a
thread instead of exhausting the pool.
"""
import concurrent.futures
import urllib.request
import uuid

from mistral_resume import conf as mr_conf
from mistral_resume.db import models
from mistral_resume.engine import rpcapi
from mistral_resume.engine import service


def _conf(url="postgresql+psycopg2://u@127.0.0.1/none", **overrides):
    return mr_conf.make([], transport_url="inproc:///%s" % uuid.uuid4().hex,
                        database__connection=url, **overrides)


def test_connections_needed_adds_the_threads_of_each_part():
    conf = _conf(api__threads=3, engine__workers=5, executor__workers=7)

    assert service.connections_needed(conf, ("api",)) == 3
    # An engine serves API calls and executors' results, a pool each, and
    # runs a scheduler and a recovery loop; an executor has a heartbeat.
    assert service.connections_needed(conf, ("engine", "executor")) == (
        2 * 5 + 2 + 7 + 1)
    assert service.connections_needed(
        conf, service.ALL_PARTS) == 3 + 2 * 5 + 2 + 7 + 1


def test_database_pool_is_sized_from_the_parts():
    svc = service.Service(_conf(engine__workers=5), ("engine",))

    assert svc.db.engine.pool.size() == 2 * 5 + 2
    svc.transport.cleanup()


def test_rpc_servers_run_with_the_configured_workers(tmp_path):
    conf = _conf("sqlite:///%s" % (tmp_path / "s.db"), engine__workers=3,
                 executor__workers=2)
    svc = service.Service(conf, ("engine", "executor"))
    models.Base.metadata.create_all(svc.db.engine)
    svc.start()
    try:
        sizes = sorted(s._work_executor._max_workers for s in svc._servers)
        assert sizes == [2, 3, 3]
        topics = sorted(s._target.topic for s in svc._servers)
        assert topics == sorted([conf.engine.topic,
                                 rpcapi.results_topic(conf.engine.topic),
                                 conf.executor.topic])
    finally:
        svc.stop()


def test_api_answers_a_burst_larger_than_its_threads(tmp_path):
    conf = _conf("sqlite:///%s" % (tmp_path / "a.db"), api__threads=2,
                 api__port=0, api__host="127.0.0.1")
    svc = service.Service(conf, ("api",))
    models.Base.metadata.create_all(svc.db.engine)
    svc.start()

    def get(_):
        url = "http://127.0.0.1:%d/v2/workflows" % (
            svc.wsgi_server.server_port)
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status

    try:
        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            statuses = list(pool.map(get, range(24)))
        assert statuses == [200] * 24
        assert svc.wsgi_server.pool._max_workers == 2
        assert len(svc.wsgi_server.pool._threads) <= 2
    finally:
        svc.stop()
