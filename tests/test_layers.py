"""Dependencies point one way (STYLE.md): parsing is pure, the archive knows nothing of parsing,
spiders navigate and know nothing of the archive. Checked on the import statements themselves."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    """Absolute names of the modules a file imports (relative imports resolved)."""
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _files(folder: str) -> list[Path]:
    return sorted((REPO / folder).rglob("*.py"))


RULES = [
    ("scraper/archive", ("scraper.parsing", "scraper.cli", "scraper.crawl", "spiders", "pipelines", "scrapy")),
    ("scraper/parsing", ("scrapy", "twisted", "scraper.archive", "scraper.cli", "scraper.crawl", "spiders", "pipelines")),
    ("spiders", ("scraper.archive",)),
    ("pipelines", ("spiders",)),
]


@pytest.mark.parametrize("folder, forbidden", RULES, ids=[r[0] for r in RULES])
def test_layer_imports_nothing_upstream(folder, forbidden):
    broken = {f"{path.relative_to(REPO)}: {name}" for path in _files(folder) for name in _imports(path)
              if any(name == f or name.startswith(f + ".") for f in forbidden)}
    assert not broken


def test_the_record_and_its_schema_depend_on_nothing_of_ours():
    ours = ("scraper", "spiders", "pipelines")
    for name in ("items.py", "schema.py", "vietnam.py"):
        imported = {n for n in _imports(REPO / "scraper" / name) if n.split(".")[0] in ours}
        assert imported <= {"scraper.schema", "scraper.schema.SCHEMA_VERSION"}, name


def test_the_archive_writer_and_compaction_do_not_import_each_other():
    assert not any(n.startswith("scraper.archive.compact") for n in _imports(REPO / "scraper/archive/writer.py"))
    assert not any(n.startswith("scraper.archive.writer") for n in _imports(REPO / "scraper/archive/compact.py"))


def test_the_read_only_archive_imports_where_there_is_no_fcntl(tmp_path):
    # Windows has no fcntl: readers there must still load and read an archive.
    from scraper.archive import ArchiveWriter
    from tests.archive.records import make_record

    with ArchiveWriter(tmp_path) as writer:
        writer.add(make_record(1))
    code = ("import sys; sys.modules['fcntl'] = None\n"
            "from scraper.archive import Archive\n"
            f"print(sum(1 for _ in Archive({str(tmp_path)!r}).iter_articles()))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "1", result.stderr
