"""Building the model: parse what discovery found and resolve the cross-file graph.

flAPI main config → ``template.path`` → endpoint files (with includes) →
``template-source`` SQL; client configs → servers. Each file is read and
parsed at most once. When only some files are in scope
(pre-commit passes a single ``.sql``), the project around them is resolved
from the parent folders and only the endpoint files that matter are parsed.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from mcplint.diagnostics import Diagnostic, DiagnosticKind
from mcplint.discovery import Discovery, FileAccess, effective_suffix
from mcplint.loaders.env_file import is_env_file, load_env
from mcplint.loaders.env_refs import mark_env_refs
from mcplint.loaders.flapi_text import INCLUDE_RE, FlapiText, IncludeBudget, preprocess
from mcplint.loaders.json_loader import load_json
from mcplint.loaders.mustache import parse_mustache
from mcplint.loaders.scalar_positions import value_span
from mcplint.loaders.textmap import PlainText
from mcplint.loaders.toml_loader import load_toml
from mcplint.loaders.yaml_loader import load_yaml
from mcplint.model import classify
from mcplint.model.clients import ClientConfig, ClientServer, server_entries
from mcplint.model.client_formats import other_client_config
from mcplint.model.documents import CACHED_FORMAT, Document
from mcplint.model.flapi import (
    DEFAULT_FLAPI_VERSION,
    AuthBlock,
    BasicUser,
    Connection,
    Endpoint,
    FlapiProject,
    McpEntry,
    RequestField,
    Template,
    Validator,
)
from mcplint.model.model import Model
from mcplint.model.secret_scan import SecretScan, secret_scans
from mcplint.model.secrets import SecretValue
from mcplint.model.service_files import referenced_files
from mcplint.model.services import FluxbaseConfig, PgEdgeConfig
from mcplint.mention_index import MentionIndex
from mcplint.model.sql import SqlText
from mcplint.model.tools import tool_list
from mcplint.model.streamed_files import EndpointChecker, StreamedFiles
from mcplint.model.vouched_files import Vouchers, VouchedFiles
from mcplint.model.values import as_bool, as_text, as_text_list, get_bool, get_text
from mcplint.source import SourceFile
from mcplint.progress import NO_PROGRESS, Progress
from mcplint.tree import MappingNode, Node, ScalarNode, SequenceNode

YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json", ".jsonc")
_REMOTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


@dataclass
class _Fragment:
    """An include target: parsed once with plain YAML, as flAPI loads it."""

    source: SourceFile
    marked_text: str
    root: Node | None
    parse_diagnostics: list[Diagnostic]


def _is_env_document(path: Path | str) -> bool:
    """``.env``, ``.env.local``, ``prod.env``, ``.envrc`` (not ``.env.yaml``, which is YAML)."""
    return effective_suffix(path) not in YAML_SUFFIXES + JSON_SUFFIXES + (".toml", ".sql") and is_env_file(
        os.path.basename(os.fspath(path))
    )


def build_model(
    discovery: Discovery,
    options: dict | None = None,  # type: ignore[type-arg]
    progress: Progress = NO_PROGRESS,
    use_cache: bool = False,
    vouchers: Vouchers | None = None,
    checker: EndpointChecker | None = None,
) -> Model:
    """``options`` are configuration values rules may read (see ``Model.options``).

    ``use_cache`` lets the search for files that name a changed file (pre-commit
    runs) keep its index in ``.mcplint_cache/`` (see ``mention_index.py``).
    ``vouchers`` answers, for an endpoint file, what the result cache recorded
    about it: a file it vouches for is not parsed (``model/cached.py``).
    ``checker`` checks an endpoint file's own units as soon as it is built, so that
    its tree need not be kept (``model/streamed_files.py``).
    """
    builder = _Builder(discovery, progress, use_cache, vouchers, checker)
    builder.model.options.update(options or {})
    return builder.build()


_NO_SUCH_FILE = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP})


def _is_file(path: Path | str) -> bool | None:
    """``Path.is_file()`` on a name, or None when a folder on the way cannot be searched (``Path.is_file``
    raises PermissionError then: an unreadable include folder ended the run)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError as exc:  # what Path.is_file answers False to, and raises on
        return False if exc.errno in _NO_SUCH_FILE else None
    except ValueError:  # a NUL in the name
        return False


