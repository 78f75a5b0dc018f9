"""Endpoint files the result cache vouches for are not parsed, and the report stays the same bytes.

After one endpoint file changed, a run parses that file (and what depends on it)
and takes every other endpoint file's findings and facts from the cache
(``model/cached.py``). Each test compares the cached run with a run without the
cache, and checks which files were parsed: a voucher that is not used, or one
used when what it rests on changed, fails here.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from mcplint.engine import result_cache
from mcplint.mention_index import CACHE_DIR
from mcplint.model import builder
from test_result_cache import _write, lint_output


@pytest.fixture(autouse=True)
def cache_fresh_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test files are seconds old; let the cache keep them (the racy rule has its own test)."""
    monkeypatch.setattr(result_cache, "RACY_NS", -(10**18))


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The YAML files each run parses (in order, one entry per parse)."""
    seen: list[str] = []
    original = builder._Builder._parsed

    def spy(self, path, rel, source, budget=None):  # type: ignore[no-untyped-def]
        seen.append(rel)
        return original(self, path, rel, source, budget)

    monkeypatch.setattr(builder._Builder, "_parsed", spy)
    return seen


MAIN = (
    "project-name: p\nproject-description: P\ntemplate:\n  path: sqls\n  environment-whitelist: ['^PW$']\n"
    "cors:\n  allow-origins: ['*']\n"
)


def _project(root: Path, endpoints: int = 6) -> Path:
    _write(root / "flapi.yaml", MAIN)
    _write(root / "sqls/common/auth.yaml", "auth:\n  enabled: true\n  type: basic\n  users:\n    - username: u\n"
                                           "      password: hunter2hunter2\n")
    for i in range(endpoints):
        include = "{{include:auth from common/auth.yaml}}\n" if i % 2 == 0 else ""
        _write(root / f"sqls/e{i}.yaml", (
            f"url-path: /e{i}/\nmcp-tool:\n  name: tool_{i}\n  description: Reads orders of kind {i}.\n"
            f"request:\n  - field-name: q\n    field-in: query\n    description: the query\n{include}"
            f"connection: ['{{{{env.DB_{i}}}}}']\ntemplate-source: e{i}.sql\n"
        ))
        _write(root / f"sqls/e{i}.sql", f"SELECT * FROM t{i} WHERE q = '{{{{{{ params.q }}}}}}'\n")
    return root


def _agree(root: Path, parsed: list[str]) -> tuple[str, set[str]]:
    """The cached run's output (checked against an uncached run) and the endpoint files it parsed."""
    parsed.clear()
    cached = lint_output(root)
    parsed_by_cached_run = _endpoint_yaml(parsed)
    assert cached == lint_output(root, cached=False)
    return cached, parsed_by_cached_run


def _endpoint_yaml(parsed: list[str]) -> set[str]:
    return {rel for rel in parsed if rel.startswith("sqls/e") and rel.endswith(".yaml")}


def test_after_one_edit_only_that_endpoint_file_is_parsed(tmp_path: Path, parsed: list[str]) -> None:
    root = _project(tmp_path / "p")
    lint_output(root)
    _write(root / "sqls/e3.yaml", (root / "sqls/e3.yaml").read_text().replace("kind 3", "kind three"))
    cached, files = _agree(root, parsed)
    assert files == {"sqls/e3.yaml"}
    # The findings of the files not parsed (CFG017 on each `{{env.DB_i}}`) are in the report.
    findings = json.loads(cached)["findings"]
    assert {f["path"] for f in findings if f["rule_id"] == "CFG017"} == {f"sqls/e{i}.yaml" for i in range(6)}


def test_an_edited_template_has_only_its_endpoint_parsed(tmp_path: Path, parsed: list[str]) -> None:
    root = _project(tmp_path / "p")
    lint_output(root)
    _write(root / "sqls/e1.sql", "SELECT * FROM t1 WHERE q = {{ params.q }}\n")
    _, files = _agree(root, parsed)
    assert files == {"sqls/e1.yaml"}


def test_an_edited_fragment_has_the_files_that_include_it_parsed(tmp_path: Path, parsed: list[str]) -> None:
    root = _project(tmp_path / "p")
    lint_output(root)
    _write(root / "sqls/common/auth.yaml", "auth:\n  enabled: true\n  type: basic\n  users:\n    - username: u\n"
                                           "      password: '{{env.PW}}'\n")
    _, files = _agree(root, parsed)
    assert files == {"sqls/e0.yaml", "sqls/e2.yaml", "sqls/e4.yaml"}


