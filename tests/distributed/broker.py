"""The RabbitMQ side of the distributed tests: a private vhost per run,
and a TCP proxy whose connections a test can cut.

The machine's shared broker is never restarted: a run gets its own vhost
(``rabbitmqctl add_vhost``, deleted afterwards with every queue in it) when
rabbitmqctl may be used, and its own ``control_exchange`` and topics in any
case, so parallel runs never consume each other's messages.
"""
import os
import shutil
import socket
import subprocess
import threading

HOST = "127.0.0.1"
PORT = int(os.environ.get("MR_TEST_RABBIT_PORT", "5672"))
USER = os.environ.get("MR_TEST_RABBIT_USER", "guest")
PASSWORD = os.environ.get("MR_TEST_RABBIT_PASSWORD", "guest")
_CTL_TIMEOUT = 60


def answers(host=HOST, port=PORT, timeout=2):
    """None if something listens on ``host:port``, else why not."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as error:
        return "%s:%d: %s" % (host, port, error)


def _ctl(*args):
    done = subprocess.run(["rabbitmqctl", *args], capture_output=True,
                          text=True, timeout=_CTL_TIMEOUT)
    if done.returncode != 0:
        raise RuntimeError("rabbitmqctl %s: %s" % (" ".join(args),
                                                   done.stderr.strip()))


class VirtualHost:
    """A vhost of its own when rabbitmqctl works here, else the default
    one (``name`` is then ``""``; the run's own exchange and topics still
    keep it apart)."""

    def __init__(self, name):
        self.name = ""
        if shutil.which("rabbitmqctl") is None:
            return
        try:
            _ctl("add_vhost", name)
            _ctl("set_permissions", "-p", name, USER, ".*", ".*", ".*")
        except (RuntimeError, OSError, subprocess.TimeoutExpired):
            self._delete(name)
            return
        self.name = name

    def url(self, port=PORT):
        return "rabbit://%s:%s@%s:%d/%s" % (USER, PASSWORD, HOST, port,
                                           self.name)

    @staticmethod
    def _delete(name):
        try:
            _ctl("delete_vhost", name)
        except (RuntimeError, OSError, subprocess.TimeoutExpired):
            pass

    def delete(self):
        if self.name:
            self._delete(self.name)
            self.name = ""


class Proxy:
    """Forwards ``127.0.0.1:<port>`` to the broker, byte for byte.

    :meth:`cut` closes every connection and refuses new ones (the broker
    looks dead to every process); :meth:`restore` accepts again on the
    same port.
    """

    def __init__(self, target=(HOST, PORT)):
        self._target = target
        self._lock = threading.Lock()
        self._sockets = set()
        self._listener = None
        self.port = None
        self.cuts = 0
        self.restore()

    def restore(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, self.port or 0))
        listener.listen(128)
        self.port = listener.getsockname()[1]
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,),
                         name="proxy-accept", daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut or closed
            try:
                upstream = socket.create_connection(self._target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    upstream.close()
                    return
                self._sockets.update((client, upstream))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst),
                                 name="proxy-pump", daemon=True).start()

    def _pump(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            self._close(src, dst)

    def _close(self, *socks):
        with self._lock:
            for sock in socks:
                self._sockets.discard(sock)
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    @property
    def connections(self):
        with self._lock:
            return len(self._sockets) // 2

    def cut(self):
        """Close the listener and every connection through it."""
        with self._lock:
            listener, self._listener = self._listener, None
            socks = list(self._sockets)
        if listener is not None:
            listener.close()
        self._close(*socks)
        self.cuts += 1

    def close(self):
        self.cut()
