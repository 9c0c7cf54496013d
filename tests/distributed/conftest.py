"""Fixtures: a running cluster on a fresh database and a private vhost.

Everything a run makes is removed afterwards: processes (killed by process
group), the vhost (and so its queues), the database. When a test fails its
report carries the tail of every process's log.
"""
import contextlib
import importlib.metadata
import os
import uuid

import pytest

from tests.distributed import broker
from tests.distributed import client
from tests.distributed import cluster as cluster_mod
from tests.fixtures import databases


def require_broker():
    """Skip without RabbitMQ on loopback; fail if every backend is
    required (CI)."""
    reason = broker.answers()
    if reason is None:
        return
    message = "RabbitMQ does not answer: %s" % reason
    if os.environ.get(databases.REQUIRE_ALL_ENV, "") not in ("", "0"):
        pytest.fail("%s is set but %s" % (databases.REQUIRE_ALL_ENV,
                                          message), pytrace=False)
    pytest.skip(message)


def require_ledger():
    names = {ep.name for ep in importlib.metadata.entry_points(
        group="mistral_resume.actions")}
    if client.LEDGER_ACTION not in names:
        pytest.fail("The ledger action is not installed: pip install -e "
                    "tests/fixtures/custom_action_pkg", pytrace=False)


@contextlib.contextmanager
def running_cluster(tmp, backend, proxy=None, timing=None):
    """A started :class:`cluster.Cluster`; gone afterwards, whatever
    happens."""
    databases.require(backend)
    require_broker()
    require_ledger()
    run = "mr_test_%s" % uuid.uuid4().hex[:12]
    vhost = broker.VirtualHost(run)
    try:
        with databases.fresh_database(backend) as url:
            port = proxy.port if proxy is not None else broker.PORT
            cluster = cluster_mod.Cluster(tmp, run, url, vhost.url(port),
                                          timing)
            store = client.Store(url)
            try:
                cluster.start()
                cluster.api = client.Api(cluster)
                cluster.store = store
                yield cluster
            finally:
                cluster.stop()
                store.dispose()
    finally:
        vhost.delete()


@pytest.fixture(scope="module", params=["postgresql", "mysql"])
def shared_cluster(request, tmp_path_factory):
    """One cluster per backend for the tests of a module."""
    tmp = tmp_path_factory.mktemp("cluster-%s" % request.param)
    with running_cluster(tmp, request.param) as cluster:
        yield cluster


@pytest.fixture
def pg_cluster(tmp_path):
    """A cluster of its own on PostgreSQL (its processes get killed)."""
    with running_cluster(tmp_path, "postgresql") as cluster:
        yield cluster


@pytest.fixture
def proxy():
    """A TCP proxy in front of the shared broker."""
    require_broker()
    p = broker.Proxy()
    try:
        yield p
    finally:
        p.close()


@pytest.fixture
def proxied_cluster(tmp_path, proxy):
    """A cluster on PostgreSQL that reaches the broker through ``proxy``."""
    with running_cluster(tmp_path, "postgresql", proxy=proxy) as cluster:
        yield cluster


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    for value in getattr(item, "funcargs", {}).values():
        if isinstance(value, cluster_mod.Cluster):
            report.sections.append(("cluster logs (%s)" % value.tmp,
                                    value.logs()))
