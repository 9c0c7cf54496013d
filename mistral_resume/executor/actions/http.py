"""``std.http``: Mistral's HTTP action, parameters and result alike.

Parameters are those of Mistral 23's ``HTTPAction`` (``url, method, params,
body, json, headers, cookies, auth, timeout, allow_redirects, proxies,
verify``), passed to ``requests`` the same way: ``auth`` as ``"user:pass"``
becomes a tuple, number header values become strings, a dict ``body`` is
sent as JSON text, ``verify`` counts for https only, and redirects are not
followed unless ``allow_redirects`` is true.

The result is Mistral's dict: ``content`` (parsed JSON, else the text),
``status``, ``headers``, ``url``, ``history``, ``encoding``, ``reason``,
``cookies``, ``elapsed``. A status outside 200..306 makes the action fail
with that same dict as its error, as Mistral's does (so 4xx, 5xx, and a 307
or 308 that was not followed).

Before anything is sent, the URL (and any redirect target) must pass the
egress policy of ``[action_std_http]`` (see ``executor/egress.py``).
"""
import json as jsonlib
import logging
from urllib import parse

from mistral_lib import actions
from mistral_lib import exceptions as lib_exc
import requests

from mistral_resume.executor import egress

LOG = logging.getLogger(__name__)

# Mistral's defaults ([action_std_http]) until a configuration is applied.
DEFAULT_TIMEOUT = 60
DEFAULT_MAX_RESPONSE_SIZE = 5 * 1024 * 1024


class _CheckedSession(requests.Session):
    """A session that checks each redirect target before following it."""

    def __init__(self, policy):
        super().__init__()
        self._policy = policy

    def rebuild_auth(self, prepared_request, response):
        # requests calls this for every redirect after building the next
        # request and before sending it: the one place to refuse a target.
        self._policy.check(prepared_request.url)
        return super().rebuild_auth(prepared_request, response)


class HTTPAction(actions.Action):
    """Sends an HTTP request; returns content, status and headers."""

    def __init__(self, url, method="GET", params=None, body=None, json=None,
                 headers=None, cookies=None, auth=None, timeout=None,
                 allow_redirects=None, proxies=None, verify=None):
        super().__init__()
        if auth and isinstance(auth, str) and len(auth.split(":")) == 2:
            auth = tuple(auth.split(":"))
        elif isinstance(auth, list):
            auth = tuple(auth)
        if isinstance(headers, dict):
            headers = {k: str(v) if isinstance(v, (int, float)) else v
                       for k, v in headers.items()}
        if body and json:
            raise lib_exc.ActionException(
                "Only one of the parameters 'json' and 'body' can be passed")
        self.url = url
        self.method = method
        self.params = params
        self.body = jsonlib.dumps(body) if isinstance(body, dict) else body
        self.json = json
        self.headers = headers
        self.cookies = cookies
        self.auth = auth
        self.timeout = timeout
        self.allow_redirects = allow_redirects
        self.proxies = proxies
        self.verify = verify
        self._policy = egress.Policy()
        self._default_timeout = DEFAULT_TIMEOUT
        self._max_size = DEFAULT_MAX_RESPONSE_SIZE

    def apply_config(self, conf):
        """Take ``[action_std_http]`` from the executor's configuration."""
        self._policy = egress.Policy.from_conf(conf)
        self._default_timeout = conf.action_std_http.default_timeout
        self._max_size = conf.action_std_http.max_response_size_bytes

    def run(self, context):
        self._policy.check(self.url)
        LOG.info("std.http %s %s [action_ex_id=%s]", self.method, self.url,
                 context.execution.action_execution_id if context else None)
        timeout = self.timeout
        if timeout is None:
            timeout = self._default_timeout or None
        verify = self.verify if parse.urlsplit(
            self.url).scheme == "https" else None
        try:
            with _CheckedSession(self._policy) as session:
                resp = session.request(
                    self.method, self.url, params=self.params,
                    data=self.body, json=self.json, headers=self.headers,
                    cookies=self.cookies, auth=self.auth, timeout=timeout,
                    allow_redirects=bool(self.allow_redirects),
                    proxies=self.proxies, verify=verify, stream=True)
                try:
                    self._check_size(resp)
                    result = _result(resp)
                finally:
                    resp.close()
        except lib_exc.ActionException:  # refused by the policy, too big
            raise
        except Exception as e:
            raise lib_exc.ActionException(
                "Failed to send HTTP request: %s" % e) from None
        if resp.status_code not in range(200, 307):
            return actions.Result(error=result)
        return result

    def _check_size(self, resp):
        length = resp.headers.get("Content-Length")
        if self._max_size and length and length.isdigit() and \
                int(length) > self._max_size:
            raise lib_exc.ActionException(
                "HTTP response is too large (Content-Length=%s, limit=%s "
                "bytes)." % (length, self._max_size))


def _result(resp):
    raw = resp.content
    try:
        content = jsonlib.loads(raw.decode(resp.encoding or "utf-8"))
    except (ValueError, LookupError):
        content = resp.text
    return {
        "content": content,
        "status": resp.status_code,
        "headers": dict(resp.headers.items()),
        "url": resp.url,
        # Mistral puts requests' Response objects here; JSON needs data.
        "history": [{"status": r.status_code, "url": r.url,
                     "headers": dict(r.headers.items())}
                    for r in resp.history],
        "encoding": resp.encoding,
        "reason": resp.reason,
        "cookies": dict(resp.cookies.items()),
        "elapsed": resp.elapsed.total_seconds(),
    }
