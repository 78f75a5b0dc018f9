"""AUTHZ014–AUTHZ017: what a Fluxbase MCP server lets AI assistants do.

other-configs.md: ``mcp.allowed_tools: []`` (or absent) means every tool is
enabled, including ``insert_record``, ``update_record``, ``delete_record``;
``allowed_resources: []`` likewise. Fluxbase enables its MCP server by default
(``mcp.enabled`` defaults to true). Client keys carry scopes; dangerous ones are
``*``, ``execute:sql``, ``admin:ddl``, ``admin:schemas``, ``sync:migrations``,
and a key with no scopes is allowed everything. viper reads a list setting from
a YAML list or a comma-separated string.
"""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.lazy_re import lazy_compile
from mcplint.model import FluxbaseConfig, Target
from mcplint.model.values import as_bool
from mcplint.rules.authorization._tools import FLUXBASE_WRITE_TOOLS, can_write, is_wildcard
from mcplint.tree import MappingNode, Node, ScalarNode, SequenceNode, walk

_WRITE_EXAMPLES = "`insert_record`, `update_record`, `delete_record` and `execute_sql`"


def setting(mapping: MappingNode | None, key: str) -> tuple[ScalarNode, Node] | None:
    """A Fluxbase setting's (key, value): viper reads keys without regard to case."""
    if mapping is None:
        return None
    pair = mapping.get_pair(key)
    if pair is not None:
        return pair
    for k, v in mapping.pairs:
        if isinstance(k, ScalarNode) and k.text.lower() == key:
            return k, v
    return None


def setting_value(mapping: MappingNode | None, key: str) -> Node | None:
    pair = setting(mapping, key)
    return pair[1] if pair is not None else None


def _mcp(config: FluxbaseConfig) -> tuple[MappingNode, ScalarNode | None, MappingNode | None] | None:
    """(root, the `mcp` key, the `mcp` block) when Fluxbase's MCP server is on (explicitly or by default)."""
    root = config.mapping
    if root is None or not root.pairs:
        return None
    pair = setting(root, "mcp")
    block = pair[1] if pair is not None and isinstance(pair[1], MappingNode) else None
    if block is not None and as_bool(setting_value(block, "enabled")) is False:
        return None
    return root, (pair[0] if pair is not None else None), block


def _names(node: Node | None) -> list[tuple[ScalarNode, str]]:
    """Items of a list setting (YAML list or comma-separated string), with the node each is written in."""
    if isinstance(node, SequenceNode):
        return [(n, n.text.strip()) for n in node.items if isinstance(n, ScalarNode) and not n.is_null
                and n.text.strip()]
    if isinstance(node, ScalarNode) and not node.is_null:
        return [(node, part.strip()) for part in node.text.split(",") if part.strip()]
    return []


def _first_key(root: MappingNode) -> Node:
    key = root.pairs[0][0]
    return key


# ------------------------------------------------------------------ AUTHZ014


def check_all_tools(config: FluxbaseConfig) -> Iterator[Finding]:
    found = _mcp(config)
    if found is None:
        return
    root, key, block = found
    if block is None:
        anchor = key if key is not None else _first_key(root)
        yield Finding(
            span=anchor.span,
            message=(
                "this Fluxbase config has no `mcp` block: Fluxbase enables its MCP server by default with every "
                f"tool ({_WRITE_EXAMPLES} included) and every resource; set `mcp.enabled: false`, or list "
                "the tools and resources AI assistants need in `mcp.allowed_tools` and `mcp.allowed_resources`"
            ),
            level=Level.NOTE,
            logical_location="mcp",
        )
        return
    pair = setting(block, "allowed_tools")
    if pair is not None and _names(pair[1]):
        wildcard = next((n for n, name in _names(pair[1]) if is_wildcard(name)), None)
        if wildcard is None:
            return
        anchor_node: Node = wildcard
    else:
        anchor_node = pair[1] if pair is not None and not (isinstance(pair[1], ScalarNode) and pair[1].is_null) \
            else (pair[0] if pair is not None else key)  # type: ignore[assignment]
    written = "is empty" if pair is not None else "is not set"
    if isinstance(anchor_node, ScalarNode) and is_wildcard(anchor_node.text):
        written = "is `*`"
    yield Finding(
        span=anchor_node.span,
        message=(
            f"Fluxbase `mcp.allowed_tools` {written}, which enables every MCP tool, {_WRITE_EXAMPLES} "
            "included: any AI assistant with a client key can change and delete data; list only the tools "
            "the assistants need (for read-only use: `[query_table]`)"
        ),
        logical_location="mcp.allowed_tools",
    )


