"""A stopping server exits in bounded time, even if stopping hangs."""
import threading

from mistral_resume.cmd import server


class _Service:
    def __init__(self, hangs):
        self.hangs = hangs
        self.release = threading.Event()
        self.stopped = False

    def stop(self):
        if self.hangs:
            self.release.wait(30)  # a broker that is away, say
        self.stopped = True


def test_a_clean_stop_is_0():
    svc = _Service(hangs=False)

    assert server.stop_within(svc, 5) == 0
    assert svc.stopped


def test_a_stop_that_hangs_gives_up_after_the_grace():
    svc = _Service(hangs=True)
    try:
        assert server.stop_within(svc, 0.2) == 1
        assert not svc.stopped
    finally:
        svc.release.set()
