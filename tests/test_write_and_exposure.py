"""Issue-4 analyses: statements rendered with optional fields left out, tautologies, exposed columns."""

from __future__ import annotations

import pytest

from mcplint.config import Config, ConfigError, load_config
from mcplint.model.statements import is_tautology
from mcplint.model.template_analysis import parse_sql
from mcplint.rules.data_exposure._columns import sensitive_label

from conftest import run_lint, write_tree


def _where(sql: str):  # type: ignore[no-untyped-def]
    (statement,), error = parse_sql(sql)
    assert error is None
    where = statement.args.get("where")
    return where.this if where is not None else None


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("DELETE FROM t WHERE TRUE", True),
        ("DELETE FROM t WHERE 1", True),
        ("DELETE FROM t WHERE 1 = 1", True),
        ("DELETE FROM t WHERE (1 = 1)", True),
        ("DELETE FROM t WHERE a = a", True),
        ("DELETE FROM t WHERE id = 5 OR 1 = 1", True),
        ("DELETE FROM t WHERE 1 = 1 AND TRUE", True),
        ("DELETE FROM t WHERE NOT FALSE", True),
        ("DELETE FROM t WHERE id = 5", False),
        ("DELETE FROM t WHERE 1 = 1 AND id = 5", False),
        ("DELETE FROM t WHERE 0", False),
        ("DELETE FROM t WHERE a = mcplsentinel0x", False),
    ],
)
def test_tautologies(sql: str, expected: bool) -> None:
    assert is_tautology(_where(sql)) is expected


@pytest.mark.parametrize(
    "name, label",
    [
        ("email", "email address"),
        ("customerEmail", "email address"),
        ("e-mail", "email address"),
        ("phone_number", "phone number"),
        ("dob", "date of birth"),
        ("birth_date", "date of birth"),
        ("IBAN", "bank account (IBAN)"),
        ("password_hash", "password or secret"),
        ("api_key", "password or secret"),
        ("client_ip", "IP address"),
        ("ship_to_address", "postal address"),
    ],
)
def test_sensitive_names(name: str, label: str) -> None:
    assert sensitive_label(name) == label


@pytest.mark.parametrize("name", ["id", "name", "status", "total", "zip_count_bucket", "tip", "skip", "ship_date",
                                  "hashtag_count", "description"])
def test_neutral_names(name: str) -> None:
    assert sensitive_label(name) is None


def test_configured_sensitive_columns(tmp_path) -> None:
    write_tree(tmp_path, {
        "flapi.yaml": "template:\n  path: ./sqls\n",
        "sqls/t.yaml": "mcp-tool:\n  name: t\n  description: Look up loyalty accounts.\ntemplate-source: t.sql\n",
        "sqls/t.sql": "SELECT id, loyalty_number FROM crm.members LIMIT 10\n",
    })
    assert not run_lint(tmp_path, select=["DATA001"]).report.results
    config = Config(extend_sensitive_columns=[r".*loyalty_number"])
    (result,) = run_lint(tmp_path, select=["DATA001"], config=config).report.results
    assert "`loyalty_number` (configured sensitive column)" in result.message
    assert (result.span.path, result.span.start_line, result.span.start_col) == ("sqls/t.sql", 1, 12)


def test_invalid_sensitive_column_regex_is_a_config_error(tmp_path) -> None:
    (tmp_path / ".mcplint.toml").write_text('extend-sensitive-columns = ["(unclosed"]\n')
    with pytest.raises(ConfigError, match="invalid regular expression"):
        load_config(None, tmp_path)


def test_unfiltered_delete_message_names_the_vanishing_field(tmp_path) -> None:
    write_tree(tmp_path, {
        "flapi.yaml": "template:\n  path: ./sqls\n",
        "sqls/d.yaml": ("url-path: /d/\nmethod: POST\ntemplate-source: d.sql\n"
                        "request:\n  - field-name: id\n    validators: [{type: int}]\n"),
        "sqls/d.sql": "-- remove one order\nDELETE FROM orders\n{{#params.id}} WHERE id = {{ params.id }} {{/params.id}}\n",
    })
    (result,) = run_lint(tmp_path, select=["FILT001"]).report.results
    assert (result.span.start_line, result.span.start_col, result.span.end_col) == (2, 1, 7)
    assert result.message.startswith(
        "`DELETE FROM orders` has no WHERE clause when a caller leaves out `id`: the filter sits in a section on an "
        "optional field, so it vanishes; one call deletes every row through endpoint `POST /d/`."
    )
    assert result.finding.properties["vanishing_fields"] == ["id"]
