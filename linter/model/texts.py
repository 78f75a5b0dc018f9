"""Texts an MCP client hands to the model, one unit each.

Tool, resource and prompt descriptions, request field descriptions (they
become the tool's input schema), prompt templates, ``mcp.instructions`` and
the file ``mcp.instructions-file`` names, and the descriptions in exported
``tools/list`` results (the tool's own and every ``description`` inside its
``inputSchema``). The tool-poisoning rules read these units; each carries a
way to turn an offset in its text into a source :class:`~mcplint.span.Span`
(also inside block scalars and JSON strings), and the names of every tool
known in the scan, for the rule about descriptions that steer other tools.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from mcplint.loaders.scalar_positions import value_span
from mcplint.model.flapi import CachedEndpoint, CachedUnit, CheckedEndpoint, Endpoint, FlapiProject, McpEntry
from mcplint.model.tools import ToolEntry, ToolListFile
from mcplint.source import SourceFile
from mcplint.span import Span
from mcplint.tree import MappingNode, Node, ScalarNode, walk

if TYPE_CHECKING:
    from mcplint.model.model import Model


class TextKind(str, Enum):
    TOOL_DESCRIPTION = "tool description"
    RESOURCE_DESCRIPTION = "resource description"
    PROMPT_DESCRIPTION = "prompt description"
    PROMPT_TEMPLATE = "prompt template"
    FIELD_DESCRIPTION = "request field description"
    INSTRUCTIONS = "server instructions"
    INSTRUCTIONS_FILE = "server instructions file"
    EXPORTED_TOOL_DESCRIPTION = "exported tool description"
    SCHEMA_DESCRIPTION = "input schema description"

    @property
    def is_entry_description(self) -> bool:
        """A tool/resource/prompt's own description (what hygiene rules judge)."""
        return self in (
            TextKind.TOOL_DESCRIPTION,
            TextKind.RESOURCE_DESCRIPTION,
            TextKind.PROMPT_DESCRIPTION,
            TextKind.EXPORTED_TOOL_DESCRIPTION,
        )


_ENTRY_KIND = {
    "tool": TextKind.TOOL_DESCRIPTION,
    "resource": TextKind.RESOURCE_DESCRIPTION,
    "prompt": TextKind.PROMPT_DESCRIPTION,
}

# Tool name -> ids of the servers that define it (a flAPI project, a tool-list
# file, a client-config server entry).
KnownTools = Mapping[str, frozenset[str]]


@dataclass(eq=False, slots=True)
class ModelText:
    """One model-visible text and where it came from.

    ``node`` is the scalar holding the text, or None for a whole file
    (``mcp.instructions-file``) or for a missing description, whose ``anchor``
    is then the key that should have had one.
    """

    text: str
    kind: TextKind
    owner: str  # how a message names the owner: "tool `get_orders`", "request field `id` of tool `x`"
    tool_name: str | None  # the tool/resource/prompt the text belongs to
    server: str  # id of the server that serves it (see KnownTools)
    flapi: bool  # served by flAPI (its description limits apply)
    source: SourceFile = field(repr=False)
    node: ScalarNode | None = field(repr=False)
    anchor: Span
    logical_location: str
    known_tools: KnownTools = field(repr=False, default_factory=dict)

    @property
    def unit_path(self) -> str:
        return self.anchor.path

    @property
    def where(self) -> str:
        """The text as a message names it: "the description of tool `x`"."""
        if self.kind is TextKind.PROMPT_TEMPLATE:
            return f"the template of {self.owner}"
        if self.kind is TextKind.INSTRUCTIONS:
            return "`mcp.instructions`"
        if self.kind is TextKind.INSTRUCTIONS_FILE:
            return f"the MCP instructions file {self.owner}"
        if self.kind is TextKind.SCHEMA_DESCRIPTION:
            return f"an input-schema description of {self.owner}"
        return f"the description of {self.owner}"

    @property
    def present(self) -> bool:
        """False for a description key that is missing or null."""
        if self.node is None:
            return self.kind is TextKind.INSTRUCTIONS_FILE
        return not self.node.is_null

    def span(self, start: int, end: int) -> Span:
        """Source span of ``text[start:end]``."""
        if self.node is not None:
            return value_span(self.source, self.node, start, end)
        if self.kind is TextKind.INSTRUCTIONS_FILE:
            return self.source.span(start, end)
        return self.anchor


