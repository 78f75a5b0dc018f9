"""What the project-wide flAPI rules read from each endpoint file: small facts, not its tree.

Duplicate routes and names (CFG015/CFG016), the environment whitelist (CFG017),
shell-style references (CFG018), the audit rules and ``strict-descriptions``
look at every endpoint of a project. If they read the endpoints' trees, a run
after a one-file edit would have to parse every endpoint file again. They read
these facts instead, which the result cache keeps per file
(``engine/result_cache.py``), so an unchanged endpoint file is not parsed at all
(``model/cached.py``). Each fact carries its exact position.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcplint.lazy_re import lazy_compile
from mcplint.model.documents import Document
from mcplint.model.secret_patterns import flapi_secret_key_kind
from mcplint.source import SourceFile
from mcplint.span import Span, decode_span, encode_span
from mcplint.tree import ScalarNode, scalars

if TYPE_CHECKING:
    from mcplint.model.flapi import Endpoint

# What flAPI 26.10 treats as a reference in YAML text (spaces inside the braces included).
_REFERENCE = lazy_compile(r"\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_CONDITION = lazy_compile(r"!?\s*env\.([A-Za-z_][A-Za-z0-9_]*)")
# ``${NAME}`` / ``$NAME``: shell syntax no flAPI release expands in YAML.
_SHELL_REFERENCE = lazy_compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:?+-][^}]{0,200})?\}|^\$([A-Za-z_][A-Za-z0-9_]*)$")
_SQL_KEYS = frozenset({"init"})  # SQL: secrets in it are the secret scan's (SEC005)


@dataclass(frozen=True, slots=True)
class EnvReference:
    """One reference flAPI checks: its name, where it is written, and the include directive if it is a condition."""

    name: str
    span: Span
    written: str  # as the file spells it (``{{ env.X }}`` keeps its spaces)
    condition: str | None = None


@dataclass(frozen=True, slots=True)
class ShellReference:
    """A value written ``${NAME}`` or ``$NAME``, which flAPI never expands."""

    span: Span
    logical_location: str
    written: str  # the ``${NAME}`` as found
    name: str


@dataclass(frozen=True, slots=True)
class Claim:
    """A name flAPI looks an endpoint up by: ``(kind, name)`` with kind tool/resource/prompt, or a route."""

    kind: str
    name: str
    span: Span
    logical_location: str
    include_sites: tuple[Span, ...]  # the include directives that brought the name's text in


@dataclass(frozen=True, slots=True)
class EndpointFacts:
    """One endpoint file as the project-wide rules see it."""

    path: str
    has_tool: bool  # ``mcp-tool`` present
    tool_name: str | None  # its ``name`` (None or empty when missing)
    request_fields: tuple[str, ...]  # names of the request fields, in order
    claims: tuple[Claim, ...]
    env_references: tuple[EnvReference, ...]
    shell_references: tuple[ShellReference, ...]
    template_path: str | None  # the SQL template it loaded, if any
    includes: tuple[str, ...] = ()  # the files its includes inserted text from


# ------------------------------------------------------------------ computing


# The references in an included range of a fragment: (fragment, start, end) -> them (env_references).
FragmentReferences = dict[tuple[str, int, int], tuple["EnvReference", ...]]


def endpoint_facts(
    endpoint: Endpoint, sources: Mapping[str, SourceFile], shared: FragmentReferences | None = None
) -> EndpointFacts:
    tool = endpoint.mcp_tool
    return EndpointFacts(
        path=endpoint.document.path,
        has_tool=tool is not None,
        tool_name=tool.name if tool is not None else None,
        request_fields=tuple(sys.intern(f.name or "") for f in endpoint.request),
        claims=tuple(_claims(endpoint)),
        env_references=tuple(env_references(endpoint.document, sources, shared)),
        shell_references=tuple(shell_references(endpoint.document)),
        template_path=endpoint.template.path if endpoint.template is not None else None,
        includes=tuple(dict.fromkeys(i.fragment_path for i in endpoint.document.includes if i.fragment_path)),
    )


def include_site_spans(document: Document, span: Span) -> tuple[Span, ...]:
    """The include directives that brought ``span`` into ``document``, if it came from one."""
    if span.path == document.path:
        return ()
    return tuple(inc.span for inc in document.includes if inc.inserted(span))


def _claims(endpoint: Endpoint) -> Iterator[Claim]:
    for entry in endpoint.mcp_entries:
        name_node = entry.node.get_scalar("name") if entry.node is not None else None
        if name_node is None or name_node.is_null or name_node.env_refs:
            continue
        span = name_node.span
        sites = include_site_spans(endpoint.document, span)
        yield Claim(entry.kind, name_node.text, span, name_node.logical_path, sites)
    url = endpoint.url_path
    if url is not None and not url.is_null and not url.env_refs:
        route = f"{endpoint.method} {url.text.strip()}"
        yield Claim("route", route, url.span, url.logical_path, include_site_spans(endpoint.document, url.span))


def _full_line_comment(text: str, position: int) -> bool:
    line_start = text.rfind("\n", 0, position) + 1
    return text[line_start:position].lstrip(" \t").startswith("#")


def _scan(source: SourceFile, start: int = 0, end: int | None = None) -> Iterator[EnvReference]:
    text = source.text
    stop = len(text) if end is None else end
    if "env." not in text[start:stop]:
        return
    for match in _REFERENCE.finditer(text, start, stop):
        if not _full_line_comment(text, match.start()):
            # Names interned: the same few variables are named in many endpoints, whose facts a run keeps.
            name, written = sys.intern(match.group(1)), sys.intern(match.group())
            yield EnvReference(name, source.span(match.start(), match.end()), written)


def _conditions(document: Document) -> Iterator[EnvReference]:
    source = document.source
    for record in document.includes:
        if record.span.path != source.path or not record.condition:
            continue
        directive = source.text[record.span.start_offset : record.span.end_offset]
        found = _CONDITION.fullmatch(record.condition.strip())
        if found is None:
            continue
        at = directive.rfind(record.condition.strip())
        base = record.span.start_offset + max(at, 0)
        length = len(record.condition.strip()) if at >= 0 else len(directive)
        condition = record.condition.strip()
        yield EnvReference(found.group(1), source.span(base, base + length), condition, condition)


def env_references(
    document: Document, sources: Mapping[str, SourceFile], shared: FragmentReferences | None = None
) -> Iterator[EnvReference]:
    """The environment references flAPI 26.10 checks in one document: its text, the text its includes
    insert, then its include conditions (a reference may repeat: callers keep the first of each place).

    ``shared`` keeps the references of each included range, for the endpoints that include the same
    fragment: one copy of them instead of one per endpoint (streamed_files.py keeps every endpoint's)."""
    yield from _scan(document.source)
    for record in document.includes:
        fragment = sources.get(record.fragment_path or "")
        if fragment is None:
            continue
        start, end = record.fragment_range
        if shared is None:
            yield from _scan(fragment, start, end)
            continue
        key = (fragment.path, start, end)
        if key not in shared:
            shared[key] = tuple(_scan(fragment, start, end))
        yield from shared[key]
    yield from _conditions(document)


def _holds_secret(node: ScalarNode) -> bool:
    """Whether the value sits under a key the secret rules judge (SEC005, CRED003), or is SQL."""
    names = [step for step in node.path if isinstance(step, str)]
    if not names:
        return False
    key = names[-1]
    parent = names[-2] if len(names) > 1 else None
    return key in _SQL_KEYS or flapi_secret_key_kind(key, parent) is not None


def shell_references(document: Document) -> Iterator[ShellReference]:
    """Values of ``document`` written with ``${NAME}``/``$NAME`` (not under keys the secret rules judge)."""
    for node in scalars(document.root):
        if node.is_null or "$" not in node.text or _holds_secret(node):
            continue
        match = _SHELL_REFERENCE.search(node.text.strip())
        if match is None:
            continue
        yield ShellReference(node.span, node.logical_path, match.group(), match.group(1) or match.group(2))


# ------------------------------------------------------------------ as JSON (the result cache keeps them)


def encode_facts(facts: EndpointFacts) -> dict[str, Any]:
    """As JSON; a position in the endpoint file itself leaves out the path (most do)."""

    def at(span: Span) -> list[Any]:
        encoded = encode_span(span)
        return encoded[1:] if span.path == facts.path else encoded

    return {
        "path": facts.path,
        "has_tool": facts.has_tool,
        "tool_name": facts.tool_name,
        "request_fields": list(facts.request_fields),
        "claims": [[c.kind, c.name, at(c.span), c.logical_location, [at(s) for s in c.include_sites]]
                   for c in facts.claims],
        "env": [[r.name, at(r.span), r.written, r.condition] for r in facts.env_references],
        "shell": [[at(r.span), r.logical_location, r.written, r.name] for r in facts.shell_references],
        "template": facts.template_path,
        "includes": list(facts.includes),
    }


def _text(value: Any, optional: bool = False) -> Any:
    if isinstance(value, str) or (optional and value is None):
        return value
    raise ValueError("facts")


def decode_facts(data: Any) -> EndpointFacts:
    """The inverse of :func:`encode_facts`; raises ValueError (or TypeError) on anything else."""
    if not isinstance(data, dict) or type(data["has_tool"]) is not bool:
        raise ValueError("facts")
    path = _text(data["path"])

    def at(encoded: Any) -> Span:
        return decode_span(encoded if encoded and isinstance(encoded[0], str) else [path, *encoded])

    claims = tuple(
        Claim(_text(kind), _text(name), at(span), _text(logical), tuple(at(s) for s in sites))
        for kind, name, span, logical, sites in data["claims"]
    )
    env = tuple(
        EnvReference(_text(name), at(span), _text(written), _text(condition, True))
        for name, span, written, condition in data["env"]
    )
    shell = tuple(
        ShellReference(at(span), _text(logical), _text(written), _text(name))
        for span, logical, written, name in data["shell"]
    )
    return EndpointFacts(
        path=path,
        has_tool=data["has_tool"],
        tool_name=_text(data["tool_name"], True),
        request_fields=tuple(_text(name) for name in data["request_fields"]),
        claims=claims,
        env_references=env,
        shell_references=shell,
        template_path=_text(data["template"], True),
        includes=tuple(_text(path) for path in data["includes"]),
    )
