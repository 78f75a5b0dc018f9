"""Reporters: exact text layout, JSON and SARIF validity, GitHub annotations, redaction, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from mcplint.engine.rule import Finding
from mcplint.engine.runner import Report, Result
from mcplint.reporters import get_reporter
from mcplint.reporters.line_hash import line_hashes
from mcplint.reporters.safe_text import printable
from mcplint.schemas import load_schema
from mcplint.source import source_from_text

from conftest import SARIF_SCHEMA, run_lint, write_tree

PASSWORDS = ("hunter2-hunter2", "Winter2024!", "9e107d9d372bb6826bd81d3542a419d6", "${ADMIN_PW}")


@pytest.fixture()
def insecure(tmp_path: Path) -> Path:
    return write_tree(
        tmp_path,
        {
            "flapi.yaml": (
                "template:\n  path: ./sqls\n"
                "auth:\n  users:\n    - username: admin\n      password: '${ADMIN_PW}'\n"
                "mcp:\n  auth:\n    enabled: true\n    type: basic\n    users:\n"
                "      - {username: bot, password: 9e107d9d372bb6826bd81d3542a419d6}\n"
            ),
            "sqls/orders.yaml": (
                "url-path: /orders/\n{{include:auth from auth.yaml}}\n"
                "mcp-tool:\n  name: orders\n  description: Orders\n"
            ),
            "sqls/auth.yaml": (
                "auth:\n  enabled: true\n  type: basic\n  users:\n"
                "    - username: a\n      password: hunter2-hunter2\n"
                "    - {username: b, password: Winter2024!}\n"
            ),
        },
    )


def render(run, fmt: str, **options) -> str:
    return get_reporter(fmt)(run.report, **options)


def test_text_layout_excerpt_caret_and_summary(insecure: Path) -> None:
    text = render(run_lint(insecure, select=["CORS", "CRED"]), "text")
    lines = text.splitlines()
    head = "sqls/auth.yaml:6:17: CRED001 error basic-auth user `a` in `auth` has a plaintext password (15 characters)"
    index = next(i for i, line in enumerate(lines) if line.startswith(head))
    assert lines[index + 1 : index + 4] == [
        "  |",
        "6 |       password: ***************",
        "  |                 ^^^^^^^^^^^^^^^",
    ]
    assert lines[-1] == "Found 5 findings (4 errors, 1 warning) in 2 files (3 files scanned)."
    assert "\033[" not in text


def test_text_masks_every_secret_on_a_line_with_two(insecure: Path) -> None:
    text = render(run_lint(insecure), "text")
    assert "    - {username: b, password: ***********}" in text


def test_colour_only_when_asked(insecure: Path) -> None:
    run = run_lint(insecure)
    assert "\033[1;31mCRED001\033[0m" in render(run, "text", colour=True)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_no_secret_value_in_any_format(insecure: Path, fmt: str) -> None:
    output = render(run_lint(insecure), fmt)
    for secret in PASSWORDS:
        assert secret not in output
    assert "CRED00" in output


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_output_is_byte_identical_across_runs(insecure: Path, fmt: str) -> None:
    assert render(run_lint(insecure), fmt) == render(run_lint(insecure), fmt)


def test_json_report_validates_against_its_schema(insecure: Path) -> None:
    document = json.loads(render(run_lint(insecure, select=["CORS", "CRED"]), "json"))
    schema = load_schema("report.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(document)
    first = next(f for f in document["findings"] if f["rule_id"] == "CRED003")
    assert first["path"] == "flapi.yaml"
    assert first["region"] == {"start_line": 6, "start_column": 17, "end_line": 6, "end_column": 30}
    assert document["summary"]["findings"] == len(document["findings"]) == 5


def _sarif(run) -> dict:
    return json.loads(render(run, "sarif"))


def test_sarif_validates_against_the_sarif_schema(insecure: Path) -> None:
    # The schema's `uri` formats are only checked when a URI validator is installed (test extra).
    assert {"uri", "uri-reference"} <= set(jsonschema.Draft7Validator.FORMAT_CHECKER.checkers)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(_sarif(run_lint(insecure)))]
    assert errors == []


def test_sarif_carries_what_github_code_scanning_needs(insecure: Path) -> None:
    run = run_lint(insecure)
    log = _sarif(run)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    (sarif_run,) = log["runs"]
    driver = sarif_run["tool"]["driver"]
    assert driver["name"] == "mcplint" and driver["version"] and driver["informationUri"].startswith("https://")
    rule_ids = [r["id"] for r in driver["rules"]]
    assert rule_ids == [r.id for r in run.report.rules]
    for descriptor in driver["rules"]:
        props = descriptor["properties"]
        assert "security" in props["tags"]
        assert isinstance(props["security-severity"], str) and 0.1 <= float(props["security-severity"]) <= 10
        assert props["precision"] in ("very-high", "high", "medium", "low")
        assert descriptor["shortDescription"]["text"] and descriptor["fullDescription"]["text"]
        assert descriptor["help"]["text"] and descriptor["help"]["markdown"].startswith("# ")
        assert descriptor["helpUri"].endswith(f"/docs/rules/{descriptor['id']}.md")
        assert descriptor["defaultConfiguration"]["level"] in ("error", "warning", "note")
    cred001 = next(d for d in driver["rules"] if d["id"] == "CRED001")
    assert {"external/cwe/cwe-256", "external/cwe/cwe-798"} <= set(cred001["properties"]["tags"])
    assert sarif_run["originalUriBaseIds"]["%SRCROOT%"]
    assert sarif_run["automationDetails"]["id"] == "mcplint/"
    assert sarif_run["columnKind"] == "unicodeCodePoints"
    for result in sarif_run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")  # explicit, also for warnings
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert set(location["region"]) == {"startLine", "startColumn", "endLine", "endColumn"}
        source = run.report.sources[location["artifactLocation"]["uri"]]
        expected_hash = line_hashes(source.hash_text)[location["region"]["startLine"]]
        assert result["partialFingerprints"]["primaryLocationLineHash"] == expected_hash
        assert result["partialFingerprints"]["mcplint/v1"]
    warning = next(r for r in sarif_run["results"] if r["ruleId"] == "CORS002")
    assert warning["level"] == "warning"


def test_sarif_points_included_secrets_at_the_fragment_with_the_include_site(insecure: Path) -> None:
    result = next(
        r for r in _sarif(run_lint(insecure))["runs"][0]["results"]
        if r["ruleId"] == "CRED001" and r["locations"][0]["physicalLocation"]["region"]["startLine"] == 6
    )
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 6, "startColumn": 17, "endLine": 6, "endColumn": 32}
    related = result["relatedLocations"][0]["physicalLocation"]
    assert related["artifactLocation"]["uri"] == "sqls/orders.yaml"
    assert related["region"]["startLine"] == 2


def test_sarif_category_option(insecure: Path) -> None:
    log = json.loads(render(run_lint(insecure), "sarif", category="mcp/flapi"))
    assert log["runs"][0]["automationDetails"]["id"] == "mcp/flapi/"


def test_sarif_for_a_clean_tree_has_an_empty_result_list(tmp_path: Path) -> None:
    write_tree(tmp_path, {"flapi.yaml": "template:\n  path: ./sqls\ncors:\n  allow-origins: [https://a.example]  # mcplint: ignore[CORS005] -- a reverse proxy enforces the list\n"
                          "http-host: 127.0.0.1\n"
                          "project-name: demo\nproject-description: Demo\n"})
    assert _sarif(run_lint(tmp_path))["runs"][0]["results"] == []


def test_github_annotations(insecure: Path) -> None:
    lines = render(run_lint(insecure, select=["CORS", "CRED"]), "github").splitlines()
    assert lines[1] == (
        "::error file=flapi.yaml,line=6,col=17,endLine=6,endColumn=30,"
        "title=CRED003 unexpanded-password-variable::basic-auth user `admin` in `auth` has a password "
        "written as a shell-style `${…}` reference, which flAPI never expands: the password is that literal "
        "text, known to anyone who reads this file; write `{{env.NAME}}` instead"
    )
    assert any(line.startswith("::warning file=flapi.yaml,line=1,col=1,") for line in lines)


def _report_with_message(message: str, path: str = "a, b:c.yaml") -> Report:
    from mcplint.engine.meta_rules import INVALID_SUPPRESSION
    from mcplint.engine.rule import Level

    source = source_from_text(path, "key: value\n")
    finding = Finding(span=source.span(0, 3), message=message)
    result = Result(INVALID_SUPPRESSION, finding, Level.NOTE, "0" * 32 + ":1")
    return Report(Path("."), [result], [INVALID_SUPPRESSION], {path: source}, set(), 1)


def test_github_escaping_of_data_and_properties() -> None:
    output = get_reporter("github")(_report_with_message("50% done\nnext line\r"))
    assert output == (
        "::notice file=a%2C b%3Ac.yaml,line=1,col=1,endLine=1,endColumn=4,"
        "title=CFG103 invalid-suppression::50%25 done\ufffdnext line\ufffd\n"
    )


def test_hostile_control_characters_never_reach_the_terminal() -> None:
    text = get_reporter("text")(_report_with_message("evil \x1b[2J\u202e text"))
    assert "\x1b[2J" not in text and "\u202e" not in text
    # Line breaks too: every printed piece is one line (a CI log line starting with `::` is a command).
    assert printable("a\tb\nc\x07\u200b\U000e0041\u2028") == "a\tb\ufffdc\ufffd\ufffd\ufffd\ufffd"
