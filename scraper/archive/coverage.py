"""`vngov report`: one self-contained HTML page (no script, no network) that shows, per site,
articles per publication month (gaps in coverage stand out as empty months), field coverage per
run over time (where a layout change shows as a drop), edits and withdrawals per month, and the
latest runs' outcomes. Charts are inline SVG drawn here; every figure comes from the index
(the same queries as `vngov stats`) and is also written into the SVG as data attributes, which
is how the tests check the page against `vngov stats --json`."""
from __future__ import annotations

import html
from datetime import datetime, timezone

from . import index as archive_index
from .stats import archive_stats
from ..runlog import all_runs
from ..vietnam import VN_TZ

COVERED = ("title", "sapo", "published_at", "author", "body_text")
_COLOURS = {"title": "#1b6ca8", "sapo": "#e07b00", "published_at": "#2a9d3a", "author": "#b8336a", "body_text": "#555"}
_OUTCOME_COLOURS = {"ok": "#2a9d3a", "drifted": "#e07b00", "failed": "#c0392b", "code-failed": "#c0392b",
                    "killed": "#c0392b", "interrupted": "#999", "locked": "#999", "running": "#1b6ca8"}


def _months(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` ("2026-01"), both included."""
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _edits_and_withdrawals(root) -> dict[str, dict[str, dict[str, int]]]:
    """site -> month (Vietnam time of when it was seen) -> {"edits": n, "withdrawals": n}. A
    version written by `vngov reparse` is no edit by the site."""
    connection = archive_index.connect(root, readonly=True)
    try:
        edits = connection.execute(
            "SELECT a.site, v.written_at FROM versions v JOIN articles a ON a.id = v.id "
            "JOIN segments s ON s.path = v.segment WHERE v.version > 1 AND COALESCE(s.run_id, '') NOT LIKE 'reparse-%'"
        ).fetchall()
        withdrawals = connection.execute(
            "SELECT a.site, e.at FROM events e JOIN articles a ON a.id = e.id WHERE e.kind = 'withdrawn'").fetchall()
    finally:
        connection.close()
    result: dict[str, dict[str, dict[str, int]]] = {}
    for kind, rows in (("edits", edits), ("withdrawals", withdrawals)):
        for site, at in rows:
            month = _vietnam_month(at)
            counts = result.setdefault(site, {}).setdefault(month, {"edits": 0, "withdrawals": 0})
            counts[kind] += 1
    return result


def _vietnam_month(utc_time: str) -> str:
    moment = datetime.fromisoformat(utc_time.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(VN_TZ).strftime("%Y-%m")


def report_data(root) -> dict:
    """Everything the page shows, as data: what `vngov report --json` prints."""
    stats = archive_stats(root)
    changes = _edits_and_withdrawals(root)
    runs = list(reversed(all_runs(root, limit=10000)))  # oldest first
    sites = {}
    for site, data in stats["sites"].items():
        months = sorted(data["per_month"])
        site_runs = [run for run in runs if run.get("site") == site]
        sites[site] = {
            "articles": data["articles"], "undated": data["undated"], "versions": data["versions"],
            "per_month": {month: data["per_month"].get(month, 0) for month in _months(months[0], months[-1])}
            if months else {},
            "coverage": data["coverage"],
            "coverage_per_run": [{"run_id": run.get("run_id"), "started_at": run.get("started_at"),
                                  "outcome": run.get("outcome"),
                                  "coverage": {name: (run.get("field_coverage") or {}).get(name) for name in COVERED}}
                                 for run in site_runs if run.get("field_coverage")],
            "changes_per_month": dict(sorted(changes.get(site, {}).items())),
        }
    latest = [{key: run.get(key) for key in ("site", "run_id", "started_at", "finished_at", "outcome")}
              | {"new": (run.get("articles") or {}).get("new"), "updated": (run.get("articles") or {}).get("updated"),
                 "rejected": (run.get("articles") or {}).get("rejected")}
              for run in runs[-30:][::-1]]
    return {"generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "archive": str(root),
            "articles": stats["articles"], "undated": stats["undated"], "sites": sites, "latest_runs": latest}


# -- drawing ---------------------------------------------------------------------------------

def _bars(per_month: dict[str, int], label: str) -> str:
    """A bar per month, empty months drawn as a red tick on the axis: gaps stand out."""
    months = list(per_month)
    if not months:
        return "<p class='none'>No dated articles.</p>"
    width, height, pad = max(320, 14 * len(months) + 60), 170, 40
    top = max(per_month.values()) or 1
    step = (width - pad - 10) / len(months)
    parts = [f"<svg class='months' width='{width}' height='{height}' role='img' aria-label='{html.escape(label)}' "
             f"data-chart='articles-per-month'>",
             f"<line x1='{pad}' y1='{height - 30}' x2='{width - 5}' y2='{height - 30}' stroke='#888'/>",
             f"<text x='{pad - 4}' y='18' text-anchor='end' class='axis'>{top}</text>"]
    for i, month in enumerate(months):
        count = per_month[month]
        x = pad + i * step
        bar = (height - 50) * count / top
        title = f"{month}: {count} articles"
        if count:
            parts.append(f"<rect x='{x:.1f}' y='{height - 30 - bar:.1f}' width='{max(step - 2, 1):.1f}' "
                         f"height='{bar:.1f}' fill='#1b6ca8' data-month='{month}' data-count='{count}'>"
                         f"<title>{title}</title></rect>")
        else:
            parts.append(f"<rect x='{x:.1f}' y='{height - 30}' width='{max(step - 2, 1):.1f}' height='4' fill='#c0392b' "
                         f"data-month='{month}' data-count='0'><title>{month}: no articles (a gap)</title></rect>")
        if i == 0 or month.endswith("-01") or i == len(months) - 1:
            parts.append(f"<text x='{x:.1f}' y='{height - 12}' class='axis'>{month}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _coverage_lines(runs: list[dict]) -> str:
    """Each field's coverage per run, runs in time order: a layout change is a line falling."""
    if not runs:
        return "<p class='none'>No runs with field coverage yet.</p>"
    width, height, pad = max(320, 40 * len(runs) + 80), 170, 40
    step = (width - pad - 90) / max(len(runs) - 1, 1)
    parts = [f"<svg width='{width}' height='{height}' data-chart='coverage-per-run'>",
             f"<line x1='{pad}' y1='{height - 30}' x2='{width - 85}' y2='{height - 30}' stroke='#888'/>",
             f"<text x='{pad - 4}' y='24' text-anchor='end' class='axis'>100%</text>",
             f"<text x='{pad - 4}' y='{height - 30}' text-anchor='end' class='axis'>0%</text>"]
    for n, name in enumerate(COVERED):
        points = []
        for i, run in enumerate(runs):
            share = run["coverage"].get(name)
            if share is None:
                continue
            x, y = pad + i * step, height - 30 - (height - 55) * share
            points.append(f"{x:.1f},{y:.1f}")
            parts.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='2.5' fill='{_COLOURS[name]}' data-field='{name}' "
                         f"data-run='{html.escape(run['run_id'] or '')}' data-share='{share}'>"
                         f"<title>{name} {share:.0%} in run {html.escape(run['run_id'] or '')} "
                         f"({html.escape(run['started_at'] or '')})</title></circle>")
        if len(points) > 1:
            parts.append(f"<polyline points='{' '.join(points)}' fill='none' stroke='{_COLOURS[name]}' stroke-width='1.5'/>")
        parts.append(f"<text x='{width - 80}' y='{20 + 14 * n}' fill='{_COLOURS[name]}' class='axis'>{name}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _changes_table(per_month: dict[str, dict[str, int]]) -> str:
    if not per_month:
        return "<p class='none'>No edits or withdrawals seen yet.</p>"
    rows = "".join(f"<tr data-month='{month}' data-edits='{c['edits']}' data-withdrawals='{c['withdrawals']}'>"
                   f"<td>{month}</td><td>{c['edits']}</td><td>{c['withdrawals']}</td>"
                   f"<td><span class='bar' style='width:{4 * c['edits']}px'></span>"
                   f"<span class='bar gone' style='width:{4 * c['withdrawals']}px'></span></td></tr>"
                   for month, c in per_month.items())
    return (f"<table class='changes'><tr><th>month seen</th><th>edits</th><th>withdrawals</th><th></th></tr>"
            f"{rows}</table>")


_STYLE = """body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ddd}h3{font-size:1em;color:#555}
.axis{font-size:10px;fill:#555}.none{color:#888}table{border-collapse:collapse}
td,th{padding:2px 8px;text-align:left;border-bottom:1px solid #eee}.bar{display:inline-block;height:8px;
background:#1b6ca8}.bar.gone{background:#c0392b}.outcome{padding:0 6px;border-radius:3px;color:#fff}"""


def render_report(data: dict) -> str:
    """The page, as text: one HTML file with its styles and charts inline."""
    sections = []
    for site, item in data["sites"].items():
        sections.append(
            f"<section data-site='{html.escape(site)}' data-articles='{item['articles']}' data-undated='{item['undated']}'>"
            f"<h2>{html.escape(site)}</h2><p>{item['articles']} articles ({item['undated']} undated), "
            f"{item['versions']} versions. Coverage: "
            + ", ".join(f"{name} {share:.0%}" for name, share in item["coverage"].items())
            + "</p><h3>Articles per publication month (red: a month with none)</h3>"
            + _bars(item["per_month"], f"articles per month on {site}")
            + "<h3>Field coverage per run</h3>" + _coverage_lines(item["coverage_per_run"])
            + "<h3>Edits and withdrawals per month</h3>" + _changes_table(item["changes_per_month"])
            + "</section>")
    runs = "".join(
        f"<tr><td>{html.escape(run['started_at'] or '')}</td><td>{html.escape(run['site'] or '')}</td>"
        f"<td><span class='outcome' style='background:{_OUTCOME_COLOURS.get(run['outcome'], '#999')}'>"
        f"{html.escape(run['outcome'] or '')}</span></td><td>{run['new'] or 0}</td><td>{run['updated'] or 0}</td>"
        f"<td>{run['rejected'] or 0}</td><td>{html.escape(run['run_id'] or '')}</td></tr>"
        for run in data["latest_runs"])
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>vngov coverage report</title>"
            f"<style>{_STYLE}</style></head><body data-articles='{data['articles']}' data-undated='{data['undated']}'>"
            f"<h1>vngov coverage report</h1><p>{html.escape(data['archive'])}: {data['articles']} articles in "
            f"{len(data['sites'])} sites, generated {data['generated_at']} (UTC).</p>"
            + "".join(sections)
            + "<h2>Latest runs</h2><table><tr><th>started (UTC)</th><th>site</th><th>outcome</th><th>new</th>"
            f"<th>updated</th><th>rejected</th><th>run</th></tr>{runs}</table></body></html>\n")
