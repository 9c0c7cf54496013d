"""In-process oslo.messaging driver for the embedded mode (``inproc://``).

The embedded server runs API, engine and executor in one process yet talks
oslo.messaging RPC, so that it shares one code path with the distributed mode
(RabbitMQ). ``fake://`` sleeps 50 ms whenever its queue is empty, so every
hop of an idle engine costs up to 50 ms; this driver hands messages over with
blocking waits and a hop costs microseconds.

It keeps the RabbitMQ semantics that code could come to depend on: payloads
go through JSON as on the wire (what RabbitMQ refuses fails here too, and
each receiver gets its own copy); a topic queue serves competing consumers in
turn and keeps messages while nobody consumes it; fanout copies to every
listener; failures travel serialised and are rebuilt by oslo.messaging's own
helpers, so only ``allowed_remote_exmods`` come back as their own class.

Queues live in a process-wide table per URL virtual host (``inproc://`` and
``inproc:///other`` are separate brokers; ``messaging/broker.py``) because
the API and the engine of one process each build a Transport and must reach
each other; a virtual host is dropped when the last driver using it is
cleaned up.
"""
import collections
import queue
import threading
import time
import uuid
import weakref

from oslo_log import log
import oslo_messaging
from oslo_messaging._drivers import base
from oslo_messaging._drivers import common as rpc_common
from oslo_serialization import jsonutils

from mistral_resume.messaging import broker

LOG = log.getLogger(__name__)

DEFAULT_VHOST = "/"

# Reply queues carry JSON strings; None cannot be one, so it marks the
# call-monitor heartbeat.
_HEARTBEAT = None


def _vhost_name(url):
    """The registry key for a TransportURL; hosts mean nothing in-process."""
    return url.virtual_host or DEFAULT_VHOST


class _IncomingMessage(base.RpcIncomingMessage):

    def __init__(self, vhost, delivery):
        data = jsonutils.loads(delivery.payload)
        super().__init__(data["context"], data["message"])
        self.client_timeout = delivery.monitor_timeout
        self._vhost = vhost
        self._delivery = delivery

    def reply(self, reply=None, failure=None):
        reply_q = self._delivery.reply_q
        if reply_q is None:
            return
        if failure:
            body = {"failure": rpc_common.serialize_remote_exception(failure)}
        else:
            body = {"result": reply}
        # Raises on an unserialisable result as RabbitMQ's driver does; the
        # server logs it and the caller times out, exactly as there.
        reply_q.put(jsonutils.dumps(body))

    def heartbeat(self):
        if self._delivery.reply_q is not None:
            self._delivery.reply_q.put(_HEARTBEAT)

    def requeue(self):
        self._vhost.requeue(self._delivery)


class _Listener(base.Listener):
    """Consumes its queues on one thread that sleeps until a message comes.

    Not a PollStyleListener: oslo.messaging's adapter loops as long as it
    is started, so releasing the listener from ``driver.cleanup()`` would
    leave that thread spinning. Owning the thread lets us stop it.
    """

    def __init__(self, vhost, batch_size, batch_timeout):
        super().__init__(batch_size, batch_timeout)
        self.queues = []
        self._vhost = vhost
        self._cond = threading.Condition(threading.Lock())
        self._inbox = collections.deque()
        self._closed = False
        self._thread = threading.Thread(
            target=self._run, name="inproc-listener", daemon=True)

    def push(self, delivery):
        """Called by the virtual host with its lock held."""
        with self._cond:
            self._inbox.append(delivery)
            self._cond.notify()

    def close(self):
        """Stop taking messages; return those not taken yet."""
        with self._cond:
            self._closed = True
            left, self._inbox = list(self._inbox), collections.deque()
            self._cond.notify_all()
        return left

    def start(self, on_incoming_callback):
        super().start(on_incoming_callback)
        self._thread.start()

    def stop(self):
        self._vhost.unsubscribe(self)
        if (self._thread.is_alive()
                and self._thread is not threading.current_thread()):
            self._thread.join()
        super().stop()

    def cleanup(self):
        self.stop()

    def _run(self):
        while True:
            batch = self._take_batch()
            if not batch:
                return
            incoming = [_IncomingMessage(self._vhost, d) for d in batch]
            try:
                self.on_incoming_callback(incoming)
            except Exception:
                LOG.exception("inproc listener could not hand over %d "
                              "message(s)", len(incoming))

    def _take_batch(self):
        with self._cond:
            self._cond.wait_for(lambda: self._inbox or self._closed)
            if self._closed:
                return []
            batch = [self._inbox.popleft()]
            deadline = time.monotonic() + (self.batch_timeout or 0)
            while len(batch) < self.batch_size and not self._closed:
                if self._inbox:
                    batch.append(self._inbox.popleft())
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            return batch


