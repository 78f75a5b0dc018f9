"""The engine: selection, suppressions, internal errors, de-duplication, order, fingerprints."""

from __future__ import annotations

import dataclasses

import pytest

from mcplint.api import lint
from mcplint.config import Config
from mcplint.engine.registry import Registry, SelectorError, default_registry
from mcplint.engine.rule import Finding, Level
from mcplint.engine.runner import EngineSettings
from mcplint.model import Target
from mcplint.rules.cors import flapi_default_origin

from conftest import found, run_lint, write_tree

MAIN_WILDCARD = "template:\n  path: ./sqls\ncors:\n  allow-origins:\n    - '*'{comment}\n"
PLAINTEXT_ENDPOINT = """\
url-path: /orders/
auth:
  enabled: true
  type: basic
  users:
    - username: a
      password: plain-one{c1}
    - username: b
      password: plain-two{c2}
"""


def project(tmp_path, comment="", c1="", c2="", extra=None):
    files = {
        "flapi.yaml": MAIN_WILDCARD.format(comment=comment),
        "sqls/orders.yaml": PLAINTEXT_ENDPOINT.format(c1=c1, c2=c2),
    }
    files.update(extra or {})
    return write_tree(tmp_path, files)


# ------------------------------------------------------------------ selection


def test_selectors_by_id_prefix_name_category_and_all(registry: Registry) -> None:
    assert registry.resolve("CORS001") == {"CORS001"}
    assert registry.resolve("cors001") == {"CORS001"}
    assert registry.resolve("CORS") == {"CORS001", "CORS002", "CORS003", "CORS004", "CORS005"}
    assert registry.resolve("plaintext-basic-auth-password") == {"CRED001"}
    assert registry.resolve("weak-credential") == {"CRED001", "CRED002", "CRED003", "CRED004"}
    assert registry.resolve("ALL") == {r.id for r in registry.rules}
    with pytest.raises(SelectorError):
        registry.resolve("NOPE")
    with pytest.raises(SelectorError):
        registry.resolve("1")


def test_select_ignore_extend(registry: Registry) -> None:
    ids = lambda rules: [r.id for r in rules]  # noqa: E731
    assert ids(registry.select(["CORS"], ["CORS003", "CORS004"])) == ["CORS001", "CORS002", "CORS005"]
    assert ids(registry.select(["CORS001"], [], extend=["CRED001"])) == ["CORS001", "CRED001"]
    assert ids(registry.select(["CORS001"], ["CORS"], extend=["CORS002"])) == []


def test_registry_rejects_an_incomplete_rule() -> None:
    broken = dataclasses.replace(flapi_default_origin.RULE, name="Not Kebab")
    with pytest.raises(ValueError, match="kebab"):
        Registry((broken,))
    with pytest.raises(ValueError, match="duplicate rule id"):
        Registry((flapi_default_origin.RULE, flapi_default_origin.RULE))


# --------------------------------------------------------------- suppressions


def test_trailing_suppression_with_reason_silences_its_line(tmp_path) -> None:
    project(tmp_path, comment="  # mcplint: ignore[CORS001] -- public open-data API")
    run = run_lint(tmp_path)
    assert ("flapi.yaml", 5, "CORS001") not in found(run)
    assert run.report.suppressed == 1
    assert not any(r.rule.id.startswith("CFG1") for r in run.report.results)


def test_suppression_by_rule_name_and_several_rules(tmp_path) -> None:
    project(tmp_path, c1="  # mcplint: ignore[plaintext-basic-auth-password, CORS001] -- test account")
    run = run_lint(tmp_path)
    rules_on_line_7 = {
        r.rule.id for r in run.report.results if r.span.path == "sqls/orders.yaml" and r.span.start_line == 7
    }
    assert "CRED001" not in rules_on_line_7
    # CORS001 reports nothing on that line, so that part of the suppression is unused.
    assert "CFG102" in rules_on_line_7
    assert ("sqls/orders.yaml", 9, "CRED001") in found(run)


def test_comment_line_suppression_covers_the_next_code_line(tmp_path) -> None:
    write_tree(
        tmp_path,
        {
            "flapi.yaml": (
                "template:\n  path: ./sqls\ncors:\n  allow-origins:\n"
                "    # mcplint: ignore[CORS001] -- demo server on localhost only\n"
                "    # (another comment line between)\n\n"
                "    - '*'\n"
                "    - '*'\n"
                "project-name: demo\nproject-description: Demo\n"
            )
        },
    )
    run = run_lint(tmp_path, select=["cors", "config-error"])
    assert found(run) == {("flapi.yaml", 9, "CORS001")}


def test_file_wide_suppression(tmp_path) -> None:
    project(tmp_path, extra={"sqls/orders.yaml": "# mcplint: ignore-file[CRED001] -- fixture for a training course\n"
                                                 + PLAINTEXT_ENDPOINT.format(c1="", c2="")})
    run = run_lint(tmp_path)
    assert not [r for r in run.report.results if r.rule.id == "CRED001"]
    assert run.report.suppressed == 2


