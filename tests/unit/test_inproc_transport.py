"""The ``inproc://`` driver through real oslo.messaging servers and clients.

Every outcome is awaited on a ``threading.Event`` with a bounded wait, never
a sleep, so a green run is both fast and meaningful.
"""
import threading
import time
import uuid

from futurist import _thread as futurist_thread
from oslo_config import cfg
import oslo_messaging
from oslo_messaging import opts as messaging_opts
from oslo_messaging._metrics import client as metrics
from oslo_messaging._tracing import client as tracing
import pytest

from mistral_resume.messaging import inproc

WAIT = 5.0


class BoomError(Exception):
    """Raised by an endpoint; this module is in allowed_remote_exmods."""


def make_conf():
    """A private ConfigOpts with what oslo.messaging 18 reads from it."""
    conf = cfg.ConfigOpts()
    for group, opts in messaging_opts.list_opts():
        conf.register_opts(opts, group=group)
    # Neither is in oslo.messaging's list_opts(): both are registered only
    # on the global cfg.CONF, yet RPCClient reads them from the conf it is
    # handed on every call and cast.
    conf.register_opts(tracing.oslo_messaging_tracing,
                       group="oslo_messaging_tracing")
    conf.register_opts(metrics.oslo_messaging_metrics,
                       group="oslo_messaging_metrics")
    conf(args=[], default_config_files=[], default_config_dirs=[])
    return conf


class Sink:
    """Collects (server, value) pairs; ``done`` is set at ``expected``."""

    def __init__(self, expected):
        self.expected = expected
        self.seen = []
        self.done = threading.Event()
        self._lock = threading.Lock()

    def add(self, server, value):
        with self._lock:
            self.seen.append((server, value))
            if len(self.seen) >= self.expected:
                self.done.set()

    def by_server(self):
        with self._lock:
            result = {}
            for server, value in self.seen:
                result.setdefault(server, []).append(value)
            return result


class Endpoint:

    def __init__(self, name, sink=None):
        self.name = name
        self.sink = sink

    def echo(self, ctxt, value):
        return {"server": self.name, "value": value}

    def record(self, ctxt, value):
        self.sink.add(self.name, value)

    def fail(self, ctxt):
        raise BoomError("boom")


@pytest.fixture(autouse=True)
def prompt_executor_shutdown(monkeypatch):
    """Let server.wait() return in ms, not 1 s per server that did work.

    futurist's idle workers notice a shutdown only when their 1 s queue
    wait expires; that is the executor's cost, not the transport's.
    """
    monkeypatch.setattr(futurist_thread.ThreadWorker, "MAX_IDLE_FOR", 0.01)


@pytest.fixture
def conf():
    return make_conf()


@pytest.fixture
def url():
    # A virtual host of its own keeps each test's queues apart.
    return f"inproc:///{uuid.uuid4().hex}"


@pytest.fixture
def transports(conf):
    made = []

    def make(url, exmods=(__name__,)):
        transport = oslo_messaging.get_rpc_transport(
            conf, url=url, allowed_remote_exmods=list(exmods))
        made.append(transport)
        return transport

    yield make
    for transport in made:
        transport.cleanup()


@pytest.fixture
def servers():
    started = []

    def start(transport, name, endpoint, topic="work", pool_size=None):
        target = oslo_messaging.Target(topic=topic, server=name)
        server = oslo_messaging.get_rpc_server(
            transport, target, [endpoint], executor="threading")
        server.start(override_pool_size=pool_size)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
        server.wait()


def client(transport, topic="work", **kwargs):
    target = oslo_messaging.Target(topic=topic)
    return oslo_messaging.get_rpc_client(transport, target, **kwargs)


def test_driver_is_loaded_from_entry_point(transports, url):
    transport = transports(url)
    assert type(transport._driver).__name__ == "InprocDriver"


def test_call_returns_value(transports, servers, url):
    transport = transports(url)
    servers(transport, "a", Endpoint("a"))
    reply = client(transport, timeout=WAIT).call({}, "echo", value=[1, 2])
    assert reply == {"server": "a", "value": [1, 2]}


def test_two_transports_on_one_url_reach_each_other(transports, servers,
                                                    url):
    servers(transports(url), "a", Endpoint("a"))
    reply = client(transports(url), timeout=WAIT).call({}, "echo", value=1)
    assert reply["value"] == 1


def test_cast_is_delivered(transports, servers, url):
    transport = transports(url)
    sink = Sink(expected=1)
    servers(transport, "a", Endpoint("a", sink))
    client(transport).cast({}, "record", value="x")
    assert sink.done.wait(WAIT)
    assert sink.seen == [("a", "x")]


def test_call_without_server_times_out(transports, url):
    transport = transports(url)
    started = time.monotonic()
    with pytest.raises(oslo_messaging.MessagingTimeout):
        client(transport, timeout=0.2).call({}, "echo", value=1)
    assert time.monotonic() - started < 2.0


def test_unserialisable_payload_fails_as_on_rabbitmq(transports, url):
    with pytest.raises(ValueError):
        client(transports(url)).cast({}, "record", value=object())


