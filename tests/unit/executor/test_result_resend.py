"""Results no engine recorded are reported again only when engines stopped
recording this executor's results: queued results are not lost ones."""
import time

from mistral_resume import conf as mr_conf
from mistral_resume.executor import service


class _Engine:
    def __init__(self):
        self.reports = []

    def on_action_complete(self, ctx, ax_id, result, root_execution_id=None,
                           retry=None):
        self.reports.append((ax_id, root_execution_id, retry))


def _endpoint(resend_after=10.0):
    conf = mr_conf.make([], executor__result_resend_after=resend_after)
    engine = _Engine()
    return service.ExecutorEndpoint(engine, conf), engine


def _report(endpoint, ax_id, sent_at):
    endpoint._hold(ax_id, service._Report(None, {"data": ax_id}, "root-1",
                                          sent_at))


def test_nothing_is_sent_again_while_engines_record_results():
    endpoint, engine = _endpoint()
    start = time.monotonic()
    _report(endpoint, "lost", start - 100)
    _report(endpoint, "queued", start - 100)
    _report(endpoint, "recorded", start - 100)
    endpoint.forget(["recorded"])  # an engine recorded one just now
    recorded_at = endpoint._recorded_at

    assert endpoint.resend_unrecorded(now=recorded_at + 9) == []
    assert engine.reports == []
    # Quiet for result_resend_after: those left are reported again, from
    # the heartbeat, without waiting for a broker that is away.
    assert sorted(endpoint.resend_unrecorded(now=recorded_at + 11)) == [
        "lost", "queued"]
    assert sorted(engine.reports) == [("lost", "root-1", 0),
                                      ("queued", "root-1", 0)]
    # Not again before another quiet period.
    assert endpoint.resend_unrecorded(now=recorded_at + 15) == []
    assert len(endpoint.resend_unrecorded(now=recorded_at + 22)) == 2


def test_a_running_action_is_never_reported():
    endpoint, engine = _endpoint()
    endpoint._hold("running")  # no result yet

    assert endpoint.resend_unrecorded(now=time.monotonic() + 1000) == []
    assert engine.reports == []


def test_one_heartbeat_sends_a_bounded_batch():
    endpoint, engine = _endpoint()
    for i in range(endpoint.RESEND_BATCH + 7):
        _report(endpoint, "a%d" % i, 0.0)
    later = time.monotonic() + 1000

    assert len(endpoint.resend_unrecorded(now=later)) == endpoint.RESEND_BATCH
    assert len(endpoint.resend_unrecorded(now=later)) == 7