class InprocDriver(base.BaseDriver):
    """oslo.messaging driver for ``inproc://[/virtual_host]`` URLs."""

    _registry = broker.Registry()

    def __init__(self, conf, url, default_exchange=None,
                 allowed_remote_exmods=None):
        super().__init__(conf, url, default_exchange, allowed_remote_exmods)
        self._vhost_name = _vhost_name(url)
        self._vhost = self._registry.acquire(self._vhost_name)
        self._listeners = weakref.WeakSet()
        self._lock = threading.Lock()
        self._released = False

    def require_features(self, requeue=False):
        """Every feature is supported, requeue included."""

    def send(self, target, ctxt, message, wait_for_reply=None, timeout=None,
             call_monitor_timeout=None, retry=None, transport_options=None):
        # retry and transport_options: an in-process hand-over cannot fail
        # transiently and has no broker flags to set.
        payload = _encode(ctxt, message)
        reply_q = queue.SimpleQueue() if wait_for_reply else None
        route, declare = self._route(target)
        self._vhost.publish(route, payload, reply_q, call_monitor_timeout,
                            declare=declare)
        if reply_q is None:
            return None
        return self._wait_for_reply(reply_q, target.topic, timeout,
                                    call_monitor_timeout)

    def send_notification(self, target, ctxt, message, version, retry=None):
        route = _topic_route(self._exchange(target), target.topic)
        self._vhost.publish(route, _encode(ctxt, message))

    def listen(self, target, batch_size, batch_timeout):
        exchange = self._exchange(target)
        topic = _topic_route(exchange, target.topic)
        server = _server_route(exchange, target.topic, target.server)
        fanout = _fanout_route(target.topic)
        specs = [
            (topic, topic, False),
            (server, server, False),
            (fanout + (uuid.uuid4().hex,), fanout, True),
        ]
        return self._subscribe(specs, batch_size, batch_timeout)

    def listen_for_notifications(self, targets_and_priorities, pool,
                                 batch_size, batch_timeout):
        specs = []
        for target, priority in targets_and_priorities:
            route = _topic_route(self._exchange(target),
                                 f"{target.topic}.{priority}")
            # A pool gets its own copy of each message, like a RabbitMQ
            # queue named after the pool bound to the same routing key.
            key = route if pool is None else ("pool", route, pool)
            specs.append((key, route, False))
        return self._subscribe(specs, batch_size, batch_timeout)

    def cleanup(self):
        with self._lock:
            listeners = list(self._listeners)
            self._listeners.clear()
            released, self._released = self._released, True
        for listener in listeners:
            listener.stop()
        if not released:
            self._registry.release(self._vhost_name)

    def _subscribe(self, specs, batch_size, batch_timeout):
        listener = _Listener(self._vhost, batch_size, batch_timeout)
        self._vhost.subscribe(listener, specs)
        with self._lock:
            self._listeners.add(listener)
        return listener

    def _exchange(self, target):
        return target.exchange or self._default_exchange

    def _route(self, target):
        """The route for ``target`` and whether sending declares its queue."""
        if target.fanout:
            return _fanout_route(target.topic), False
        exchange = self._exchange(target)
        if target.server:
            return _server_route(exchange, target.topic, target.server), True
        return _topic_route(exchange, target.topic), True

    def _wait_for_reply(self, reply_q, topic, timeout, monitor_timeout):
        deadline = _deadline(timeout)
        monitor_deadline = _deadline(monitor_timeout)
        while True:
            wait = _remaining(deadline, monitor_deadline)
            try:
                item = reply_q.get(timeout=wait)
            except queue.Empty:
                raise oslo_messaging.MessagingTimeout(
                    f"No reply on topic {topic}")
            if item is _HEARTBEAT:
                monitor_deadline = _deadline(monitor_timeout)
                continue
            return self._decode_reply(item)

    def _decode_reply(self, item):
        body = jsonutils.loads(item)
        if body.get("failure"):
            raise rpc_common.deserialize_remote_exception(
                body["failure"], self._allowed_remote_exmods)
        return body.get("result")


def _encode(ctxt, message):
    # The same check every real driver makes by serialising: a payload
    # that RabbitMQ would refuse must fail here too.
    return jsonutils.dumps({"context": ctxt, "message": message})


def _topic_route(exchange, topic):
    return ("topic", exchange, topic)


def _server_route(exchange, topic, server):
    return ("server", exchange, topic, server)


def _fanout_route(topic):
    # RabbitMQ's fanout exchange is named after the topic alone.
    return ("fanout", topic)


def _deadline(timeout):
    return None if timeout is None else time.monotonic() + timeout


def _remaining(*deadlines):
    """Seconds to the nearest deadline (None: none), never negative."""
    pending = [d for d in deadlines if d is not None]
    if not pending:
        return None
    return max(0.0, min(pending) - time.monotonic())
