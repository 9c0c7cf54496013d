"""A stdlib REST client for any Mistral v2 API, counting what it sends.

One request per connection (urllib), the same for both systems: our
embedded API speaks HTTP/1.0 and closes each connection, so keep-alive
would favour Mistral's cheroot only. Every GET of an execution made while
waiting for it is a *poll*; the runner reports polls per second as the
load the benchmark itself adds, and the mean poll round trip as the
resolution of the completion times it measures.
"""
import http.client as http_client
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

TERMINAL = ("SUCCESS", "ERROR", "CANCELLED")


class WorkloadError(Exception):
    """The service did not do what the workload asked."""


class Client:
    def __init__(self, url, poll=0.002, timeout=600.0):
        base = url.rstrip("/")
        self.base = base if base.endswith("/v2") else base + "/v2"
        self.poll_interval = poll
        self.timeout = timeout
        self._lock = threading.Lock()
        self.requests = 0
        self.polls = 0
        self.poll_seconds = 0.0
        self.conn_retries = 0

    # ------------------------------------------------------------ transport
    def request(self, method, path, body=None, ctype="application/json"):
        """``(status, parsed body)``; connection resets are retried.

        Mistral's API (cheroot, accept queue 5) resets some of 20
        simultaneous connections: retry those, count them.
        """
        for attempt in range(20):
            try:
                return self._once(method, path, body, ctype)
            except urllib.error.HTTPError:
                raise
            except (ConnectionError, http_client.RemoteDisconnected,
                    urllib.error.URLError):
                with self._lock:
                    self.conn_retries += 1
                time.sleep(0.05 * (attempt + 1))
        return self._once(method, path, body, ctype)

    def _once(self, method, path, body, ctype):
        data = None
        if body is not None:
            data = (body if isinstance(body, str)
                    else json.dumps(body)).encode()
        # Mistral answers 406 to a text/plain POST that accepts only JSON.
        accept = "application/json" if ctype == "application/json" else "*/*"
        req = urllib.request.Request(
            self.base + path, data=data, method=method,
            headers={"Content-Type": ctype, "Accept": accept})
        with self._lock:
            self.requests += 1
        try:
            with urllib.request.urlopen(req, timeout=120) as resp:
                return resp.status, _parse(resp.read())
        except urllib.error.HTTPError as e:
            return e.code, _parse(e.read())

    def stats(self):
        with self._lock:
            return {"requests": self.requests, "polls": self.polls,
                    "poll_seconds": self.poll_seconds,
                    "conn_retries": self.conn_retries}

    # ------------------------------------------------------------ verbs
    def ensure_workflow(self, text):
        status, body = self.request("POST", "/workflows", text, "text/plain")
        if status in (200, 201):
            return
        status2, body2 = self.request("PUT", "/workflows", text, "text/plain")
        if status2 not in (200, 201):
            raise WorkloadError("cannot create workflow: %s %s / %s %s"
                                % (status, body, status2, body2))

    def start(self, workflow, wf_input=None, env=None):
        body = {"workflow_name": workflow}
        if wf_input is not None:
            body["input"] = json.dumps(wf_input)
        if env is not None:
            body["params"] = json.dumps({"env": env})
        status, ex = self.request("POST", "/executions", body)
        if status not in (200, 201):
            raise WorkloadError("start %s: %s %s"
                                % (workflow, status, str(ex)[:300]))
        return ex["id"]

    def state(self, ex_id):
        """One poll: the execution's state and its state_info."""
        t0 = time.monotonic()
        status, ex = self.request("GET", "/executions/%s" % ex_id)
        with self._lock:
            self.polls += 1
            self.poll_seconds += time.monotonic() - t0
        if status != 200 or not isinstance(ex, dict):
            raise WorkloadError("GET execution %s: %s %s"
                                % (ex_id, status, str(ex)[:300]))
        return ex.get("state"), ex.get("state_info")

    def wait(self, ex_id, want="SUCCESS", deadline=None):
        """Poll until ``want``; the monotonic time the answer arrived.

        :raises WorkloadError: on another terminal state or the timeout.
        """
        deadline = deadline or time.monotonic() + self.timeout
        while True:
            state, info = self.state(ex_id)
            seen = time.monotonic()
            if state == want:
                return seen
            if state in TERMINAL:
                raise WorkloadError("execution %s ended %s (wanted %s): %s"
                                    % (ex_id, state, want, str(info)[:300]))
            if seen > deadline:
                raise WorkloadError("timeout: execution %s still %s"
                                    % (ex_id, state))
            time.sleep(self.poll_interval)

    def wait_all(self, ex_ids, want="SUCCESS"):
        """Wait for each in turn: one execution polled at a time.

        The last answer comes when every execution has been seen done, so
        the load stays that of one poller whatever the number waited for.
        """
        seen = time.monotonic()
        deadline = seen + self.timeout
        for ex_id in ex_ids:
            seen = self.wait(ex_id, want, deadline)
        return seen

    def task_id(self, ex_id, name):
        query = urllib.parse.urlencode({"name": name})
        status, body = self.request(
            "GET", "/executions/%s/tasks?%s" % (ex_id, query))
        tasks = body.get("tasks", []) if isinstance(body, dict) else []
        found = [t["id"] for t in tasks if t.get("name") == name]
        if status != 200 or not found:
            raise WorkloadError("task %s of %s not found: %s"
                                % (name, ex_id, str(body)[:300]))
        return found[-1]

    def rerun(self, task_id, env):
        body = {"state": "RUNNING", "reset": True, "env": env}
        status, resp = self.request("PUT", "/tasks/%s" % task_id, body)
        if status != 200:
            raise WorkloadError("rerun %s: %s %s"
                                % (task_id, status, str(resp)[:300]))


def _parse(raw):
    text = raw.decode()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text