_FLUX = "database:\n  host: localhost\n  user: fluxbase\n  password: ''\nmcp:\n  enabled: true\n{mcp}"
_KEYS = "tenants:\n  default:\n    client_keys:\n      - name: assistant\n        scopes: [{scopes}]\n"
_LISTED = "  allowed_tools: [query_table]\n  allowed_resources: [schema://tables]\n"

ALL_TOOLS = Rule(
    id="AUTHZ014",
    name="fluxbase-mcp-all-tools",
    category="authorization",
    level=Level.WARNING,
    security_severity=7.5,
    precision="high",
    cwe=(862, 250),
    short_description="Fluxbase's MCP server enables every tool, writes included.",
    full_description=(
        "`mcp.allowed_tools` is empty, missing or `*` while the MCP server is on: Fluxbase then enables "
        "every tool, including `insert_record`, `update_record`, `delete_record` and `execute_sql`. A config "
        "without an `mcp` block is reported as a note, because Fluxbase enables its MCP server by default. "
        "`mcp.enabled: false` silences the rule."
    ),
    why=(
        "An MCP client acts on text the model reads; with every tool enabled one prompt injection is enough "
        "to change or delete data within the client key's reach."
    ),
    fix="List the tools the assistants need in `mcp.allowed_tools` (e.g. `[query_table]` for read-only use).",
    bad=Example({"fluxbase.yaml": _FLUX.format(mcp="  allowed_tools: []\n  allowed_resources: [schema://tables]\n")}),
    good=Example(
        {"fluxbase.yaml": _FLUX.format(mcp="  allowed_tools: [query_table]\n  allowed_resources: [schema://tables]\n")}
    ),
    target=Target.FLUXBASE,
    check=check_all_tools,
    references=("https://owasp.org/www-project-top-10-for-large-language-model-applications/",),
)


# ------------------------------------------------------------------ AUTHZ015


def check_write_tools(config: FluxbaseConfig) -> Iterator[Finding]:
    found = _mcp(config)
    if found is None or found[2] is None:
        return
    for node, name in _names(setting_value(found[2], "allowed_tools")):
        if is_wildcard(name) or not can_write(name):
            continue
        known = " (a built-in tool that changes data or runs code)" if name in FLUXBASE_WRITE_TOOLS else ""
        yield Finding(
            span=node.span,
            message=(
                f"Fluxbase `mcp.allowed_tools` enables `{name}`{known}: AI assistants can change data through "
                "it, and so can any text they read that tells them to; keep it only if an assistant must "
                "write, and give that assistant's client key only the write scopes it needs"
            ),
            logical_location=node.logical_path,
            identity=name,
        )


WRITE_TOOLS = Rule(
    id="AUTHZ015",
    name="fluxbase-mcp-write-tools",
    category="authorization",
    level=Level.NOTE,
    security_severity=5.0,
    precision="medium",
    cwe=(862,),
    short_description="Fluxbase's MCP server enables a tool that changes data.",
    full_description=(
        "`mcp.allowed_tools` lists a tool that writes or runs code: Fluxbase's `insert_record`, "
        "`update_record`, `delete_record`, `execute_sql`, `invoke_function`, `invoke_rpc`, `submit_job`, "
        "`upload_object`, `delete_object`, `http_request`, the DDL and sync tools, or a custom tool whose "
        "name is an action (`create_…`, `send_…`). A note: some assistants need to write; confirm each one."
    ),
    why=(
        "Each write tool is reachable by every assistant whose client key has the scope, and by any prompt "
        "injection in the data those assistants read."
    ),
    fix="Remove write tools the assistants do not need; restrict the client keys' scopes for the rest.",
    bad=Example({"fluxbase.yaml": _FLUX.format(
        mcp="  allowed_tools: [query_table, delete_record]\n  allowed_resources: [schema://tables]\n")}),
    good=Example(
        {"fluxbase.yaml": _FLUX.format(mcp="  allowed_tools: [query_table]\n  allowed_resources: [schema://tables]\n")}
    ),
    target=Target.FLUXBASE,
    check=check_write_tools,
)


# ------------------------------------------------------------------ AUTHZ016


def check_all_resources(config: FluxbaseConfig) -> Iterator[Finding]:
    found = _mcp(config)
    if found is None or found[2] is None:
        return  # no `mcp` block: AUTHZ014 reports the default for tools and resources together
    block = found[2]
    pair = setting(block, "allowed_resources")
    names = _names(pair[1]) if pair is not None else []
    if names and not any(is_wildcard(n) for _, n in names):
        return
    key = found[1]
    anchor: Node
    if pair is None:
        anchor = key if key is not None else block
        written = "is not set"
    elif names:
        anchor = next(n for n, name in names if is_wildcard(name))
        written = "is `*`"
    else:
        anchor = pair[0] if isinstance(pair[1], ScalarNode) and pair[1].is_null else pair[1]
        written = "is empty"
    yield Finding(
        span=anchor.span,
        message=(
            f"Fluxbase `mcp.allowed_resources` {written}, which exposes every MCP resource (schemas, tables, "
            "functions, storage) to AI assistants; list the resources they need"
        ),
        logical_location="mcp.allowed_resources",
    )