def test_a_changed_main_config_has_every_endpoint_parsed(tmp_path: Path, parsed: list[str]) -> None:
    root = _project(tmp_path / "p")
    lint_output(root)
    _write(root / "flapi.yaml", MAIN.replace("'^PW$'", "'^PW$', '^DB_[0-9]+$'"))
    cached, files = _agree(root, parsed)
    assert files == {f"sqls/e{i}.yaml" for i in range(6)}
    assert "CFG017" not in {f["rule_id"] for f in json.loads(cached)["findings"]}


def test_a_renamed_tool_has_the_files_with_descriptions_parsed_again(tmp_path: Path, parsed: list[str]) -> None:
    """Descriptions are judged against every tool name (POIS shadowing): a new name re-judges them."""
    root = _project(tmp_path / "p")
    lint_output(root)
    _write(root / "sqls/e5.yaml", (root / "sqls/e5.yaml").read_text().replace("tool_5", "tool_e5"))
    _, files = _agree(root, parsed)
    assert files == {f"sqls/e{i}.yaml" for i in range(6)}


def test_a_new_duplicate_route_is_reported_against_a_file_not_parsed(tmp_path: Path, parsed: list[str]) -> None:
    root = _project(tmp_path / "p")
    lint_output(root)
    _write(root / "sqls/z.yaml", "url-path: /e2/\ntemplate-source: e2.sql\n")
    cached, files = _agree(root, parsed)
    assert "sqls/e2.yaml" not in files
    duplicates = [f for f in json.loads(cached)["findings"] if f["rule_id"] == "CFG016"]
    assert [(f["path"], f["related_locations"][0]["path"]) for f in duplicates] == [("sqls/z.yaml", "sqls/e2.yaml")]


def test_a_file_another_one_starts_to_include_is_parsed(tmp_path: Path, parsed: list[str]) -> None:
    root = _project(tmp_path / "p")
    lint_output(root)
    _write(root / "sqls/z.yaml", "{{include from e1.yaml}}\n")
    _, files = _agree(root, parsed)
    assert "sqls/e1.yaml" in files


def test_a_deleted_template_has_its_endpoint_parsed(tmp_path: Path, parsed: list[str]) -> None:
    root = _project(tmp_path / "p")
    lint_output(root)
    (root / "sqls/e4.sql").unlink()
    _, files = _agree(root, parsed)
    assert files == {"sqls/e4.yaml"}


def test_shell_references_and_secrets_of_files_not_parsed_are_reported_and_masked(
    tmp_path: Path, parsed: list[str]
) -> None:
    root = _project(tmp_path / "p")
    _write(root / "sqls/e1.yaml", (root / "sqls/e1.yaml").read_text().replace(
        "url-path: /e1/", "url-path: /v1/${TENANT}/e1\nauth:\n  enabled: true\n  type: basic\n  users:\n"
        "    - username: admin\n      password: Sup3rS3cretPassw0rd!"))
    lint_output(root)
    _write(root / "sqls/e3.yaml", (root / "sqls/e3.yaml").read_text().replace("kind 3", "kind three"))
    for output_format in ("text", "sarif"):
        parsed.clear()
        cached = lint_output(root, output_format=output_format)
        assert "sqls/e1.yaml" not in parsed
        assert cached == lint_output(root, cached=False, output_format=output_format)
        assert "Sup3rS3cretPassw0rd" not in cached
    assert "CFG018" in lint_output(root)


def test_a_forged_voucher_is_ignored(tmp_path: Path, parsed: list[str]) -> None:
    root = _project(tmp_path / "p")
    lint_output(root)
    cache_file = root / CACHE_DIR / result_cache.CACHE_FILE
    data = json.loads(cache_file.read_text())
    data["files"]["sqls/e1.yaml"]["voucher"]["facts"] = {"path": 1}
    data["files"]["sqls/e3.yaml"]["voucher"]["counts"] = {"model-text": 10**12, "endpoint": 1}
    data["run"] = None
    cache_file.write_text(json.dumps(data))
    _write(root / "sqls/e5.yaml", (root / "sqls/e5.yaml").read_text().replace("kind 5", "kind five"))
    _, files = _agree(root, parsed)
    assert files == {"sqls/e1.yaml", "sqls/e3.yaml", "sqls/e5.yaml"}


_EDITS = ("describe", "rename a tool", "duplicate a route", "include an endpoint", "delete a template",
          "widen the whitelist", "shell reference", "edit the fragment", "add an endpoint", "remove an endpoint",
          "drop an include")


