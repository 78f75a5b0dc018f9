"""The model builder's side of the result cache's vouchers: files read but not parsed.

An endpoint file the cache vouches for (``model/cached.py``) is read, its stamps
and those of the files its findings rest on compared, and a placeholder
document takes its place; once the build knows the file's project, the
placeholder becomes a :class:`CachedEndpoint`. Whenever something the voucher
rests on turns out to have changed (its owner, the main configs, the tool
names), the file is parsed after all, in its place, so that the model is the
one a run without the cache builds. The builder (``builder.py``) provides the
parsing and the project lookups this mixin calls.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mcplint.discovery import FileAccess
from mcplint.loaders.flapi_text import IncludeBudget
from mcplint.model.cached import Voucher, layout_digest
from mcplint.model.dependencies import tool_names_digest
from mcplint.model.documents import CACHED_FORMAT, Document
from mcplint.model.flapi import CachedEndpoint, CheckedEndpoint, Endpoint, FlapiProject
from mcplint.model.model import Model
from mcplint.model.texts import known_tools
from mcplint.source import SourceFile

# The result cache's voucher for a file, and its record of the file's findings.
Vouchers = Callable[[str], "tuple[Voucher, object] | None"]


class VouchedFiles:
    """Placeholders for vouched endpoint files, confirmed or parsed after all as the build learns more."""

    model: Model
    access: FileAccess
    include_budget: IncludeBudget
    documents: dict[str, Document | None]
    document_at: dict[str, int]  # where each document (or placeholder) stands in model.documents
    fragments: dict[str, object]

    def __init__(self, vouchers: Vouchers | None) -> None:
        self.vouchers = vouchers
        # Files read but not parsed because the cache vouches for them, until the build confirms it.
        self.pending: dict[str, tuple[Voucher, object, Document]] = {}
        self.vouched: dict[str, tuple[Voucher, Document]] = {}  # confirmed: they are CachedEndpoints
        self.layout: str | None = None  # layout_digest, once every main config is known

    if TYPE_CHECKING:  # what the builder provides
        def _parsed(
            self, path: Path, rel: str, source: SourceFile, budget: IncludeBudget | None = None
        ) -> Document | None: ...

        def _probe(self, path: Path) -> bool | None: ...

        def _record_source(self, source: SourceFile) -> None: ...

        def _owning_projects(self, path: Path) -> list[FlapiProject]: ...

        def _endpoint(self, document: Document, project: FlapiProject | None) -> Endpoint: ...

        def includes_it(self, rel: str) -> bool: ...

        def _place(self, rel: str, document: Document) -> None: ...

    def _placeholder(self, rel: str, source: SourceFile) -> Document | None:
        """A placeholder document for ``rel`` if the cache vouches for it and its files are unchanged."""
        assert self.vouchers is not None
        found = self.vouchers(rel)
        if found is None or not self._unchanged(found[0], rel, source) or not self._spend(found[0].inserted):
            return None
        placeholder = Document(source, None, CACHED_FORMAT)
        self.pending[rel] = (found[0], found[1], placeholder)
        self.documents[rel] = placeholder
        self._place(rel, placeholder)
        return placeholder

    def _unchanged(self, voucher: Voucher, rel: str, source: SourceFile) -> bool:
        """Whether the file, its fragments and its template have the stamps the voucher names (the main
        config is compared once it is known to own the file: :meth:`_vouched_endpoint`)."""
        if voucher.stamps.get(rel) != source.stamp:
            return False
        for path, stamp in voucher.stamps.items():
            if path in (rel, voucher.main):
                continue
            other = self.model.sources.get(path)
            if other is None:
                other = self.access.read(self.access.root / path)
                if other is None:
                    return False
                self._record_source(other)
            if other.stamp != stamp:
                return False
        return True

    def _spend(self, inserted: tuple[int, int]) -> bool:
        """Take what a vouched file's includes inserted from the run's include budget, where its parse
        would have taken it; False (nothing taken) when the budget no longer holds it: then it is parsed."""
        includes, characters = inserted
        budget = self.include_budget
        if budget.includes < includes or budget.characters < characters:
            return False
        budget.includes -= includes
        budget.characters -= characters
        return True

    def _reparse(self, rel: str) -> Document:
        """Parse a file the cache vouched for after all (something its findings rest on changed), in its
        place among the documents, so that the model is the one a run without the cache builds."""
        placeholder = self.pending.pop(rel, None)
        source = placeholder[2].source if placeholder is not None else self.vouched.pop(rel)[1].source
        # Its includes were taken from the run's budget where it was read, and the budget held them all
        # then (see _spend): parsed now, against a fresh one, they are followed just as they were there.
        document = self._parsed(source.abs_name, rel, source, IncludeBudget())
        assert document is not None  # a YAML file always gives a document (only a JSON baseline does not)
        self._place(rel, document)
        self.documents[rel] = document
        return document

    def _vouched_endpoint(self, rel: str, project: FlapiProject) -> CachedEndpoint | None:
        """The stand-in for a vouched endpoint file, when every file its findings rest on is unchanged."""
        voucher, entry, placeholder = self.pending[rel]
        if project.document.path != voucher.main or rel in self.fragments or self.includes_it(rel):
            return None  # included by another file: its texts would be judged there too
        # It still belongs to that project alone, and the main configs are those it was recorded under
        # (they decide which files are endpoints); a placeholder no project takes is parsed after all.
        if len(self._owning_projects(placeholder.source.abs_name)) != 1:
            return None
        if self.layout is None:
            self.layout = layout_digest(self.model)
        if voucher.layout != self.layout:
            return None
        main = self.model.sources.get(voucher.main)
        if main is None or main.stamp != voucher.stamps.get(voucher.main):
            return None
        for path in voucher.probed:  # as the parse would have looked for them (all were there: _unchanged)
            if not self._probe(self.access.root / path):
                return None
        del self.pending[rel]
        self.vouched[rel] = (voucher, placeholder)
        return CachedEndpoint(
            source=placeholder.source,
            project=project,
            cached_facts=voucher.facts,
            unit_counts=voucher.counts,
            entry=entry,
            secret_spans=voucher.passwords,
            sql_spans=dict(voucher.sql_spans),
        )

    def _confirm_tools(self) -> None:
        """Vouched files with model-visible texts were judged against every tool name; if those changed,
        parse them after all (their texts are compared with the new names)."""
        if not any(voucher.tools for voucher, _ in self.vouched.values()):
            return
        digest = tool_names_digest(known_tools(self.model))
        for project in self.model.projects:
            for index, endpoint in enumerate(project.endpoints):
                if not isinstance(endpoint, CachedEndpoint) or isinstance(endpoint, CheckedEndpoint):
                    continue  # a file checked as it was built was judged against this run's names
                voucher, _ = self.vouched[endpoint.unit_path]
                if voucher.tools and voucher.tools != digest:
                    document = self._reparse(endpoint.unit_path)
                    assert document.root is not None  # the file is unchanged: an endpoint still
                    project.endpoints[index] = self._endpoint(document, project)
