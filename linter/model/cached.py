"""When an endpoint file need not be parsed: the result cache vouches for it.

After one endpoint changed, a run should not parse the other thousands again.
Their findings are in the result cache already; what the run still needs from
them is what the project-wide rules read (their :class:`EndpointFacts`), and
enough to give the report the same order (how many units of each rule target
each file had). A :class:`Voucher` records that for an endpoint file whose
findings are kept, and the model builder puts a :class:`CachedEndpoint` in its
place when every file the record names still has its stamp.

A file qualifies only when nothing about it depends on what a later run might
see differently: it belongs to a project, every include it has was followed,
it loaded its template (or names none, a remote one, or one from the
environment), its model-visible texts are written in it (not in a fragment,
where another endpoint's copy would be judged in its place), no other file
includes it, and neither it, its fragments nor its template gave a diagnostic.
What it takes from the rest of the tree is checked when the model is built: the main config that owns it and the layout
of every main config (they decide which files are endpoints), and the names of
every tool (descriptions are compared against them). If any of these changed,
the file is parsed after all, in its place.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcplint.model.endpoint_facts import EndpointFacts, decode_facts, encode_facts
from mcplint.model.flapi import Endpoint
from mcplint.source import SourceFile
from mcplint.span import Span, decode_span, encode_span

if TYPE_CHECKING:
    from mcplint.model.model import Model

Stamp = tuple[int, int, int, int]
# The rule targets an endpoint file's units may have for the file to be vouched for (model.py's Target
# values: the placeholders give exactly these), and a bound on how many stand-ins one voucher may ask
# for: a damaged cache must not make a run allocate without limit.
VOUCHED_TARGETS = frozenset({"endpoint", "auth-block", "model-text", "document", "secret-scan"})
_MAX_UNITS = 100_000


def main_config_layout(model: Model) -> str:
    """Every flAPI main config with its stamp: they decide which YAML files are endpoints and fragments,
    so every cached file's findings rest on them (check_cache keys, vouchers)."""
    return repr(sorted((p.document.path, model.sources[p.document.path].stamp) for p in model.projects
                       if p.document.path in model.sources))


def layout_digest(model: Model) -> str:
    """:func:`main_config_layout` as a short digest (each voucher keeps it)."""
    return hashlib.sha256(main_config_layout(model).encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass(frozen=True)
class Voucher:
    """What an endpoint file's cached findings rest on, and what the run needs from it unparsed."""

    main: str  # the main config that owns it
    layout: str  # the digest of every main config and its stamp (layout_digest)
    stamps: dict[str, Stamp]  # every file its findings depend on (itself, its template, the main config)
    tools: str  # the digest of every tool name, when it has model-visible texts ("" otherwise)
    counts: dict[str, int]  # rule target value -> how many units of that target the file had
    facts: EndpointFacts
    probed: tuple[str, ...]  # root-relative paths whose existence the build asked about (template, includes)
    passwords: tuple[Span, ...]  # basic-auth passwords in it, masked in every output
    sql_spans: tuple[tuple[Span, str], ...]  # SQL in its auth block, and what the SQL is (secret_scan.py)
    inserted: tuple[int, int]  # includes followed and characters they inserted (the run's include budget)


def voucher_for(
    endpoint: Endpoint, sources: dict[str, SourceFile], counts: dict[str, int], layout: str, tools: str
) -> Voucher | None:
    """A voucher for ``endpoint``'s file, or None when the file does not qualify (see the module doc)."""
    includes = endpoint.document.includes
    if endpoint.project is None or endpoint.template_status not in ("", "loaded", "remote", "env"):
        return None
    if not all(include.fragment_path for include in includes):
        return None  # an include not followed (a false condition, an error): the file is parsed every time
    fragments = [include.fragment_path for include in includes if include.fragment_path]
    files = {endpoint.document.path, endpoint.project.document.path, *fragments}
    if endpoint.template is not None:
        files.add(endpoint.template.path)
    stamps: dict[str, Stamp] = {}
    for path in files:
        source = sources.get(path)
        if source is None or source.stamp is None:
            return None
        stamps[path] = source.stamp
    probed = tuple(dict.fromkeys(fragments)) + ((endpoint.template.path,) if endpoint.template is not None else ())
    block = endpoint.auth
    passwords = block.password_spans() if block is not None else ()
    sql_spans = block.sql_spans() if block is not None else ()
    inserted = (len(includes), sum(i.fragment_range[1] - i.fragment_range[0] for i in includes))
    return Voucher(
        main=endpoint.project.document.path,
        layout=layout,
        stamps=stamps,
        tools=tools,
        counts=dict(counts),
        facts=endpoint.facts(sources),
        probed=probed,
        passwords=passwords,
        sql_spans=sql_spans,
        inserted=inserted,
    )


def encode_voucher(voucher: Voucher) -> dict[str, Any]:
    return {
        "main": voucher.main,
        "layout": voucher.layout,
        "stamps": [[path, list(stamp)] for path, stamp in sorted(voucher.stamps.items())],
        "tools": voucher.tools,
        "counts": dict(sorted(voucher.counts.items())),
        "facts": encode_facts(voucher.facts),
        "probed": list(voucher.probed),
        "passwords": [encode_span(span) for span in voucher.passwords],
        "sql": [[encode_span(span), what] for span, what in voucher.sql_spans],
        "inserted": list(voucher.inserted),
    }


def decode_voucher(data: Any) -> Voucher:
    """The inverse of :func:`encode_voucher`; raises ValueError, TypeError or KeyError on anything else."""
    if not isinstance(data, dict):
        raise ValueError("voucher")
    main, layout, tools = data["main"], data["layout"], data["tools"]
    if not all(isinstance(v, str) for v in (main, layout, tools)):
        raise ValueError("voucher")
    stamps: dict[str, Stamp] = {}
    for path, stamp in data["stamps"]:
        if not isinstance(path, str) or not (
            isinstance(stamp, list) and len(stamp) == 4 and all(type(n) is int for n in stamp)
        ):
            raise ValueError("voucher")
        stamps[path] = (stamp[0], stamp[1], stamp[2], stamp[3])
    counts = data["counts"]
    if not isinstance(counts, dict) or not all(
        k in VOUCHED_TARGETS and type(v) is int and 0 <= v <= _MAX_UNITS for k, v in counts.items()
    ):
        raise ValueError("voucher")
    probed = data["probed"]
    if not isinstance(probed, list) or not all(isinstance(p, str) for p in probed):
        raise ValueError("voucher")
    return Voucher(
        main=main,
        layout=layout,
        stamps=stamps,
        tools=tools,
        counts=counts,
        facts=decode_facts(data["facts"]),
        probed=tuple(probed),
        passwords=tuple(decode_span(span) for span in data["passwords"]),
        sql_spans=tuple((decode_span(span), _label(what)) for span, what in data["sql"]),
        inserted=_counts(data["inserted"]),
    )


def _label(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("voucher")
    return value


def _counts(value: Any) -> tuple[int, int]:
    if not (isinstance(value, list) and len(value) == 2 and all(type(n) is int and n >= 0 for n in value)):
        raise ValueError("voucher")
    return value[0], value[1]
