"""Baselines: write, then report only what is new; stable under unrelated edits; never leak secrets."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import REPO, SARIF_SCHEMA
from mcplint.baseline import BaselineError, parse_baseline
from mcplint.cli import cli

BASELINE = ".mcplint-baseline.json"
PLAINTEXT_PASSWORDS = ("analyst-2024", "Winter2024!", "Sup3r-S3cret-2024")  # in examples/


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    shutil.copytree(REPO / "examples", root)
    monkeypatch.chdir(root)
    return root


def mcplint(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def reported(result: Result) -> list[tuple[str, str]]:
    data = json.loads(result.stdout)
    return [(f["rule_id"], f["path"]) for f in data["findings"]]


def test_round_trip_only_new_findings_are_reported(project: Path) -> None:
    written = mcplint(".", "--write-baseline", BASELINE)
    assert written.exit_code == 0, written.output
    assert "mcplint: wrote 14 findings to .mcplint-baseline.json" in written.stderr
    clean = mcplint(".", "--baseline", BASELINE)
    assert clean.exit_code == 0
    assert "No new findings (9 files scanned, 14 in the baseline, 0 fixed since the baseline)." in clean.stdout  # the baseline itself is not counted

    # New problems: a new endpoint without auth whose template inserts a raw value into a string.
    (project / "sqls" / "stock.yaml").write_text(
        "url-path: /stock/\ntemplate-source: stock.sql\nrequest:\n  - field-name: sku\n    field-in: query\n"
    )
    (project / "sqls" / "stock.sql").write_text("SELECT * FROM stock WHERE sku = '{{{ params.sku }}}'\n")
    new = mcplint(".", "--baseline", BASELINE, "--format", "json")
    assert new.exit_code == 1
    assert reported(new) == [("SQLI001", "sqls/stock.sql"), ("AUTHN004", "sqls/stock.yaml")]
    summary = json.loads(new.stdout)["summary"]
    assert summary["baseline_known"] == 14 and summary["baseline_fixed"] == 0


def test_moving_lines_and_unrelated_edits_report_nothing_new(project: Path) -> None:
    assert mcplint(".", "--write-baseline", BASELINE).exit_code == 0
    for path in (project / "flapi.yaml", project / "sqls" / "orders.yaml", project / "sqls" / "customers.sql"):
        text = path.read_text()
        marker = "--" if path.suffix == ".sql" else "#"
        path.write_text(f"{marker} moved down by an unrelated edit\n\n\n" + text.replace("\n", "\n\n", 3))
    moved = mcplint(".", "--baseline", BASELINE, "--format", "json")
    assert moved.exit_code == 0, moved.stdout
    assert reported(moved) == []
    assert json.loads(moved.stdout)["summary"]["baseline_known"] == 14


def test_fixed_findings_are_counted(project: Path) -> None:
    assert mcplint(".", "--write-baseline", BASELINE).exit_code == 0
    main = project / "flapi.yaml"
    main.write_text(main.read_text() + "cors:\n  allow-origins: [https://app.example.com]  # mcplint: ignore[CORS005] -- a reverse proxy enforces the list\n")
    after = mcplint(".", "--baseline", BASELINE)
    assert after.exit_code == 0
    assert "13 in the baseline, 1 fixed since the baseline" in after.stdout


def test_a_rotated_secret_is_new_again(project: Path) -> None:
    assert mcplint(".", "--write-baseline", BASELINE).exit_code == 0
    auth = project / "sqls" / "common" / "auth.yaml"
    text = auth.read_text()
    old = next(p for p in PLAINTEXT_PASSWORDS if p in text)
    auth.write_text(text.replace(old, "another-plain-password"))
    after = mcplint(".", "--baseline", BASELINE, "--format", "json")
    assert reported(after) == [("CRED001", "sqls/common/auth.yaml")]
    assert "1 fixed since the baseline" in mcplint(".", "--baseline", BASELINE).stdout


def test_the_baseline_is_sorted_one_finding_per_line_without_positions_or_secrets(project: Path) -> None:
    assert mcplint(".", "--write-baseline", BASELINE).exit_code == 0
    text = (project / BASELINE).read_text()
    lines = [line.strip().rstrip(",") for line in text.splitlines() if line.strip().startswith('{"rule"')]
    assert len(lines) == 14
    entries = [json.loads(line) for line in lines]
    assert entries == sorted(entries, key=lambda e: tuple(str(e.get(k, "")) for k in (
        "rule", "path", "location", "identity", "value_hash", "text")))
    assert not any(key in entry for entry in entries for key in ("line", "column", "start_line", "region"))
    for password in PLAINTEXT_PASSWORDS:
        assert password not in text
    assert all(e["value_hash"].startswith("scrypt:") for e in entries if e["rule"].startswith("CRED"))
    # Writing again gives the same bytes (no timestamps).
    assert mcplint(".", "--write-baseline", "again.json").exit_code == 0
    assert (project / "again.json").read_text() == text


def test_the_baseline_file_in_the_tree_is_not_scanned(project: Path) -> None:
    assert mcplint(".", "--write-baseline", BASELINE).exit_code == 0
    run = mcplint(".", "--format", "json")
    assert BASELINE not in {path for _, path in reported(run)}


def test_sarif_marks_listed_results_as_new(project: Path) -> None:
    import jsonschema

    assert mcplint(".", "--write-baseline", BASELINE).exit_code == 0
    (project / "sqls" / "customers.sql").write_text("SELECT * FROM c WHERE n = '{{{ params.name }}}' OR 1 = 1\n")
    sarif = json.loads(mcplint(".", "--baseline", BASELINE, "--format", "sarif").stdout)
    jsonschema.validate(sarif, json.loads(SARIF_SCHEMA.read_text()))
    results = sarif["runs"][0]["results"]
    assert results and {r["baselineState"] for r in results} == {"new"}
    plain = json.loads(mcplint(".", "--format", "sarif").stdout)
    assert all("baselineState" not in r for r in plain["runs"][0]["results"])


def test_duplicates_are_counted(project: Path) -> None:
    assert mcplint(".", "--write-baseline", BASELINE).exit_code == 0
    data = json.loads((project / BASELINE).read_text())
    limit = [e for e in data["findings"] if e["rule"] == "LIMIT001"]
    assert len(limit) == 3 and all(e["count"] == 1 for e in limit)
    entry = data["findings"][0]
    parsed = parse_baseline(json.dumps({"mcplint_baseline": 1, "findings": [{**entry, "count": 2}]}), "b")
    assert sum(parsed.values()) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not a JSON baseline"),
        ("[]", "not an mcplint baseline"),
        ('{"mcplint_baseline": 9, "findings": []}', "version 9 is not supported"),
        ('{"mcplint_baseline": 1, "findings": {}}', "`findings` must be a list"),
        ('{"mcplint_baseline": 1, "findings": [{"rule": 1, "path": "x"}]}', "finding 1 is malformed"),
        ('{"mcplint_baseline": 1, "findings": [{"rule": "A", "path": "x", "line": 3}]}', "finding 1 is malformed"),
        ('{"mcplint_baseline": 1, "findings": [{"rule": "A", "path": "x", "count": 0}]}', "invalid count"),
    ],
)
def test_a_broken_baseline_is_a_usage_error(project: Path, content: str, message: str) -> None:
    (project / "broken.json").write_text(content)
    with pytest.raises(BaselineError, match=message):
        parse_baseline(content, "broken.json")
    result = mcplint(".", "--baseline", "broken.json")
    assert result.exit_code == 2 and message in result.stderr


def test_a_missing_baseline_says_how_to_create_it(project: Path) -> None:
    result = mcplint(".", "--baseline", "nope.json")
    assert result.exit_code == 2
    assert "baseline file not found: nope.json (create it with --write-baseline nope.json)" in result.stderr


def test_write_baseline_refuses_symlinks_and_scanned_files(project: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep\n")
    (project / "link.json").symlink_to(victim)
    result = mcplint(".", "--write-baseline", "link.json")
    assert result.exit_code == 2 and "through a symlink" in result.stderr
    assert victim.read_text() == "keep\n"
    result = mcplint(".", "--write-baseline", "flapi.yaml")
    assert result.exit_code == 2 and "refusing to overwrite a scanned file" in result.stderr
