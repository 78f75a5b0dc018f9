"""AUTHZ019–AUTHZ020: the database role and write access pgEdge's MCP server gives the model.

other-configs.md: ``databases[]: {name, host, …, user, …}``; the security
guide asks for a read-only database role. The server's default user is
``postgres`` (a superuser) and ``PGEDGE_DB_USER``/``PGUSER`` override the first
entry; ``allow_writes: true`` lets the model run INSERT, UPDATE, DELETE and DDL
(the default is read-only transactions).
"""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import PgEdgeConfig, Target
from mcplint.model.values import as_bool
from mcplint.tree import MappingNode, ScalarNode

# Superusers by default in PostgreSQL and common distributions and services.
SUPERUSERS = frozenset({"postgres", "supabase_admin", "rdsadmin", "azure_superuser", "yugabyte", "root"})


def _databases(config: PgEdgeConfig) -> list[tuple[int, MappingNode]]:
    root = config.document.mapping
    databases = root.get_seq("databases") if root is not None and config.kind == "server" else None
    if databases is None:
        return []
    return [(i, d) for i, d in enumerate(databases.items) if isinstance(d, MappingNode) and d.pairs]


def _name(index: int, database: MappingNode) -> str:
    return database.get_text("name") or f"#{index}"


def check_superuser(config: PgEdgeConfig) -> Iterator[Finding]:
    for index, database in _databases(config):
        user = database.get_scalar("user")
        writes = as_bool(database.get("allow_writes")) is True
        if user is not None and not user.is_null and user.text.strip():
            name = user.text.strip()
            if name.lower() not in SUPERUSERS:
                continue
            anchor, written, level = user, f"as `{name}`, a superuser", Level.ERROR if writes else None
        else:
            first_key = database.pairs[0][0]
            assert isinstance(first_key, ScalarNode)
            anchor, written = first_key, "without a `user`, so as the default `postgres` (a superuser)"
            level = Level.ERROR if writes else Level.NOTE
        effect = (
            "with `allow_writes: true` it can also drop tables, alter roles and read files on the database host"
            if writes else
            "read-only transactions still let a superuser read every table of every schema and call functions "
            "such as `pg_read_file`"
        )
        yield Finding(
            span=anchor.span,
            message=(
                f"the pgEdge MCP server connects to database `{_name(index, database)}` {written}: {effect}; "
                "create a role that can only read the tables the model needs and use it here"
            ),
            level=level,
            logical_location=f"databases[{index}].user",
        )


def _pg(user: str, extra: str = "") -> dict[str, str]:
    return {
        "pgedge.yaml": (
            "http:\n  enabled: true\n  address: 127.0.0.1:8080\n  auth:\n    enabled: true\n"
            "    token_file: ./tokens.yaml\ndatabases:\n  - name: shop\n    host: localhost\n    database: shop\n"
            f"    user: {user}\n    sslmode: verify-full\n{extra}"
        )
    }


SUPERUSER = Rule(
    id="AUTHZ019",
    name="pgedge-superuser-database-user",
    category="authorization",
    level=Level.WARNING,
    security_severity=7.5,
    precision="high",
    cwe=(250, 269),
    short_description="The pgEdge MCP server connects to a database as a superuser.",
    full_description=(
        "A `databases` entry's `user` is `postgres` (or another well-known superuser: `supabase_admin`, "
        "`rdsadmin`, `azure_superuser`, `yugabyte`, `root`), or is missing, which means `postgres` unless "
        "`PGEDGE_DB_USER`/`PGUSER` is set (a note). With `allow_writes: true` it is an error."
    ),
    why=(
        "The model writes the SQL. As a superuser it can read every table and system catalog, and with "
        "writes allowed, drop data, change roles or run programs on the database server, whichever text "
        "persuaded it to."
    ),
    fix="Create a dedicated role with `SELECT` on the tables the model needs and set it as `user`.",
    bad=Example(_pg("postgres")),
    good=Example(_pg("mcp_reader")),
    target=Target.PGEDGE,
    check=check_superuser,
    references=("https://www.postgresql.org/docs/current/role-attributes.html",),
)


def check_allow_writes(config: PgEdgeConfig) -> Iterator[Finding]:
    for index, database in _databases(config):
        node = database.get("allow_writes")
        if as_bool(node) is not True:
            continue
        assert node is not None
        yield Finding(
            span=node.span,
            message=(
                f"`allow_writes: true` lets the model run INSERT, UPDATE, DELETE and DDL on database "
                f"`{_name(index, database)}`, without asking, whenever a prompt (or text it reads) asks for "
                "it; keep it false outside disposable development databases"
            ),
            logical_location=f"databases[{index}].allow_writes",
        )


ALLOW_WRITES = Rule(
    id="AUTHZ020",
    name="pgedge-allow-writes",
    category="authorization",
    level=Level.WARNING,
    security_severity=7.0,
    precision="very-high",
    cwe=(862,),
    short_description="The pgEdge MCP server lets the model write to a database.",
    full_description=(
        "`allow_writes: true` on a `databases` entry switches the server from read-only transactions to "
        "executing whatever statements the model produces. pgEdge's own example warns to enable it only "
        "where data loss is acceptable."
    ),
    why="The model may execute destructive statements without confirmation, on its own or because of injected text.",
    fix="Remove `allow_writes` (the default is read-only), or point the entry at a disposable copy.",
    bad=Example(_pg("mcp_reader", "    allow_writes: true\n")),
    good=Example(_pg("mcp_reader", "    allow_writes: false\n")),
    target=Target.PGEDGE,
    check=check_allow_writes,
)

RULES = (SUPERUSER, ALLOW_WRITES)
