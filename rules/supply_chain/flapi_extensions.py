"""CHAIN005: DuckDB extensions installed from outside DuckDB's own repositories in ``connections.*.init``.

flAPI opens its DuckDB with ``allow_unsigned_extensions`` set (flapi-semantics.md
§0; seen on flAPI 26.10.2: ``current_setting('allow_unsigned_extensions')`` is
true), so DuckDB loads an extension whatever its signature. An ``INSTALL x FROM
'<url>'`` (or ``INSTALL '<url>'``, or a ``custom_extension_repository`` set to a
URL) in a connection's ``init`` therefore downloads native code that nobody
signed and runs it inside the server, at every start. DuckDB's named
repositories (``core``, ``core_nightly``, ``community``) are left alone.
"""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import FlapiProject, Target
from mcplint.model.sql import SqlToken
from mcplint.rules.config_error._flapi_facts import include_sites

_NAMED = frozenset({"core", "core_nightly", "community"})  # DuckDB's own, signed repositories
_REPOSITORY_SETTINGS = frozenset({"custom_extension_repository", "autoinstall_extension_repository"})

_ENDPOINT = "url-path: /places/\ntemplate-source: places.sql\nconnection: [geo]\n"
_SQL = "SELECT name FROM places LIMIT 100\n"


def _files(init: str) -> dict[str, str]:
    main = (
        "project-name: geo\nproject-description: Places API\ntemplate:\n  path: ./sqls\n"
        "connections:\n  geo:\n    init: |\n" + "".join(f"      {line}\n" for line in init.splitlines())
    )
    return {"flapi.yaml": main, "sqls/places.yaml": _ENDPOINT, "sqls/places.sql": _SQL}


def _is_location(text: str) -> bool:
    """Whether a quoted INSTALL argument is a file or URL, not an extension name (`INSTALL 'bigquery'`)."""
    value = text.strip().strip("'\"").lower()
    return "/" in value or "\\" in value or value.endswith(".duckdb_extension") or value.endswith(".gz")


def _sources(tokens: list[SqlToken]) -> Iterator[tuple[SqlToken, str]]:
    """(string token, what names it) for every repository or file an extension is installed from."""
    for i, token in enumerate(tokens):
        kind = token.kind
        if kind == "INSTALL":
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            if following is not None and following.kind == "STRING" and _is_location(following.text):
                yield following, "INSTALL"
                continue
            for index in range(i + 1, len(tokens)):
                later = tokens[index]
                if later.kind == "SEMICOLON":
                    break
                if later.kind == "FROM":
                    source = tokens[index + 1] if index + 1 < len(tokens) else None
                    if source is not None and source.kind == "STRING":
                        yield source, "INSTALL … FROM"
                    break
        elif kind in ("SET", "PRAGMA") and i + 1 < len(tokens):
            setting = tokens[i + 1]
            if setting.text.lower() not in _REPOSITORY_SETTINGS:
                continue
            for later in tokens[i + 2 : i + 5]:
                if later.kind == "STRING":
                    yield later, setting.text.lower()
                    break
                if later.kind == "SEMICOLON":
                    break


def _may_name_a_location(text: str) -> bool:
    """Whether ``text`` can hold a reported location at all, decided without tokenizing it.

    Why: the tokens come from sqlglot's DuckDB dialect, whose import is most of a
    one-file run (~0.15 s), while the usual ``init`` (``INSTALL postgres; LOAD
    postgres;``) has nothing to report. Every location is a STRING token; on DuckDB
    those only start at a ``'`` or are the rest of a statement after a command
    keyword (``EXECUTE …``), which can only come before a STRING that
    ``_sources`` reads in the repository-setting window. So: without an
    extension-repository setting, a text with no ``'`` reports nothing.
    """
    lowered = text.lower()
    if "extension_repository" in lowered:
        return True
    return "install" in lowered and "'" in text


