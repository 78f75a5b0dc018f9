"""Every SQL-injection finding that says "proven" replays on the real flAPI 26.10.2.

For each proven finding on ``examples/``, on the sql-injection fixtures and on the sql-injection
rules' examples, the project is copied to a temporary folder, its main file is replaced by one
whose connections create (in an in-memory DuckDB) the tables the template reads — the endpoint
files and templates stay exactly as linted — and flAPI serves it. The finding's benign value and
its payload are then sent through the finding's route (REST query or JSON body, or MCP
``tools/call`` arguments), and the payload must change the result: other rows, another
``rows_affected``, or a DuckDB error that shows the rendered SQL with the payload in it. A payload
the server refuses (a validator, the keyword filter, an unknown parameter) fails the test.

Also here: flAPI's keyword filter (``preventSqlInjection``) as mcplint models it
(:func:`mcplint.model.injection.keyword_filter_refuses`) against the binary, value by value, and
the route rules for undeclared parameters the injection rules rely on.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from conformance.oracle import Oracle, OracleError, Server, write_project

from mcplint.api import lint
from mcplint.config import Config
from mcplint.engine.registry import default_registry
from mcplint.model.injection import keyword_filter_refuses
from mcplint.rules.sql_injection import RULES

REPO = Path(__file__).resolve().parent.parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "rules" / "sql_injection"
COUNTS = "/zz-replay-counts/"
REFUSED = ("Potential SQL injection detected", "Unknown parameter", "Invalid", "is shorter", "is longer",
           "Required field", "Invalid pagination parameters")


@dataclass(frozen=True)
class Case:
    name: str
    root: Path  # the project as linted


def _cases(tmp_root: Path) -> list[Case]:
    cases = [Case("examples", REPO / "examples")]
    cases += [Case(f"fixture/{p.name}", p) for p in sorted(FIXTURES.iterdir()) if p.is_dir()]
    for rule in RULES:
        for kind, example in (("bad", rule.bad), ("good", rule.good)):
            if not example.runnable:
                continue
            root = tmp_root / f"{rule.id}-{kind}"
            write_project(root, {k: v for k, v in example.files.items() if isinstance(v, str)})
            cases.append(Case(f"{rule.id}/{kind}", root))
    return cases


@dataclass
class Proven:
    case: Case
    rule: str
    message: str
    properties: dict[str, Any]
    endpoint: Any  # mcplint.model.Endpoint


def _proven(case: Case) -> list[Proven]:
    config = Config(**{**Config().__dict__, "select": ["sql-injection"]})
    run = lint([case.root], case.root, config, default_registry())
    endpoints = {e.unit_path: e for e in run.model.endpoints()}
    out = []
    for result in run.report.results:
        props = dict(result.finding.properties or {})
        if props.get("proven"):
            out.append(Proven(case, result.rule.id, result.message, props, endpoints[props["endpoint"]]))
    return out


# ------------------------------------------------------------------ a project that serves


def _tables_and_columns(sql: str) -> tuple[dict[str, set[str]], set[str]]:
    """Tables the benign rendering reads (qualified name -> columns) and the numeric-looking columns."""
    import sqlglot
    from sqlglot import exp

    tables: dict[str, set[str]] = {}
    numeric: set[str] = set()
    columns: set[str] = set()
    for statement in sqlglot.parse(sql.replace("?", "1"), read="duckdb"):
        if statement is None:
            continue
        ctes = {c.alias_or_name for c in statement.find_all(exp.CTE)}
        for literal in statement.find_all(exp.Literal):
            function = literal.parent
            name = str(function.this).lower() if isinstance(function, exp.Anonymous) else type(function).__name__
            if literal.is_string and name.lower() in ("query", "query_table"):
                inner, inner_numeric = _tables_and_columns(literal.this)
                for qualified, cols in inner.items():
                    tables.setdefault(qualified, set()).update(cols)
                numeric |= inner_numeric
        for table in statement.find_all(exp.Table):
            if not isinstance(table.this, exp.Identifier) or table.name in ctes:
                continue
            qualified = ".".join(p for p in (table.catalog, table.db, table.name) if p)
            tables.setdefault(qualified, set())
        for column in statement.find_all(exp.Column):
            columns.add(column.name)
            parent = column.parent
            if isinstance(parent, (exp.EQ, exp.NEQ, exp.GT, exp.LT, exp.GTE, exp.LTE, exp.In)):
                if any(isinstance(e, exp.Literal) and not e.is_string for e in parent.iter_expressions()):
                    numeric.add(column.name)
    for cols in tables.values():
        cols.update(columns | {"id"})
    return tables, numeric


def _init_sql(tables: dict[str, set[str]], numeric: set[str]) -> str:
    """CREATE statements for ``tables``: three rows, numbers 1-3 in numeric columns, text elsewhere."""
    lines = []
    for qualified, cols in sorted(tables.items()):
        parts = qualified.split(".")
        if len(parts) > 1:
            lines.append(f"CREATE SCHEMA IF NOT EXISTS {parts[-2]};")
        names = sorted(cols)
        rows = []
        for i in (1, 2, 3):
            rows.append("(" + ", ".join(str(i) if c in numeric else f"'{c}{i}'" for c in names) + ")")
        column_list = ", ".join(f'"{c}"' for c in names)
        target = ".".join(parts[-2:])
        lines.append(f"CREATE TABLE {target} AS SELECT * FROM (VALUES {', '.join(rows)}) t({column_list});")
    return "\n".join(lines)


def _served_copy(finding: Proven, dest: Path) -> Path:
    """A copy of the finding's project whose main file creates the tables its template reads."""
    endpoint = finding.endpoint
    shutil.copytree(finding.case.root, dest, ignore=shutil.ignore_patterns(".mcplint_cache"))
    project = endpoint.project
    assert project is not None, "a proven finding on an endpoint outside a flAPI project"
    main = dest / Path(project.document.path)
    template_path = project.template_path.text if project.template_path is not None else "./sqls"
    tables, numeric = _tables_and_columns(_benign_sql(finding))
    init = _init_sql(tables, numeric) or "SELECT 1;"
    names = sorted({name for e in project.endpoints for name in e.connections}) or ["db"]
    connections = "".join(
        f"  {name}:\n    init: |\n" + "".join(f"      {line}\n" for line in init.splitlines()) for name in names
    )
    # One more endpoint (the linted ones stay as they are) counts the rows of every table, so that
    # the effect of a write (or of a second statement) can be seen.
    counts = " UNION ALL ".join(f"SELECT '{t}' AS t, count(*) AS n FROM {'.'.join(t.split('.')[-2:])}"
                                for t in sorted(tables)) or "SELECT 'none' AS t, 0 AS n"
    folder = main.parent / template_path
    (folder / "zz_replay_counts.sql").write_text(counts + "\n", encoding="utf-8")
    (folder / "zz_replay_counts.yaml").write_text(
        f"url-path: {COUNTS}\ntemplate-source: zz_replay_counts.sql\nconnection: [{names[0]}]\n", encoding="utf-8")
    whitelist = ""
    original = yaml.safe_load(main.read_text(encoding="utf-8")) or {}
    patterns = (original.get("template") or {}).get("environment-whitelist") or []
    if patterns:
        whitelist = "  environment-whitelist:\n" + "".join(f"    - {json.dumps(p)}\n" for p in patterns)
    main.write_text(
        "project-name: replay\nproject-description: replay of a proven finding\n"
        f"template:\n  path: {template_path}\n{whitelist}connections:\n{connections}",
        encoding="utf-8",
    )
    return dest


