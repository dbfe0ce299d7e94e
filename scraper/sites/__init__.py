"""Site profiles, one module per site; `profile_for_url` picks the one that owns a URL."""
from __future__ import annotations

from urllib.parse import urlsplit

from . import (
    baochinhphu,
    dangcongsan,
    hanoimoi,
    mofa,
    moh,
    nhandan,
    qdnd,
    quochoi,
    quocphongthudo,
    sotttt_hanoi,
    vietnamplus,
    xaydungchinhsach,
)
from .base import Listing, Selectors, SidebarList, SiteProfile

PROFILES: dict[str, SiteProfile] = {
    module.PROFILE.name: module.PROFILE
    for module in (
        baochinhphu,
        xaydungchinhsach,
        nhandan,
        vietnamplus,
        qdnd,
        dangcongsan,
        mofa,
        hanoimoi,
        sotttt_hanoi,
        moh,
        quochoi,
        quocphongthudo,
    )
}
_BY_DOMAIN = {domain: profile for profile in PROFILES.values() for domain in profile.domains}


def host_of(url: str) -> str:
    """Lower-case host of a URL; "" when it has none or the URL parser rejects it."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def registered_host(url: str) -> str:
    """host_of without a leading "www."."""
    host = host_of(url)
    return host[4:] if host.startswith("www.") else host


def site_name(url: str) -> str:
    """The archive's site key for a URL: the profile name, else the host without "www."."""
    profile = profile_for_url(url)
    return profile.name if profile else registered_host(url)


def profile_for_url(url: str) -> SiteProfile | None:
    return _BY_DOMAIN.get(host_of(url))


def get_profile(name: str) -> SiteProfile:
    """The profile called `name` (its main host); KeyError names the unknown site."""
    try:
        return PROFILES[name]
    except KeyError:
        raise KeyError(f"unknown site {name!r}; known: {', '.join(sorted(PROFILES))}") from None


__all__ = [
    "Listing",
    "PROFILES",
    "Selectors",
    "SidebarList",
    "SiteProfile",
    "get_profile",
    "host_of",
    "profile_for_url",
    "registered_host",
    "site_name",
]
