"""The `vngov` command: argument handling only; the work lives in parsing/, archive/ and spiders/."""
from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request
from pathlib import Path

from . import settings

EXIT_USAGE = 2


class UsageError(Exception):
    """Something the user typed is wrong; the message names the bad value."""


def _archive_dir(value: str | None) -> Path:
    return Path(value or os.environ.get("VNGOV_ARCHIVE") or settings.DEFAULT_ARCHIVE)


def _fetch(url: str) -> tuple[bytes, str | None]:
    request = urllib.request.Request(url, headers={"User-Agent": settings.USER_AGENT})
    with urllib.request.urlopen(request, timeout=settings.DOWNLOAD_TIMEOUT) as response:
        return response.read(), response.headers.get_content_charset()


def cmd_parse(args: argparse.Namespace) -> int:
    from .parsing import parse_article

    source = args.source
    encoding = None
    if source.startswith(("http://", "https://")):
        try:
            html, encoding = _fetch(source)
        except OSError as error:
            raise UsageError(f"cannot fetch {source}: {error}") from None
        url = args.url or source
    else:
        path = Path(source)
        if not path.is_file():
            raise UsageError(f"no such file: {source}")
        html = path.read_bytes()
        url = args.url or path.resolve().as_uri()
    article = parse_article(html, url, encoding=encoding)
    indent = None if args.compact else 2
    print(json.dumps(article.to_dict(), ensure_ascii=False, indent=indent))
    return 0


def cmd_sites(args: argparse.Namespace) -> int:
    from .sites import PROFILES

    if args.json:
        rows = [{"site": p.name, "family": p.family, "verified": p.verified, "note": p.verified_note,
                 "feeds": list(p.feeds), "sitemaps": list(p.sitemaps), "listings": [l.url for l in p.listings]}
                for p in PROFILES.values()]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    print(f"{'site':32} {'family':9} {'verified':8}  evidence")
    for profile in sorted(PROFILES.values(), key=lambda p: p.name):
        flag = "yes" if profile.verified else "no"
        print(f"{profile.name:32} {profile.family:9} {flag:8}  {profile.verified_note}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from . import evaluation

    corpus = Path(args.corpus)
    if not (corpus / "gold.jsonl").is_file():
        raise UsageError(f"no gold.jsonl in corpus folder: {args.corpus}")
    columns = {"vngov": evaluation.evaluate(corpus)}
    if args.generic:
        columns["generic-only"] = evaluation.evaluate(corpus, evaluation.generic_only)
    if not args.no_baseline and (baseline := evaluation.trafilatura_extractor()):
        columns["trafilatura"] = evaluation.evaluate(corpus, baseline)
    print(evaluation.format_table(columns))
    ours = columns["vngov"]
    return 0 if all(p.passed == p.total for p in ours) or not args.strict else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vngov", description=__doc__)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--archive", metavar="DIR", help="archive folder (default data/archive or $VNGOV_ARCHIVE)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("parse", parents=[common], help="parse one article page into a JSON record")
    p.add_argument("source", metavar="FILE_OR_URL")
    p.add_argument("--url", help="the page's URL when SOURCE is a file")
    p.add_argument("--compact", action="store_true", help="one line of JSON")
    p.set_defaults(func=cmd_parse)

    p = sub.add_parser("sites", parents=[common], help="list site profiles and whether each was verified")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_sites)

    p = sub.add_parser("eval", parents=[common], help="score extraction against a corpus's gold.jsonl")
    p.add_argument("corpus", nargs="?", default="../shared/corpus")
    p.add_argument("--no-baseline", action="store_true", help="do not run trafilatura beside ours")
    p.add_argument("--generic", action="store_true", help="also score the generic extractor with profiles ignored")
    p.add_argument("--strict", action="store_true", help="exit 1 unless every check passes")
    p.set_defaults(func=cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as error:
        print(f"vngov {args.command}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