ALL_RESOURCES = Rule(
    id="AUTHZ016",
    name="fluxbase-mcp-all-resources",
    category="authorization",
    level=Level.WARNING,
    security_severity=5.5,
    precision="high",
    cwe=(862, 200),
    short_description="Fluxbase's MCP server exposes every resource.",
    full_description=(
        "`mcp.allowed_resources` is empty, missing or `*` while the MCP server is on: every resource "
        "(database schemas, tables, functions, buckets) is readable by AI assistants. (A config without an "
        "`mcp` block is reported by `AUTHZ014`.)"
    ),
    why="Assistants see more of the database than their task needs, and so does any text that steers them.",
    fix="List the resources the assistants need in `mcp.allowed_resources`.",
    bad=Example({"fluxbase.yaml": _FLUX.format(mcp="  allowed_tools: [query_table]\n")},
                description="`allowed_resources` not set:"),
    good=Example(
        {"fluxbase.yaml": _FLUX.format(mcp="  allowed_tools: [query_table]\n  allowed_resources: [schema://tables]\n")}
    ),
    target=Target.FLUXBASE,
    check=check_all_resources,
)


# ------------------------------------------------------------------ AUTHZ017

_DANGEROUS = lazy_compile(r"^(?:\*|execute:sql|admin:.*|sync:migrations|sync:\*|write:\*)$")
_SCOPE_KEYS = ("scopes", "scope", "allowed_scopes")
_NOT_CLIENT_KEYS = ("oauth_providers", "saml_providers", "oauth")


def _scope_lists(root: MappingNode) -> Iterator[tuple[ScalarNode, Node]]:
    for node in walk(root):
        if not isinstance(node, MappingNode):
            continue
        if any(isinstance(step, str) and step in _NOT_CLIENT_KEYS for step in node.path):
            continue
        for key, value in node.pairs:
            if isinstance(key, ScalarNode) and key.text in _SCOPE_KEYS:
                yield key, value


def check_scopes(config: FluxbaseConfig) -> Iterator[Finding]:
    root = config.mapping
    if root is None:
        return
    for key, value in _scope_lists(root):
        names = _names(value)
        in_client_key = any(isinstance(s, str) and "client_key" in s.lower() for s in key.path)
        if not names and in_client_key:
            yield Finding(
                span=key.span,
                message=(
                    "this Fluxbase client key has no scopes, and a key without scopes is allowed everything "
                    "(SQL, DDL, migrations); list the scopes it needs"
                ),
                logical_location=key.logical_path,
            )
            continue
        for node, scope in names:
            if _DANGEROUS.match(scope):
                yield Finding(
                    span=node.span,
                    message=(
                        f"Fluxbase scope `{scope}` lets whoever holds the key run arbitrary SQL, change the "
                        "schema or deploy migrations; an AI assistant with it can be talked into any of that; "
                        "grant `read:*`/`write:*` table scopes instead"
                    ),
                    level=Level.ERROR if scope == "*" else None,
                    logical_location=node.logical_path,
                    identity=scope,
                )


DANGEROUS_SCOPES = Rule(
    id="AUTHZ017",
    name="fluxbase-dangerous-client-key-scopes",
    category="authorization",
    level=Level.WARNING,
    security_severity=7.5,
    precision="medium",
    cwe=(250, 269),
    short_description="A Fluxbase client key in the config has a dangerous scope, or none.",
    full_description=(
        "Wherever a Fluxbase config lists client-key scopes (`scopes`, `allowed_scopes`), the scopes `*` (an "
        "error), `execute:sql`, `admin:*` (`admin:ddl`, `admin:schemas`) and `sync:migrations` are reported, "
        "and so is an empty scope list under a client key, which Fluxbase treats as every scope. OAuth and "
        "SAML provider scopes (`openid`, `email`) are not client-key scopes and are skipped."
    ),
    why="These scopes turn a key meant for data access into a key that can run any SQL or change the schema.",
    fix="Grant the table scopes the client needs (`read:tables`, `write:tables`) and nothing administrative.",
    bad=Example({"fluxbase.yaml": _FLUX.format(mcp=_LISTED + _KEYS.format(scopes="read:tables, execute:sql"))}),
    good=Example({"fluxbase.yaml": _FLUX.format(mcp=_LISTED + _KEYS.format(scopes="read:tables"))}),
    target=Target.FLUXBASE,
    check=check_scopes,
)

RULES = (ALL_TOOLS, WRITE_TOOLS, ALL_RESOURCES, DANGEROUS_SCOPES)