def test_competing_consumers_share_topic(transports, servers, url):
    transport = transports(url)
    sink = Sink(expected=100)
    servers(transport, "a", Endpoint("a", sink))
    servers(transport, "b", Endpoint("b", sink))
    rpc = client(transport)
    for i in range(100):
        rpc.cast({}, "record", value=i)
    assert sink.done.wait(WAIT)
    got = sink.by_server()
    assert sorted(got["a"] + got["b"]) == list(range(100))
    assert got["a"] and got["b"]


def test_fanout_reaches_every_server(transports, servers, url):
    transport = transports(url)
    sink = Sink(expected=2)
    servers(transport, "a", Endpoint("a", sink))
    servers(transport, "b", Endpoint("b", sink))
    client(transport).prepare(fanout=True).cast({}, "record", value=7)
    assert sink.done.wait(WAIT)
    assert sorted(sink.seen) == [("a", 7), ("b", 7)]


def test_server_target_reaches_only_that_server(transports, servers, url):
    transport = transports(url)
    servers(transport, "a", Endpoint("a"))
    servers(transport, "b", Endpoint("b"))
    rpc = client(transport, timeout=WAIT).prepare(server="b")
    assert {rpc.call({}, "echo", value=i)["server"] for i in range(10)} == {
        "b"}


def test_endpoint_exception_reaches_caller(transports, servers, url):
    transport = transports(url)
    servers(transport, "a", Endpoint("a"))
    with pytest.raises(BoomError, match="boom"):
        client(transport, timeout=WAIT).call({}, "fail")


def test_exception_from_disallowed_module_is_remote_error(transports,
                                                          servers, url):
    servers(transports(url), "a", Endpoint("a"))
    caller = transports(url, exmods=())
    with pytest.raises(oslo_messaging.RemoteError) as raised:
        client(caller, timeout=WAIT).call({}, "fail")
    assert raised.value.exc_type == "BoomError"


def test_message_sent_before_server_starts_is_delivered(transports, servers,
                                                        url):
    transport = transports(url)
    sink = Sink(expected=1)
    client(transport).cast({}, "record", value="early")
    servers(transport, "a", Endpoint("a", sink))
    assert sink.done.wait(WAIT)
    assert sink.seen == [("a", "early")]


def test_virtual_hosts_are_separate(transports, servers, url):
    sink = Sink(expected=1)
    # One worker keeps handling in arrival order, so a leaked message
    # would be seen before the one that ends the wait.
    servers(transports(url), "a", Endpoint("a", sink), pool_size=1)
    other = transports(url + "-other")
    with pytest.raises(oslo_messaging.MessagingTimeout):
        client(other, timeout=0.2).call({}, "echo", value=1)
    client(other).prepare(fanout=True).cast({}, "record", value=1)
    client(transports(url)).cast({}, "record", value=2)
    assert sink.done.wait(WAIT)
    assert sink.seen == [("a", 2)]


def test_stopped_listener_gives_back_what_it_had_not_taken(conf, transports,
                                                          servers, url):
    transport = transports(url)
    driver = inproc.InprocDriver(
        conf, oslo_messaging.TransportURL.parse(conf, url),
        default_exchange=conf.control_exchange)
    try:
        # Never started: everything sent to the topic waits in its inbox.
        idle = driver.listen(
            oslo_messaging.Target(topic="work", server="idle"), 1, None)
        for i in range(3):
            client(transport).cast({}, "record", value=i)
        idle.stop()
    finally:
        driver.cleanup()
    sink = Sink(expected=3)
    servers(transport, "a", Endpoint("a", sink))
    assert sink.done.wait(WAIT)
    assert sorted(sink.by_server()["a"]) == [0, 1, 2]


def test_cleanup_releases_listeners(transports, servers, url):
    first, second = transports(url), transports(url)
    sink = Sink(expected=1)
    servers(first, "a", Endpoint("a", sink))
    first.cleanup()
    client(second).cast({}, "record", value="later")
    servers(second, "b", Endpoint("b", sink), pool_size=1)
    assert sink.done.wait(WAIT)
    assert sink.seen == [("b", "later")]


def test_stopping_idle_server_is_prompt(transports, servers, url):
    server = servers(transports(url), "a", Endpoint("a"))
    started = time.monotonic()
    server.stop()
    server.wait()
    assert time.monotonic() - started < 0.5


def test_notification_reaches_listener(conf, url):
    transport = oslo_messaging.get_notification_transport(conf, url=url)
    received = threading.Event()

    class Listener:
        def info(self, ctxt, publisher_id, event_type, payload, metadata):
            if payload == {"n": 1}:
                received.set()

    listener = oslo_messaging.get_notification_listener(
        transport, [oslo_messaging.Target(topic="notes")], [Listener()],
        executor="threading")
    listener.start()
    try:
        notifier = oslo_messaging.Notifier(
            transport, publisher_id="test", driver="messaging",
            topics=["notes"])
        notifier.info({}, "thing.happened", {"n": 1})
        assert received.wait(WAIT)
    finally:
        listener.stop()
        listener.wait()
        transport.cleanup()