def test_suppression_without_reason_still_applies_but_is_reported(tmp_path) -> None:
    project(tmp_path, comment="  # mcplint: ignore[CORS001]")
    run = run_lint(tmp_path)
    assert ("flapi.yaml", 5, "CORS001") not in found(run)
    assert ("flapi.yaml", 5, "CFG101") in found(run)
    (finding,) = [r for r in run.report.results if r.rule.id == "CFG101"]
    assert (finding.span.start_col, finding.span.end_col) == (14, 38)  # `mcplint: ignore[CORS001]`


def test_unknown_rule_and_blanket_suppressions_are_invalid(tmp_path) -> None:
    project(tmp_path, comment="  # mcplint: ignore[CORS999] -- typo", c1="  # mcplint: ignore -- everything")
    run = run_lint(tmp_path)
    invalid = {(r.span.path, r.span.start_line): r.message for r in run.report.results if r.rule.id == "CFG103"}
    assert "unknown rule `CORS999`" in invalid[("flapi.yaml", 5)]
    assert "names no rules" in invalid[("sqls/orders.yaml", 7)]
    assert ("flapi.yaml", 5, "CORS001") in found(run)  # nothing was silenced
    assert ("sqls/orders.yaml", 7, "CRED001") in found(run)


def test_unused_suppression_is_not_judged_for_rules_that_did_not_run(tmp_path) -> None:
    project(tmp_path, c1="  # mcplint: ignore[CORS002] -- not selected in this run")
    assert "CFG102" not in {r.rule.id for r in run_lint(tmp_path, select=["CRED", "CFG"]).report.results}
    assert "CFG102" in {r.rule.id for r in run_lint(tmp_path).report.results}


def test_suppression_text_inside_a_quoted_value_is_not_a_comment(tmp_path) -> None:
    project(tmp_path, extra={"sqls/orders.yaml": PLAINTEXT_ENDPOINT.format(
        c1="", c2="").replace("password: plain-one", "password: 'x # mcplint: ignore[CRED001] -- sneaky'")})
    run = run_lint(tmp_path)
    assert ("sqls/orders.yaml", 7, "CRED001") in found(run)
    assert run.report.suppressed == 0


def test_sql_comment_suppressions_are_parsed(tmp_path) -> None:
    from mcplint.engine.suppressions import parse_suppressions
    from mcplint.source import source_from_text

    source = source_from_text(
        "q.sql",
        "-- mcplint: ignore[CRED001] -- reason one\nSELECT 1 /* mcplint: ignore[CORS001] -- reason two */\n",
    )
    first, second = parse_suppressions(source)
    assert (first.line, first.tokens, first.reason) == (2, ("CRED001",), "reason one")
    assert (second.line, second.tokens, second.reason) == (2, ("CORS001",), "reason two")


# --------------------------------------------------------------- robustness


def test_a_failing_rule_becomes_an_internal_error_and_the_others_still_run(tmp_path) -> None:
    project(tmp_path)

    def explode(_unit):
        raise KeyError("hunter2-must-not-leak")

    broken = dataclasses.replace(
        flapi_default_origin.RULE, id="CORS099", name="exploding-rule", check=explode, target=Target.ENDPOINT
    )
    registry = Registry(default_registry().rules + (broken,))
    rules = registry.select(None)
    run = lint([tmp_path], tmp_path, Config(), registry, rules, EngineSettings())
    errors = [r for r in run.report.results if r.rule.id == "CFG900"]
    assert len(errors) == 1
    assert errors[0].span.path == "sqls/orders.yaml"
    assert "CORS099" in errors[0].message and "KeyError" in errors[0].message
    assert "hunter2" not in errors[0].message
    assert ("flapi.yaml", 5, "CORS001") in found(run)
    assert run.report.internal_errors == 1


# ------------------------------------------------- dedupe, order, fingerprints


def test_endpoint_shared_by_two_projects_is_reported_once(tmp_path) -> None:
    project(tmp_path, extra={"flapi-test.yaml": MAIN_WILDCARD.format(comment="")})
    run = run_lint(tmp_path)
    cred = [r for r in run.report.results if r.rule.id == "CRED001"]
    assert [(r.span.start_line) for r in cred] == [7, 9]


def test_results_are_sorted_by_path_line_column_rule(tmp_path) -> None:
    project(tmp_path)
    results = run_lint(tmp_path).report.results
    keys = [(r.span.path, r.span.start_line, r.span.start_col, r.rule.id) for r in results]
    assert keys == sorted(keys)


def test_fingerprint_survives_moving_lines_but_not_changing_the_finding(tmp_path) -> None:
    project(tmp_path)
    before = {r.rule.id + r.finding.logical_location: r.fingerprint for r in run_lint(tmp_path).report.results}
    main = tmp_path / "flapi.yaml"
    main.write_text("# a new comment\n\n" + main.read_text())
    moved = run_lint(tmp_path).report.results
    after = {r.rule.id + r.finding.logical_location: r.fingerprint for r in moved}
    assert before == after
    assert any(r.span.start_line == 7 and r.rule.id == "CORS001" for r in moved)
    endpoint = tmp_path / "sqls/orders.yaml"
    endpoint.write_text(endpoint.read_text().replace("username: a\n", "username: renamed\n").replace(
        "    - username: a", "    - username: c"))
    fingerprints = [r.fingerprint for r in run_lint(tmp_path).report.results]
    assert len(set(fingerprints)) == len(fingerprints)


