"""The flAPI part of the model: projects, endpoints, request fields, auth, templates.

Field names follow flAPI's own keys. Values keep their tree nodes so a rule
can point at the exact token; typed helpers apply flAPI's defaults as
flapi-semantics.md records them (e.g. ``auth.enabled`` defaults to false).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mcplint.lazy_re import lazy_compile
from mcplint.loaders.mustache import MustacheTemplate
from mcplint.model.analysis_memo import AnalysisMemo
from mcplint.model.documents import Document
from mcplint.model.endpoint_facts import EndpointFacts, FragmentReferences, endpoint_facts
from mcplint.model.secrets import SecretValue
from mcplint.model.sql import SqlText
from mcplint.source import SourceFile
from mcplint.span import Span
from mcplint.tree import MappingNode, Node, ScalarNode

# flAPI release series whose behaviour the rules know (``flapi-version`` in the configuration).
FLAPI_VERSIONS = ("26.6", "26.10")
DEFAULT_FLAPI_VERSION = "26.10"  # the newest release the conformance tests pass on
_VERSION = lazy_compile(r"v?(\d+)\.(\d+)(?:\.\d+)?")


def flapi_series(text: str) -> str | None:
    """The series (``"26.10"``) a version such as ``26.10.2`` or ``v26.06.28`` belongs to; None if unknown."""
    match = _VERSION.fullmatch(text.strip())
    if match is None:
        return None
    series = f"{int(match.group(1))}.{int(match.group(2))}"
    return series if series in FLAPI_VERSIONS else None


def flapi_at_least(version: str, series: str) -> bool:
    """Whether flAPI ``version`` (a series of :data:`FLAPI_VERSIONS`) is ``series`` or newer."""
    def key(text: str) -> tuple[int, ...]:
        return tuple(int(part) for part in text.split("."))

    return key(version) >= key(series)


@dataclass(eq=False)
class BasicUser:
    node: MappingNode = field(repr=False)  # holds the password text; never repr it
    username: str | None
    password: SecretValue | None
    password_key: ScalarNode | None
    roles: list[str]


@dataclass(eq=False)
class AuthBlock:
    """An ``auth`` block: endpoint ``auth``, ``mcp.auth`` or the global ``auth``."""

    key: ScalarNode = field(repr=False)
    node: Node = field(repr=False)  # holds password texts; never repr it
    scope: str  # "endpoint" | "mcp" | "global"
    document: Document = field(repr=False)  # the owning endpoint or main file, after includes
    enabled: bool | None
    type: str | None
    users: list[BasicUser]
    options: dict = field(default_factory=dict, repr=False)  # type: ignore[type-arg]  # Model.options, shared

    @property
    def unit_path(self) -> str:
        return self.key.span.path

    @property
    def group_path(self) -> str:
        """The file whose cached findings hold this block's: the owning endpoint or main file, also
        when the block came in through an include (so that an endpoint file's findings are its own)."""
        return self.document.path

    def password_spans(self) -> tuple[Span, ...]:
        """Where its basic-auth passwords are (masked in every output; the secret scan leaves them to the
        weak-credential rules)."""
        return tuple(user.password.span for user in self.users if user.password is not None)

    def sql_spans(self) -> tuple[tuple[Span, str], ...]:
        """The SQL it holds (``from-aws-secretmanager.init``) and what the secret scan calls it."""
        aws = self.mapping.get_map("from-aws-secretmanager") if self.mapping is not None else None
        init = aws.get_scalar("init") if aws is not None else None
        if init is None:
            return ()
        return ((init.span, f"`{self.location_name}.from-aws-secretmanager.init`"),)

    @property
    def mapping(self) -> MappingNode | None:
        return self.node if isinstance(self.node, MappingNode) else None

    @property
    def location_name(self) -> str:
        """``auth`` / ``mcp.auth`` as a user would write the block's key."""
        return "mcp.auth" if self.scope == "mcp" else "auth"


@dataclass(eq=False)
class Validator:
    node: MappingNode
    type: str | None
    regex: ScalarNode | None
    min: ScalarNode | None
    max: ScalarNode | None
    allowed_values: list[str] | None
    prevent_sql_injection: bool | None


@dataclass(eq=False)
class RequestField:
    node: MappingNode
    name: str | None
    name_node: ScalarNode | None
    field_in: str | None
    required: bool
    default: ScalarNode | None
    description: ScalarNode | None
    validators: list[Validator]


@dataclass(eq=False)
class McpEntry:
    """``mcp-tool``, ``mcp-resource`` or ``mcp-prompt`` of an endpoint file."""

    kind: str  # "tool" | "resource" | "prompt"
    key: ScalarNode
    node: MappingNode | None
    name: str | None
    description: ScalarNode | None


@dataclass(eq=False)
class Template:
    source: SourceFile
    mustache: MustacheTemplate
    reference: ScalarNode  # the ``template-source`` value that names the file
    # Analyses computed once per template file, shared by every endpoint that uses it.
    shared: dict = field(default_factory=dict, repr=False)  # type: ignore[type-arg]
    # Analyses kept between runs (Model.analysis_memo, shared; analysis_memo.py), if the run keeps any.
    memo: AnalysisMemo | None = field(default=None, repr=False)

    @property
    def path(self) -> str:
        return self.source.path

    def span(self, start: int, end: int) -> Span:
        """Span of ``source.text[start:end]`` (template offsets are file offsets)."""
        return self.source.span(start, end)


@dataclass(eq=False)
class Connection:
    name: str
    key: ScalarNode
    node: MappingNode | None
    init: ScalarNode | None
    properties: MappingNode | None
    init_sql: SqlText | None = None  # the ``init`` value as SQL, positioned inside the scalar


@dataclass(eq=False)
class Endpoint:
    document: Document = field(repr=False)
    project: FlapiProject | None = field(repr=False)
    url_path: ScalarNode | None
    method: str
    mcp_tool: McpEntry | None
    mcp_resource: McpEntry | None
    mcp_prompt: McpEntry | None
    request: list[RequestField]
    template_source: ScalarNode | None
    template: Template | None
    connections: list[str]
    auth: AuthBlock | None
    cache: dict = field(default_factory=dict, repr=False)  # type: ignore[type-arg]  # per-endpoint analyses
    options: dict = field(default_factory=dict, repr=False)  # type: ignore[type-arg]  # Model.options, shared
    # Why ``template`` is what it is: "" (no template-source), "loaded", "remote", "env" (the path
    # depends on the environment), "missing" (no such file), "outside-root" (not read), "unreadable".
    template_status: str = ""
    _facts: EndpointFacts | None = field(default=None, init=False, repr=False)

    def facts(self, sources: dict[str, SourceFile], shared: FragmentReferences | None = None) -> EndpointFacts:
        """What the project-wide rules read from this endpoint (``endpoint_facts.py``), computed once
        (``shared``: see :func:`~mcplint.model.endpoint_facts.env_references`)."""
        if self._facts is None:
            self._facts = endpoint_facts(self, sources, shared)
        return self._facts

    def release_caches(self) -> None:
        """Drop the analyses the checks built (the engine calls this once every rule has seen the endpoint).

        A template shared with an endpoint checked later is simply analysed again.
        """
        self.cache.clear()
        if self.template is not None:
            self.template.shared.clear()

    @property
    def unit_path(self) -> str:
        return self.document.path

    @property
    def tool_name(self) -> str | None:
        """The name of its MCP tool, if it serves one."""
        return self.mcp_tool.name if self.mcp_tool is not None else None

    @property
    def mapping(self) -> MappingNode:
        assert self.document.mapping is not None
        return self.document.mapping

    @property
    def is_rest(self) -> bool:
        return self.url_path is not None

    @property
    def mcp_entries(self) -> list[McpEntry]:
        return [e for e in (self.mcp_tool, self.mcp_resource, self.mcp_prompt) if e is not None]

    @property
    def display_name(self) -> str:
        for entry in self.mcp_entries:
            if entry.name:
                return f"{entry.kind} `{entry.name}`"
        if self.url_path is not None:
            return f"endpoint `{self.method} {self.url_path.text}`"
        return f"endpoint `{self.document.path}`"


@dataclass(frozen=True, slots=True)
class CachedUnit:
    """A unit of a file the result cache vouches for: never checked, its findings come from the cache."""

    path: str

    @property
    def unit_path(self) -> str:
        return self.path


@dataclass(eq=False, slots=True)
class CachedEndpoint:
    """An endpoint file the result cache vouches for, standing in for its :class:`Endpoint`.

    The file and every file its findings depended on are unchanged since they
    were recorded (``model/cached.py`` says when a file qualifies), so it is not
    parsed: the project-wide rules read its :class:`EndpointFacts`, and the
    engine takes the findings of its units from the cache. It keeps its place
    in ``FlapiProject.endpoints``, and ``Model.units`` gives it as many
    placeholder units per target as the file had, so the report is the same,
    in the same order, as a run that parsed it.
    """

    source: SourceFile = field(repr=False)
    project: FlapiProject | None = field(repr=False)
    cached_facts: EndpointFacts = field(repr=False)
    unit_counts: dict[str, int] = field(repr=False)  # rule target (its value) -> the file's units of it
    entry: object = field(repr=False)  # the result cache's record of the file's findings
    secret_spans: tuple[Span, ...] = field(repr=False)  # its basic-auth passwords, masked in every output
    sql_spans: dict[Span, str] = field(repr=False)  # SQL in its auth block (``from-aws-secretmanager.init``)

    @property
    def unit_path(self) -> str:
        return self.source.path

    def facts(self, sources: dict[str, SourceFile]) -> EndpointFacts:
        return self.cached_facts

    @property
    def tool_name(self) -> str | None:
        """The name of its MCP tool, if it serves one (as :attr:`Endpoint.tool_name`)."""
        return self.cached_facts.tool_name if self.cached_facts.has_tool else None

    def placeholders(self, target: str) -> list[CachedUnit]:
        """Stand-ins for the file's units of ``target`` (a rule target's value), as many as it had."""
        return [CachedUnit(self.source.path)] * self.unit_counts.get(target, 0)


@dataclass(eq=False, slots=True)
class CheckedEndpoint(CachedEndpoint):
    """An endpoint file checked while the model was built, standing in for its :class:`Endpoint`.

    The builder hands a qualifying endpoint file's own units to the engine as soon
    as it has made them (``engine/streaming.py``), so that its tree can go: a
    large tree's memory was mostly those trees. ``entry`` holds the findings, as
    the result cache would; only its model-visible texts wait in full, because
    they are judged against every tool name (``model/streamed_files.py``).
    """

    texts: tuple = field(default=(), repr=False)  # type: ignore[type-arg]  # its ModelTexts


@dataclass(eq=False)
class FlapiProject:
    document: Document = field(repr=False)
    template_path: ScalarNode | None
    template_dir: Path | None  # local, inside the scan root; None when remote or missing
    connections: list[Connection]
    cors_key: ScalarNode | None
    cors: Node | None
    global_auth: AuthBlock | None
    mcp: MappingNode | None
    mcp_auth: AuthBlock | None
    # In directory order; a file the result cache vouches for is a CachedEndpoint (not parsed).
    endpoints: list[Endpoint | CachedEndpoint] = field(default_factory=list)
    fragments: list[Document] = field(default_factory=list)
    instructions: ScalarNode | None = None  # ``mcp.instructions``
    instructions_file: SourceFile | None = None  # the file ``mcp.instructions-file`` names, if readable
    instructions_file_ref: ScalarNode | None = None
    # The flAPI release series the project is checked against (``flapi-version``; FLAPI_VERSIONS).
    flapi_version: str = DEFAULT_FLAPI_VERSION
    # Every file read for the model, by path (Model.sources, shared): the text of included fragments.
    sources: dict[str, SourceFile] = field(default_factory=dict, repr=False)

    @property
    def unit_path(self) -> str:
        return self.document.path

    @property
    def mapping(self) -> MappingNode:
        assert self.document.mapping is not None
        return self.document.mapping

    def endpoint_facts(self) -> list[EndpointFacts]:
        """The facts of every endpoint, parsed or vouched for by the cache, in ``endpoints`` order."""
        return [endpoint.facts(self.sources) for endpoint in self.endpoints]
