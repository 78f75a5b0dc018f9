"""The entities a policy can address, their fields (with the product's defaults) and predicates.

This table is the public, versioned API of policies (``version: 1``): the
reference ``docs/policies-reference.md`` is generated from it
(``python -m mcplint.policies.reference``), and a test keeps the two in sync.
Each entity is enumerated from one model unit kind (:class:`Target`), so a
policy runs exactly where the built-in rules run: in the same workers, on the
same per-file units, with includes resolved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from mcplint.model.model import Target
from mcplint.policies.facts import Record, Value, at, fixed, key_span, list_value, scalar_value, text_value
from mcplint.span import Span
from mcplint.tree import MappingNode, ScalarNode

FIELD_TYPES = ("string", "integer", "number", "boolean", "list", "records", "section")


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str  # one of FIELD_TYPES
    doc: str
    default: object = None  # the product's default when the key is absent
    records: str = ""  # for type "records": the entity of the items
    quotable: bool = True  # False: never shown in a message (`{value}`, `{field}`): it may hold a credential


@dataclass(frozen=True)
class EntityDef:
    name: str
    target: Target
    doc: str
    fields: tuple[FieldDef, ...]
    records: Callable[[object], Iterator[Record]]
    predicates: tuple[str, ...] = ()  # entity predicates usable as ``is:``

    def field(self, name: str) -> FieldDef | None:
        return next((f for f in self.fields if f.name == name), None)


def F(name: str, type_: str, doc: str, default: object = None, records: str = "",  # noqa: N802
      quotable: bool = True) -> FieldDef:
    return FieldDef(name, type_, doc, default, records, quotable)


# ------------------------------------------------------------------ flAPI


def _project_records(project) -> Iterator[Record]:  # type: ignore[no-untyped-def]
    yield project_record(project)


def project_record(project) -> Record:  # type: ignore[no-untyped-def]
    mapping: MappingNode = project.mapping
    anchor = mapping.pairs[0][0].span if mapping.pairs else project.document.source.span(0, 0)
    name = mapping.get_scalar("project-name")
    r = Record("project", anchor, f"project `{name.text if name else project.document.path}`")
    r.fields = {
        "project-name": text_value(name, anchor),
        "file": fixed(project.document.path, anchor),
        "template.path": at(mapping, "template.path", anchor),
        "template.environment-whitelist": at(mapping, "template.environment-whitelist", anchor, "list"),
        "http-host": at(mapping, "http-host", anchor, default="0.0.0.0"),
        "enforce-https.enabled": at(mapping, "enforce-https.enabled", anchor, "boolean", False),
        "auth.enabled": at(mapping, "auth.enabled", anchor, "boolean", False),
        "mcp.enabled": at(mapping, "mcp.enabled", anchor, "boolean", True),
        "mcp.auth.enabled": at(mapping, "mcp.auth.enabled", anchor, "boolean", False),
        "mcp.auth.type": at(mapping, "mcp.auth.type", anchor, default="bearer"),
        "mcp.strict-descriptions": at(mapping, "mcp.strict-descriptions", anchor, "boolean", False),
        "audit.enabled": at(mapping, "audit.enabled", anchor, "boolean", False),
        "cors.allow-origins": at(mapping, "cors.allow-origins", anchor, "list"),
        "connections": lambda: Value([connection_record(c, project) for c in project.connections],
                                     key_span(mapping, "connections") or anchor, bool(project.connections)),
    }
    return r


def connection_record(connection, project) -> Record:  # type: ignore[no-untyped-def]
    anchor = connection.key.span
    r = Record("connection", anchor, f"connection `{connection.name}`")
    props = connection.properties
    r.fields = {
        "name": fixed(connection.name, anchor),
        # Not the `init` text: it often holds credentials (CREATE SECRET …).
        "has-init": Value(connection.init is not None, connection.init.span if connection.init is not None else anchor,
                          connection.init is not None),
        "properties": Value([Value(k.text, k.span, True) for k, _ in props.pairs if isinstance(k, ScalarNode)],
                            key_span(connection.node, "properties") or anchor, True) if props is not None
        else Value(None, anchor, False),
        "file": fixed(project.document.path, anchor),
    }
    return r


def _connection_records(project) -> Iterator[Record]:  # type: ignore[no-untyped-def]
    for connection in project.connections:
        yield connection_record(connection, project)


def _endpoint_anchor(endpoint) -> Span:  # type: ignore[no-untyped-def]
    if endpoint.url_path is not None:
        return endpoint.url_path.span
    for entry in endpoint.mcp_entries:
        return entry.key.span
    mapping = endpoint.document.mapping
    if mapping is not None and mapping.pairs:
        return mapping.pairs[0][0].span
    return endpoint.document.source.span(0, 0)


def _writes_data(endpoint) -> bool:  # type: ignore[no-untyped-def]
    from mcplint.policies.sql_tables import template_tables

    if endpoint.method.upper() in ("POST", "PUT", "PATCH") and endpoint.url_path is not None:
        return True
    operation = endpoint.mapping.get_map("operation")
    if operation is not None and (operation.get_text("type") or "").lower() == "write":
        return True
    return any(t.access == "write" for t in template_tables(endpoint).tables)


def _common_endpoint_fields(endpoint, anchor: Span) -> dict:  # type: ignore[no-untyped-def]
    mapping = endpoint.mapping
    connection_node = mapping.get("connection")
    mcp_auth = endpoint.project.mcp_auth if endpoint.project is not None else None
    mcp_auth_enabled = (
        Value(mcp_auth.enabled if mcp_auth.enabled is not None else False,
              mcp_auth.key.span, mcp_auth.enabled is not None)
        if mcp_auth is not None else Value(False, anchor, False)
    )
    return {
        "file": fixed(endpoint.document.path, anchor),
        "url-path": text_value(endpoint.url_path, anchor),
        "method": at(mapping, "method", anchor, default="GET"),
        "connection": list_value(connection_node, key_span(mapping, "connection") or anchor),
        "template-source": text_value(endpoint.template_source, anchor),
        "auth.enabled": at(mapping, "auth.enabled", anchor, "boolean", False),
        "auth.type": at(mapping, "auth.type", anchor),
        "mcp-auth.enabled": mcp_auth_enabled,
    }


def _endpoint_records(endpoint) -> Iterator[Record]:  # type: ignore[no-untyped-def]
    anchor = _endpoint_anchor(endpoint)
    mapping = endpoint.mapping
    r = Record("endpoint", anchor, endpoint.display_name)
    r.fields = _common_endpoint_fields(endpoint, anchor)
    r.fields.update({
        "rate-limit.enabled": at(mapping, "rate-limit.enabled", anchor, "boolean", False),
        "rate-limit.max": at(mapping, "rate-limit.max", anchor, "integer", 100),
        "rate-limit.interval": at(mapping, "rate-limit.interval", anchor, "integer", 60),
        "request-fields-validation": at(mapping, "request-fields-validation", anchor, "boolean", False),
        "mcp-tool": at(mapping, "mcp-tool", anchor, "section"),
        "mcp-resource": at(mapping, "mcp-resource", anchor, "section"),
        "mcp-prompt": at(mapping, "mcp-prompt", anchor, "section"),
        "mcp-tool.name": at(mapping, "mcp-tool.name", anchor),
        "mcp-tool.allowed-roles": at(mapping, "mcp-tool.allowed-roles", anchor, "list"),
        "request": lambda: Value([_request_record(endpoint, f) for f in endpoint.request],
                                 key_span(mapping, "request") or anchor, bool(endpoint.request)),
    })
    r.predicates["writes-data"] = lambda: _writes_data(endpoint)
    yield r


def _mcp_records(kind: str) -> Callable[[object], Iterator[Record]]:
    def records(endpoint) -> Iterator[Record]:  # type: ignore[no-untyped-def]
        for entry in endpoint.mcp_entries:
            if entry.kind != kind:
                continue
            anchor = entry.key.span
            node = entry.node
            r = Record(kind, anchor, f"{kind} `{entry.name}`" if entry.name else f"{kind} in {endpoint.document.path}")
            r.fields = _common_endpoint_fields(endpoint, anchor)
            limit_max = at(node, "rate-limit.max", anchor, "integer", 100)
            interval = at(node, "rate-limit.interval", anchor, "integer", 60)
            per_minute = None
            if isinstance(limit_max.value, int) and isinstance(interval.value, int) and interval.value > 0:
                per_minute = limit_max.value * 60 / interval.value
                per_minute = int(per_minute) if per_minute == int(per_minute) else per_minute
            r.fields.update({
                "name": at(node, "name", anchor),
                "description": at(node, "description", anchor),
                "allowed-roles": at(node, "allowed-roles", anchor, "list"),
                "rate-limit.enabled": at(node, "rate-limit.enabled", anchor, "boolean", False),
                "rate-limit.max": limit_max,
                "rate-limit.interval": interval,
                "rate-limit.per-minute": Value(per_minute, limit_max.where if limit_max.written else interval.where,
                                               limit_max.written or interval.written),
            })
            r.predicates["writes-data"] = lambda e=endpoint: _writes_data(e)
            yield r

    return records


def _request_record(endpoint, field) -> Record:  # type: ignore[no-untyped-def]
    anchor = field.name_node.span if field.name_node is not None else field.node.span
    r = Record("request-field", anchor, f"request field `{field.name}`")
    r.fields = {
        "name": fixed(field.name, anchor, field.name is not None),
        "in": at(field.node, "field-in", anchor, default="query"),
        "required": at(field.node, "required", anchor, "boolean", False),
        "description": at(field.node, "description", anchor),
        "default": at(field.node, "default", anchor),
        "validators": Value([_validator_record(field, v) for v in field.validators],
                            key_span(field.node, "validators") or anchor, bool(field.validators)),
        "file": fixed(endpoint.document.path, anchor),
    }
    return r


def _validator_record(field, validator) -> Record:  # type: ignore[no-untyped-def]
    node = validator.node
    anchor = key_span(node, "type") or node.span
    r = Record("validator", anchor, f"{validator.type or 'untyped'} validator of `{field.name}`")
    r.fields = {
        "field": fixed(field.name, anchor, field.name is not None),
        "type": at(node, "type", anchor),
        "regex": at(node, "regex", anchor),
        "min": at(node, "min", anchor, "number"),
        "max": at(node, "max", anchor, "number"),
        "allowed-values": at(node, "allowedValues", anchor, "list"),
        "prevent-sql-injection": at(node, "preventSqlInjection", anchor, "boolean", True),
    }
    return r


def _request_field_records(endpoint) -> Iterator[Record]:  # type: ignore[no-untyped-def]
    for field in endpoint.request:
        yield _request_record(endpoint, field)


def _validator_records(endpoint) -> Iterator[Record]:  # type: ignore[no-untyped-def]
    for field in endpoint.request:
        for validator in field.validators:
            yield _validator_record(field, validator)


def _template_records(endpoint) -> Iterator[Record]:  # type: ignore[no-untyped-def]
    from mcplint.policies.sql_tables import template_tables

    if endpoint.template_source is None:
        return
    anchor = endpoint.template_source.span
    r = Record("template", anchor, f"template `{endpoint.template_source.text}`")

    def tables(access: str) -> Callable[[], Value]:
        def compute() -> Value:
            found = template_tables(endpoint).tables
            return Value([Value(_qualified(t), t.span, True) for t in found if t.access == access], anchor, True)

        return compute

    r.fields = {
        "path": fixed(endpoint.template_source.text, anchor),
        "status": fixed(endpoint.template_status or "loaded", anchor),
        "parses": lambda: Value(template_tables(endpoint).error is None, anchor, True),
        "tables-read": tables("read"),
        "tables-written": tables("write"),
        "file": fixed(endpoint.document.path, anchor),
    }
    r.predicates["writes-data"] = lambda: _writes_data(endpoint)
    yield r


def _qualified(table) -> str:  # type: ignore[no-untyped-def]
    return ".".join(p for p in (table.catalog, table.schema, table.name) if p)


def _sql_table_records(endpoint) -> Iterator[Record]:  # type: ignore[no-untyped-def]
    from mcplint.policies.sql_tables import template_tables

    if endpoint.template is None:
        return
    found = template_tables(endpoint)
    if found.error is not None:
        anchor = endpoint.template_source.span if endpoint.template_source is not None else endpoint.template.span(0, 0)
        r = Record("sql-table", anchor, f"tables of `{endpoint.template.path}` (the SQL does not parse)")
        r.fields = {"known": fixed(False, anchor), "template": fixed(endpoint.template.path, anchor)}
        yield r
        return
    for table in found.tables:
        r = Record("sql-table", table.span, f"table `{_qualified(table)}`")
        r.fields = {
            "name": fixed(table.name, table.span),
            "schema": fixed(table.schema, table.schema_span or table.span, table.schema is not None),
            "catalog": fixed(table.catalog, table.catalog_span or table.span, table.catalog is not None),
            "qualified-name": fixed(_qualified(table), table.span),
            "access": fixed(table.access, table.span),
            "known": fixed(not table.dynamic, table.span),
            "template": fixed(endpoint.template.path, table.span),
        }
        yield r


def _auth_records(block) -> Iterator[Record]:  # type: ignore[no-untyped-def]
    anchor = block.key.span
    r = Record("auth", anchor, f"`{block.location_name}` block in {block.document.path}")
    mapping = block.mapping
    r.fields = {
        "scope": fixed(block.scope, anchor),
        "enabled": at(mapping, "enabled", anchor, "boolean", False),
        "type": at(mapping, "type", anchor, default="bearer" if block.scope == "mcp" else None),
        "users": Value([_user_record(block, u) for u in block.users], key_span(mapping, "users") or anchor,
                       bool(block.users)),
        "file": fixed(block.document.path, anchor),
    }
    yield r


def _user_record(block, user) -> Record:  # type: ignore[no-untyped-def]
    anchor = key_span(user.node, "username") or user.node.span
    r = Record("auth-user", anchor, f"user `{user.username}`")
    password = user.node.get_scalar("password")
    from_env = password is not None and ("{{env." in password.text or "${" in password.text)
    r.fields = {
        "username": at(user.node, "username", anchor),
        "roles": at(user.node, "roles", anchor, "list"),
        # Never the password itself: a policy can ask where it comes from, not what it is.
        "password-from-env": Value(from_env, password.span if password is not None else anchor, password is not None),
        "scope": fixed(block.scope, anchor),
    }
    return r


def _auth_user_records(block) -> Iterator[Record]:  # type: ignore[no-untyped-def]
    for user in block.users:
        yield _user_record(block, user)


# ------------------------------------------------------------ MCP clients, services


def _client_server_records(config) -> Iterator[Record]:  # type: ignore[no-untyped-def]
    from mcplint.policies.launch import launch_of

    for server in config.servers:
        anchor = server.key.span
        r = Record("client-server", anchor, f"MCP server `{server.name}`")
        launch = launch_of(server, config.document.source)
        pinned_at = launch.version_span or launch.package_span or anchor
        r.fields = {
            "name": fixed(server.name, anchor),
            "client": fixed(config.client, anchor),
            "transport": fixed("stdio" if server.command is not None else "http" if server.url is not None
                               else "unknown", anchor),
            "command": text_value(server.command, anchor),
            "url": text_value(server.url, anchor),
            "args": Value([Value(a.text, a.span, True) for a in server.args], key_span(server.node, "args") or anchor,
                          bool(server.args)),
            "env": Value([Value(k.text, k.span, True) for k, _ in server.env.pairs if isinstance(k, ScalarNode)],
                         key_span(server.node, "env") or anchor, True) if server.env is not None
            else Value(None, anchor, False),
            "disabled": Value(launch.disabled, anchor, True),
            "runner": Value(launch.runner, launch.runner_span or anchor, launch.runner is not None),
            "package": Value(launch.package, launch.package_span or anchor, launch.package is not None),
            "version": Value(launch.version, pinned_at, launch.version is not None),
            "pinned": Value(launch.pinned, pinned_at, launch.package is not None),
            "file": fixed(config.document.path, anchor),
        }
        yield r


def _fluxbase_records(config) -> Iterator[Record]:  # type: ignore[no-untyped-def]
    from mcplint.rules.authorization.fluxbase_authz import setting

    root = config.document.mapping
    if root is None or not root.pairs:
        return
    anchor = root.pairs[0][0].span
    pair = setting(root, "mcp")
    block = pair[1] if pair is not None and isinstance(pair[1], MappingNode) else None
    mcp_anchor = pair[0].span if pair is not None else anchor

    def value(key: str, kind: str, default: object = None) -> Value:
        found = setting(block, key)
        if found is None:
            return Value(default, mcp_anchor, False)
        if kind == "list":
            return list_value(found[1], found[0].span, comma_separated=True)
        converted = scalar_value(found[1], kind)
        return Value(converted if converted is not None else default, found[1].span, True)

    r = Record("fluxbase", anchor, f"Fluxbase config {config.document.path}")
    r.fields = {
        "mcp.enabled": value("enabled", "boolean", True),
        "mcp.allowed_tools": value("allowed_tools", "list"),
        "mcp.allowed_resources": value("allowed_resources", "list"),
        "mcp.rate_limit_per_min": value("rate_limit_per_min", "integer", 100),
        "file": fixed(config.document.path, anchor),
    }
    yield r


def _pgedge_records(config) -> Iterator[Record]:  # type: ignore[no-untyped-def]
    root = config.document.mapping
    if root is None or not root.pairs:
        return
    anchor = root.pairs[0][0].span
    r = Record("pgedge", anchor, f"pgEdge {config.kind} file {config.document.path}")
    r.fields = {
        "kind": fixed(config.kind, anchor),
        "http.enabled": at(root, "http.enabled", anchor, "boolean", False),
        "http.address": at(root, "http.address", anchor),
        "http.tls.enabled": at(root, "http.tls.enabled", anchor, "boolean", False),
        "http.auth.enabled": at(root, "http.auth.enabled", anchor, "boolean", True),
        "file": fixed(config.document.path, anchor),
    }
    yield r


def _tool_list_records(tool_list) -> Iterator[Record]:  # type: ignore[no-untyped-def]
    for tool in tool_list.tools:
        name = tool.node.get_scalar("name")
        anchor = name.span if name is not None else tool.node.span
        r = Record("tool-list-entry", anchor, f"{tool.kind} `{tool.name}`")
        description = tool.description
        r.fields = {
            "name": text_value(name, anchor),
            "kind": fixed(tool.kind, anchor),
            "description": text_value(description, anchor),
            "description-length": Value(len(description.text) if description is not None else 0,
                                        description.span if description is not None else anchor,
                                        description is not None),
            "file": fixed(tool_list.document.path, anchor),
        }
        yield r


# ------------------------------------------------------------------ the table

_FILE = F("file", "string", "Path of the file that holds the entity (relative to the scan root).")
_ENDPOINT_COMMON = (
    F("url-path", "string", "`url-path` of the endpoint (absent for MCP-only endpoints)."),
    F("method", "string", "HTTP method of the REST endpoint.", "GET"),
    F("connection", "list", "Connection names in `connection` (a single name counts as a one-item list)."),
    F("template-source", "string", "The `template-source` value as written."),
    F("auth.enabled", "boolean", "The endpoint's `auth.enabled` (REST only: endpoint auth never protects MCP calls).",
      False),
    F("auth.type", "string", "The endpoint's `auth.type`."),
    F("mcp-auth.enabled", "boolean", "The project's `mcp.auth.enabled`: the only authentication of MCP calls.", False),
    _FILE,
)
_MCP_FIELDS = (
    F("name", "string", "The entry's `name`."),
    F("description", "string", "The entry's `description` (what the model reads)."),
    F("allowed-roles", "list", "`allowed-roles`: roles that may call it (enforced only with `mcp.auth.enabled`)."),
    F("rate-limit.enabled", "boolean", "`rate-limit.enabled` of the entry.", False),
    F("rate-limit.max", "integer", "`rate-limit.max`: calls per interval.", 100),
    F("rate-limit.interval", "integer", "`rate-limit.interval` in seconds.", 60),
    F("rate-limit.per-minute", "number", "Derived: `max * 60 / interval`, the calls a minute flAPI allows "
      "(when `rate-limit.enabled` is true).", 100),
    *_ENDPOINT_COMMON,
)

ENTITIES: dict[str, EntityDef] = {
    e.name: e
    for e in (
        EntityDef("project", Target.FLAPI_PROJECT, "A flAPI main configuration (`flapi.yaml`), includes resolved.", (
            F("project-name", "string", "`project-name`."),
            F("template.path", "string", "`template.path`: where the SQL templates live (may be remote; never quoted "
              "in messages).", quotable=False),
            F("template.environment-whitelist", "list", "Regexes of environment names templates may read."),
            F("http-host", "string", "`http-host`: the interface flAPI listens on.", "0.0.0.0"),
            F("enforce-https.enabled", "boolean", "`enforce-https.enabled`: flAPI's only TLS switch.", False),
            F("auth.enabled", "boolean", "Global `auth.enabled` (parsed, never enforced on endpoints).", False),
            F("mcp.enabled", "boolean", "`mcp.enabled`.", True),
            F("mcp.auth.enabled", "boolean", "`mcp.auth.enabled`: the only authentication of MCP calls.", False),
            F("mcp.auth.type", "string", "`mcp.auth.type`.", "bearer"),
            F("mcp.strict-descriptions", "boolean", "`mcp.strict-descriptions`.", False),
            F("audit.enabled", "boolean", "`audit.enabled`.", False),
            F("cors.allow-origins", "list", "`cors.allow-origins` (absent or empty means `*` in flAPI)."),
            F("connections", "records", "The connections, as `connection` records.", records="connection"),
            _FILE,
        ), _project_records),
        EntityDef("connection", Target.FLAPI_PROJECT, "One entry of the main configuration's `connections`.", (
            F("name", "string", "The connection's name."),
            F("has-init", "boolean", "Whether it has `init` SQL (its text is not exposed: it often holds "
              "credentials)."),
            F("properties", "list", "Names of the keys under `properties` (their values are not exposed)."),
            _FILE,
        ), _connection_records),
        EntityDef("endpoint", Target.ENDPOINT, "An endpoint file (REST, MCP or both), includes resolved.", (
            *_ENDPOINT_COMMON,
            F("rate-limit.enabled", "boolean", "The file's top-level `rate-limit.enabled` (the REST limit).", False),
            F("rate-limit.max", "integer", "Top-level `rate-limit.max`.", 100),
            F("rate-limit.interval", "integer", "Top-level `rate-limit.interval` in seconds.", 60),
            F("request-fields-validation", "boolean", "`request-fields-validation`.", False),
            F("mcp-tool", "section", "Whether the file declares `mcp-tool` (use with `exists`)."),
            F("mcp-resource", "section", "Whether the file declares `mcp-resource`."),
            F("mcp-prompt", "section", "Whether the file declares `mcp-prompt`."),
            F("mcp-tool.name", "string", "`mcp-tool.name`."),
            F("mcp-tool.allowed-roles", "list", "`mcp-tool.allowed-roles`."),
            F("request", "records", "The request fields, as `request-field` records.", records="request-field"),
        ), _endpoint_records, ("writes-data",)),
        EntityDef("tool", Target.ENDPOINT, "An `mcp-tool` of an endpoint file.", _MCP_FIELDS,
                  _mcp_records("tool"), ("writes-data",)),
        EntityDef("resource", Target.ENDPOINT, "An `mcp-resource` of an endpoint file.", _MCP_FIELDS,
                  _mcp_records("resource"), ("writes-data",)),
        EntityDef("prompt", Target.ENDPOINT, "An `mcp-prompt` of an endpoint file.", _MCP_FIELDS,
                  _mcp_records("prompt"), ("writes-data",)),
        EntityDef("request-field", Target.ENDPOINT, "One entry of an endpoint's `request`.", (
            F("name", "string", "`field-name`."),
            F("in", "string", "`field-in` (documentation only in flAPI).", "query"),
            F("required", "boolean", "`required`.", False),
            F("description", "string", "`description`."),
            F("default", "string", "`default`."),
            F("validators", "records", "Its validators, as `validator` records.", records="validator"),
            _FILE,
        ), _request_field_records),
        EntityDef("validator", Target.ENDPOINT, "One validator of a request field.", (
            F("field", "string", "The request field's name."),
            F("type", "string", "`type`: int, string, enum, email, uuid, date, time."),
            F("regex", "string", "`regex` (flAPI matches it in full)."),
            F("min", "number", "`min`."),
            F("max", "number", "`max`."),
            F("allowed-values", "list", "`allowedValues` (camelCase: the spelling flAPI reads)."),
            F("prevent-sql-injection", "boolean", "`preventSqlInjection` (camelCase: the spelling flAPI reads).",
              True),
        ), _validator_records),
        EntityDef("template", Target.ENDPOINT, "The SQL template an endpoint names in `template-source`.", (
            F("path", "string", "`template-source` as written."),
            F("status", "string", "loaded, remote, env, missing, outside-root or unreadable."),
            F("parses", "boolean", "Whether the template (every section shown) parses as DuckDB SQL."),
            F("tables-read", "list", "Tables it reads (`schema.table` as written)."),
            F("tables-written", "list", "Tables it writes (INSERT, UPDATE, DELETE, MERGE, CREATE, DROP, ALTER, "
              "TRUNCATE)."),
            _FILE,
        ), _template_records, ("writes-data",)),
        EntityDef("sql-table", Target.ENDPOINT, "A table an endpoint's template names, positioned in the template. "
                  "A template that does not parse yields one record with `known: false`.", (
            F("name", "string", "Table name."),
            F("schema", "string", "Schema (`db` in sqlglot's terms), when written."),
            F("catalog", "string", "Catalog (an attached database), when written."),
            F("qualified-name", "string", "`catalog.schema.name` as far as written."),
            F("access", "string", "`read` or `write`."),
            F("known", "boolean", "False when a part of the name comes from a template value (or the SQL does "
              "not parse): see `on-unknown`."),
            F("template", "string", "Path of the template file."),
        ), _sql_table_records),
        EntityDef("auth", Target.AUTH_BLOCK, "An `auth` block: an endpoint's, `mcp.auth`, or the global one.", (
            F("scope", "string", "endpoint, mcp or global."),
            F("enabled", "boolean", "`enabled`.", False),
            F("type", "string", "`type` (`mcp.auth` defaults to bearer).", "bearer (mcp scope)"),
            F("users", "records", "The users, as `auth-user` records.", records="auth-user"),
            _FILE,
        ), _auth_records),
        EntityDef("auth-user", Target.AUTH_BLOCK, "A user of an `auth` block (its password is never exposed).", (
            F("username", "string", "`username`."),
            F("roles", "list", "`roles`."),
            F("password-from-env", "boolean", "Whether the password is a reference (`{{env.X}}`, `${X}`)."),
            F("scope", "string", "The block's scope: endpoint, mcp or global."),
        ), _auth_user_records),
        EntityDef("client-server", Target.CLIENT_CONFIG, "A server entry of an MCP client configuration, with how it "
                  "is launched.", (
            F("name", "string", "The server's key."),
            F("client", "string", "claude-desktop, claude-code, cursor, vscode, windsurf, zed, cline or generic."),
            F("transport", "string", "stdio (a command), http (a url) or unknown."),
            F("command", "string", "`command` (never quoted in messages).", quotable=False),
            F("url", "string", "`url` (never quoted in messages: it may carry a token).", quotable=False),
            F("args", "list", "`args` (never quoted in messages: they may carry a token).", quotable=False),
            F("env", "list", "Names of the `env` variables (their values are not exposed)."),
            F("disabled", "boolean", "Whether the entry is switched off (`disabled: true` or `enabled: false`)."),
            F("runner", "string", "What fetches the package at start: npx, bunx, pnpx, uvx, npm exec, pnpm dlx, "
              "yarn dlx, pipx run, uv tool run, docker run (also through a shell wrapper)."),
            F("package", "string", "The package (or image) it runs, without version."),
            F("version", "string", "The version (or tag/digest) written after the package."),
            F("pinned", "boolean", "Whether that version is exact (npm x.y.z, `==x.y`, a commit, an image digest)."),
            _FILE,
        ), _client_server_records),
        EntityDef("fluxbase", Target.FLUXBASE, "A Fluxbase configuration (keys read case-insensitively, as viper "
                  "does).", (
            F("mcp.enabled", "boolean", "`mcp.enabled`.", True),
            F("mcp.allowed_tools", "list", "`mcp.allowed_tools` (a YAML list or a comma-separated string; empty "
              "or absent means every tool)."),
            F("mcp.allowed_resources", "list", "`mcp.allowed_resources`."),
            F("mcp.rate_limit_per_min", "integer", "`mcp.rate_limit_per_min` (0 means no limit).", 100),
            _FILE,
        ), _fluxbase_records),
        EntityDef("pgedge", Target.PGEDGE, "A pgEdge MCP server, tokens or users file.", (
            F("kind", "string", "server, tokens or users."),
            F("http.enabled", "boolean", "`http.enabled`.", False),
            F("http.address", "string", "`http.address`."),
            F("http.tls.enabled", "boolean", "`http.tls.enabled`.", False),
            F("http.auth.enabled", "boolean", "`http.auth.enabled`.", True),
            _FILE,
        ), _pgedge_records),
        EntityDef("tool-list-entry", Target.TOOL_LIST, "A tool, prompt or resource of an exported `tools/list` "
                  "(JSON).", (
            F("name", "string", "`name`."),
            F("kind", "string", "tool, prompt or resource."),
            F("description", "string", "`description`."),
            F("description-length", "integer", "Characters in `description`.", 0),
            _FILE,
        ), _tool_list_records),
    )
}
