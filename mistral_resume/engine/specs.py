"""Parsed workflow specs, kept per execution for the life of a process.

An execution's spec never changes after it starts, and parsing it is most
of a step's cost for large workflows: every unit of work would otherwise
decode the whole spec column and rebuild every TaskSpec. The engine
manager owns one cache and hands it to each unit of work.
"""
import collections
import threading


class SpecCache:
    """A small thread-safe LRU: execution id -> WorkflowSpec."""

    def __init__(self, size=512):
        self._size = size
        self._specs = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, wf_ex_id):
        with self._lock:
            spec = self._specs.get(wf_ex_id)
            if spec is not None:
                self._specs.move_to_end(wf_ex_id)
            return spec

    def put(self, wf_ex_id, spec):
        with self._lock:
            self._specs[wf_ex_id] = spec
            self._specs.move_to_end(wf_ex_id)
            while len(self._specs) > self._size:
                self._specs.popitem(last=False)