def _environment(project: Path) -> dict[str, str]:
    """A value for every `{{env.NAME}}` the project's YAML uses (flAPI refuses to start on empty ones)."""
    names: set[str] = set()
    for path in project.rglob("*.y*ml"):
        names.update(re.findall(r"\{\{env\.([A-Za-z_][A-Za-z0-9_]*)\}\}", path.read_text(encoding="utf-8")))
    return {name: "replay" for name in names}


def _benign_sql(finding: Proven) -> str:
    from mcplint.model.injection import assess

    for assessment in assess(finding.endpoint):
        if assessment.proof is not None and assessment.proof.payload == finding.properties["payload"]:
            return assessment.proof.benign_sql
    raise AssertionError("the finding's proof is no longer produced")


# ------------------------------------------------------------------ requests


def _default(field: Any) -> str | None:
    """A value that passes ``field``'s validators (for required fields the proof does not set)."""
    for v in field.validators:
        kind = (v.type or "").lower()
        if kind == "enum" and v.allowed_values:
            return str(v.allowed_values[0])
        if kind == "int":
            return str(max(1, int(v.min.text)) if v.min is not None and v.min.text.strip().isdigit() else 1)
        if kind == "date":
            return "2024-01-01"
        if kind == "uuid":
            return "123e4567-e89b-12d3-a456-426614174000"
        if kind == "email":
            return "a@example.com"
    return "abc"