def _random_edit(root: Path, rng: random.Random) -> str:
    endpoints = sorted((root / "sqls").glob("e*.yaml"))
    path = rng.choice(endpoints)
    text = path.read_text()
    edit = rng.choice(_EDITS)
    n = rng.randrange(10**6)
    if edit == "describe":
        _write(path, text.replace("description: Reads", f"description: {n} Reads", 1))
    elif edit == "rename a tool":
        _write(path, text.replace("name: tool_", f"name: t{n}_", 1))
    elif edit == "duplicate a route":
        other = rng.choice(endpoints).read_text().splitlines()[0]
        _write(path, other + "\n" + "\n".join(text.splitlines()[1:]) + "\n")
    elif edit == "include an endpoint":
        _write(root / f"sqls/inc{n}.yaml", f"{{{{include from {rng.choice(endpoints).name}}}}}\n")
    elif edit == "delete a template":
        template = path.with_suffix(".sql")
        if template.exists():
            template.unlink()
    elif edit == "widen the whitelist":
        main = (root / "flapi.yaml").read_text()
        _write(root / "flapi.yaml", main.replace("'^PW$'", f"'^PW$', '^DB_{rng.randrange(8)}$'", 1))
    elif edit == "shell reference":
        _write(path, text.replace("url-path: /", "url-path: /${TENANT}/", 1))
    elif edit == "edit the fragment":
        fragment = root / "sqls/common/auth.yaml"
        _write(fragment, fragment.read_text().replace("username: u", f"username: u{n}", 1))
    elif edit == "add an endpoint":
        _write(root / f"sqls/e{n}.yaml", f"url-path: /n{n}/\nmcp-tool:\n  name: tool_n{n}\n"
                                         f"  description: Reads.\ntemplate-source: e0.sql\n")
    elif edit == "remove an endpoint" and len(endpoints) > 2:
        path.unlink()
    else:  # drop an include
        _write(path, text.replace("{{include:auth from common/auth.yaml}}\n", "", 1))
    return f"{edit} {path.name}"


@pytest.mark.parametrize("seed", range(8))
def test_random_edits_with_vouchers_agree_with_uncached_runs(seed: int, tmp_path: Path, parsed: list[str]) -> None:
    root = _project(tmp_path / "p", endpoints=8)
    rng = random.Random(seed)
    lint_output(root)
    vouched_once = False
    for _ in range(8):
        done = _random_edit(root, rng)
        endpoint_files = len(list((root / "sqls").glob("e*.yaml")))
        parsed.clear()
        cached = lint_output(root)
        files = _endpoint_yaml(parsed)
        assert cached == lint_output(root, cached=False), f"after: {done}"
        vouched_once = vouched_once or len(files) < endpoint_files
    assert vouched_once, "no run used a voucher"


def test_another_main_config_has_every_endpoint_parsed(tmp_path: Path, parsed: list[str]) -> None:
    """Main configs decide which files are endpoints and fragments: a new one anywhere ends every voucher."""
    root = _project(tmp_path / "p")
    lint_output(root)
    _write(root / "other/flapi.yaml", MAIN)
    _write(root / "other/sqls/x.yaml", "url-path: /e1/\ntemplate-source: x.sql\n")
    _, files = _agree(root, parsed)
    assert files == {f"sqls/e{i}.yaml" for i in range(6)}


def test_facts_and_vouchers_come_back_from_json_as_they_were() -> None:
    from mcplint.model.cached import Voucher, decode_voucher, encode_voucher
    from mcplint.model.endpoint_facts import Claim, EndpointFacts, EnvReference, ShellReference
    from mcplint.span import Span

    here, there = Span("sqls/a.yaml", 1, 2, 1, 9, 1, 8), Span("sqls/common/f.yaml", 3, 1, 3, 5, 40, 44)
    facts = EndpointFacts(
        path="sqls/a.yaml", has_tool=True, tool_name="t", request_fields=("id", ""),
        claims=(Claim("tool", "t", there, "mcp-tool.name", (here,)), Claim("route", "GET /a", here, "url-path", ())),
        env_references=(EnvReference("PW", here, "{{ env.PW }}"), EnvReference("X", there, "env.X", "env.X")),
        shell_references=(ShellReference(there, "connection[0]", "${DB}", "DB"),),
        template_path="sqls/a.sql", includes=("sqls/common/f.yaml",),
    )
    voucher = Voucher(
        main="flapi.yaml", layout="abc", stamps={"sqls/a.yaml": (1, 2, 3, 4)}, tools="", counts={"endpoint": 1},
        facts=facts, probed=("sqls/a.sql",), passwords=(here,), sql_spans=((there, "`auth.init`"),), inserted=(1, 4),
    )
    assert decode_voucher(json.loads(json.dumps(encode_voucher(voucher)))) == voucher