def collect_texts(model: Model) -> list[ModelText | CachedUnit]:
    """Every model-visible text in the model, each once, in a stable order (the texts of an endpoint file
    the result cache vouched for are stand-ins, as many as it had)."""
    known = known_tools(model)
    out: list[ModelText | CachedUnit] = []
    seen: set[tuple[str, int, int, str]] = set()
    for text in _all_texts(model, known):
        if isinstance(text, CachedUnit):
            out.append(text)
            continue
        # A fragment included by several endpoints yields the same scalar
        # more than once; judge it once.
        key = (text.anchor.path, text.anchor.start_offset, text.anchor.end_offset, text.kind.value)
        if key in seen:
            continue
        seen.add(key)
        out.append(text)
    return out


def known_tools(model: Model) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for server, endpoints in _flapi_servers(model):
        for endpoint in endpoints:
            name = endpoint.tool_name
            if name:
                found.setdefault(name, set()).add(server)
    for tools in model.tool_lists:
        for tool in tools.tools:
            if tool.name and tool.kind == "tool":
                found.setdefault(tool.name, set()).add(_tool_list_server(tools))
    for config in model.client_configs:
        for server in config.servers:
            if server.name:
                found.setdefault(server.name, set()).add(f"client:{server.name}")
    shared: dict[frozenset[str], frozenset[str]] = {}  # most names have the same servers: one set for them all
    known: dict[str, frozenset[str]] = {}
    for name, servers in found.items():
        frozen = frozenset(servers)
        known[name] = shared.setdefault(frozen, frozen)
    return known


def endpoint_texts(model: Model, endpoint: Endpoint) -> list[ModelText]:
    """The endpoint's model-visible texts, as :func:`collect_texts` gives them (the tool names they are
    judged against are set there)."""
    server = f"flapi:{endpoint.project.document.path}" if endpoint.project is not None else "flapi:standalone"
    return list(_endpoint_texts(model, endpoint, server, {}))


def endpoint_text_files(model: Model, endpoint: Endpoint) -> set[str]:
    """The files the endpoint's model-visible texts are written in (fragments it includes, or itself)."""
    return {text.anchor.path for text in _endpoint_texts(model, endpoint, "", {})}


def _flapi_servers(model: Model) -> Iterator[tuple[str, list[Endpoint | CachedEndpoint]]]:
    for project in model.projects:
        yield f"flapi:{project.document.path}", project.endpoints
    if model.standalone_endpoints:
        # Endpoints found without their main config: the project is unknown,
        # so they are treated as one server.
        yield "flapi:standalone", list(model.standalone_endpoints)


def _tool_list_server(tools: ToolListFile) -> str:
    return f"tools:{tools.document.path}"


def _all_texts(model: Model, known: KnownTools) -> Iterator[ModelText | CachedUnit]:
    for project in model.projects:
        yield from _project_texts(model, project, known)
    for server, endpoints in _flapi_servers(model):
        for endpoint in endpoints:
            if isinstance(endpoint, CheckedEndpoint):  # its texts, kept whole: judged now
                for text in endpoint.texts:
                    text.known_tools = known
                    yield text
            elif isinstance(endpoint, CachedEndpoint):
                yield from endpoint.placeholders("model-text")
            else:
                yield from _endpoint_texts(model, endpoint, server, known)
    for tools in model.tool_lists:
        for tool in tools.tools:
            yield from _tool_list_texts(model, tools, tool, known)


def _scalar_text(
    model: Model,
    node: ScalarNode,
    kind: TextKind,
    owner: str,
    tool_name: str | None,
    server: str,
    flapi: bool,
    known: KnownTools,
) -> ModelText | None:
    source = model.sources.get(node.span.path)
    if source is None:
        return None
    return ModelText(
        text="" if node.is_null else node.text,
        kind=kind,
        owner=owner,
        tool_name=tool_name,
        server=server,
        flapi=flapi,
        source=source,
        node=node,
        anchor=node.span,
        logical_location=node.logical_path,
        known_tools=known,
    )