def test_per_file_ignores_and_level_overrides(tmp_path) -> None:
    project(tmp_path)
    config = Config(per_file_ignores={"sqls/**": ["CRED001"]}, levels={"CORS001": "note"})
    run = run_lint(tmp_path, config=config)
    assert not [r for r in run.report.results if r.rule.id == "CRED001"]
    (cors,) = [r for r in run.report.results if r.rule.id == "CORS001"]
    assert cors.level is Level.NOTE


def test_findings_outside_the_given_files_are_not_reported(tmp_path) -> None:
    project(tmp_path)
    run = run_lint(tmp_path, paths=["sqls/orders.yaml"], select=["CORS", "CRED"])
    assert {p for p, _, _ in found(run)} == {"sqls/orders.yaml"}
    assert {r.rule.id for r in run.report.results} == {"CRED001"}


def test_finding_contract_defaults() -> None:
    finding = Finding(span=None, message="m")  # type: ignore[arg-type]
    assert (finding.level, finding.secret, finding.related) == (None, False, ())


def test_a_fragment_included_twice_is_one_finding_with_both_include_sites(tmp_path) -> None:
    endpoint = "url-path: /{name}/\n{{{{include:request from common.yaml}}}}\n{{{{include:auth from common.yaml}}}}\n"
    write_tree(
        tmp_path,
        {
            "flapi.yaml": "template:\n  path: ./sqls\n",
            "sqls/a.yaml": endpoint.format(name="a"),
            "sqls/b.yaml": "# b\n" + endpoint.format(name="b"),
            "sqls/common.yaml": (
                "request: []\nauth:\n  enabled: true\n  type: basic\n  users:\n"
                "    - username: shared\n      password: shared-secret\n"
            ),
        },
    )
    run = run_lint(tmp_path, select=["CRED001"])
    (result,) = run.report.results
    assert (result.span.path, result.span.start_line) == ("sqls/common.yaml", 7)
    sites = [(r.span.path, r.span.start_line, r.span.start_col) for r in result.finding.related]
    assert sites == [("sqls/a.yaml", 3, 1), ("sqls/b.yaml", 4, 1)]  # the auth includes, not the request ones


@pytest.mark.parametrize("name", [".env", ".env.local", "settings.toml"])
def test_suppressions_in_toml_and_env_files(tmp_path, name) -> None:
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    line = f'GITHUB_TOKEN = "{token}"' if name.endswith(".toml") else f"GITHUB_TOKEN={token}"
    write_tree(tmp_path, {name: f"{line}  # mcplint: ignore[SEC001] -- revoked test token, kept for the fixture\n"})
    run = run_lint(tmp_path, select=["SEC001", "CFG"])
    assert run.report.results == []
    assert run.report.suppressed == 1


# ------------------------------------------------------------------ limits


def test_a_rule_lists_at_most_the_limit_per_unit_and_never_computes_the_rest(tmp_path) -> None:
    from mcplint.engine import checks
    from mcplint.span import Span

    project(tmp_path)
    produced: list[int] = []

    def flood(unit):
        for i in range(5000):
            produced.append(i)
            yield Finding(Span(unit.unit_path, 1, 1, 1, 2, 0, 1), f"problem {i:05d}", identity=str(i))

    noisy = dataclasses.replace(
        flapi_default_origin.RULE, id="CORS098", name="noisy-rule", check=flood, target=Target.ENDPOINT
    )
    registry = Registry(default_registry().rules + (noisy,))
    run = lint([tmp_path], tmp_path, Config(), registry, [noisy], EngineSettings())
    listed = [r for r in run.report.results if r.rule.id == "CORS098"]
    assert len(listed) == checks.MAX_FINDINGS_PER_UNIT + 1
    assert len(produced) == checks.MAX_FINDINGS_PER_UNIT + 1  # the generator was not run to its end
    overflow = [r for r in listed if r.finding.identity == "more"]
    assert len(overflow) == 1
    assert overflow[0].message == (
        f"CORS098 found more than {checks.MAX_FINDINGS_PER_UNIT} problems here; the rest are not listed "
        "(fix these and run again)"
    )


def test_many_suppressions_are_matched_by_line(tmp_path) -> None:
    lines = ["url-path: /many/", "template-source: many.sql", "auth:", "  enabled: true", "  type: basic", "  users:"]
    for i in range(150):
        lines += [f"    - username: u{i}", f"      password: plain-{i}-password  # mcplint: ignore[CRED001] -- fixture"]
    write_tree(tmp_path, {"flapi.yaml": "template:\n  path: sqls\ncors:\n  allow-origins: [https://a.example]\n",
                          "sqls/many.yaml": "\n".join(lines) + "\n", "sqls/many.sql": "SELECT 1\n"})
    run = run_lint(tmp_path, select=["CRED001", "CFG102"])
    assert run.report.suppressed == 150
    assert [r.rule.id for r in run.report.results] == []
