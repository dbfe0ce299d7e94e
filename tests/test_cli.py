import json
import subprocess
import sys
from pathlib import Path

FIXTURE = Path(__file__).parent / "parsing" / "fixtures" / "detail_family" / "page.html"


def vngov(*args, env=None):
    return subprocess.run([sys.executable, "-m", "scraper", *args], capture_output=True, text=True, env=env)


def test_parse_prints_one_utf8_record():
    url = "https://baochinhphu.vn/thu-tuong-chu-tri-hoi-nghi-truc-tuyen-102260305153412345.htm"
    result = vngov("parse", str(FIXTURE), "--url", url, "--compact")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 1
    record = json.loads(result.stdout)
    assert record["title"] == "Thủ tướng chủ trì hội nghị trực tuyến với các địa phương"
    assert "Thủ tướng" in result.stdout  # not ASCII-escaped


def test_parse_missing_file_is_a_usage_error():
    result = vngov("parse", "no/such/page.html")
    assert result.returncode == 2
    assert result.stderr.strip() == "vngov parse: no such file: no/such/page.html"


def test_parse_with_a_malformed_url_is_a_usage_error():
    result = vngov("parse", str(FIXTURE), "--url", "http://[baochinhphu.vn/a.htm")
    assert result.returncode == 2
    assert result.stderr.strip() == "vngov parse: --url 'http://[baochinhphu.vn/a.htm' is not an http(s) URL"


def test_sites_lists_profiles_with_verified_flag():
    result = vngov("sites")
    assert result.returncode == 0
    line = next(l for l in result.stdout.splitlines() if l.startswith("baochinhphu.vn"))
    assert " yes " in line
    assert any(l.startswith("qdnd.vn") and " no " in l for l in result.stdout.splitlines())


def test_eval_on_missing_corpus_is_a_usage_error(tmp_path):
    result = vngov("eval", str(tmp_path))
    assert result.returncode == 2 and "no gold.jsonl" in result.stderr


def test_argument_mistakes_are_one_line_and_status_2():
    for args in (["export", "--bogus"], ["crawl", "--max-articles", "x"], ["nosuchcommand"]):
        result = vngov(*args)
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_version():
    result = vngov("--version")
    assert result.returncode == 0 and result.stdout.strip() == "vngov 0.1.0"