def _other_values(finding: Proven) -> dict[str, str]:
    """Values for the endpoint's other fields, as the proof's benign rendering has them.

    Required fields get a valid value; a declared field interpolated outside any section (its SQL
    breaks when it renders empty, e.g. `ORDER BY {{{ params.sort }}}`) gets the harmless value the
    proof rendered for it, or a valid one where its validators refuse that.
    """
    from mcplint.model.injection import Control, _admissible, _benign, assess

    endpoint = finding.endpoint
    values = {f.name: _default(f) for f in endpoint.request if f.required and f.name}
    for a in assess(endpoint):
        name = a.request_name
        if (a.field is None or name is None or name == finding.properties["parameter"] or a.interpolation.depth
                or name in values or a.control is Control.PAGINATION):
            continue
        benign = _benign(a.context, a.context_detail)
        values[name] = benign if _admissible(a, (benign,)) == (benign,) else (_default(a.field) or benign)
    return values


def _credentials(endpoint: Any) -> tuple[str, str] | None:
    auth = endpoint.auth
    if auth is None or not auth.enabled or not auth.users:
        return None
    user = auth.users[0]
    if user.username is None or user.password is None:
        return None
    return user.username, user.password.reveal()


def _send(server: Server, finding: Proven, value: str) -> tuple[int, str, Any]:
    """Send ``value`` through the finding's route; (status, text, result) with result the rows or count."""
    endpoint = finding.endpoint
    props = finding.properties
    arguments = _other_values(finding)
    arguments[props["parameter"]] = value
    route = props["route"]
    if route.startswith("MCP tools/call "):
        response = server.call_tool(route[len("MCP tools/call "):], arguments)
        body = response.json or {}
        result = body.get("result") or {}
        text = response.text
        if result.get("isError") or "error" in body:
            return 500, text, None
        return response.status, text, (result.get("structuredContent") or {}).get("rows", result.get("content"))
    method, path = route[len("REST "):].split(" ", 1)
    auth = _credentials(endpoint)
    if method == "GET":
        response = server.get(path, arguments, auth=auth)
    else:
        response = server.request(method, path, json_body=arguments, auth=auth)
    data = response.json
    counts = server.get(COUNTS).json
    tables = counts.get("data") if isinstance(counts, dict) else counts
    if response.status >= 300 or not isinstance(data, dict):
        return response.status, response.text, None
    return response.status, response.text, (data.get("data", data.get("rows_affected")), tables)


def _refused(text: str) -> bool:
    return any(marker in text for marker in REFUSED) and "Query execution failed" not in text


# ------------------------------------------------------------------ the tests