class _Builder(VouchedFiles, StreamedFiles):
    def __init__(
        self,
        discovery: Discovery,
        progress: Progress = NO_PROGRESS,
        use_cache: bool = False,
        vouchers: Vouchers | None = None,
        checker: EndpointChecker | None = None,
    ) -> None:
        self.document_at: dict[str, int] = {}  # where each document (or placeholder) stands in model.documents
        VouchedFiles.__init__(self, vouchers)
        StreamedFiles.__init__(self, checker)
        self.discovery = discovery
        self.progress = progress
        self.use_cache = use_cache
        self.mentions = MentionIndex(discovery.access, use_cache, {"main-config": classify.MAIN_CONFIG_SNIFF})
        self.access: FileAccess = discovery.access
        self.scope = discovery.scope
        self.model = Model(root=self.access.root, scope=self.scope)
        self.documents: dict[str, Document | None] = {}
        self.fragments: dict[str, _Fragment | None] = {}
        self.templates: dict[str, Template | None] = {}
        self.projects_by_main: dict[str, FlapiProject] = {}
        self.include_budget = IncludeBudget()  # include amplification is bounded per file and per run
        self.deferred: dict[str, SourceFile] = {}  # YAML files read, their parse left for later (_defer)
        self.include_sniffs: dict[str, bool] = {}  # include target -> whether it may name `template`
        self.include_targets: set[str] = set()  # files the YAML read in _read names in include directives
        self.include_targets_unknown = False  # an include target that depends on the environment

    # ------------------------------------------------------------------ loading

    def _probe(self, path: Path | str) -> bool | None:
        """Whether a file a config names exists (see :func:`_is_file`), remembered in ``model.probed``:
        creating a file that was missing changes the report, so a cached report checks these too."""
        if self.use_cache:  # only a cached report reads them
            self.model.probed.add(str(path))
        return _is_file(path)

    def _record_source(self, source: SourceFile) -> None:
        self.model.sources.setdefault(source.path, source)

    def _diagnose(self, diagnostics: list[Diagnostic]) -> None:
        self.model.diagnostics.extend(diagnostics)
        self.diagnosed_paths.update(d.span.path for d in diagnostics)

    def document(self, path: Path | str) -> Document | None:
        """Parse a YAML (with flAPI pre-processing) or JSON file, once."""
        rel = self.access.rel(path)
        if rel in self.documents:
            return self.documents[rel]
        self.documents[rel] = None
        source = self.deferred.pop(rel, None) or self.access.read(path)
        if source is None:
            return None
        self._record_source(source)
        if self.vouchers is not None and effective_suffix(path) in YAML_SUFFIXES:
            placeholder = self._placeholder(rel, source)
            if placeholder is not None:
                return placeholder
        document = self._parsed(path, rel, source)
        self.documents[rel] = document
        if document is not None:
            self._place(rel, document)
        return document

    def _place(self, rel: str, document: Document) -> None:
        """Put a file's document in the place kept for it (:meth:`_defer`), else after the others."""
        at = self.document_at.get(rel)
        if at is None:
            self.document_at[rel] = len(self.model.documents)
            self.model.documents.append(document)
        else:
            self.model.documents[at] = document

    def _parsed(
        self, path: Path | str, rel: str, source: SourceFile, budget: IncludeBudget | None = None
    ) -> Document | None:
        """Parse a file's text as its suffix says (YAML with flAPI's pre-processing)."""
        if effective_suffix(path) in JSON_SUFFIXES:
            root, problems = load_json(PlainText(source))
            if not problems and classify.is_mcplint_baseline(root, source.text):
                # mcplint's own output, in its exact format: no configuration, and not counted as scanned
                self.model.scope = self.model.scope - {rel}
                return None
            document = Document(source, root, "json")
        elif effective_suffix(path) == ".toml":
            root, problems = load_toml(PlainText(source))
            document = Document(source, root, "toml")
        elif _is_env_document(path):
            root, problems = load_env(PlainText(source), lenient=os.path.basename(path) == ".envrc")
            document = Document(source, root, "env")
        else:
            text, root, problems = self._yaml(source, budget)
            if problems and classify.is_go_template(source.text):
                # A Helm chart template (issue 21): YAML only once rendered, so not a syntax error here;
                # with no tree its text is still searched for secrets (secret_scan's raw scan).
                root, problems = None, []
            self._diagnose(text.diagnostics)
            document = Document(source, root, "yaml", text.includes)
        self._diagnose(problems)
        return document

    def _resolve_include(self, including: SourceFile, target: str) -> _Fragment | str:
        if not target:
            return "include directive names no file"
        # os.path.join keeps an absolute target as it is.
        path = os.path.normpath(os.path.join(os.path.dirname(including.abs_name), target))
        shown = f"`{target}`"
        if not self.access.lexically_inside_root(path) or not self.access.inside_root(path):
            return f"include target {shown} lies outside the scanned root; it was not read"
        is_file = self._probe(path)
        if is_file is None:  # a folder on the way that cannot be searched: like an unreadable file
            return f"include target {shown} could not be read (permission denied on its folder)"
        if not is_file:
            return f"include target {shown} not found (looked for {self.access.rel(path)}); flAPI refuses this file"
        rel = self.access.rel(path)
        if rel not in self.fragments:
            source = self.access.read(path)
            if source is None:
                self.fragments[rel] = None
            else:
                self._record_source(source)
                marked = mark_env_refs(source.text)
                root, problems = load_yaml(PlainText(source, marked))
                self._diagnose(problems)
                self.fragments[rel] = _Fragment(source, marked, root, problems)
        fragment = self.fragments[rel]
        if fragment is None:
            return f"include target {shown} could not be read"
        return fragment

    def template(self, endpoint_doc: Document, reference: ScalarNode) -> Template | None:
        """Load the SQL template an endpoint names (relative to the endpoint's folder)."""
        name = reference.text.strip()
        if not name or _REMOTE.match(name) or reference.env_refs:
            return None
        # Names, not Path objects: one per endpoint, and pathlib interns every part of every Path it parses.
        path = os.path.normpath(os.path.join(os.path.dirname(endpoint_doc.source.abs_name), name))
        if not self.access.lexically_inside_root(path) or not self._probe(path):
            return None
        rel = self.access.rel(path)
        if rel not in self.templates and rel in self.released_templates:
            self.templates[rel] = self._released_template(rel, reference)
        if rel not in self.templates:
            source = self.access.read(path)
            template = None
            if source is not None:
                self._record_source(source)
                mustache = parse_mustache(source.text)
                self._diagnose(
                    [
                        Diagnostic(DiagnosticKind.TEMPLATE_ERROR, source.span(e.start, e.end), e.message)
                        for e in mustache.errors
                    ]
                )
                template = Template(source, mustache, reference, memo=self.model.analysis_memo)
            self.templates[rel] = template
        cached = self.templates[rel]
        if cached is None:
            return None
        if cached.reference is reference:
            return cached
        return Template(cached.source, cached.mustache, reference, shared=cached.shared, memo=cached.memo)

    # ----------------------------------------------------------------- building

    def _yaml(
        self, source: SourceFile, budget: IncludeBudget | None = None
    ) -> tuple[FlapiText, Node | None, list[Diagnostic]]:
        """A YAML file pre-processed as flAPI does and parsed (``budget``: the run's, unless given)."""
        text = preprocess(source, self._resolve_include, budget or self.include_budget)
        root, problems = load_yaml(text.mapped)
        return text, root, problems

    def build(self) -> Model:
        files = self.discovery.files
        self._read(files)
        for path in files:
            document = self.documents.get(self.access.rel(path))
            if document is not None and document.format == "yaml" and classify.is_main_config(document.root):
                self._project(document)
        self._resolve_context(files)
        self._attach_endpoints(files)
        self._standalone_context(files)
        self._classify_others(files)
        self._finish()
        self.mentions.save()
        return self.model

    def _read(self, files: list[str]) -> None:
        """Read every configuration file; parse those that may be flAPI main configs, and every file
        that is not YAML, now. The other YAML files wait (:meth:`_defer`): endpoint files are parsed
        project by project, so that a run can check each one and let its tree go (``checker``)."""
        self.progress.phase("reading", len(files))
        for path in files:
            suffix = effective_suffix(path)
            if suffix in YAML_SUFFIXES:
                if not self._defer(path):
                    self.document(path)
            elif suffix in JSON_SUFFIXES + (".toml",) or _is_env_document(path):
                self.document(path)
            self.progress.advance()
        self.progress.done()

    def _defer(self, path: Path | str) -> bool:
        """Read a YAML file and keep its parse for later, unless its text (with what it includes) may be
        a main config: those must all be known before any endpoint is (they decide which files are)."""
        rel = self.access.rel(path)
        if rel in self.documents or rel in self.deferred:
            return rel in self.deferred
        source = self.access.read(path)
        if source is None:
            self.documents[rel] = None
            return True
        if self._includes_main_config(source) or classify.may_hold_main_config(source.text):
            self.deferred[rel] = source  # document() takes it from here, instead of reading it again
            return False
        self._record_source(source)
        # Packed while it waits: every file is read before the first endpoint is parsed, and a large
        # tree's texts, all held at once, were the run's peak (unpacked again when it is parsed).
        source.pack()
        self.deferred[rel] = source
        # Its place among the documents is kept: they stay in the order the files were found.
        self.document_at[rel] = len(self.model.documents)
        self.model.documents.append(None)  # type: ignore[arg-type]  # filled when it is parsed
        return True

    def _includes_main_config(self, source: SourceFile) -> bool:
        """Whether an include of ``source`` may insert the key ``template`` (an include whose target
        depends on the environment may insert anything). Notes every file its text names as an include
        target (:attr:`include_targets`), followed or not: such a file is not an endpoint to drop early."""
        if "{{include" not in source.text:
            return False
        found = False
        folder = os.path.dirname(source.abs_name)
        for match in INCLUDE_RE.finditer(source.text):
            target = match.group(2).strip()
            if "{{" in target:
                self.include_targets_unknown = True
                found = True
                continue
            path = os.path.normpath(target if os.path.isabs(target) else os.path.join(folder, target))
            if path not in self.include_sniffs:  # each target once: many endpoints include the same fragment
                inside = self.access.lexically_inside_root(path)
                if inside:
                    self.include_targets.add(self.access.rel(path))
                text = self.access.peek(path) if inside else None
                self.include_sniffs[path] = text is not None and classify.may_hold_main_config(text)
            found = found or self.include_sniffs[path]
        return found

    def includes_it(self, rel: str) -> bool:
        """Whether some file read so far may include ``rel`` (by the text of its include directives)."""
        return self.include_targets_unknown or rel in self.include_targets

    def _parse_deferred(self) -> None:
        """Parse the YAML files still waiting, in the order they were found."""
        for source in list(self.deferred.values()):
            self.document(source.abs_name)

    def _project(self, document: Document) -> FlapiProject:
        if document.path in self.projects_by_main:
            return self.projects_by_main[document.path]
        root = document.mapping
        assert root is not None
        template = root.get_map("template")
        template_path = template.get_scalar("path") if template is not None else None
        template_dir = self._template_dir(document, template_path)
        cors_pair = root.get_pair("cors")
        mcp = root.get_map("mcp")
        project = FlapiProject(
            document=document,
            template_path=template_path,
            template_dir=template_dir,
            connections=self._connections(root.get_map("connections")),
            cors_key=cors_pair[0] if cors_pair else None,
            cors=cors_pair[1] if cors_pair else None,
            global_auth=self._auth(root, "global", document),
            mcp=mcp,
            mcp_auth=self._auth(mcp, "mcp", document) if mcp is not None else None,
            instructions=mcp.get_scalar("instructions") if mcp is not None else None,
            instructions_file_ref=mcp.get_scalar("instructions-file") if mcp is not None else None,
            flapi_version=self.model.options.get("flapi-version", DEFAULT_FLAPI_VERSION),
            sources=self.model.sources,
        )
        project.instructions_file = self._side_file(document, project.instructions_file_ref)
        if project.instructions_file is not None and document.path in self.model.scope:
            # The instructions file is model-visible text of an in-scope config: report on it.
            self.model.scope = self.model.scope | {project.instructions_file.path}
        self.projects_by_main[document.path] = project
        self.model.projects.append(project)
        return project

    def _side_file(self, document: Document, reference: ScalarNode | None) -> SourceFile | None:
        """A file a config names (relative to the config's folder), read if inside the root."""
        name = as_text(reference)
        if reference is None or name is None or not name.strip() or reference.env_refs or _REMOTE.match(name):
            return None
        path = Path(os.path.normpath(document.source.abs_path.parent / name.strip()))
        if not self.access.lexically_inside_root(path) or not self._probe(path):
            return None
        source = self.access.read(path)
        if source is not None:
            self._record_source(source)
        return source

    def _template_dir(self, document: Document, node: ScalarNode | None) -> Path | None:
        text = as_text(node)
        if text is None or not text.strip() or _REMOTE.match(text.strip()) or (node and node.env_refs):
            return None
        path = Path(os.path.normpath(document.source.abs_path.parent / text.strip()))
        if not self.access.lexically_inside_root(path) or not self.access.inside_root(path):
            return None
        return path if path.is_dir() else None

    def _owning_projects(self, path: Path | str) -> list[FlapiProject]:
        absolute = os.path.abspath(path)
        return [
            p
            for p in self.model.projects
            if p.template_dir is not None
            and (absolute.startswith(str(p.template_dir) + os.sep))
        ]

    def _resolve_context(self, files: list[str]) -> None:
        """Find main configs above in-scope flAPI files that no scanned project owns.

        Each folder is searched once, however many files below it ask.
        """
        searched: set[Path] = set()
        for path in files:
            if self._owning_projects(path) or not self._may_be_flapi(path):
                continue
            directory = Path(path).parent
            while self.access.lexically_inside_root(directory):
                candidates = [] if directory in searched else self._yaml_files_in(directory)
                searched.add(directory)
                for candidate in candidates:
                    if not self.mentions.sniffed(candidate, "main-config"):
                        continue
                    document = self.document(candidate)
                    if document is not None and classify.is_main_config(document.root):
                        self._project(document)
                if self._owning_projects(path) or directory == self.access.root:
                    break
                directory = directory.parent

    def _may_be_flapi(self, path: Path | str) -> bool:
        if effective_suffix(path) == ".sql":
            return True
        rel = self.access.rel(path)
        document = self.document(path) if rel in self.deferred else self.documents.get(rel)
        if document is not None and document.format == CACHED_FORMAT:
            return True  # the result cache vouches for it as an endpoint file
        return document is not None and document.format == "yaml" and not classify.is_main_config(document.root)

    def _yaml_files_in(self, directory: Path) -> list[Path]:
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            return []
        out = []
        for name in names:
            path = directory / name
            if effective_suffix(path) in YAML_SUFFIXES and _is_file(path):
                if not self.access.excluded(self.access.rel(path)):
                    out.append(path)
        return out

    def _attach_endpoints(self, files: list[str]) -> None:
        in_scope = {self.access.rel(p) for p in files}
        owned: set[str] = set()
        for project in list(self.model.projects):
            if project.template_dir is None:
                continue
            candidates, to_verify = self._endpoint_candidates(project, files, in_scope)
            for path in candidates:
                document = self.document(path)
                if document is not None and document.format == CACHED_FORMAT:
                    # A stand-in is made only for a file one project owns, so only a vouched file waits here.
                    assert document.path in self.pending, document.path
                    cached = self._vouched_endpoint(document.path, project)
                    if cached is not None:
                        project.endpoints.append(cached)
                        owned.add(document.path)
                        continue
                    document = self._reparse(document.path)
                if document is None or document.root is None:
                    continue
                if classify.is_endpoint(document.root):
                    endpoint = self._endpoint(document, project)
                    if path in to_verify and not self._references_scope(endpoint, in_scope):
                        continue
                    project.endpoints.append(self._stream(endpoint) or endpoint)
                elif path in to_verify or classify.is_main_config(document.root):
                    continue
                else:
                    project.fragments.append(document)
                owned.add(document.path)
        for rel in list(self.pending):  # vouched for, but no project took it as an endpoint: parse it
            self._reparse(rel)
        self._parse_deferred()
        for path in files:
            rel = self.access.rel(path)
            document = self.documents.get(rel)
            if rel in owned or document is None or document.format != "yaml":
                continue
            if classify.is_endpoint(document.root):
                self.model.standalone_endpoints.append(self._endpoint(document, None))

    def _endpoint_candidates(
        self, project: FlapiProject, files: list[str], in_scope: set[str]
    ) -> tuple[list[str], set[str]]:
        """YAML files below the template folder to parse, and those still to verify.

        With the main config in scope, everything below ``template.path``. Else
        only in-scope YAML there, plus endpoint files whose text names an
        in-scope file (a ``template-source`` or an include target); those are
        parsed and kept only if the reference really resolves to that file.
        """
        assert project.template_dir is not None
        everything = self.access.walk(project.template_dir, YAML_SUFFIXES)
        if project.document.path in in_scope:
            return everything, set()
        prefix = str(project.template_dir) + os.sep
        given = {p for p in files if os.path.abspath(p).startswith(prefix) and effective_suffix(p) in YAML_SUFFIXES}
        others = [p for p in everything if p not in given]
        to_verify = set(self.mentions.files_naming(others, {os.path.basename(p) for p in files}))
        return [p for p in everything if p in given or p in to_verify], to_verify

    def _standalone_context(self, files: list[str]) -> None:
        """For in-scope SQL and fragments outside every project, find the endpoint beside them.

        A folder scan sees such an endpoint and its template together; a
        pre-commit run on the ``.sql`` alone must resolve the same endpoint,
        from the YAML files in the same folder that name it.
        """
        if not self.discovery.explicit_files:
            return  # a folder scan has the endpoints beside these files in scope already
        in_scope = {self.access.rel(p) for p in files}
        endpoints = self.model.endpoints()
        referenced = {e.template.path for e in endpoints if e.template is not None}
        referenced |= {inc.fragment_path for e in endpoints for inc in e.document.includes if inc.fragment_path}
        loaded = {e.document.path for e in endpoints}
        for path in files:
            rel = self.access.rel(path)
            if rel in referenced or rel in loaded or self._owning_projects(path) or not self._may_be_flapi(path):
                continue
            unloaded = [c for c in self._yaml_files_in(Path(path).parent) if self.access.rel(c) not in loaded]
            for candidate in self.mentions.files_naming(unloaded, {os.path.basename(path)}):
                candidate_rel = self.access.rel(candidate)
                document = self.document(candidate)
                if document is None or not classify.is_endpoint(document.root):
                    continue
                endpoint = self._endpoint(document, None)
                if self._references_scope(endpoint, in_scope):
                    self.model.standalone_endpoints.append(endpoint)
                    loaded.add(candidate_rel)

    @staticmethod
    def _references_scope(endpoint: Endpoint, in_scope: set[str]) -> bool:
        """Whether the endpoint's template or one of its includes is an in-scope file."""
        if endpoint.template is not None and endpoint.template.path in in_scope:
            return True
        return any(inc.fragment_path in in_scope for inc in endpoint.document.includes)

    def _classify_others(self, files: list[str]) -> None:
        for path in files:
            document = self.documents.get(self.access.rel(path))
            if document is None or document.root is None:
                continue
            other = other_client_config(document)  # VS Code settings, Continue, Codex, Gemini, plugins
            if other is not None:
                self.model.client_configs.append(other)
                continue
            if document.format in ("toml", "env"):
                continue  # read for the secret scan only
            if document.format == "json":
                kind = classify.client_kind(document.path, document.root)
                if kind is not None:
                    self.model.client_configs.append(self._client_config(document, *kind))
                else:
                    tools = tool_list(document)
                    if tools is not None:
                        self.model.tool_lists.append(tools)
                continue
            if classify.is_main_config(document.root) or classify.is_endpoint(document.root):
                continue
            flux_root = classify.fluxbase_root(document.path, document.root)
            if flux_root is not None:
                self.model.fluxbase.append(FluxbaseConfig(document, None if flux_root is document.root else flux_root))
                continue
            pg_kind = classify.pgedge_kind(document.root)
            if pg_kind is not None:
                scanned = {rel for rel, doc in self.documents.items() if doc is not None}
                files = referenced_files(document, self.access, scanned) if pg_kind == "server" else []
                self.model.pgedge.append(PgEdgeConfig(document, pg_kind, files))

    def _finish(self) -> None:
        self._confirm_tools()
        for cached in self.model.cached_endpoints():  # vouched for by the cache, or checked as built
            self.model.secret_spans.update(cached.secret_spans)
        for block in self.model.auth_blocks():
            block.options = self.model.options
            for user in block.users:
                if user.password is not None:
                    self.model.secret_spans.add(user.password.span)
        # The scans themselves run lazily, during the checks (in parallel on large trees);
        # the engine adds the secrets they find to the report's masked spans.
        self.model.secret_scans = secret_scans(self.model)
        for scan in self.model.secret_scans:
            if isinstance(scan, SecretScan):
                scan.options = self.model.options
        self.model.diagnostics.extend(self.access.diagnostics)
        self.model.diagnostics = sorted(
            set(self.model.diagnostics), key=lambda d: (d.span, d.kind.value, d.message)
        )

    # -------------------------------------------------------------- flAPI parts

    def _endpoint(self, document: Document, project: FlapiProject | None) -> Endpoint:
        root = document.mapping
        assert root is not None
        template_source = root.get_scalar("template-source")
        template = self.template(document, template_source) if template_source is not None else None
        return Endpoint(
            document=document,
            project=project,
            url_path=root.get_scalar("url-path"),
            method=(get_text(root, "method") or "GET").strip().upper(),
            mcp_tool=self._mcp_entry(root, "mcp-tool", "tool"),
            mcp_resource=self._mcp_entry(root, "mcp-resource", "resource"),
            mcp_prompt=self._mcp_entry(root, "mcp-prompt", "prompt"),
            request=self._request(root.get_seq("request")),
            template_source=template_source,
            template=template,
            connections=as_text_list(root.get("connection")),
            auth=self._auth(root, "endpoint", document),
            options=self.model.options,
            template_status=self._template_status(document, template_source, template),
        )

    def _template_status(self, document: Document, reference: ScalarNode | None, template: Template | None) -> str:
        """Why an endpoint's template is (not) loaded; see ``Endpoint.template_status``."""
        name = reference.text.strip() if reference is not None else ""
        if reference is None or reference.is_null:
            return ""
        if template is not None:
            return "loaded"
        if _REMOTE.match(name):
            return "remote"
        if reference.env_refs:
            return "env"
        path = Path(os.path.normpath(document.source.abs_path.parent / name))
        if not name or not self.access.lexically_inside_root(path) or not self.access.inside_root(path):
            return "outside-root" if name else "missing"
        return "missing" if self._probe(path) is False else "unreadable"

    @staticmethod
    def _mcp_entry(root: MappingNode, key: str, kind: str) -> McpEntry | None:
        pair = root.get_pair(key)
        if pair is None:
            return None
        node = pair[1] if isinstance(pair[1], MappingNode) else None
        return McpEntry(
            kind=kind,
            key=pair[0],
            node=node,
            name=get_text(node, "name"),
            description=node.get_scalar("description") if node is not None else None,
        )

    @staticmethod
    def _request(seq: SequenceNode | None) -> list[RequestField]:
        fields: list[RequestField] = []
        for item in seq.items if seq is not None else []:
            if not isinstance(item, MappingNode):
                continue
            validators = []
            for v in item.get_seq("validators").items if item.get_seq("validators") else []:
                if isinstance(v, MappingNode):
                    allowed = v.get("allowedValues")
                    validators.append(
                        Validator(
                            node=v,
                            type=get_text(v, "type"),
                            regex=v.get_scalar("regex"),
                            min=v.get_scalar("min"),
                            max=v.get_scalar("max"),
                            allowed_values=as_text_list(allowed) if allowed is not None else None,
                            prevent_sql_injection=get_bool(v, "preventSqlInjection"),
                        )
                    )
            fields.append(
                RequestField(
                    node=item,
                    name=get_text(item, "field-name"),
                    name_node=item.get_scalar("field-name"),
                    field_in=get_text(item, "field-in"),
                    required=bool(get_bool(item, "required")),
                    default=item.get_scalar("default"),
                    description=item.get_scalar("description"),
                    validators=validators,
                )
            )
        return fields

    def _connections(self, node: MappingNode | None) -> list[Connection]:
        out = []
        for key, value in node.pairs if node is not None else []:
            if not isinstance(key, ScalarNode):
                continue
            mapping = value if isinstance(value, MappingNode) else None
            init = mapping.get_scalar("init") if mapping is not None else None
            out.append(
                Connection(
                    name=key.text,
                    key=key,
                    node=mapping,
                    init=init,
                    properties=mapping.get_map("properties") if mapping is not None else None,
                    init_sql=self._scalar_sql(init),
                )
            )
        return out

    def _scalar_sql(self, node: ScalarNode | None) -> SqlText | None:
        """SQL written in a YAML scalar, with spans that point inside the scalar."""
        if node is None or node.is_null:
            return None
        source = self.model.sources.get(node.span.path)
        if source is None:
            return None
        return SqlText(node.text, lambda start, end: value_span(source, node, start, end))

    @staticmethod
    def _auth(container: MappingNode | None, scope: str, document: Document) -> AuthBlock | None:
        pair = container.get_pair("auth") if container is not None else None
        if pair is None:
            return None
        key, node = pair
        mapping = node if isinstance(node, MappingNode) else None
        users: list[BasicUser] = []
        user_seq = mapping.get_seq("users") if mapping is not None else None
        for item in user_seq.items if user_seq is not None else []:
            if not isinstance(item, MappingNode):
                continue
            password_pair = item.get_pair("password")
            password = None
            if password_pair is not None and isinstance(password_pair[1], ScalarNode):
                password = SecretValue.from_node(password_pair[1])
            users.append(
                BasicUser(
                    node=item,
                    username=get_text(item, "username"),
                    password=password,
                    password_key=password_pair[0] if password_pair else None,
                    roles=as_text_list(item.get("roles")),
                )
            )
        return AuthBlock(
            key=key,
            node=node,
            scope=scope,
            document=document,
            enabled=as_bool(mapping.get("enabled")) if mapping is not None else None,
            type=get_text(mapping, "type"),
            users=users,
        )

    # ----------------------------------------------------------- client configs

    @staticmethod
    def _client_config(document: Document, client: str, servers_key: str) -> ClientConfig:
        root = document.mapping
        assert root is not None
        config = ClientConfig(document, client, servers_key, inputs=root.get_seq("inputs"))
        for key, entry in server_entries(root.get(servers_key)):
            command_node = entry.get("command")
            args_node: Node | None = entry.get("args")
            env = entry.get_map("env")
            command = command_node if isinstance(command_node, ScalarNode) else None
            if isinstance(command_node, MappingNode):  # Zed: command: {path, args, env}
                command = command_node.get_scalar("path")
                args_node = command_node.get("args")
                env = command_node.get_map("env")
            items = args_node.items if isinstance(args_node, SequenceNode) else []
            args = [a for a in items if isinstance(a, ScalarNode)]
            url = entry.get_scalar("url") or entry.get_scalar("serverUrl") or entry.get_scalar("httpUrl")
            config.servers.append(
                ClientServer(
                    name=key.text,
                    key=key,
                    node=entry,
                    command=command,
                    args=args,
                    env=env,
                    url=url,
                    headers=entry.get_map("headers"),
                )
            )
        return config
