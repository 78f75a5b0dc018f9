"""The whole model and the units rules are applied to.

A rule names a :class:`Target`; the engine hands it each unit of that kind in
turn. Units are small (one project, one endpoint, one auth block), so an
internal error in a rule is pinned to one file and the rest still run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Protocol

from mcplint.diagnostics import Diagnostic
from mcplint.model.analysis_memo import AnalysisMemo
from mcplint.model.clients import ClientConfig
from mcplint.model.documents import CACHED_FORMAT, Document
from mcplint.model.flapi import AuthBlock, CachedEndpoint, CachedUnit, Endpoint, FlapiProject
from mcplint.model.secret_scan import SecretScan
from mcplint.model.services import FluxbaseConfig, PgEdgeConfig
from mcplint.model.texts import ModelText, collect_texts
from mcplint.model.tools import ToolListFile
from mcplint.source import SourceFile
from mcplint.span import Span


class Target(str, Enum):
    DIAGNOSTIC = "diagnostic"
    DOCUMENT = "document"
    FLAPI_PROJECT = "flapi-project"
    ENDPOINT = "endpoint"
    AUTH_BLOCK = "auth-block"
    CLIENT_CONFIG = "client-config"
    TOOL_LIST = "tool-list"
    FLUXBASE = "fluxbase"
    PGEDGE = "pgedge"
    SECRET_SCAN = "secret-scan"  # each document and SQL template, with the secrets in it (secret_scan.py)
    MODEL_TEXT = "model-text"  # every text an MCP client shows the model (see texts.py)


class Unit(Protocol):
    @property
    def unit_path(self) -> str: ...


@dataclass(frozen=True)
class DiagnosticUnit:
    diagnostic: Diagnostic

    @property
    def unit_path(self) -> str:
        return self.diagnostic.span.path


@dataclass(frozen=True)
class DocumentUnit:
    document: Document

    @property
    def unit_path(self) -> str:
        return self.document.path


@dataclass(eq=False)
class Model:
    root: Path
    projects: list[FlapiProject] = field(default_factory=list)
    standalone_endpoints: list[Endpoint] = field(default_factory=list)
    client_configs: list[ClientConfig] = field(default_factory=list)
    fluxbase: list[FluxbaseConfig] = field(default_factory=list)
    pgedge: list[PgEdgeConfig] = field(default_factory=list)
    tool_lists: list[ToolListFile] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    sources: dict[str, SourceFile] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    scope: frozenset[str] = frozenset()
    # Settings rules may read (from the configuration), e.g. "sensitive-columns": extra regexes.
    options: dict = field(default_factory=dict)  # type: ignore[type-arg]
    secret_spans: set[Span] = field(default_factory=set)
    secret_scans: list[SecretScan | CachedUnit] = field(default_factory=list)
    # Absolute paths of files a configuration names whose existence the build asked about (a
    # template, an include target): a cached report is only valid while each still (does not) exist.
    # Noted only in a run with a cache (nothing else reads them).
    probed: set[str] = field(default_factory=set)
    # Template analyses kept between runs (the result cache fills ``stored`` and keeps ``added``).
    analysis_memo: AnalysisMemo = field(default_factory=AnalysisMemo)
    # Files whose units were checked while the model was built (engine/streaming.py): path -> their
    # findings, as the result cache keeps a file's; their units here are placeholders.
    prechecked: dict[str, object] = field(default_factory=dict)
    _texts: list[ModelText | CachedUnit] | None = field(default=None, init=False, repr=False)

    def all_endpoints(self) -> list[Endpoint | CachedEndpoint]:
        """Endpoints of every project, then those found without a main config; a file the result cache
        vouched for is its stand-in."""
        return [e for p in self.projects for e in p.endpoints] + list(self.standalone_endpoints)

    def endpoints(self) -> list[Endpoint]:
        """The endpoints this run parsed, in :meth:`all_endpoints` order."""
        return [e for e in self.all_endpoints() if isinstance(e, Endpoint)]

    def cached_endpoints(self) -> list[CachedEndpoint]:
        """The endpoint files the result cache vouched for (not parsed in this run)."""
        return [e for e in self.all_endpoints() if isinstance(e, CachedEndpoint)]

    def _project_auth_blocks(self) -> list[AuthBlock]:
        return [b for p in self.projects for b in (p.global_auth, p.mcp_auth) if b is not None]

    def auth_blocks(self) -> list[AuthBlock]:
        return self._project_auth_blocks() + [e.auth for e in self.endpoints() if e.auth is not None]

    def _endpoint_units(self, target: Target) -> list[Unit]:
        """Units of every endpoint (ENDPOINT) or endpoint auth block (AUTH_BLOCK), with the stand-ins of
        cached endpoint files in their places, so that unit numbers are those of a run that parsed them."""
        out: list[Unit] = []
        for endpoint in self.all_endpoints():
            if isinstance(endpoint, CachedEndpoint):
                out.extend(endpoint.placeholders(target.value))
            elif target is Target.ENDPOINT:
                out.append(endpoint)
            elif endpoint.auth is not None:
                out.append(endpoint.auth)
        return out

    def model_texts(self) -> list[ModelText | CachedUnit]:
        """Model-visible texts, collected once (several rules read them)."""
        if self._texts is None:
            self._texts = collect_texts(self)
        return self._texts

    def units(self, target: Target) -> list[Unit]:
        if target is Target.DIAGNOSTIC:
            return [DiagnosticUnit(d) for d in self.diagnostics]
        if target is Target.DOCUMENT:
            return [CachedUnit(d.path) if d.format == CACHED_FORMAT else DocumentUnit(d) for d in self.documents]
        if target is Target.FLAPI_PROJECT:
            return list(self.projects)
        if target is Target.ENDPOINT:
            return self._endpoint_units(target)
        if target is Target.AUTH_BLOCK:
            return [*self._project_auth_blocks(), *self._endpoint_units(target)]
        if target is Target.CLIENT_CONFIG:
            return list(self.client_configs)
        if target is Target.TOOL_LIST:
            return list(self.tool_lists)
        if target is Target.FLUXBASE:
            return list(self.fluxbase)
        if target is Target.PGEDGE:
            return list(self.pgedge)
        if target is Target.SECRET_SCAN:
            return list(self.secret_scans)
        if target is Target.MODEL_TEXT:
            return list(self.model_texts())
        raise ValueError(f"unknown target {target}")
