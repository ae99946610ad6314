"""Feed URLs and the credentials some suppliers put in them.

A feed URL such as ``https://user:pass@feeds.example.com/stock.csv?api_key=abc&format=csv`` carries
secrets that must never be shown back (admin, API, run messages, logs). On save they are split off
(``split_feed_url``) and stored write-only beside the supplier's auth token; the fetch puts them
back (``join_feed_url``). Nothing here touches the database.
"""
from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import unquote_plus, urlsplit, urlunsplit

HTTP_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Query parameters whose value is a credential, by name (lower case, without "-" and "_"):
# key, apikey, access_key, token, auth_token, secret, client_secret, password, sig, signature, …
_SECRET_PARAMETER = re.compile(
    r"(key|token|secret|passw(or)?d|pwd|pass|auth|signature|sig|credentials?|session(id)?)$"
)


class SplitFeedUrl(NamedTuple):
    url: str  # the URL without credentials: safe to show
    userinfo: str  # "user:password" as written in the URL (still percent-encoded), or ""
    secret_query: str  # the secret query parameters as written ("api_key=abc&token=x"), or ""


def is_valid_feed_url(url: str) -> bool:
    """Whether the URL parses (a bracketed IPv6 host is closed, the port is a number in range)."""
    try:
        urlsplit(url).port  # noqa: B018 - parsing the port is the check
    except ValueError:
        return False
    return True


def is_secret_parameter(name: str) -> bool:
    normalized = re.sub(r"[^a-z0-9]", "", unquote_plus(name).lower())
    return bool(_SECRET_PARAMETER.search(normalized))


def split_feed_url(url: str) -> SplitFeedUrl:
    """The URL without its credentials, and the credentials. Local paths, other schemes and URLs that
    do not parse (refused when fetched) have none."""
    if not is_valid_feed_url(url):
        return SplitFeedUrl(url, "", "")
    parts = urlsplit(url)
    if parts.scheme.lower() not in HTTP_SCHEMES:
        return SplitFeedUrl(url, "", "")
    userinfo, _, hostport = parts.netloc.rpartition("@")
    kept: list[str] = []
    secret: list[str] = []
    for piece in parts.query.split("&") if parts.query else []:
        name = piece.partition("=")[0]
        (secret if is_secret_parameter(name) else kept).append(piece)
    clean = urlunsplit(parts._replace(netloc=hostport, query="&".join(kept)))
    return SplitFeedUrl(clean, userinfo, "&".join(secret))


def join_feed_url(url: str, *, userinfo: str = "", secret_query: str = "") -> str:
    """The URL to fetch: the shown URL with its stored credentials put back."""
    if not (userinfo or secret_query):
        return url
    parts = urlsplit(url)
    netloc = f"{userinfo}@{parts.netloc}" if userinfo else parts.netloc
    query = "&".join(piece for piece in (parts.query, secret_query) if piece)
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def redact_url(url: str) -> str:
    """The URL as it may be shown in a message: credentials replaced by ``***``."""
    split = split_feed_url(url)
    if not (split.userinfo or split.secret_query):
        return url
    parts = urlsplit(split.url)
    hidden = "&".join(f"{piece.partition('=')[0]}=***" for piece in split.secret_query.split("&") if piece)
    netloc = f"***@{parts.netloc}" if split.userinfo else parts.netloc
    query = "&".join(piece for piece in (parts.query, hidden) if piece)
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def feed_origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of an http(s) URL, default ports filled in; ("file", "", None) for a local path.

    A stored secret belongs to one origin: re-pointing the feed at another one must not send it there.
    """
    if not is_valid_feed_url(url.strip()):
        return ("invalid", url.strip(), None)
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in HTTP_SCHEMES:
        return ("file", "", None) if scheme in ("", "file") else (scheme, "", None)
    host = (parts.hostname or "").rstrip(".")
    return (scheme, host, parts.port if parts.port is not None else _DEFAULT_PORTS[scheme])


def secret_parameter_names(secret_query: str) -> list[str]:
    return [unquote_plus(piece.partition("=")[0]) for piece in secret_query.split("&") if piece]