def _project_texts(model: Model, project: FlapiProject, known: KnownTools) -> Iterator[ModelText]:
    server = f"flapi:{project.document.path}"
    if project.instructions is not None:
        text = _scalar_text(
            model, project.instructions, TextKind.INSTRUCTIONS, "`mcp.instructions`", None, server, True, known
        )
        if text is not None:
            yield text
    source = project.instructions_file
    if source is not None:
        yield ModelText(
            text=source.text,
            kind=TextKind.INSTRUCTIONS_FILE,
            owner=f"`{source.path}`",
            tool_name=None,
            server=server,
            flapi=True,
            source=source,
            node=None,
            anchor=source.span(0, 0),
            logical_location="",
            known_tools=known,
        )


def _name(name: str) -> str:
    """A name from a scanned file, printable and short enough for a message."""
    shown = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in name[:60])
    return f"`{shown}`" + ("…" if len(name) > 60 else "")


def _entry_owner(entry: McpEntry, endpoint: Endpoint) -> str:
    return f"{entry.kind} {_name(entry.name)}" if entry.name else f"the {entry.kind} in `{endpoint.document.path}`"


def _endpoint_texts(model: Model, endpoint: Endpoint, server: str, known: KnownTools) -> Iterator[ModelText]:
    for entry in endpoint.mcp_entries:
        owner = _entry_owner(entry, endpoint)
        kind = _ENTRY_KIND[entry.kind]
        if entry.description is not None:
            text = _scalar_text(model, entry.description, kind, owner, entry.name, server, True, known)
            if text is not None:
                yield text
        else:
            source = model.sources.get(entry.key.span.path)
            if source is not None:
                yield ModelText(
                    text="",
                    kind=kind,
                    owner=owner,
                    tool_name=entry.name,
                    server=server,
                    flapi=True,
                    source=source,
                    node=None,
                    anchor=entry.key.span,
                    logical_location=f"{entry.key.logical_path}.description",
                    known_tools=known,
                )
        if entry.kind == "prompt" and entry.node is not None:
            template = entry.node.get_scalar("template")
            if template is not None and not template.is_null:
                text = _scalar_text(
                    model, template, TextKind.PROMPT_TEMPLATE, owner, entry.name, server, True, known
                )
                if text is not None:
                    yield text
    tool = endpoint.mcp_tool
    if tool is None:
        return  # request fields reach the model only as a tool's input schema
    for request_field in endpoint.request:
        node = request_field.description
        if node is None or node.is_null:
            continue
        name = _name(request_field.name) if request_field.name else "without a name"
        owner = f"request field {name} of {_entry_owner(tool, endpoint)}"
        text = _scalar_text(model, node, TextKind.FIELD_DESCRIPTION, owner, tool.name, server, True, known)
        if text is not None:
            yield text


def _tool_list_texts(model: Model, tools: ToolListFile, tool: ToolEntry, known: KnownTools) -> Iterator[ModelText]:
    server = _tool_list_server(tools)
    owner = f"{tool.kind} {_name(tool.name)}" if tool.name else f"a {tool.kind} without a name"
    if tool.description is not None:
        text = _scalar_text(
            model, tool.description, TextKind.EXPORTED_TOOL_DESCRIPTION, owner, tool.name, server, False, known
        )
        if text is not None:
            yield text
    else:
        source = model.sources.get(tool.node.span.path)
        name_node = tool.node.get_pair("name")
        if source is not None and name_node is not None:
            yield ModelText(
                text="",
                kind=TextKind.EXPORTED_TOOL_DESCRIPTION,
                owner=owner,
                tool_name=tool.name,
                server=server,
                flapi=False,
                source=source,
                node=None,
                anchor=name_node[0].span,
                logical_location=f"{tool.node.logical_path}.description",
                known_tools=known,
            )
    for node in _schema_descriptions(tool.input_schema):
        text = _scalar_text(
            model, node, TextKind.SCHEMA_DESCRIPTION, owner, tool.name, server, False, known
        )
        if text is not None:
            yield text


def _schema_descriptions(schema: Node | None) -> Iterator[ScalarNode]:
    """``description`` strings anywhere in an input schema (properties, items, definitions)."""
    for node in walk(schema):
        if not isinstance(node, MappingNode):
            continue
        value = node.get("description")
        if isinstance(value, ScalarNode) and isinstance(value.value, str):
            yield value
