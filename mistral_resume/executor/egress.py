"""Where ``std.http`` may connect: Mistral's egress rules.

Mistral 23 checks a URL before its HTTP action sends anything
(``mistral/utils/egress.py``, options in ``[action_std_http]``): only http
and https, the host in ``allowed_hosts`` when that list is set, and no
address the host resolves to inside ``denied_cidrs`` (loopback and
link-local by default, which covers the cloud metadata service). A host
that does not resolve is let through: the request cannot connect anyway.

Beyond Mistral: an IPv4-mapped IPv6 address (``::ffff:127.0.0.1``) is
checked as the IPv4 address it maps, and ``std.http`` checks every redirect
target too (see ``actions/http.py``).
"""
import ipaddress
import logging
import socket
from urllib import parse

from mistral_lib import exceptions as lib_exc

LOG = logging.getLogger(__name__)

# Mistral's defaults, used when no configuration is handed in.
DEFAULT_DENIED_CIDRS = ("127.0.0.0/8", "::1/128", "169.254.0.0/16",
                        "fe80::/10")


class UrlNotAllowed(lib_exc.ActionException):
    """The URL is refused by the egress policy; nothing was sent."""


class Policy:
    """A validated ``[action_std_http]`` egress policy.

    ``resolve`` is ``socket.getaddrinfo`` unless a test hands in another.
    """

    def __init__(self, allowed_hosts=(), denied_cidrs=DEFAULT_DENIED_CIDRS,
                 resolve=socket.getaddrinfo):
        self.allowed_hosts = frozenset(h.strip().lower()
                                       for h in allowed_hosts if h.strip())
        self.denied = _networks(denied_cidrs)
        self._resolve = resolve

    @classmethod
    def from_conf(cls, conf):
        group = conf.action_std_http
        return cls(group.allowed_hosts, group.denied_cidrs)

    def check(self, url):
        """:raises: UrlNotAllowed, with Mistral's messages."""
        parts = parse.urlsplit(url or "")
        if parts.scheme not in ("http", "https"):
            raise UrlNotAllowed("URL scheme '%s' is not allowed (only http "
                                "and https are)." % parts.scheme)
        host = parts.hostname
        if not host:
            raise UrlNotAllowed("URL does not contain a host.")
        if self.allowed_hosts and host.lower() not in self.allowed_hosts:
            raise UrlNotAllowed("Host '%s' is not in [action_std_http] "
                                "allowed_hosts." % host)
        if not self.denied:
            return
        try:
            port = parts.port
        except ValueError:
            raise UrlNotAllowed("URL has an invalid port: %s" % url) from None
        for address in self._addresses(host, port):
            if self._is_denied(address):
                raise UrlNotAllowed("URL host '%s' resolves to a blocked "
                                    "address (%s)." % (host, address))

    def _addresses(self, host, port):
        literal = _address(host)
        if literal is not None:
            return [literal]
        try:
            infos = self._resolve(host, port)
        except (socket.gaierror, UnicodeError):
            return []
        return [a for a in (_address(info[4][0]) for info in infos)
                if a is not None]

    def _is_denied(self, address):
        candidates = [address]
        mapped = getattr(address, "ipv4_mapped", None)
        if mapped is not None:
            candidates.append(mapped)
        return any(a in net for a in candidates for net in self.denied
                   if a.version == net.version)


def _networks(cidrs):
    networks = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(cidr.strip(), strict=False))
        except ValueError:
            LOG.warning("Ignoring invalid [action_std_http] denied_cidrs "
                        "entry: %s", cidr)
    return tuple(networks)


def _address(text):
    # An IPv6 address may carry a zone ("fe80::1%eth0").
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
