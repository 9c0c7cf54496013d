"""A time limit for one evaluation, in whatever thread runs it.

Size checks stop what they can recognise; a loop that allocates nothing
(``{% for i in range(100000) %}{% for j in range(100000) %}...``, a yaql
``select`` inside a ``select``) they cannot. The engine evaluates in its
worker threads, where no signal can reach, so a watchdog thread raises
:class:`Timeout` *in* the evaluating thread when its time is up
(``PyThreadState_SetAsyncExc``): Python delivers it between two bytecodes.
One long C call (a huge multiplication, a regex) is not interrupted; those
are what ``checks`` refuses before they start.

``Timeout`` is a ``BaseException`` so that no ``except Exception`` inside
yaql, Jinja or a lookup swallows it; :func:`limit`'s caller catches it.
Time spent in the engine's lookups (database reads) does not count.
"""

import contextlib
import ctypes
import threading
import time

_POLL = 0.05


class Timeout(BaseException):
    """The evaluation ran out of time."""


class _Run:
    __slots__ = ("thread_id", "deadline", "paused", "fired")

    def __init__(self, thread_id, deadline):
        self.thread_id = thread_id
        self.deadline = deadline
        self.paused = 0
        self.fired = False


_lock = threading.Condition()
_runs = {}
_local = threading.local()
_thread = None


def _set_async(thread_id, exception):
    # None clears an exception raised but not delivered yet.
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id),
        ctypes.py_object(exception) if exception is not None else None)


def _watch():
    with _lock:
        while True:
            now = time.monotonic()
            wait = None
            for key, run in list(_runs.items()):
                if run.deadline > now:
                    left = run.deadline - now
                    wait = left if wait is None else min(wait, left)
                elif run.paused:
                    wait = _POLL if wait is None else min(wait, _POLL)
                else:
                    run.fired = True
                    del _runs[key]
                    _set_async(run.thread_id, Timeout)
            _lock.wait(wait)


def _start_watching():
    global _thread
    if _thread is None or not _thread.is_alive():
        _thread = threading.Thread(target=_watch, name="expression-watchdog",
                                   daemon=True)
        _thread.start()


@contextlib.contextmanager
def limit(seconds):
    """Raise :class:`Timeout` in this thread after ``seconds`` (None or
    <= 0: no limit). Nested uses keep the outer limit."""
    if not seconds or seconds <= 0 or getattr(_local, "run", None):
        yield
        return
    run = _Run(threading.get_ident(), time.monotonic() + seconds)
    _local.run = run
    with _lock:
        _runs[id(run)] = run
        _start_watching()
        _lock.notify()
    try:
        yield
    finally:
        _local.run = None
        with _lock:
            _runs.pop(id(run), None)
            if run.fired:
                _set_async(run.thread_id, None)


@contextlib.contextmanager
def paused():
    """Stop this thread's clock meanwhile (for a database read)."""
    run = getattr(_local, "run", None)
    if run is None:
        yield
        return
    started = time.monotonic()
    run.paused += 1
    try:
        yield
    finally:
        with _lock:
            run.paused -= 1
            run.deadline += time.monotonic() - started