def _all_proven(tmp_path_factory: pytest.TempPathFactory) -> list[Proven]:
    root = tmp_path_factory.mktemp("sqli-examples")
    return [p for case in _cases(root) for p in _proven(case)]


@pytest.fixture(scope="module")
def proven(tmp_path_factory: pytest.TempPathFactory) -> list[Proven]:
    return _all_proven(tmp_path_factory)


def test_there_are_proven_findings_to_replay(proven: list[Proven]) -> None:
    # examples/ (1), the fixtures (6) and the rules' bad examples (SQLI001-005, SQLI007) at least
    assert len(proven) >= 12, [(p.case.name, p.rule) for p in proven]
    assert all(p.properties.get("route") for p in proven), "a proven finding must name its route"


def test_every_proven_finding_replays(oracle: Oracle, proven: list[Proven], tmp_path: Path) -> None:
    failures = []
    for index, finding in enumerate(proven):
        label = f"{finding.case.name} {finding.rule} {finding.properties['route']} {finding.properties['payload']!r}"
        project = _served_copy(finding, tmp_path / f"p{index}")
        try:
            with oracle.serve(project, env=_environment(project)) as server:
                benign = _send(server, finding, finding.properties["benign"])
                attacked = _send(server, finding, finding.properties["payload"])
                log = server.output()[-3000:]
        except OracleError as error:  # the project as linted does not start: that is a failure too
            failures.append(f"{label}: flAPI did not start: {str(error)[-600:]}")
            continue
        verdict = _judge(finding, benign, attacked)
        if verdict:
            failures.append(f"{label}: {verdict}\n  benign: {benign[:2]}\n  attacked: {attacked[:2]}\n  log: {log}")
    assert not failures, "\n".join(failures)


def _judge(finding: Proven, benign: tuple[int, str, Any], attacked: tuple[int, str, Any]) -> str:
    """Empty when the payload changed what the statement does, else why not."""
    payload = finding.properties["payload"]
    if _refused(attacked[1]):
        return "the server refused the payload"
    if benign[0] >= 300 and "Query execution failed" not in benign[1]:
        return "the benign request failed"
    if attacked[0] < 300:
        if attacked[2] != benign[2]:
            return ""
        return "the payload returned the same result as the benign value"
    # An error: it must come from DuckDB running the rendered SQL with the payload in it.
    rendered = re.sub(r"\s+", " ", attacked[1].replace("\\n", " "))
    probe = re.sub(r"\s+", " ", payload.split("||")[-1] if "||" in payload else payload)[:20]
    if "Query execution failed" in attacked[1] or "Error" in attacked[1]:
        if probe.strip() and probe.strip() in rendered:
            return ""
        return "an error that does not show the payload in the rendered SQL"
    return f"status {attacked[0]} without a DuckDB error"


# ------------------------------------------------------------------ the keyword filter

FILTER_VALUES = (
    "alice", "' OR TRUE OR '", "zz' OR 'a'<'b", "' OR 't", "x' OR 't", "'OR'a", "' OR 1=1 --", "ali'||'ce",
    "x'||(FROM read_text('/etc/hostname'))||'", "SELECT", "selected", "Union all", "updated", "a;b", "a';b",
    "x--y", "/* c", "c */", "xp_cmd", "sp_who", "1=1", "2=2", "1=2", "a AND 1=1", "tablet", "table", "cast(1)",
    "O'Brien", "O'Reilly", "'", "''", "a'", "'a", "ab'=", "a'b'c", "x'' OR TRUE OR ''y", "1 OR TRUE",
    "(FROM no_such_table)", "1 + (FROM no_such_table)", "TRUE OR TRUE", "a OR b", "2=2) OR (TRUE", "1) OR (TRUE",
    'x" OR TRUE OR "y', "declare", "script", "Exec", "executed", "ALTERED", "café'or", "é' OR 'x",
)


