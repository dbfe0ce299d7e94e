"""Kill chains: a crawl killed with SIGKILL several times at random moments, then one plain run,
must give the archive an uninterrupted crawl gives (the same latest records, none twice).

    python benchmarks/kill_chain.py --trials 50 --write docs/benchmarks.md

Each trial draws its seed from the clock (or --seed): 1 to 5 kills, each at a random moment
between 5% and 95% of an uninterrupted run's duration, in runs of three mirrored sites fetched a
few requests at a time; then one plain `vngov crawl`. The reference is one uninterrupted crawl of the
same mirror. A trial fails if any article is missing, differs or is stored twice.
"""
from __future__ import annotations

import argparse
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scraper.archive import Archive  # noqa: E402
from scraper.mirror import MirrorServer, MirrorSite  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _markdown import publish  # noqa: E402

MARK_BEGIN = "<!-- kill-chain-benchmark:begin -->"
MARK_END = "<!-- kill-chain-benchmark:end -->"
SITES = ["nhandan.vn", "baochinhphu.vn", "sotttt.hanoi.gov.vn"]
SLOW = ["--fast", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "--set", "DOWNLOAD_DELAY=0.01",
        "--set", "VNGOV_COMMIT_EVERY=10", "--log-file", "-", "--log-level", "ERROR"]


def command(archive: Path, mirror: str) -> list[str]:
    return [sys.executable, "-m", "scraper", "crawl", *SITES, "--archive", str(archive), "--mirror", mirror, *SLOW]


def latest(archive: Path) -> tuple[dict[str, str], int]:
    records = list(Archive(archive).iter_articles(all_versions=True))
    return {r["id"]: r["content_hash"] for r in Archive(archive).iter_articles()}, len(records)


def trial(mirror: str, reference: dict[str, str], workdir: Path, seed: int, duration: float) -> dict:
    rng = random.Random(seed)
    archive = workdir / f"trial-{seed}"
    kills = rng.randint(1, 5)
    moments = []
    for _ in range(kills):
        moment = rng.uniform(0.05, 0.95) * duration
        process = subprocess.Popen(command(archive, mirror), cwd=REPO, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(moment)
        process.send_signal(signal.SIGKILL)
        process.wait()
        moments.append(round(moment, 1))
    before, _ = latest(archive) if archive.exists() else ({}, 0)
    final = subprocess.run(command(archive, mirror), cwd=REPO, capture_output=True, text=True)
    ours, lines = latest(archive)
    missing = len(set(reference) - set(ours))
    wrong = sum(1 for key, digest in ours.items() if reference.get(key) not in (None, digest))
    shutil.rmtree(archive, ignore_errors=True)
    return {"seed": seed, "kills": kills, "moments": moments, "archived_before": len(before),
            "status": final.returncode, "missing": missing, "wrong": wrong, "twice": lines - len(ours),
            "ok": final.returncode == 0 and missing == 0 and wrong == 0 and lines == len(ours) == len(reference)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--articles", type=int, default=150, help="articles per site")
    parser.add_argument("--seed", type=int, help="the first trial's seed (default: from the clock)")
    parser.add_argument("--write", help="markdown file whose kill-chain section is replaced")
    args = parser.parse_args()
    first = args.seed if args.seed is not None else int(time.time())
    sites = [MirrorSite(name, args.articles, seed=61 + i) for i, name in enumerate(SITES)]
    results = []
    with MirrorServer(sites) as server, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        started = time.monotonic()
        subprocess.run(command(workdir / "reference", server.url), cwd=REPO, check=True, capture_output=True)
        duration = time.monotonic() - started
        reference, _ = latest(workdir / "reference")
        for number in range(args.trials):
            result = trial(server.url, reference, workdir, first + number, duration)
            results.append(result)
            print(f"trial {number + 1}: seed {result['seed']}, {result['kills']} kills at {result['moments']} s, "
                  f"{result['archived_before']} archived before the plain run; status {result['status']}, "
                  f"missing {result['missing']}, wrong {result['wrong']}, twice {result['twice']}"
                  f"{'' if result['ok'] else '  FAILED'}", flush=True)
    failed = [r for r in results if not r["ok"]]
    kills = sum(r["kills"] for r in results)
    lines = [
        "## Kill chains",
        "",
        f"Command: `python benchmarks/kill_chain.py --trials {args.trials} --articles {args.articles}` "
        f"(seeds {first} to {first + args.trials - 1}; {len(SITES)} mirrored sites of {args.articles} articles; "
        f"Python {platform.python_version()}, {platform.machine()}).",
        "",
        f"{args.trials} trials, {kills} SIGKILLs in all (1 to 5 a trial, each 5% to 95% into a run; an uninterrupted "
        f"run takes {duration:.1f} s), each chain followed "
        f"by one plain `vngov crawl`: **{len(failed)} failed**. Articles archived when the plain run began ranged "
        f"from {min(r['archived_before'] for r in results)} to {max(r['archived_before'] for r in results)} of "
        f"{len(reference)}; after it, every trial had all {len(reference)}, none differing, none twice"
        + ("." if not failed else f", except seeds {', '.join(str(r['seed']) for r in failed)}."),
    ]
    publish(lines, MARK_BEGIN, MARK_END, args.write)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
