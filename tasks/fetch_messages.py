"""The advice in fetch's error messages, in one place: each says what happened and what the user can do.

Kept apart from `tasks.fetch` so that the wording is tested on its own and the advice matches the cause:
a robots.txt that cannot be read because the host does not answer at all is a host problem, and turning
robots.txt off would not help (issue 17: the old message said to set fetch.respect_robots = false).
"""

from __future__ import annotations

# Failure kinds of a robots.txt request that mean the host was not reached at all (nothing answered).
HOST_UNREACHABLE_KINDS = frozenset({"fetch_connection_error", "fetch_timeout"})


def robots_unreachable(url: str, robots_url: str, kind: str, host: str) -> str:
    """Why `url` was not fetched when its robots.txt could not be read (failure `kind`, after retries)."""
    if kind in HOST_UNREACHABLE_KINDS:
        what = "does not answer" if kind == "fetch_timeout" else "cannot be reached"
        return (
            f"{url} not fetched: the host {host} {what} ({kind} on {robots_url}); check the URL and "
            "that the site is up, then run again"
        )
    return (
        f"{url} not fetched: {robots_url} could not be read ({kind}), and RFC 9309 says to "
        "treat the site as disallowed until it can; try again later, or set "
        "fetch.respect_robots = false if you have the site's permission"
    )


def forbidden_address(host: str, ip: str, address_class: str) -> str:
    """Why a host whose address is in a refused class is refused, naming the setting and flag that allow
    it, if any (issue 20: one flag used to open link-local and metadata addresses along with loopback)."""
    where = f"{host} is" if host == ip else f"{host} resolves to"
    if address_class == "private":
        return (
            f"{where} {ip}, a loopback or private address; to fetch from such hosts, pass "
            "--allow-private to `wenji run` or set fetch.allow_private = true in the config file"
        )
    if address_class == "link_local":
        return (
            f"{where} {ip}, a link-local or cloud metadata address (where instances get their "
            "credentials); fetch.allow_private does not cover it: only if you mean to fetch from it, "
            "pass --allow-link-local to `wenji run` or set fetch.allow_link_local = true"
        )
    return (
        f"{where} {ip}, a multicast, broadcast, 'this network' or reserved address, which wenji never "
        "fetches (no setting allows it)"
    )
