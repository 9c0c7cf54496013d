"""The broker behind the ``inproc://`` transport (``messaging/inproc.py``):
per virtual host, exchanges and queues with RabbitMQ's semantics.

A topic queue serves competing consumers in turn and keeps messages while
nobody consumes it; fanout queues are exclusive to their listener and die
with it; what a stopping listener has not taken goes back to the front of
its queue. Payloads stay in wire (JSON) form here: each receiver decodes its
own copy.
"""
import collections
import threading


# One copy of a message in one queue (its origin, for requeueing), still in
# wire (JSON) form so that each receiver decodes its own copy.
Delivery = collections.namedtuple(
    "Delivery", ("payload", "reply_q", "monitor_timeout", "origin"))


class Queue:
    """A named queue: round robin over its consumers, backlog without any.

    Only touched with the owning virtual host's lock held.
    """

    def __init__(self, key, route, exclusive):
        self.key = key
        self.route = route
        # Exclusive queues (fanout) die with their listener, as RabbitMQ's
        # auto-delete fanout queues do; the others keep their backlog.
        self.exclusive = exclusive
        self.consumers = []
        self.backlog = collections.deque()
        self._turn = -1

    def put(self, delivery, front=False):
        if not self.consumers:
            keep = self.backlog.appendleft if front else self.backlog.append
            keep(delivery)
            return
        self._turn = (self._turn + 1) % len(self.consumers)
        self.consumers[self._turn].push(delivery)

    def add_consumer(self, listener):
        self.consumers.append(listener)
        while self.backlog:
            self.put(self.backlog.popleft())


class VirtualHost:
    """The exchanges and queues of one virtual host: a tiny AMQP broker.

    A route is what a sender addresses; every queue bound to it gets a copy.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._queues = {}
        self._bindings = collections.defaultdict(list)

    def publish(self, route, payload, reply_q=None, monitor_timeout=None,
                declare=True):
        with self._lock:
            if declare:
                # Declared by the sender so that messages wait for a
                # consumer that has not started yet.
                self._declare(route, route, exclusive=False)
            for q in self._bindings.get(route, ()):
                q.put(Delivery(payload, reply_q, monitor_timeout, q))

    def subscribe(self, listener, specs):
        """Bind and consume ``specs``: (queue key, route, exclusive)."""
        with self._lock:
            for key, route, exclusive in specs:
                q = self._declare(key, route, exclusive)
                listener.queues.append(q)
                q.add_consumer(listener)

    def unsubscribe(self, listener):
        """Detach ``listener`` and give what it has not taken to others."""
        with self._lock:
            # Swapped under the lock so that a second stop is a no-op.
            queues, listener.queues = listener.queues, []
            for q in queues:
                q.consumers.remove(listener)
                if q.exclusive:
                    self._delete(q)
            for delivery in reversed(listener.close()):
                self._put_back(delivery)

    def requeue(self, delivery):
        with self._lock:
            self._put_back(delivery)

    def _put_back(self, delivery):
        q = delivery.origin
        if self._queues.get(q.key) is q:
            q.put(delivery, front=True)

    def _declare(self, key, route, exclusive):
        q = self._queues.get(key)
        if q is None:
            q = self._queues[key] = Queue(key, route, exclusive)
            self._bindings[route].append(q)
        return q

    def _delete(self, q):
        del self._queues[q.key]
        bound = self._bindings[q.route]
        bound.remove(q)
        if not bound:
            del self._bindings[q.route]


class Registry:
    """Process-wide virtual hosts, kept while some driver uses them."""

    def __init__(self):
        self._lock = threading.Lock()
        self._hosts = {}
        self._users = collections.Counter()

    def acquire(self, name):
        with self._lock:
            if name not in self._hosts:
                self._hosts[name] = VirtualHost()
            self._users[name] += 1
            return self._hosts[name]

    def release(self, name):
        with self._lock:
            self._users[name] -= 1
            if self._users[name] <= 0:
                del self._users[name]
                del self._hosts[name]