def check(project: FlapiProject) -> Iterator[Finding]:
    for connection in project.connections:
        sql = connection.init_sql
        if sql is None or not _may_name_a_location(sql.text):
            continue
        for token, how in _sources(sql.tokens):
            location = token.text.strip()
            if not location or location.lower() in _NAMED:
                continue
            scheme = location.split("://", 1)[0].lower() if "://" in location else ""
            span = sql.span(token.start + 1, token.end - 1)  # inside the quotes
            if scheme == "http":
                level = Level.ERROR
                risk = (
                    "over plain HTTP: anyone on the network path (Wi-Fi, proxy, DNS) can hand the server a native "
                    "library of their choosing"
                )
            else:
                level = Level.WARNING
                where = f"`{scheme}://` location" if scheme else "file or location"
                risk = (
                    f"from a {where} outside DuckDB's own repositories: whoever controls it controls native code "
                    "inside the server"
                )
            shown = location if len(location) <= 80 else location[:77] + "..."
            yield Finding(
                span=span,
                message=(
                    f"connection `{connection.name}` installs a DuckDB extension ({how} `{shown}`) at every start "
                    f"{risk}; flAPI sets `allow_unsigned_extensions=true`, so DuckDB loads it unsigned. Install "
                    "from DuckDB's signed repositories (`INSTALL x` or `INSTALL x FROM community`), or vendor a "
                    "reviewed build"
                ),
                level=level,
                logical_location=f"connections.{connection.name}.init",
                identity=location,
                related=include_sites(project.document, span),
            )


RULE = Rule(
    id="CHAIN005",
    name="flapi-extension-from-untrusted-repository",
    category="supply-chain",
    level=Level.ERROR,
    security_severity=8.5,
    precision="high",
    cwe=(494, 829),
    short_description=(
        "A connection's `init` installs a DuckDB extension from a URL or repository DuckDB does not sign."
    ),
    full_description=(
        "`INSTALL x FROM '<url>'`, `INSTALL '<url>'` and `SET custom_extension_repository = '<url>'` in "
        "`connections.*.init` fetch a DuckDB extension (a native shared library) from that location each "
        "time flAPI starts. DuckDB normally refuses extensions without DuckDB's signature, but flAPI always "
        "sets `allow_unsigned_extensions=true`, so whatever the location serves is loaded into the server "
        "process. Plain `http://` is an error (anyone on the network path can substitute the library); any "
        "other location (`https://`, `s3://`, a file path) is a warning (it is as trustworthy as whoever "
        "controls it). DuckDB's named repositories (`core`, `core_nightly`, `community`) and a bare "
        "`INSTALL httpfs` are not reported. Verified on flAPI 26.10.2 (served: "
        "`current_setting('allow_unsigned_extensions')` is true) and 26.10.2 and 26.6.28 "
        "(`--validate-config` accepts `INSTALL x FROM 'http://…'` in `init`)."
    ),
    why=(
        "An extension runs with the server's privileges and sees every connection, secret and row; installing "
        "it unsigned from the network hands the server to whoever answers that URL."
    ),
    fix=(
        "Install from DuckDB's signed repositories (`INSTALL spatial;`, `INSTALL x FROM community;`), or ship a "
        "reviewed extension file with the deployment; never fetch extensions over `http://`."
    ),
    bad=Example(
        _files("INSTALL h3 FROM 'http://extensions.example.com/repo';\nLOAD h3;\nCREATE TABLE places (name TEXT);"),
        description="An unsigned native library over plain HTTP at every start:",
    ),
    good=Example(_files("INSTALL spatial;\nLOAD spatial;\nCREATE TABLE places (name TEXT);")),
    target=Target.FLAPI_PROJECT,
    check=check,
    references=("https://duckdb.org/docs/stable/extensions/overview",),
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_versions_and_beliefs.py"
        "::test_install_from_http_downloads_from_that_url_at_start, "
        "tests/conformance/test_versions_and_beliefs.py"
        "::test_flapi_allows_unsigned_extensions_and_starts_despite_install_from_http)"
    ),
)

RULES = (RULE,)
