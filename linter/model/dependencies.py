"""What a unit's findings depend on: the files (and the facts from other files) that decide them.

The result cache (``engine/result_cache.py``) keeps each file's findings under
a key made of these files' read stamps. Rules are pure functions of the unit
they are given, so a unit whose files and facts are unchanged gives the same
findings; the model is still built from every file on each run, so anything a
unit learns from elsewhere has to be named here, or the unit is not cached:

* an endpoint: its YAML, the fragments it includes, its SQL template, and the
  project's main config (CORS, auth, connections and the flAPI version shape
  every endpoint);
* an auth block, a document, a secret scan: the owning document with its
  includes, plus the main config when the file belongs to a project;
* a model-visible text: its document as above, plus the names of the other
  tools of its server (shadowing rules compare against them), as a fact;
* client, tool-list and Fluxbase configs: their one document.

* a diagnostic (a parse error, a skipped file): the diagnostic itself, as a fact.

Anything else (a flAPI project, which sees every endpoint; pgEdge configs,
which look at file modes on disk) and any
unit with a reference that did not resolve (a missing template, an include
that was not followed) is not cached: ``None``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from mcplint.model.clients import ClientConfig
from mcplint.model.documents import Document
from mcplint.model.flapi import AuthBlock, CachedEndpoint, Endpoint
from mcplint.model.model import DiagnosticUnit, DocumentUnit, Model
from mcplint.model.secret_scan import SecretScan
from mcplint.model.services import FluxbaseConfig
from mcplint.model.texts import ModelText
from mcplint.model.tools import ToolListFile

# Why an endpoint's template is what it is, for the statuses that depend on no other file.
_SETTLED_TEMPLATE = frozenset({"", "loaded", "remote", "env"})


@dataclass(frozen=True)
class Dependencies:
    files: frozenset[str]  # root-relative paths, each read by the build
    facts: str = ""  # what the unit takes from files it does not depend on as a whole


def project_files(model: Model) -> dict[str, str]:
    """Every file of a flAPI project (endpoints, fragments, templates) -> the project's main config."""
    main_of: dict[str, str] = {}
    for project in model.projects:
        main = project.document.path
        main_of[main] = main
        for document in project.fragments:
            main_of.setdefault(document.path, main)
        for endpoint in project.endpoints:
            if isinstance(endpoint, CachedEndpoint):
                main_of.setdefault(endpoint.unit_path, main)
                for fragment_path in endpoint.cached_facts.includes:
                    main_of.setdefault(fragment_path, main)
                if endpoint.cached_facts.template_path is not None:
                    main_of.setdefault(endpoint.cached_facts.template_path, main)
                continue
            main_of.setdefault(endpoint.document.path, main)
            for include in endpoint.document.includes:
                if include.fragment_path:
                    main_of.setdefault(include.fragment_path, main)
            if endpoint.template is not None:
                main_of.setdefault(endpoint.template.path, main)
    return main_of


def unit_dependencies(
    unit: object, main_of: Mapping[str, str], documents: Mapping[str, Document], memo: dict[int, str] | None = None
) -> Dependencies | None:
    """The files and facts ``unit``'s findings depend on, or None when it must be checked every run.

    ``memo`` keeps the facts of shared objects (a server's tool names) for the units of one run.
    """
    if isinstance(unit, Endpoint):
        if unit.template_status not in _SETTLED_TEMPLATE:
            return None
        files = _document_files(unit.document)
        if files is None:
            return None
        if unit.template is not None:
            files.add(unit.template.path)
        if unit.project is not None:
            files.add(unit.project.document.path)
        return _with_project(files, unit.document.path, main_of)
    if isinstance(unit, AuthBlock):
        files = _document_files(unit.document)
        return None if files is None else _with_project(files | {unit.unit_path}, unit.document.path, main_of)
    if isinstance(unit, DocumentUnit):
        files = _document_files(unit.document)
        return None if files is None else _with_project(files, unit.document.path, main_of)
    if isinstance(unit, SecretScan):
        found = _file_in_project(unit.path, main_of, documents)
        return None if found is None else Dependencies(found.files, unit.facts)
    if isinstance(unit, ModelText):
        found = _file_in_project(unit.source.path, main_of, documents)
        if found is None:
            return None
        tools = tool_names_digest(unit.known_tools, {} if memo is None else memo)
        return Dependencies(found.files | {unit.anchor.path}, f"{unit.server!r} {unit.flapi} {tools}")
    if isinstance(unit, DiagnosticUnit):  # the diagnostic itself is all its rules read
        d = unit.diagnostic
        return Dependencies(frozenset(), repr((d.kind.value, d.span, d.message)))
    if isinstance(unit, (ClientConfig, ToolListFile, FluxbaseConfig)):  # their one document decides
        files = _document_files(unit.document)
        return None if files is None else Dependencies(frozenset(files))
    return None


def tool_names_digest(known_tools: Mapping[str, frozenset[str]], memo: dict[int, str] | None = None) -> str:
    """A digest of the tool names a text is compared with (one per server map, computed once)."""
    memo = {} if memo is None else memo
    digest = memo.get(id(known_tools))
    if digest is None:
        text = repr(sorted((name, sorted(tools)) for name, tools in known_tools.items()))
        digest = memo[id(known_tools)] = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return digest


def _document_files(document: Document) -> set[str] | None:
    """The document and every fragment it includes; None when an include was not followed."""
    files = {document.path}
    for include in document.includes:
        if not include.fragment_path:
            return None
        files.add(include.fragment_path)
    return files


def _file_in_project(path: str, main_of: Mapping[str, str], documents: Mapping[str, Document]) -> Dependencies | None:
    document = documents.get(path)
    files = _document_files(document) if document is not None else {path}
    return None if files is None else _with_project(files, path, main_of)


def _with_project(files: set[str], path: str, main_of: Mapping[str, str]) -> Dependencies:
    main = main_of.get(path)
    if main is not None:
        files.add(main)
    return Dependencies(frozenset(files))
