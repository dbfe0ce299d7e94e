"""`vngov stats`: what the archive holds, from the index alone (no segment is read)."""
from __future__ import annotations

from pathlib import Path

from . import index as archive_index


def archive_stats(root: Path) -> dict:
    connection = archive_index.connect(root, readonly=True)
    try:
        per_month = connection.execute(
            "SELECT site, COALESCE(substr(published_at, 1, 7), 'undated') AS month, count(*) "
            "FROM articles GROUP BY site, month ORDER BY site, month").fetchall()
        coverage = connection.execute(
            "SELECT site, count(*), avg(has_title), avg(has_sapo), avg(has_published), avg(has_author), avg(has_body), "
            "sum(latest_version > 1), sum(latest_version) FROM articles GROUP BY site ORDER BY site").fetchall()
    finally:
        connection.close()
    sites: dict[str, dict] = {}
    for site, total, title, sapo, published, author, body, edited, versions in coverage:
        sites[site] = {
            "articles": total, "versions": versions, "edited_articles": edited,
            "coverage": {"title": round(title, 4), "sapo": round(sapo, 4), "published_at": round(published, 4),
                         "author": round(author, 4), "body": round(body, 4)},
            "per_month": {}, "undated": 0,
        }
    for site, month, count in per_month:
        if month == "undated":
            sites[site]["undated"] = count
        else:
            sites[site]["per_month"][month] = count
    return {"sites": sites, "articles": sum(s["articles"] for s in sites.values()),
            "undated": sum(s["undated"] for s in sites.values())}


def format_stats(stats: dict) -> str:
    lines = [f"{stats['articles']} articles ({stats['undated']} undated) in {len(stats['sites'])} sites", ""]
    for site, data in stats["sites"].items():
        cov = data["coverage"]
        lines.append(f"{site}: {data['articles']} articles, {data['versions']} versions "
                     f"({data['edited_articles']} edited), undated {data['undated']}")
        lines.append("  coverage: " + ", ".join(f"{k} {v:.0%}" for k, v in cov.items()))
        lines.append("  " + "  ".join(f"{month}: {count}" for month, count in data["per_month"].items()))
    return "\n".join(lines)
