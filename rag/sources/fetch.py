"""HTTP for web sources: polite (robots.txt, a rate per host, a clear User-Agent), bounded (timeouts,
a size limit, few redirects) and safe (no request to this machine or its network unless allowed).

httpx does the HTTP. The checks around it are ours because no well-kept library combines them for a
crawler: the address guard runs on every hop of a redirect by hand, and again on the peer the
connection actually reached (which also stops a DNS answer that changed between check and connect).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
import urllib.robotparser
from dataclasses import dataclass

import httpx

log = logging.getLogger(__name__)
MAX_REDIRECTS = 5


class FetchError(Exception):
    """A URL that could not be fetched; the message is one line: what happened and what to do."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status when the server answered with an error, else 0

    @property
    def gone(self) -> bool:
        """The server says the page is not there (404) or no longer (410): its article leaves the index."""
        return self.status in (404, 410)


@dataclass(frozen=True)
class Policy:
    """How to fetch; built from the settings (sync.policy), which hold the defaults."""

    user_agent: str
    timeout: float  # seconds for a whole response, headers to last byte
    max_bytes: int
    per_host_interval: float  # seconds between two requests to one host
    allow_private: str  # "1": every address; else "host" or "host:port" names, comma-separated
    obey_robots: bool


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    status: int
    body: bytes = b""
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class Fetcher:
    """One per ingest or sync: keeps robots.txt answers and the time of each host's last request."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._client = httpx.Client(timeout=policy.timeout, follow_redirects=False, trust_env=False,
                                    headers={"User-Agent": policy.user_agent})
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get(self, url: str, etag: str = "", last_modified: str = "") -> Response:
        """GET ``url`` through its redirects; 304 when the validators still hold; FetchError otherwise."""
        headers = {"If-None-Match": etag} if etag else {}
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for _ in range(MAX_REDIRECTS + 1):
            target = httpx.URL(url)
            self._guard(target)
            if self.policy.obey_robots and not self._allowed_by_robots(target):
                raise FetchError("robots.txt of this site asks crawlers not to fetch it")
            response = self._fetch(target, headers)
            if response.status in (301, 302, 303, 307, 308) and response.url:
                url = response.url
                continue
            if response.status == 304:
                return response
            if response.status >= 400:
                raise FetchError(f"HTTP {response.status} {_reason(response.status)}", response.status)
            return response
        raise FetchError(f"more than {MAX_REDIRECTS} redirects; give the final address")

    def _fetch(self, target: httpx.URL, headers: dict[str, str]) -> Response:
        self._wait_turn(target.host)
        started = time.monotonic()
        try:
            with self._client.stream("GET", target, headers=headers) as reply:
                self._check_peer(reply, target)
                if reply.status_code in (301, 302, 303, 307, 308):
                    location = reply.headers.get("location", "")
                    return Response(url=str(target.join(location)) if location else "", status=reply.status_code)
                declared = reply.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.policy.max_bytes:
                    raise FetchError(self._too_large())
                body = bytearray()
                for chunk in reply.iter_bytes():
                    body += chunk
                    if len(body) > self.policy.max_bytes:
                        raise FetchError(self._too_large())
                    if time.monotonic() - started > self.policy.timeout:
                        raise FetchError(f"too slow: no whole answer within {self.policy.timeout:g} s")
                return Response(url=str(target), status=reply.status_code, body=bytes(body),
                                content_type=reply.headers.get("content-type", ""),
                                etag=reply.headers.get("etag", ""),
                                last_modified=reply.headers.get("last-modified", ""))
        except httpx.TimeoutException as err:
            raise FetchError(f"timed out after {self.policy.timeout:g} s; the site is slow or down,"
                             " try again later") from err
        except httpx.DecodingError as err:
            raise FetchError("the server sent a body that does not decode (broken compression)") from err
        except (httpx.HTTPError, OSError) as err:  # refused, reset, TLS, DNS
            raise FetchError(f"could not connect ({type(err).__name__}: {str(err)[:100] or 'no detail'})") from err

    def _too_large(self) -> str:
        return f"larger than {self.policy.max_bytes / 1024 / 1024:.3g} MB; raise RAG_MAX_FILE_MB to read it"

    def _wait_turn(self, host: str) -> None:
        with self._lock:
            now = time.monotonic()
            turn = max(now, self._last.get(host, 0.0) + self._interval(host))
            self._last[host] = turn
        if turn > now:
            time.sleep(turn - now)

    def _interval(self, host: str) -> float:
        robots = self._robots.get(host)
        delay = robots.crawl_delay(self.policy.user_agent) if robots else None
        return max(self.policy.per_host_interval, float(delay or 0))

    def _allowed_by_robots(self, target: httpx.URL) -> bool:
        key = target.host
        if key not in self._robots:
            self._robots[key] = self._read_robots(target)
        robots = self._robots[key]
        return robots is None or robots.can_fetch(self.policy.user_agent, str(target))

    def _read_robots(self, target: httpx.URL) -> urllib.robotparser.RobotFileParser | None:
        """The site's robots.txt; None (all allowed) when it has none; everything refused when it
        answers 401/403, as robotparser itself does."""
        robots_url = target.copy_with(path="/robots.txt", query=None, fragment=None)
        parser = urllib.robotparser.RobotFileParser(str(robots_url))
        try:
            response = self._fetch(robots_url, {})
        except FetchError as err:
            log.info("no robots.txt read from %s: %s", target.host, err)
            return None
        if response.status in (401, 403):
            parser.disallow_all = True
            return parser
        if response.status >= 300:
            return None
        parser.parse(response.body.decode("utf-8", "replace").splitlines())
        return parser

    # The address guard
    def _guard(self, target: httpx.URL) -> None:
        if target.scheme not in ("http", "https"):
            raise FetchError(f"only http and https addresses can be ingested, not {target.scheme or 'a bare path'}:")
        if not target.host:
            raise FetchError("the address has no host name")
        if self._allowed_host(target):
            return
        for address in _addresses(target.host, target.port or (443 if target.scheme == "https" else 80)):
            if not _public(address):
                raise FetchError(f"{target.host} is a private or local address ({address}); set"
                                 " RAG_ALLOW_PRIVATE_URLS=1 to allow it")

    def _check_peer(self, reply: httpx.Response, target: httpx.URL) -> None:
        stream = reply.extensions.get("network_stream")
        peer = stream.get_extra_info("server_addr") if stream is not None else None
        if peer and not self._allowed_host(target) and not _public(str(peer[0])):
            raise FetchError(f"{target.host} led to a private or local address ({peer[0]}); set"
                             " RAG_ALLOW_PRIVATE_URLS=1 to allow it")

    def _allowed_host(self, target: httpx.URL) -> bool:
        allowed = {name.strip().lower() for name in self.policy.allow_private.split(",") if name.strip()}
        if allowed & {"1", "true", "yes", "*"}:
            return True
        return target.host.lower() in allowed or f"{target.host.lower()}:{target.port}" in allowed


def _addresses(host: str, port: int) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]  # a literal address needs no lookup
    except ValueError:
        pass
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})
    except (socket.gaierror, UnicodeError) as err:
        raise FetchError(f"the host name {host} does not resolve; check the address") from err


def _public(address: str) -> bool:
    """Whether an address is on the public internet: not loopback, private, link-local (the cloud
    metadata service at 169.254.169.254), shared, reserved or multicast."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _reason(status: int) -> str:
    hints = {401: "(needs a login)", 403: "(forbidden)", 404: "(not found; check the address)",
             410: "(gone)", 429: "(too many requests; try again later)"}
    return hints.get(status, "(server error; try again later)" if status >= 500 else "")
