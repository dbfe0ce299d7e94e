"""`vngov frontier --redis URL`: what a shared frontier holds right now, for whoever watches a
distributed backfill. Per site: the running generation, requests queued and leased, each
worker and whether it is alive (a dead worker's leases go back to the queue at any live
worker's next tick), the duplicate filter and the crawl state the archiver published; and the
archiver's stream: pages waiting, pages read and not yet committed, and when the archiver was
last active. Reads only; the key layout is scraper/frontier.py's."""
from __future__ import annotations

import redis

from pipelines.outbox import OUTBOX

from .archiver import GROUP
from .frontier import site_prefix


def _text(value) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def _sites(client) -> list[str]:
    sites = set()
    for pattern, suffix in (("vngov:*:gen", ":gen"), ("vngov:*:state", ":state")):
        for key in client.scan_iter(match=pattern, count=1000):
            name = _text(key)[len("vngov:"):-len(suffix)]
            if name != "polite" and ":" not in name:
                sites.add(name)
    return sorted(sites)


def describe_site(client, site: str) -> dict:
    prefix = site_prefix(site)
    generation = {_text(k): _text(v) for k, v in client.hgetall(prefix + "gen").items()}
    found = {"site": site, "generation": generation.get("id"), "started_at": generation.get("started_at"),
             "incomplete": generation.get("incomplete"), "queued": 0, "leased": 0, "seen": 0, "workers": [],
             "crawl_state_urls": client.hlen(prefix + "state"),
             "covered_before": _text(client.get(prefix + "covered_before"))}
    if found["generation"]:
        gen = found["generation"]
        found["queued"] = client.zcard(f"{prefix}frontier:{gen}")
        found["seen"] = client.scard(f"{prefix}seen:{gen}")
        for worker, joined in sorted(client.hgetall(f"{prefix}workers:{gen}").items()):
            worker = _text(worker)
            leased = client.hlen(f"{prefix}leased:{gen}:{worker}")
            found["leased"] += leased
            found["workers"].append({"worker": worker, "joined_at": _text(joined), "leased": leased,
                                     "alive": bool(client.exists(prefix + "alive:" + worker))})
    return found


def describe_outbox(client) -> dict:
    outbox = {"waiting": client.xlen(OUTBOX), "read_not_committed": None, "archiver_idle_s": None}
    try:
        groups = client.xinfo_groups(OUTBOX)
    except redis.ResponseError:  # no stream yet: no worker has sent a page
        return outbox
    for group in groups:
        if _text(group.get("name")) == GROUP:
            outbox["read_not_committed"] = group.get("pending")
            consumers = client.xinfo_consumers(OUTBOX, GROUP)
            if consumers:
                outbox["archiver_idle_s"] = round(min(c.get("idle", 0) for c in consumers) / 1000, 1)
    return outbox


def describe(client) -> dict:
    return {"outbox": describe_outbox(client), "sites": [describe_site(client, site) for site in _sites(client)]}


def format_status(status: dict) -> str:
    outbox = status["outbox"]
    line = f"archiver's stream: {outbox['waiting']:,} page{'' if outbox['waiting'] == 1 else 's'} waiting"
    if outbox["read_not_committed"] is not None:
        line += f", {outbox['read_not_committed']:,} of them read and not yet committed"
    if outbox["archiver_idle_s"] is not None:
        line += f"; the archiver last read {outbox['archiver_idle_s']:g} s ago"
    elif outbox["waiting"]:
        line += "; no archiver has read it yet"
    lines = [line]
    if not status["sites"]:
        lines.append("no site in this Redis: no worker has started")
    for site in status["sites"]:
        if site["generation"]:
            alive = sum(1 for w in site["workers"] if w["alive"])
            lines.append(f"{site['site']}: generation {site['generation']} (since {site['started_at']}): "
                         f"{site['queued']:,} queued, {site['leased']:,} leased, {site['seen']:,} seen; "
                         f"{alive} of {len(site['workers'])} workers alive"
                         + (f"; walk incomplete: {site['incomplete']}" if site["incomplete"] else ""))
            for worker in site["workers"]:
                state = "alive" if worker["alive"] else "not answering: its leases go back to the queue"
                lines.append(f"  {worker['worker']}: {worker['leased']:,} leased, {state}")
        else:
            lines.append(f"{site['site']}: no generation running")
        lines.append(f"  crawl state: {site['crawl_state_urls']:,} URLs"
                     + (f"; listings walked completely before {site['covered_before']}" if site["covered_before"] else ""))
    return "\n".join(lines)