def test_the_keyword_filter_model_matches_the_binary(oracle: Oracle, tmp_path: Path) -> None:
    files = {
        "flapi.yaml": "project-name: f\nproject-description: keyword filter\ntemplate:\n  path: ./sqls\n"
                      "connections:\n  db:\n    init: SELECT 1;\n",
        "sqls/f.yaml": "url-path: /f/\ntemplate-source: f.sql\nconnection: [db]\nrequest:\n"
                       "  - field-name: v\n    field-in: query\n",
        "sqls/f.sql": "SELECT 1 AS one\n",
    }
    with oracle.serve(write_project(tmp_path, files)) as server:
        wrong = []
        for value in FILTER_VALUES:
            response = server.get("/f/", {"v": value})
            refused = "Potential SQL injection detected" in response.text
            assert refused or response.status == 200, (value, response.text)
            if refused != keyword_filter_refuses(value):
                wrong.append((value, "refused" if refused else "passed"))
    assert not wrong, f"the binary disagrees with keyword_filter_refuses on: {wrong}"


# ------------------------------------------------------------------ routes and undeclared parameters

_ROUTE_MAIN = ("project-name: r\nproject-description: routes\ntemplate:\n  path: ./sqls\nconnections:\n  db:\n"
               "    init: CREATE TABLE t AS SELECT * FROM (VALUES (1, 'a'), (2, 'b')) v(id, name);\n")
_ROUTE_SQL = "SELECT * FROM t WHERE name = 'a' {{#params.extra}} OR name = '{{{ params.extra }}}' {{/params.extra}}\n"


def _endpoint(head: str) -> str:
    return head + "template-source: t.sql\nconnection: [db]\n"


def test_routes_and_undeclared_parameters(oracle: Oracle, tmp_path: Path) -> None:
    """What mcplint.model.injection.Route says about undeclared parameters, on the binary."""
    files = {
        "flapi.yaml": _ROUTE_MAIN,
        "sqls/t.sql": _ROUTE_SQL,
        "sqls/get.yaml": _endpoint("url-path: /get/\nmcp-tool:\n  name: get_tool\n  description: Rows.\n"),
        "sqls/strict.yaml": _endpoint("url-path: /strict/\nrequest-fields-validation: true\n"),
        "sqls/post.yaml": _endpoint("url-path: /post/\nmethod: POST\n"),
        "sqls/who.yaml": "url-path: /who/\nmcp-tool:\n  name: who\n  description: Who.\ntemplate-source: who.sql\n",
        "sqls/who.sql": "SELECT '{{{ auth.username }}}' AS u\n",
        "sqls/post-open.yaml": _endpoint("url-path: /post-open/\nmethod: POST\noperation:\n"
                                         "  validate-before-write: false\n"),
    }
    with oracle.serve(write_project(tmp_path, files)) as server:
        # REST GET passes it; with request-fields-validation it is refused.
        assert len(server.get("/get/", {"extra": "b"}).json["data"]) == 2
        assert "Unknown parameter" in server.get("/strict/", {"extra": "b"}).text
        # MCP tools/call refuses it, but lets limit, offset and __auth_* through.
        assert "Unknown parameter" in server.call_tool("get_tool", {"extra": "b"}).text
        called = server.call_tool("get_tool", {"limit": "5", "offset": "0", "__auth_username": "x"}).json
        assert not called["result"].get("isError"), called
        # A caller's `__auth_username` does not reach `auth.username` (REST GET or MCP): auth.* is the server's.
        assert server.get("/who/", {"__auth_username": "mallory"}).json["data"] == [{"u": ""}]
        who = server.call_tool("who", {"__auth_username": "mallory"}).json["result"]
        assert "mallory" not in json.dumps(who), who
        # REST POST refuses it while validate-before-write is true (the default), else passes it.
        assert "Unknown parameter" in server.post("/post/", {"extra": "b"}).text
        assert server.post("/post-open/", {"extra": "b"}).json["rows_affected"] == 2
