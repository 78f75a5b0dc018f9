"""The model builder's side of checking endpoint files as they are built (``engine/streaming.py``).

Once the builder has made an endpoint, the file's own units can be checked at
once, if nothing that is read later can change them. Then the endpoint's tree
goes, and a :class:`CheckedEndpoint` takes its place: its facts (what the
project-wide rules read), its findings, its passwords and SQL spans (what other
files' secret scans and the masking need) and its model-visible texts (judged
once every tool name is known). Its document becomes a placeholder, its
template's parse is dropped, and ``Model.units`` gives the file as many
placeholder units as it had, so the report is that of a run that kept the tree.

A file qualifies when it belongs to a project, no file may include it (its
text would be read there too), neither it nor its parse gave a diagnostic,
and it is not also a client config. Its template's secret scan is checked
with it, unless the template is also a document.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcplint.discovery import FileAccess, effective_suffix
from mcplint.loaders.env_file import is_env_file
from mcplint.loaders.mustache import parse_mustache
from mcplint.model.client_formats import other_client_config
from mcplint.model.documents import CACHED_FORMAT, Document
from mcplint.model.endpoint_facts import FragmentReferences
from mcplint.model.flapi import CheckedEndpoint, Endpoint, FlapiProject, Template
from mcplint.model.model import DocumentUnit, Model, Target, Unit
from mcplint.model.secret_scan import endpoint_file_scan, template_scan
from mcplint.model.texts import endpoint_texts
from mcplint.source import SourceFile
from mcplint.tree import ScalarNode

# Checks one endpoint file's units (and its template's): per file, its findings; None if a rule raised.
EndpointChecker = Callable[[dict[str, dict[Target, list[Unit]]]], "dict[str, object] | None"]
_DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json", ".jsonc", ".toml")
_NO_INCLUDES: list = []  # type: ignore[type-arg]  # shared by every placeholder (nothing adds to it)


class StreamedFiles:
    """Checks qualifying endpoint files as the builder makes them, and keeps only their stand-ins."""

    model: Model
    access: FileAccess
    documents: dict[str, Document | None]
    document_at: dict[str, int]  # where each document (or placeholder) stands in model.documents
    fragments: dict[str, object]
    templates: dict[str, Template | None]

    def __init__(self, checker: EndpointChecker | None) -> None:
        self.checker = checker
        self.diagnosed_paths: set[str] = set()  # files a diagnostic of the build points at
        self.access_notes_seen = 0  # how many of the file access's diagnostics are in diagnosed_paths
        self.released_templates: dict[str, SourceFile] = {}  # checked templates whose parse was dropped
        self.fragment_references: FragmentReferences = {}  # shared by the facts of endpoints that include them
        self.interned: dict[object, object] = {}  # equal small values of many stand-ins, kept once

    if TYPE_CHECKING:  # what the builder provides
        def includes_it(self, rel: str) -> bool: ...

        def _owning_projects(self, path: Path | str) -> list[FlapiProject]: ...

        def _place(self, rel: str, document: Document) -> None: ...

    def _stream(self, endpoint: Endpoint) -> CheckedEndpoint | None:
        """The stand-in for ``endpoint`` once its file's units are checked, or None (then it is kept)."""
        document = endpoint.document
        rel = document.path
        if self.checker is None or endpoint.project is None or not self._qualifies(rel, document.source):
            return None
        if other_client_config(document) is not None:
            return None  # also a client config (read as one later, from its tree)
        block = endpoint.auth
        if block is not None:
            block.options = self.model.options
        units: dict[Target, list[Unit]] = {
            Target.ENDPOINT: [endpoint],
            Target.AUTH_BLOCK: [block] if block is not None else [],
            Target.DOCUMENT: [DocumentUnit(document)],
            Target.SECRET_SCAN: [endpoint_file_scan(document, block, self.model.sources, self.model.options)],
        }
        groups = {rel: units}
        template = endpoint.template
        if template is not None and self._template_qualifies(template.path):
            groups[template.path] = {Target.SECRET_SCAN: [template_scan(template, self.model.options)]}
        entries = self.checker(groups)  # it lets the checks' analyses go
        if entries is None:
            return None
        counts = tuple((target.value, len(found)) for target, found in units.items())
        passwords = block.password_spans() if block is not None else ()
        sql = tuple(block.sql_spans() if block is not None else ())
        stand_in = CheckedEndpoint(
            source=document.source,
            project=endpoint.project,
            cached_facts=endpoint.facts(self.model.sources, self.fragment_references),
            unit_counts=self._intern(counts, lambda: dict(counts)),
            entry=entries[rel],
            secret_spans=passwords,
            sql_spans=self._intern(sql, lambda: dict(sql)),
            texts=tuple(endpoint_texts(self.model, endpoint)),
        )
        placeholder = Document(document.source, None, CACHED_FORMAT, _NO_INCLUDES)
        self.documents[rel] = placeholder
        self._place(rel, placeholder)
        self.model.prechecked.update(entries)
        if template is not None and template.path in entries:
            self.released_templates[template.path] = template.source
            self.templates.pop(template.path, None)
        # Positions still to find are few, and the text is seldom read again: it is packed and its line
        # table dropped (both come back if asked for).
        for path in groups:
            source = self.model.sources.get(path)
            if source is not None:
                source.pack()
        return stand_in

    def _intern(self, key: object, make: Callable[[], object]) -> Any:
        """One shared object for every stand-in whose ``key`` is equal (nobody changes them)."""
        found = self.interned.get(key)
        if found is None:
            found = self.interned[key] = make()
        return found

    def _qualifies(self, rel: str, source: SourceFile) -> bool:
        if rel in self.fragments or self.includes_it(rel) or rel not in self.document_at:
            return False
        if len(self._owning_projects(source.abs_name)) != 1:
            return False  # another project takes it as an endpoint too, and needs its tree
        notes = self.access.diagnostics  # only those added since the last file: once each, not per file
        self.diagnosed_paths.update(d.span.path for d in notes[self.access_notes_seen:])
        self.access_notes_seen = len(notes)
        return rel not in self.diagnosed_paths

    def _template_qualifies(self, path: str) -> bool:
        """Whether a template's scan may be checked with the endpoint: not yet done, and the file is only
        a template (a template that is also a document has that document's units beside the scan)."""
        return (
            path not in self.model.prechecked
            and path not in self.documents
            and effective_suffix(path) not in _DOCUMENT_SUFFIXES
            and not is_env_file(path.rsplit("/", 1)[-1])
        )

    def _released_template(self, rel: str, reference: ScalarNode) -> Template | None:
        """A template whose parse went with a checked endpoint, parsed again for another endpoint (its
        diagnostics were recorded the first time)."""
        source = self.released_templates.pop(rel, None)
        if source is None:
            return None
        return Template(source, parse_mustache(source.text), reference, memo=self.model.analysis_memo)
