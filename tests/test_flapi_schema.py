"""The flAPI JSON Schemas: published, valid, faithful to flapi-semantics.md, and mapped to exact positions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from mcplint.model import Document
from mcplint.rules.config_error import _flapi_schema as fs
from mcplint.rules.config_error._flapi_schema import path_pattern, schema_issues, to_data
from mcplint.schemas import load_schema

from conftest import REPO, run_lint, write_tree

MAIN = "template:\n  path: ./sqls\ncors:\n  allow-origins: [https://app.example.com]\nhttp-host: 127.0.0.1\n"
SQL = "SELECT 1\n"
NAMES = ("flapi-config.schema.json", "flapi-endpoint.schema.json")


def results(tmp_path: Path, files: dict[str, str], select: str = "config-error") -> list[tuple[str, str, int, int, str]]:
    main = files.get("flapi.yaml")
    if main is not None and main.startswith(MAIN) and "project-name" not in main:
        # flAPI refuses a main file without these (CFG008, see test_flapi_versions.py); added last, so no
        # line of the test's own text moves.
        files = {**files, "flapi.yaml": main + "project-name: shop\nproject-description: Shop API\n"}
    write_tree(tmp_path, files)
    run = run_lint(tmp_path, select=[select])
    return [
        (r.rule.id, r.span.path, r.span.start_line, r.span.start_col, r.message) for r in run.report.results
    ]


def resolve(schema: dict, path: str) -> dict:
    """The subschema for a dotted path (`*` = any map key, `[]` = list item), following $ref."""
    node = schema
    for part in re.findall(r"\[\]|[^.\[\]]+", path):
        while "$ref" in node:
            node = schema["$defs"][node["$ref"].split("/")[-1]]
        if part == "[]":
            node = node["items"]
        elif part == "*":
            node = node["additionalProperties"]
        else:
            node = node["properties"][part]
    while "$ref" in node and set(node) == {"$ref"}:
        node = schema["$defs"][node["$ref"].split("/")[-1]]
    return node


# ------------------------------------------------------------------ publication


@pytest.mark.parametrize("name", NAMES)
def test_schema_is_valid_2020_12_and_shipped_as_package_data(name: str) -> None:
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://raw.githubusercontent.com/mcplint/mcplint/main/schemas/{name}"
    assert (REPO / "schemas" / name).is_file()


def test_readme_documents_the_modeline_with_the_published_url() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "## Editor support" in readme
    endpoint_id = load_schema("flapi-endpoint.schema.json")["$id"]
    assert f"# yaml-language-server: $schema={endpoint_id}" in readme


# --------------------------------------------------------- faithful to the note


MAIN_KEYS = [
    "http-host", "http-port", "enforce-https.enabled", "enforce-https.ssl-cert-file", "enforce-https.ssl-key-file",
    "cors.allow-origins", "cors.allow-headers", "cors.allow-methods", "auth.enabled", "auth.oidc.allowed-audiences",
    "auth.oidc.verify-expiration", "rate_limit.key", "mcp.enabled", "mcp.auth.enabled", "mcp.auth.type",
    "mcp.auth.jwt-secret", "mcp.auth.jwt-issuer", "mcp.auth.users[].password", "mcp.auth.methods.*.required",
    "mcp.strict-descriptions", "mcp.instructions", "mcp.instructions-file", "audit.enabled", "audit.sink",
    "audit.path", "audit.redact", "template.path", "template.environment-whitelist", "connections.*.init",
    "connections.*.properties",
]
ENDPOINT_KEYS = [
    "url-path", "method", "template-source", "connection", "request-fields-validation",
    "request[].field-name", "request[].field-in", "request[].required", "request[].default",
    "request[].validators[].type", "request[].validators[].regex", "request[].validators[].allowedValues",
    "request[].validators[].preventSqlInjection", "auth.enabled", "auth.type", "auth.users[].roles",
    "rate-limit.enabled", "rate-limit.max", "rate-limit.interval", "rate-limit.key", "operation.type",
    "operation.returns-data", "operation.transaction", "operation.validate-before-write", "mcp-tool.name",
    "mcp-tool.description", "mcp-tool.result-mime-type", "mcp-tool.allowed-roles", "mcp-tool.response.max-rows",
    "mcp-tool.response.redact-columns", "mcp-tool.response.sample", "mcp-tool.rate-limit.max",
    "mcp-resource.mime-type", "mcp-prompt.template", "mcp-prompt.arguments",
]


@pytest.mark.parametrize("path", MAIN_KEYS)
def test_main_schema_knows_every_key_of_the_semantics_note(path: str) -> None:
    assert resolve(load_schema("flapi-config.schema.json"), path) is not None


@pytest.mark.parametrize("path", ENDPOINT_KEYS)
def test_endpoint_schema_knows_every_key_of_the_semantics_note(path: str) -> None:
    assert resolve(load_schema("flapi-endpoint.schema.json"), path) is not None


@pytest.mark.parametrize(
    ("name", "container", "key"),
    [
        ("flapi-config.schema.json", "", "https"),
        ("flapi-config.schema.json", "", "server"),
        ("flapi-config.schema.json", "", "environment-whitelist"),
        ("flapi-config.schema.json", "mcp", "port"),
        ("flapi-config.schema.json", "mcp", "host"),
        ("flapi-config.schema.json", "auth", "required"),
        ("flapi-config.schema.json", "connections.*", "allow"),
        ("flapi-endpoint.schema.json", "auth", "required"),
        ("flapi-endpoint.schema.json", "rate-limit", "requests"),
        ("flapi-endpoint.schema.json", "rate-limit", "window"),
        ("flapi-endpoint.schema.json", "request[].validators[]", "allowed-values"),
        ("flapi-endpoint.schema.json", "request[].validators[]", "prevent-sql-injection"),
        ("flapi-endpoint.schema.json", "request[]", "defaultValue"),
        ("flapi-endpoint.schema.json", "request[]", "field-type"),
    ],
)
def test_keys_flapi_ignores_are_not_in_the_schemas(name: str, container: str, key: str) -> None:
    schema = load_schema(name)
    node = resolve(schema, container) if container else schema
    assert key not in node["properties"]
    assert node["additionalProperties"] is False


@pytest.mark.parametrize(
    ("name", "path", "default"),
    [
        ("flapi-config.schema.json", "http-host", "0.0.0.0"),
        ("flapi-config.schema.json", "enforce-https.enabled", False),
        ("flapi-config.schema.json", "mcp.enabled", True),
        ("flapi-config.schema.json", "mcp.auth.enabled", False),
        ("flapi-config.schema.json", "mcp.auth.type", "bearer"),
        ("flapi-config.schema.json", "mcp.auth.jwt-issuer", "flapi"),
        ("flapi-config.schema.json", "mcp.auth.methods.*.required", True),
        ("flapi-config.schema.json", "mcp.strict-descriptions", False),
        ("flapi-config.schema.json", "audit.enabled", False),
        ("flapi-config.schema.json", "auth.oidc.verify-expiration", True),
        ("flapi-endpoint.schema.json", "method", "GET"),
        ("flapi-endpoint.schema.json", "auth.enabled", False),
        ("flapi-endpoint.schema.json", "rate-limit.enabled", False),
        ("flapi-endpoint.schema.json", "rate-limit.max", 100),
        ("flapi-endpoint.schema.json", "rate-limit.interval", 60),
        ("flapi-endpoint.schema.json", "request-fields-validation", False),
        ("flapi-endpoint.schema.json", "request[].validators[].preventSqlInjection", True),
        ("flapi-endpoint.schema.json", "operation.transaction", True),
    ],
)
def test_defaults_are_flapis(name: str, path: str, default: object) -> None:
    schema = load_schema(name)
    parent, _, key = path.rpartition(".")
    holder = resolve(schema, parent) if parent else schema
    assert holder["properties"][key]["default"] == default


def test_enums_follow_the_note() -> None:
    endpoint = load_schema("flapi-endpoint.schema.json")
    main = load_schema("flapi-config.schema.json")
    assert resolve(endpoint, "request[].validators[].type")["enum"] == [
        "int", "string", "enum", "email", "uuid", "date", "time"
    ]
    assert resolve(endpoint, "auth.type")["enum"] == ["basic", "bearer", "oidc", "jwt"]
    assert resolve(main, "mcp.auth.type")["enum"] == ["basic", "bearer", "oidc"]
    assert resolve(endpoint, "rate-limit.key")["enum"] == ["ip", "user", "user-or-ip"]


# ------------------------------------------------- what editors and flAPI accept


@pytest.mark.parametrize("name", NAMES)
def test_editor_view_typed_values_and_flapi_view_texts_agree(name: str) -> None:
    validator = Draft202012Validator(load_schema(name))
    if name == NAMES[0]:
        typed = {"template": {"path": "./sqls"}, "http-port": 8080, "mcp": {"enabled": True}}
        texts = {"template": {"path": "./sqls"}, "http-port": "8080", "mcp": {"enabled": "yes"}}
        wrong = {"template": {"path": "./sqls"}, "http-port": "eighty", "mcp": {"enabled": "maybe"}}
    else:
        typed = {"url-path": "/x/", "template-source": "x.sql", "rate-limit": {"enabled": True, "max": 100}}
        texts = {"url-path": "/x/", "template-source": "x.sql", "rate-limit": {"enabled": "On", "max": "100"}}
        wrong = {"url-path": "/x/", "template-source": "x.sql", "rate-limit": {"enabled": "enabled", "max": "1e3"}}
    assert validator.is_valid(typed)
    assert validator.is_valid(texts)
    assert len(list(validator.iter_errors(wrong))) == 2
    with_env = json.loads(json.dumps(texts).replace('"8080"', '"{{env.PORT}}"').replace('"100"', '"{{env.MAX}}"'))
    assert validator.is_valid(with_env)


@pytest.mark.parametrize("text", ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
                                  "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"])
def test_every_yaml_cpp_boolean_spelling_is_accepted(text: str) -> None:
    validator = Draft202012Validator(load_schema("flapi-config.schema.json"))
    assert validator.is_valid({"template": {"path": "."}, "mcp": {"enabled": text}})


@pytest.mark.parametrize("text", ["tRue", "1", "0", "enable", ""])
def test_other_boolean_texts_are_rejected(text: str) -> None:
    validator = Draft202012Validator(load_schema("flapi-config.schema.json"))
    assert not validator.is_valid({"template": {"path": "."}, "mcp": {"enabled": text}})


def test_tree_to_data_reads_scalars_as_flapi_does(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "flapi.yaml": MAIN,
            "sqls/a.yaml": (
                "url-path: /a/\ntemplate-source: a.sql\nwith-pagination: yes\nrequest:\nrate-limit:\n"
                "  max: 0x10\n  max: 5\n  interval: '60'\n"
            ),
            "sqls/a.sql": SQL,
        },
    )
    run = run_lint(tmp_path)
    (endpoint,) = run.model.endpoints()
    assert to_data(endpoint.mapping) == {
        "url-path": "/a/",
        "template-source": "a.sql",
        "with-pagination": "yes",
        "request": None,
        "rate-limit": {"max": "0x10", "interval": "60"},  # the first duplicate wins, as in yaml-cpp
    }
    assert schema_issues(endpoint.document) == ()


def test_deep_nesting_is_cut_off_not_recursed() -> None:
    from mcplint.span import Span
    from mcplint.tree import MappingNode, ScalarNode

    span = Span("x.yaml", 1, 1, 1, 1)
    node = ScalarNode(span, (), "leaf", "leaf")
    for _ in range(5000):
        node = MappingNode(span, (), [(ScalarNode(span, (), "k", "k"), node)])
    data = to_data(node)
    depth = 0
    while isinstance(data, dict):
        data, depth = data["k"], depth + 1
    assert depth == 40 and data == "\u2026"


def test_a_recursive_definition_is_refused_when_the_schema_is_loaded() -> None:
    with pytest.raises(ValueError, match="nest too deeply"):
        fs._inline({"$ref": "#/$defs/loop"}, {"loop": {"properties": {"x": {"$ref": "#/$defs/loop"}}}})


def test_path_patterns() -> None:
    assert path_pattern(("request", 0, "validators", 2, "type"), fs.ENDPOINT) == "request[].validators[].type"
    assert path_pattern(("connections", "warehouse", "allow"), fs.MAIN) == "connections.*.allow"
    assert path_pattern(("mcp", "auth", "methods", "tools/call", "required"), fs.MAIN) == "mcp.auth.methods.*.required"


@pytest.mark.parametrize(
    ("key", "known", "suggestion"),
    [
        ("result_mime_type", ["name", "result-mime-type"], "did you mean `result-mime-type`?"),
        ("templateSource", ["template-source", "url-path"], "did you mean `template-source`?"),
        ("metdata-path", ["metadata-path", "data-path"], "did you mean `metadata-path`?"),
        ("colour", ["cors", "connections"], ""),
    ],
)
def test_did_you_mean(key: str, known: list[str], suggestion: str) -> None:
    assert fs._suggest(key, known, "") == suggestion


# ---------------------------------------------------------------- positions


def test_unknown_key_in_included_text_points_into_the_fragment_with_both_include_sites(tmp_path: Path) -> None:
    endpoint = "url-path: /{name}/\ntemplate-source: a.sql\n{{{{include:rate-limit from common/limits.yaml}}}}\n"
    found = results(
        tmp_path,
        {
            "flapi.yaml": MAIN,
            "sqls/a.yaml": endpoint.format(name="a"),
            "sqls/b.yaml": "# b\n" + endpoint.format(name="b"),
            "sqls/a.sql": SQL,
            "sqls/common/limits.yaml": "rate-limit:\n  enabled: true\n  maximum: 10\nunused-section: {x: 1}\n",
        },
    )
    assert [(rule, path, line, col) for rule, path, line, col, _ in found] == [
        ("CFG006", "sqls/common/limits.yaml", 3, 3)
    ]
    assert "did you mean `max`?" in found[0][4]
    run = run_lint(tmp_path, select=["CFG006"])
    sites = [(r.span.path, r.span.start_line) for r in run.report.results[0].finding.related]
    assert sites == [("sqls/a.yaml", 3), ("sqls/b.yaml", 4)]


def test_invalid_and_missing_positions(tmp_path: Path) -> None:
    found = results(
        tmp_path,
        {
            "flapi.yaml": MAIN + "enforce-https:\n  enabled: maybe\n",
            "sqls/a.yaml": "mcp-tool:\n  name: a\ntemplate-source: a.sql\n",
            "sqls/a.sql": SQL,
        },
    )
    assert [(rule, path, line, col) for rule, path, line, col, _ in found] == [
        ("CFG007", "flapi.yaml", 7, 12),
        ("CFG008", "sqls/a.yaml", 1, 1),
    ]
    assert found[0][4].startswith("`enforce-https.enabled` is `maybe`, but flAPI expects a boolean")
    assert found[1][4] == (
        "`mcp-tool` has no `description`: flAPI requires this key and refuses to load the file without it"
    )


def test_fragments_and_json_files_are_not_validated_as_endpoints(tmp_path: Path) -> None:
    found = results(
        tmp_path,
        {
            "flapi.yaml": MAIN,
            "sqls/a.yaml": "url-path: /a/\ntemplate-source: a.sql\n",
            "sqls/a.sql": SQL,
            "sqls/common/auth-presets.yaml": "auth-dev:\n  enabled: false\nauth-prod:\n  enabled: true\n",
            "other/endpoint.json": '{"url-path": "/x/", "colour": "red"}',
        },
    )
    assert found == []


def test_the_document_kind_follows_flapis_classification() -> None:
    from mcplint.source import source_from_text
    from mcplint.loaders.yaml_loader import load_yaml
    from mcplint.loaders.textmap import PlainText

    def doc(text: str) -> Document:
        source = source_from_text("x.yaml", text)
        root, _ = load_yaml(PlainText(source))
        return Document(source, root, "yaml")

    assert fs.document_kind(doc("template:\n  path: .\n")) == fs.MAIN
    assert fs.document_kind(doc("mcp-prompt:\n  name: p\n")) == fs.ENDPOINT
    assert fs.document_kind(doc("auth-dev: {}\n")) is None
    assert fs.document_kind(doc("- a\n")) is None


def _signature(path, validator, instance, validator_value) -> tuple:  # type: ignore[no-untyped-def]
    return (tuple(map(str, path)), validator, json.dumps(instance, sort_keys=True),
            json.dumps(validator_value, sort_keys=True, default=str))


def test_validation_in_parts_equals_validating_the_whole_document() -> None:
    from mcplint.api import lint

    checked = 0
    for case in sorted((REPO / "tests" / "fixtures" / "rules" / "config_error").iterdir()):
        run = lint([case], case)
        for document in run.model.documents:
            kind = fs.document_kind(document)
            if kind is None:
                continue
            data = to_data(document.mapping)
            whole = sorted(_signature(e.absolute_path, e.validator, e.instance, e.validator_value)
                           for e in fs._validator(kind).iter_errors(data))
            parts = sorted(_signature(e.path, e.validator, e.instance, e.validator_value)
                           for e in fs._errors(data, kind))
            assert parts == whole, document.path
            checked += 1
    assert checked >= 15


@pytest.mark.parametrize(
    "data",
    [
        {"url-path": "/x", "template-source": "x.sql", "method": None, "connection": ["a", None]},
        {"url-path": {"nested": "map"}, "template-source": ["a", "list"], "connection": [{"x": "1"}, ["y"]]},
        {"url-path": "/x", "template-source": "x.sql", "method": {"verb": "GET"}, "connection": "one"},
    ],
    ids=["texts", "collections-where-text-is-expected", "mixed"],
)
def test_parts_that_accept_any_text_still_report_collections(data: dict) -> None:
    """Text-typed parts skip validation for scalars only; a map or list there is still an error."""
    whole = sorted(_signature(e.absolute_path, e.validator, e.instance, e.validator_value)
                   for e in fs._validator(fs.ENDPOINT).iter_errors(data))
    parts = sorted(_signature(e.path, e.validator, e.instance, e.validator_value)
                   for e in fs._errors(data, fs.ENDPOINT))
    assert parts == whole
    if data["url-path"] != "/x":
        assert any(path[:1] == ("url-path",) for path, *_ in parts)
