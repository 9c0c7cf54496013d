"""std.http's egress policy: Mistral's [action_std_http] rules, as data."""
import re
import socket

import pytest

from mistral_resume import conf as mr_conf
from mistral_resume.executor import egress


def resolver(table):
    """A getaddrinfo that answers from ``table`` (no DNS in tests)."""
    def resolve(host, port):
        if host not in table:
            raise socket.gaierror("unknown host %s" % host)
        return [(None, None, None, "", (address, port or 80))
                for address in table[host]]
    return resolve


HOSTS = {
    "localhost": ["127.0.0.1", "::1"],
    "metadata": ["169.254.169.254"],
    "public.example": ["93.184.216.34"],
    "mixed.example": ["93.184.216.34", "127.0.0.2"],
    "intranet.example": ["10.1.2.3"],
    "v6-link-local.example": ["fe80::1%eth0"],
    "mapped.example": ["::ffff:127.0.0.1"],
}

CASES = [
    # url, policy kwargs, refused with (None: allowed)
    ("http://public.example/x", {}, None),
    ("https://public.example:8443/x", {}, None),
    ("http://localhost:8080/", {}, "resolves to a blocked address"),
    ("http://127.0.0.1/", {}, "blocked address (127.0.0.1)"),
    ("http://[::1]/", {}, "blocked address (::1)"),
    ("http://metadata/latest/meta-data", {}, "169.254.169.254"),
    ("http://169.254.169.254/", {}, "blocked address"),
    ("http://v6-link-local.example/", {}, "blocked address"),
    ("http://mixed.example/", {}, "blocked address (127.0.0.2)"),
    ("http://mapped.example/", {}, "blocked address"),
    # Private networks pass by default, as in Mistral...
    ("http://intranet.example/", {}, None),
    # ...and are refused once an operator lists them.
    ("http://intranet.example/", {"denied_cidrs": ["10.0.0.0/8"]},
     "blocked address (10.1.2.3)"),
    # An empty list allows every address (the test server's case).
    ("http://localhost:8080/", {"denied_cidrs": []}, None),
    # An invalid entry is ignored, the others still apply.
    ("http://127.0.0.1/", {"denied_cidrs": ["nonsense", "127.0.0.0/8"]},
     "blocked address"),
    ("ftp://public.example/", {}, "URL scheme 'ftp' is not allowed"),
    ("file:///etc/passwd", {}, "URL scheme 'file' is not allowed"),
    ("http:///path", {}, "does not contain a host"),
    ("http://public.example/", {"allowed_hosts": ["other.example"]},
     "Host 'public.example' is not in [action_std_http] allowed_hosts"),
    ("http://public.example/", {"allowed_hosts": ["PUBLIC.example"]}, None),
    # allowed_hosts does not lift the address check.
    ("http://localhost/", {"allowed_hosts": ["localhost"]},
     "blocked address"),
    # A host that does not resolve cannot be connected to: let through.
    ("http://nowhere.invalid/", {}, None),
]


@pytest.mark.parametrize("url, kwargs, refused", CASES)
def test_policy(url, kwargs, refused):
    policy = egress.Policy(resolve=resolver(HOSTS), **kwargs)
    if refused is None:
        policy.check(url)
    else:
        with pytest.raises(egress.UrlNotAllowed, match=re.escape(refused)):
            policy.check(url)


def test_defaults_are_mistrals():
    conf = mr_conf.make([])
    group = conf.action_std_http
    assert group.denied_cidrs == ["127.0.0.0/8", "::1/128",
                                  "169.254.0.0/16", "fe80::/10"]
    assert group.allowed_hosts == []
    assert group.default_timeout == 60
    assert group.max_response_size_bytes == 5 * 1024 * 1024
    assert list(egress.DEFAULT_DENIED_CIDRS) == group.denied_cidrs


def test_from_conf_reads_the_group():
    conf = mr_conf.make([], action_std_http__denied_cidrs=["10.0.0.0/8"],
                        action_std_http__allowed_hosts=["a.example"])
    policy = egress.Policy.from_conf(conf)
    assert [str(n) for n in policy.denied] == ["10.0.0.0/8"]
    assert policy.allowed_hosts == {"a.example"}


def test_options_are_listed_for_the_sample_config():
    groups = dict(mr_conf.list_opts())
    assert {o.name for o in groups["action_std_http"]} == {
        "allowed_hosts", "denied_cidrs", "default_timeout",
        "max_response_size_bytes"}
