"""A CPU time limit for one evaluation, in whatever thread runs it.

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
The limit is on the thread's CPU time, so a busy host (other threads
holding the GIL) does not make an ordinary expression fail; what the
engine's lookups (database reads) use does not count either.
"""

import contextlib
import ctypes
import threading
import time

_POLL = 0.05


class Timeout(BaseException):
    """The evaluation ran out of time."""


def _cpu(clock):
    return time.clock_gettime(clock)


class _Run:
    """One evaluation: the CPU time its thread may still use.

    The clock is the thread's own CPU clock, so that waiting (for the GIL
    on a busy host, for a database) is not counted: only work is.
    """

    __slots__ = ("thread_id", "clock", "until", "paused", "fired")

    def __init__(self, thread_id, seconds):
        self.thread_id = thread_id
        try:
            self.clock = time.pthread_getcpuclockid(thread_id)
        except (AttributeError, OSError):
            # No per-thread CPU clock here (a green thread, another OS):
            # wall time, which only errs towards stopping early.
            self.clock = time.CLOCK_MONOTONIC
        self.until = _cpu(self.clock) + seconds
        self.paused = 0
        self.fired = False

    def left(self):
        return self.until - _cpu(self.clock)


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
            wait = None
            for key, run in list(_runs.items()):
                left = run.left()
                if left <= 0 and not run.paused:
                    run.fired = True
                    del _runs[key]
                    _set_async(run.thread_id, Timeout)
                    continue
                # CPU time passes no faster than wall time: sleeping for
                # what is left never overshoots.
                left = max(left, _POLL)
                wait = left if wait is None else min(wait, left)
            _lock.wait(wait)


def _start_watching():
    global _thread
    if _thread is None or not _thread.is_alive():
        _thread = threading.Thread(target=_watch, name="expression-watchdog",
                                   daemon=True)
        _thread.start()


@contextlib.contextmanager
def limit(seconds):
    """Raise :class:`Timeout` in this thread once it has used ``seconds``
    of CPU time (None or <= 0: no limit). Nested uses keep the outer
    limit."""
    if not seconds or seconds <= 0 or getattr(_local, "run", None):
        yield
        return
    run = _Run(threading.get_ident(), seconds)
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
    started = _cpu(run.clock)
    run.paused += 1
    try:
        yield
    finally:
        with _lock:
            run.paused -= 1
            run.until += _cpu(run.clock) - started
