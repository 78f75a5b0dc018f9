"""Finding secrets written into configuration, everywhere the model has text.

Where it looks: every value of every parsed document (flAPI main configs,
endpoint files and fragments, MCP client configs, Fluxbase, pgEdge, other
YAML/JSON, TOML and ``.env`` files), the SQL of flAPI ``connections.*.init``
and ``from-aws-secretmanager.init`` (string literals by the option they
belong to: ``CREATE SECRET (… PASSWORD '…')``), and SQL templates (Mustache
tags blanked out first). Inside a value it also looks at ``--flag=value`` and
``KEY=value`` pieces, connection strings (``password=…``, ``AccountKey=…``),
``Authorization: Bearer …`` header text and URLs (user-info and query).

How it decides: the *shape* of a provider token, the *name* of the key (or
flag, variable, SQL option, query parameter) that holds a literal, *user-info*
in a URL, or the *entropy* of a long random string. References to secrets
kept elsewhere stay quiet (``{{env.X}}`` in flAPI; ``${VAR}``,
``${env:VAR}``, ``${input:id}``, ``${{ secrets.X }}`` elsewhere), except that
flAPI never expands ``${VAR}``. Placeholders and published default secrets
get their own verdicts. Basic-auth passwords of flAPI ``auth`` blocks are
left to the weak-credential rules.

Each scanned text is one :class:`SecretScan` unit whose hits are computed on
first use, so an error in the scan is pinned to that file by the engine.
Every hit's value is a :class:`~mcplint.model.secrets.SecretValue`.
"""

from __future__ import annotations

import bisect

import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property, lru_cache
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from mcplint.lazy_re import lazy_compile
from mcplint.loaders.scalar_positions import value_span
from mcplint.model import secret_patterns as sp
from mcplint.loaders.mustache import MustacheTemplate, parse_mustache
from mcplint.model.classify import is_go_template
from mcplint.model.documents import CACHED_FORMAT
from mcplint.model.flapi import CachedUnit, CheckedEndpoint
from mcplint.model.secrets import SecretValue
from mcplint.model.sql import SqlText
from mcplint.source import SourceFile
from mcplint.span import Span
from mcplint.tree import MappingNode, Node, ScalarNode, SequenceNode, format_path

if TYPE_CHECKING:
    from mcplint.model.documents import Document
    from mcplint.model.flapi import AuthBlock, Template
    from mcplint.model.model import Model


class Verdict(str, Enum):
    TOKEN = "token-shape"  # a provider token's shape
    URL = "url-credentials"  # user-info or a secret query parameter in a URL
    UNEXPANDED = "unexpanded-reference"  # ${VAR} in a flAPI file: the literal text is the secret
    DEFAULT = "known-default"  # a default or demo secret that products publish
    PLACEHOLDER = "placeholder"  # documentation text standing in for a secret
    KEY = "key-name"  # a literal under a secret-bearing name
    ENTROPY = "entropy"  # a long random string


_PRIORITY = {v: i for i, v in enumerate(Verdict)}


@dataclass(frozen=True)
class Context:
    """What kind of file a value is in, which decides what a reference looks like."""

    role: str  # flapi | client | fluxbase | pgedge | env-file | toml | yaml | json | sql-template
    flapi: bool = False  # flAPI reads it: only {{env.X}} is a reference
    client: str = ""  # the MCP client, for client configs
    example: bool = False  # an example/template file, where placeholders are expected


@dataclass(eq=False)
class SecretHit:
    secret: SecretValue  # the secret, its exact span and the logical path of its node
    verdict: Verdict
    signal: str  # which signal fired, in words: "token shape", "key name", "URL user-info", "entropy", …
    kind: str  # what it is: "GitHub token", "password", "API key", …
    where: str  # where, for messages: "`env.GITHUB_TOKEN` of MCP server `github`"
    context: Context
    prefix: str = ""  # a public marker that may be shown (``ghp_``)
    shape: str = ""  # token shape id, when the shape fired
    served: bool = False  # flAPI serves it unauthenticated at GET /config (connection init/properties)
    guards: bool = False  # flAPI checks callers against it (jwt-secret, OIDC client secret)
    key: str = ""  # the name that holds it (key, flag, variable, SQL option), when there is one

    @property
    def span(self) -> Span:
        return self.secret.span

    @property
    def shown(self) -> str:
        """The redacted form for messages: at most the public prefix and the length."""
        return self.secret.redacted(self.prefix)

    def __repr__(self) -> str:
        return f"SecretHit({self.verdict.value}, {self.kind!r}, {self.span}, {self.shown})"


@dataclass(eq=False)
class SecretScan:
    """One scanned text (a document or a SQL template) and the secrets in it.

    The scan runs once, on first use. If it fails (a bug, never an input the
    scan cannot handle by design), :attr:`hits` is empty and :meth:`raise_failure`
    raises the error again, so that one rule reports it as an internal error on
    this file instead of every secret rule reporting it.
    """

    path: str
    scan: Callable[[], list[SecretHit]] = field(repr=False)
    failure: Exception | None = field(default=None, repr=False)
    facts: str = field(default="", repr=False)  # what it takes from other files (see secret_scans)
    options: dict = field(default_factory=dict, repr=False)  # type: ignore[type-arg]  # Model.options, shared

    @cached_property
    def hits(self) -> list[SecretHit]:
        try:
            return self.scan()
        except Exception as exc:  # noqa: BLE001 - surfaced through raise_failure
            self.failure = exc
            return []

    def raise_failure(self) -> None:
        self.hits  # noqa: B018 - runs the scan if nobody has
        if self.failure is not None:
            raise self.failure

    @property
    def unit_path(self) -> str:
        return self.path


# ----------------------------------------------------------------- the model


def secret_scans(model: Model) -> list[SecretScan | CachedUnit]:
    """One unit per document and per SQL template, in a stable order (a placeholder for a file whose
    findings were kept: by the result cache, or when the file was checked as the model was built)."""
    basic_auth = {span for block in model.auth_blocks() for span in block.password_spans()}
    flapi_docs: dict[str, str] = {}  # path -> "main" | "endpoint" | "fragment"
    # By span, not by node: an included fragment is also parsed as its own document.
    sql_spans: dict[Span, str] = {}  # span of a scalar holding SQL -> what the SQL is
    for project in model.projects:
        flapi_docs[project.document.path] = "main"
        for connection in project.connections:
            if connection.init is not None:
                sql_spans[connection.init.span] = f"`connections.{connection.name}.init`"
        for fragment in project.fragments:
            flapi_docs.setdefault(fragment.path, "fragment")
    templates: dict[str, Template] = {}
    cached_templates: set[str] = set()  # templates of endpoint files the result cache vouched for
    for cached in model.cached_endpoints():  # from what the cache recorded, or the checks made while building
        # A file checked as it was built is scanned already, and included by no other: of its passwords and
        # SQL, only those in files it includes matter here (most endpoints have none: nothing is kept).
        own = cached.unit_path if isinstance(cached, CheckedEndpoint) else None
        basic_auth.update(span for span in cached.secret_spans if span.path != own)
        sql_spans.update((span, what) for span, what in cached.sql_spans.items() if span.path != own)
        flapi_docs[cached.unit_path] = "endpoint"
        for fragment_path in cached.cached_facts.includes:
            flapi_docs.setdefault(fragment_path, "fragment")
        if cached.cached_facts.template_path is not None:
            cached_templates.add(cached.cached_facts.template_path)
    for endpoint in model.endpoints():
        flapi_docs[endpoint.document.path] = "endpoint"
        for include in endpoint.document.includes:
            if include.fragment_path:
                flapi_docs.setdefault(include.fragment_path, "fragment")
        if endpoint.template is not None:
            templates.setdefault(endpoint.template.path, endpoint.template)
    for block in model.auth_blocks():
        sql_spans.update(block.sql_spans())
    clients = {c.document.path: c.client for c in model.client_configs}
    roles = {d.document.path: "fluxbase" for d in model.fluxbase}
    roles.update({d.document.path: "pgedge" for d in model.pgedge})

    passwords_in: dict[str, list[Span]] = {}  # by file: one pass, not one per document
    for span in basic_auth:
        passwords_in.setdefault(span.path, []).append(span)
    sql_in: dict[str, list[tuple[Span, str]]] = {}
    for span, what in sql_spans.items():
        sql_in.setdefault(span.path, []).append((span, what))
    scans: list[SecretScan] = []
    for document in model.documents:
        path = document.path
        if document.format == CACHED_FORMAT:  # its findings and secrets come from the result cache
            scans.append(CachedUnit(path))
            continue
        if path in flapi_docs:
            context = Context("flapi", flapi=True)
        elif path in clients:
            context = Context("client", client=clients[path])
        else:
            role = roles.get(path) or {"toml": "toml", "env": "env-file", "json": "json"}.get(document.format, "yaml")
            context = Context(role, example=_is_example(path))
        scanner = _DocumentScanner(document, context, model.sources, basic_auth, sql_spans)
        # What the scan takes from other files (which of its values are basic-auth passwords or SQL,
        # as endpoints that include it say; what kind of file it is): the result cache keys it with this.
        files = {path, *(include.fragment_path for include in document.includes if include.fragment_path)}
        facts = repr((
            context,
            sorted(span for name in sorted(files) for span in passwords_in.get(name, ())),
            sorted(item for name in sorted(files) for item in sql_in.get(name, ())),
        ))
        scans.append(SecretScan(path, scanner.run, facts=facts))
    for path in sorted(templates.keys() | {p for p in cached_templates if p in model.sources}):
        template = templates.get(path)
        if path in model.prechecked:  # scanned while the model was built (engine/streaming.py)
            scans.append(CachedUnit(path))
        elif template is not None:
            scans.append(template_scan(template, model.options))
        else:  # only endpoint files the cache vouched for use it: read, but its Mustache not yet parsed
            scans.append(SecretScan(path, lambda s=model.sources[path]: _scan_template(s, parse_mustache(s.text))))
    return scans


def endpoint_file_scan(
    document: Document, block: AuthBlock | None, sources: dict[str, SourceFile], options: dict  # type: ignore[type-arg]
) -> SecretScan:
    """The secret scan of an endpoint file's document, as :func:`secret_scans` makes it, for a file that no
    other file includes: then the only basic-auth passwords and SQL values in its own text are its auth
    block's (a scan skips the text its includes insert: that is scanned in its own file)."""
    passwords = set(block.password_spans()) if block is not None else set()
    sql = dict(block.sql_spans()) if block is not None else {}
    scanner = _DocumentScanner(document, Context("flapi", flapi=True), sources, passwords, sql)
    return SecretScan(document.path, scanner.run, options=options)


def template_scan(template: Template, options: dict) -> SecretScan:  # type: ignore[type-arg]
    """The secret scan of a SQL template, as :func:`secret_scans` makes it."""
    return SecretScan(template.path, lambda: _scan_template(template.source, template.mustache), options=options)


def mask_spans(scans: list[SecretScan]) -> set[Span]:
    """Spans of every secret found, for masking source excerpts (a failed scan contributes none)."""
    return {hit.span for scan in scans for hit in scan.hits}


_EXAMPLE_NAME = lazy_compile(r"(?:^|[._-])(?:examples?|samples?|template|tmpl|dist|defaults?)(?:[._-]|$)")


def _is_example(path: str) -> bool:
    name = PurePosixPath(path).name.lower()
    return bool(_EXAMPLE_NAME.search(name))


# ------------------------------------------------------------- candidates


@dataclass
class _Candidate:
    start: int  # offsets in the scanned value text
    end: int
    verdict: Verdict
    signal: str
    kind: str
    detail: str = ""  # extra where-text ("`--api-key=` in"), empty for the whole value
    prefix: str = ""
    shape: str = ""
    key: str = ""


_PROSE_KEYS = frozenset(
    """description desc summary title help doc docs documentation comment comments note notes instructions prompt
    message text label placeholder hint usage readme changelog markdowndescription errormessage pattern regex
    example examples details about caption tooltip""".split()
)
_NOT_A_SECRET_VALUES = frozenset(
    """string str text required optional env environment file vault prompt keychain keyring stdin inherit auto
    plain plaintext bearer basic oauth oauth2 jwt hmac hs256 hs384 hs512 rs256 es256 sha256 aws gcp azure none null
    nil undefined n/a na unset empty blank false true yes no on off disabled enabled hidden masked sensitive secret:
    read write readwrite read-write admin:read
    ~ - * ** [] {} "" ''""".split()
)
_EXAMPLE_KEYS = frozenset({"example", "examples", "sample", "samples", "x-example", "x-examples"})
_HASHY_LAST = frozenset(
    """hash checksum digest integrity sha sha1 sha256 sha384 sha512 md5 etag fingerprint thumbprint id ids uuid guid
    commit rev revision version nonce salt iv image tag ref resolved name path url uri label shape prefix
    secure encrypted ciphertext cipher sealed""".split()
)
_URL = lazy_compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]{1,30})://(?P<rest>[^\s'\"<>`]+)")
_QUERY_PARAM = lazy_compile(r"[?&;](?P<key>[A-Za-z0-9_.\-\[\]]{1,60})=(?P<val>[^&#;\s'\"]*)")
_QUERY_SECRET_NAMES = {
    "key": "API key",
    "sig": "signature",
    "signature": "signature",
    "auth": "credential",
    "x-amz-signature": "signature",
    "x-goog-signature": "signature",
    "access_token": "token",
    "code": "",
}
_KV = lazy_compile(
    r"(?:^|(?<=[\s;,&?\"'(\[]))(?P<key>-{0,2}[A-Za-z_][A-Za-z0-9_.-]{0,60})[ \t]*=[ \t]*"
    r"(?P<val>\"[^\"\n]*\"|'[^'\n]*'|\{[^}\n]*\}|[^\s;,&'\"]+)"
)
_HEADER = lazy_compile(
    r"(?:^|(?<=[\s\"']))(?P<key>(?:proxy-)?authorization|x-[a-z0-9-]*(?:key|token|secret|auth)[a-z0-9-]*|"
    r"api-?key|private-token)[ \t]*:[ \t]*(?P<val>[^\n\"']+)",
    re.IGNORECASE,
)
_SCHEME = lazy_compile(
    r"^(?:Bearer|Basic|Token|Bot|Digest|ApiKey|Api-Key|SSWS|Splunk|GenieKey|OAuth)\s+", re.IGNORECASE
)
_FLAG = lazy_compile(r"^--?(?P<name>[A-Za-z][A-Za-z0-9_.-]*)$")
# Prose (a description written under a secret-bearing name): three words or more, one of them a function word.
_WORD = lazy_compile(r"[A-Za-z]{2,}")
_FUNCTION_WORDS = frozenset(
    "the a an of for to is are in from and or with this that your be used will must should on by not".split()
)


def _is_prose(v: str) -> bool:
    if " " not in v:
        return False
    words = _WORD.findall(v[:400])
    return len(words) >= 3 and any(w.lower() in _FUNCTION_WORDS for w in words)


_HASHED = lazy_compile(r"^\$(?:2[aby]|argon2\w*|pbkdf2[\w-]*|scrypt|[156])\$|^(?:sha\d+|md5|bcrypt|scrypt)[:$]", re.I)


# A value made of a few plain words that says it is local or for tests (`local-test-key`, `dev_token`):
# written for a developer's own machine, not a credential anyone issued (issue 21) - a placeholder note.
_LOCAL_TEST_VALUE = lazy_compile(
    r"(?=[a-z_-]{0,40}(?:local|localhost|test|testing|dev|development|demo|sandbox))"
    r"(?=[a-z_-]{0,40}(?:key|token|secret|password|pass|pwd|apikey))[a-z]{2,12}(?:[-_][a-z]{2,12}){1,4}"
)


def _classify_literal(value: str, flapi: bool) -> Verdict | None:
    """The verdict for a literal under a secret-bearing name, or None when it is not a secret."""
    v = value.strip()
    if not v or v.lower() in _NOT_A_SECRET_VALUES:
        return None
    if not flapi and _LOCAL_TEST_VALUE.fullmatch(v):
        return Verdict.PLACEHOLDER
    if flapi:
        if sp.is_reference(v, flapi=True):
            return None
        if sp.flapi_unexpanded(v):
            return Verdict.UNEXPANDED
    elif sp.is_reference(v):
        return None
    if sp.is_known_default(v):
        return Verdict.DEFAULT
    if sp.is_placeholder(v):
        return Verdict.PLACEHOLDER
    if sp.is_env_name(v) or (not flapi and _names_a_field(v)):  # flAPI never reads a value as a name
        return None
    if _HASHED.search(v) or _is_prose(v) or _looks_like_path(v) or v.startswith(("arn:", "urn:")):
        return None
    return Verdict.KEY


_FIELD_NAME = lazy_compile(r"[A-Za-z][A-Za-z_.-]*")
_SECRET_STEMS = ("token", "password", "passwd", "secret", "apikey", "credential")


def _names_a_field(v: str) -> bool:
    """``NextToken``, ``userPassword``, ``db-secret``: the name of a field or object, not a secret."""
    if not _FIELD_NAME.fullmatch(v) or len(v) > 40 or len(sp.key_words(v)) > 3:
        return False
    flat = v.lower().replace("_", "").replace("-", "").replace(".", "")
    return any(stem in flat for stem in _SECRET_STEMS)


def _named_after(value: str, key: str) -> bool:
    """An identifier that repeats the key's own words: the name of something, not a secret."""
    words = set(sp.key_words(key))
    return bool(_FIELD_NAME.fullmatch(value)) and len(words) > 1 and words <= set(sp.key_words(value))


def _looks_like_path(v: str) -> bool:
    if " " in v:
        return False
    if v.startswith(("/", "./", "../", "~/")) and not v.startswith("//"):
        return True
    return bool(re.search(r"\.(?:json|ya?ml|toml|txt|pem|key|crt|cer|p12|pfx|jks|env|gpg|asc|age|enc)$", v, re.I))


def _strip_scheme(value: str) -> int:
    """Offset of the credential after an ``Authorization`` scheme word (``Bearer …``)."""
    match = _SCHEME.match(value)
    return match.end() if match else 0


def _token_candidates(text: str, prose: bool, example: bool) -> list[_Candidate]:
    out = []
    for match in sp.token_matches(text):
        token = text[match.start : match.end]
        shape = match.shape
        verdict, kind = Verdict.TOKEN, shape.label
        if shape.id == "jwt":
            claims = sp.jwt_claims(token) or {}
            if claims.get("role") == "anon":
                continue  # Supabase/Fluxbase anon keys are public by design
            if claims.get("iss") == "supabase-demo":
                verdict, kind = Verdict.DEFAULT, "Supabase demo JWT"
        real_key = sp.private_key_verdict(token) if shape.id == "private-key" else None
        if real_key is not None:  # key material is judged by its structure, not by placeholder tests
            if not real_key:
                if prose or example:
                    continue
                verdict = Verdict.PLACEHOLDER
        elif verdict is Verdict.TOKEN and sp.is_placeholder(token[len(match.prefix(text)) :]):
            if prose or example:
                continue
            verdict = Verdict.PLACEHOLDER
        out.append(_Candidate(match.start, match.end, verdict, "token shape", kind, prefix=match.prefix(text),
                              shape=shape.id))
    return out


def _url_candidates(text: str, flapi: bool, prose: bool, example: bool) -> list[_Candidate]:
    out = []
    for url in _URL.finditer(text):
        rest_start = url.start("rest")
        rest = url.group("rest")
        authority_end = len(rest)
        for stop in "/?#":
            at = rest.find(stop)
            if at >= 0:
                authority_end = min(authority_end, at)
        authority = rest[:authority_end]
        at = authority.rfind("@")
        if at > 0:
            userinfo = authority[:at]
            user, colon, password = userinfo.partition(":")
            if colon and password:
                start = rest_start + len(user) + 1
                verdict = _classify_literal(password, flapi)
                if verdict is Verdict.KEY:
                    verdict = Verdict.URL
                if verdict is not None and not (verdict is Verdict.PLACEHOLDER and (prose or example)):
                    out.append(_Candidate(start, start + len(password), verdict, "URL user-info", "password in a URL",
                                          key="password"))
            elif not colon and sp.looks_random(user):
                start = rest_start
                out.append(_Candidate(start, start + len(user), Verdict.URL, "URL user-info", "token in a URL"))
        query_at = rest.find("?")
        if query_at < 0:
            continue
        for param in _QUERY_PARAM.finditer(rest, query_at):
            name = param.group("key")
            value = param.group("val")
            kind = _QUERY_SECRET_NAMES.get(name.lower())
            if kind == "":
                continue
            kind = kind or sp.secret_key_kind(name)
            if not kind or not value:
                continue
            verdict = _classify_literal(_unquote(value), flapi)
            if verdict is Verdict.KEY:
                verdict = Verdict.URL
            if verdict is None or (verdict is Verdict.PLACEHOLDER and (prose or example)):
                continue
            start = rest_start + param.start("val")
            out.append(_Candidate(start, start + len(value), verdict, "URL query parameter", kind,
                                  detail=f"query parameter `{name}` of a URL in", key=name))
    return out


def _unquote(value: str) -> str:
    from urllib.parse import unquote

    return unquote(value)


def _assignment_candidates(text: str, flapi: bool, example: bool, env_style: bool) -> list[_Candidate]:
    """``KEY=value``, ``--flag=value``, ``password=…;`` and ``Authorization: Bearer …`` inside a value."""
    out = []
    if "=" in text:
        for match in _KV.finditer(text):
            raw_key = match.group("key")
            name = raw_key.lstrip("-")
            value = match.group("val")
            start = match.start("val")
            if value[:1] in "\"'{" and len(value) >= 2:
                value, start = value[1:-1], start + 1
            flag = raw_key.startswith("-")
            kind = sp.secret_key_kind(name, env_style=env_style or flag or name.isupper())
            shown = f"`{raw_key}=`"
            if kind is None:
                if sp.looks_random(value) and not _hashy(name):
                    out.append(_Candidate(start, start + len(value), Verdict.ENTROPY, "entropy", "random string",
                                          detail=f"{shown} in"))
                continue
            if kind == "connection string":
                continue
            skip = _strip_scheme(value)
            verdict = _classify_literal(value[skip:], flapi)
            if verdict is None or (verdict is Verdict.PLACEHOLDER and example):
                continue
            out.append(_Candidate(start + skip, start + len(value), verdict, "key name", kind,
                                  detail=f"{shown} in", key=name))
    lower = text.lower()
    if ":" in text and ("auth" in lower or "key" in lower or "token" in lower or "secret" in lower):
        for match in _HEADER.finditer(text):
            value = match.group("val").rstrip()
            start = match.start("val")
            skip = _strip_scheme(value)
            verdict = _classify_literal(value[skip:], flapi)
            if verdict is None or (verdict is Verdict.PLACEHOLDER and example):
                continue
            name = match.group("key")
            out.append(_Candidate(start + skip, start + len(value), verdict, "key name", "credential in a header",
                                  detail=f"header `{name}` in", key=name))
    return out


@lru_cache(maxsize=4096)
def _hashy(name: str) -> bool:
    """Names whose values are identifiers, digests or ciphertext, or describe a secret without holding it."""
    words = sp.key_words(name)
    return bool(words) and (words[-1] in _HASHY_LAST or sp.names_secret_metadata(name))


@lru_cache(maxsize=4096)
def _prose_key(key: str) -> bool:
    """Keys whose values are prose (descriptions), where only real token shapes and URLs count."""
    return key.lower().replace("-", "").replace("_", "") in _PROSE_KEYS


MAX_HITS_PER_VALUE = 1000


def _choose(candidates: list[_Candidate]) -> list[_Candidate]:
    """The strongest verdict wins where candidates overlap."""
    if not candidates:
        return candidates  # most values hold nothing: no sorting for them
    # The chosen candidates never overlap: kept sorted by start, a new one is checked against its two
    # neighbours only (checking every chosen one cost n² on a value holding thousands of tokens).
    starts: list[int] = []
    chosen: list[_Candidate] = []
    for candidate in sorted(candidates, key=lambda c: (_PRIORITY[c.verdict], c.start, -c.end)):
        if candidate.end <= candidate.start:
            continue
        i = bisect.bisect_right(starts, candidate.start)
        if i > 0 and chosen[i - 1].end > candidate.start:
            continue
        if i < len(chosen) and chosen[i].start < candidate.end:
            continue
        starts.insert(i, candidate.start)
        chosen.insert(i, candidate)
    return chosen


def value_candidates(
    text: str,
    key: str | None,
    context: Context,
    *,
    parent: str | None = None,
    typed: object = None,
    env_style: bool = False,
    documentation: bool = False,
) -> list[_Candidate]:
    """Every secret in one value ``text`` held under ``key`` (None for list items).

    ``documentation`` marks values below an ``example(s)`` key: only real token shapes and URL credentials count.
    """
    if isinstance(typed, bool) or not text.strip():
        return []
    flapi = context.flapi
    if not isinstance(typed, str) and typed is not None:
        if isinstance(typed, (int, float)) and key is not None:
            kind = sp.flapi_secret_key_kind(key, parent) if flapi else sp.secret_key_kind(key, env_style)
            if kind and (sp.is_known_default(text) or len(text) >= 6):
                verdict = Verdict.DEFAULT if sp.is_known_default(text) else Verdict.KEY
                return [_Candidate(0, len(text), verdict, "key name", kind, key=key)]
        return []
    prose = documentation or (key is not None and _prose_key(key))
    candidates = _token_candidates(text, prose, context.example)
    if "://" in text:
        candidates += _url_candidates(text, flapi, prose, context.example)
    if prose:
        return _choose([c for c in candidates if c.verdict in (Verdict.TOKEN, Verdict.URL)])
    candidates += _assignment_candidates(text, flapi, context.example, env_style)
    kind = None
    if key is not None:
        kind = sp.flapi_secret_key_kind(key, parent) if flapi else sp.secret_key_kind(key, env_style)
    if kind is not None and kind != "connection string" and "://" not in text:
        skip = _strip_scheme(text)
        body = text[skip:]
        verdict = _classify_literal(body, flapi)
        if verdict is Verdict.KEY and not flapi and _named_after(body, key):
            verdict = None  # `docker-credential-gcr: google-cloud-cli-docker-credential-gcr` is a name
        if verdict is not None and not (verdict is Verdict.PLACEHOLDER and context.example):
            lead = len(body) - len(body.lstrip())
            end = skip + len(body.rstrip())
            candidates.append(_Candidate(skip + lead, end, verdict, "key name", kind, key=key))
    elif not candidates and not (key is not None and _hashy(key)) and sp.looks_random(text.strip()):
        lead = len(text) - len(text.lstrip())
        candidates.append(_Candidate(lead, lead + len(text.strip()), Verdict.ENTROPY, "entropy", "random string"))
    return _choose(candidates)


# ------------------------------------------------------------------ documents


# `name: value`, `"name": "value"`, `NAME=value` in text that did not parse (one line, bounded lengths).
_RAW_PAIR = lazy_compile(
    # A key starts where no key character stands before it: tried from every character of a long
    # word, the bounded key part cost 80 steps per character.
    r"""["']?(?<![\w.-])(?P<key>[A-Za-z_][\w.-]{0,80})["']?[ \t]*[:=][ \t]*"""
    r"""(?:"(?P<dq>[^"\n]{1,500})"|'(?P<sq>[^'\n]{1,500})'|(?P<bare>[^\s"',}\]#]{1,500}))"""
)


class _DocumentScanner:
    def __init__(
        self,
        document: Document,
        context: Context,
        sources: dict[str, SourceFile],
        basic_auth: set[Span],
        sql_spans: dict[Span, str],
    ) -> None:
        self.document = document
        self.context = context
        self.sources = sources
        self.basic_auth = basic_auth
        self.sql_spans = sql_spans if context.flapi else {}

    def run(self) -> list[SecretHit]:
        document = self.document
        root = document.root
        if _skipped_file(document.path):
            return []
        if root is None:
            return self._raw_hits()
        hits: list[SecretHit] = []
        foreign = bool(document.includes)  # included text is scanned in its own file's document
        for node, key, parent, served, guards, docs, detail in self._values(root):
            if foreign and node.span.path != document.path:
                continue
            if key == "password" and self.context.flapi and node.span in self.basic_auth:
                continue  # the weak-credential rules judge basic-auth passwords
            if _names_a_kubernetes_secret(key, parent, node.text):
                continue  # `secretKeyRef: {key: service-key}`: the name of a key in a Secret, not its value
            what = self.sql_spans.get(node.span) if key == "init" and self.sql_spans else None
            if what is not None:
                source = self.sources.get(node.span.path)
                if source is not None and not node.is_null:
                    sql = SqlText(node.text, lambda s, e, n=node, src=source: value_span(src, n, s, e))
                    hits.extend(_scan_sql(sql, what, self.context, node.logical_path, served=served))
                continue
            env_style = self.context.role == "env-file" or parent in ("env", "environment") or (
                key is not None and key.isupper() and "_" in key
            )
            found = value_candidates(
                node.text,
                key,
                self.context,
                parent=parent,
                typed=node.value,
                env_style=env_style,
                documentation=docs,
            )
            # A hostile value holding tens of thousands of token shapes: positioning each hit costs
            # time in the value's length, so one value gives at most MAX_HITS_PER_VALUE.
            for candidate in found[:MAX_HITS_PER_VALUE]:
                if detail and not candidate.detail:
                    candidate.detail = detail
                hits.append(self._hit(node, key, candidate, served, guards))
        return hits

    def _values(self, root: Node) -> Iterator[tuple[ScalarNode, str | None, str | None, bool, bool, bool, str]]:
        """Every scalar with what its place says about it.

        (scalar, its key, the key above, inside a flAPI connection (served at
        ``GET /config``), inside a flAPI auth block, below an ``example(s)`` key,
        where-prefix). A list item that follows a secret-named flag
        (``["--api-key", "…"]``) gets the flag's name as its key.
        """
        flapi = self.context.flapi
        seen: set[int] = set()
        Frame = tuple[Node, "str | None", "str | None", bool, bool, bool, str]
        stack: list[Frame] = [(root, None, None, False, False, False, "")]
        while stack:
            node, key, parent, served, guards, docs, detail = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, MappingNode):
                if _skipped_subtree(self.document, node):
                    continue
                connections = flapi and key == "connections"
                example = docs or (key is not None and key.lower() in _EXAMPLE_KEYS)
                for k, v in reversed(node.pairs):
                    name = k.text if isinstance(k, ScalarNode) else None
                    in_auth = guards or (flapi and name == "auth")
                    stack.append((v, name, key, served or connections, in_auth, example, ""))
            elif isinstance(node, SequenceNode):
                items = node.items
                example = docs or (key is not None and key.lower() in _EXAMPLE_KEYS)
                for i in range(len(items) - 1, -1, -1):
                    flag_name = _flag_before(items, i)
                    if flag_name is not None:
                        flag = items[i - 1].text  # type: ignore[attr-defined]
                        stack.append((items[i], flag_name, key, served, guards, example, f"the value of `{flag}` in"))
                    else:
                        stack.append((items[i], None, key, served, guards, example, ""))
            elif isinstance(node, ScalarNode):
                yield node, key, parent, served, guards, docs, detail

    def _raw_hits(self) -> list[SecretHit]:
        """Secrets in a file that does not parse (so has no tree): found in its text.

        Token shapes anywhere, and values written after a secret-bearing name
        (``"password": "…"``, ``TOKEN=…``). The file is reported as unparsable
        anyway; this makes sure its secrets are masked in every excerpt and
        reported like any other, rather than shown in the parse error's context.
        """
        source = self.sources.get(self.document.path)
        if source is None:
            return []
        text = source.text
        candidates = _token_candidates(text, prose=False, example=self.context.example)
        keys: dict[int, str] = {}
        for match in _RAW_PAIR.finditer(text):
            value = match.group("dq") or match.group("sq") or match.group("bare")
            if not value:
                continue
            start = match.start("dq") if match.group("dq") else (
                match.start("sq") if match.group("sq") else match.start("bare")
            )
            key = match.group("key")
            env_style = self.context.role == "env-file" or (key.isupper() and "_" in key)
            for candidate in value_candidates(value, key, self.context, typed=value, env_style=env_style):
                shifted = dataclasses.replace(candidate, start=candidate.start + start, end=candidate.end + start)
                candidates.append(shifted)
                keys[shifted.start] = key
        hits = []
        for candidate in _choose(candidates):
            key = candidate.key or keys.get(candidate.start, "")
            kind = "a Helm template" if is_go_template(text) else "a file that does not parse"
            where = f"`{key}` in {kind}" if key else kind
            secret = SecretValue(text[candidate.start : candidate.end], source.span(candidate.start, candidate.end),
                                 logical_path=key)
            hits.append(
                SecretHit(
                    secret=secret, verdict=candidate.verdict, signal=candidate.signal, kind=candidate.kind,
                    where=where, context=self.context, prefix=candidate.prefix, shape=candidate.shape,
                    served=False, guards=False, key=key,
                )
            )
        return hits

    def _hit(self, node: ScalarNode, key: str | None, candidate: _Candidate, served: bool, guards: bool) -> SecretHit:
        source = self.sources.get(node.span.path)
        span = _sub_span(source, node, candidate.start, candidate.end)
        value = node.text[candidate.start : candidate.end]
        where = _describe(node, self.context, self.document)
        if candidate.detail:
            where = f"{candidate.detail} {where}"
        secret = SecretValue(value, span, node.env_refs, node.logical_path)
        return SecretHit(
            secret=secret,
            verdict=candidate.verdict,
            signal=candidate.signal,
            kind=candidate.kind,
            where=where,
            context=self.context,
            prefix=candidate.prefix,
            shape=candidate.shape,
            served=served and self.context.flapi,
            guards=guards and self.context.flapi and _guarding_key(candidate.key or key),
            key=candidate.key or key or "",
        )


# Where Kubernetes manifests and Helm values name a key of a Secret object (issue 21).
_K8S_REF_PARENTS = frozenset({"secretkeyref", "secretref", "configmapkeyref", "secretkeyselector", "existingsecret",
                              "secretrefs", "keyref", "valuefrom"})
_K8S_NAME_KEYS = frozenset({"secretkey", "secretname", "secretkeyname", "existingsecret", "existingsecretkey",
                            "existingsecretname", "existingsecretpasswordkey", "passwordkey", "tokenkey", "apikeykey",
                            "userpasswordkey", "adminpasswordkey", "secretkeyref"})
_K8S_KEY_NAME = lazy_compile(r"[a-z0-9](?:[a-z0-9._-]{0,251}[a-z0-9])?")


def _names_a_kubernetes_secret(key: str | None, parent: str | None, value: str) -> bool:
    """``secretKey: "service-key"`` or ``key:`` under ``secretKeyRef``: a lower-case key name, not a secret."""
    if key is None or not _K8S_KEY_NAME.fullmatch(value.strip()):
        return False
    if parent is not None and parent.lower() in _K8S_REF_PARENTS:
        return True
    return key.lower() in _K8S_NAME_KEYS and any(c in value for c in "-._")


def _guarding_key(key: str | None) -> bool:
    """flAPI checks callers against these: the HS256 key and the OIDC client secret."""
    return key is not None and "_".join(sp.key_words(key)) in ("jwt_secret", "client_secret")


def _flag_before(items: list[Node], i: int) -> str | None:
    """``["--api-key", "value"]``: the flag name when item ``i`` is the value of a secret-named flag."""
    if i == 0:
        return None
    flag, item = items[i - 1], items[i]
    if not isinstance(flag, ScalarNode) or not isinstance(item, ScalarNode) or not isinstance(flag.value, str):
        return None
    match = _FLAG.match(flag.text)
    if match is None or item.text.startswith("-"):
        return None
    name = match.group("name")
    return name if sp.secret_key_kind(name, env_style=True) else None


def _skipped_file(path: str) -> bool:
    """mcplint's own configuration names rules and globs, never secrets."""
    return path.rsplit("/", 1)[-1] == ".mcplint.toml"


def _skipped_subtree(document: Document, node: MappingNode) -> bool:
    return document.format == "toml" and node.path == ("tool", "mcplint")


def _sub_span(source: SourceFile | None, node: ScalarNode, start: int, end: int) -> Span:
    """The span of ``node.text[start:end]``, checked against the source text."""
    if source is None:
        return node.span
    if start == 0 and end == len(node.text) and node.style is None:
        return node.span
    try:
        span = value_span(source, node, start, end)
    except (IndexError, ValueError):
        span = node.span
    wanted = node.text[start:end]
    if source.text[span.start_offset : span.end_offset] == wanted:
        return span
    # Escapes or a style the offset map does not know: find the text in the node's own source.
    raw = source.text[node.span.start_offset : node.span.end_offset]
    at = raw.find(wanted) if wanted else -1
    if at >= 0 and raw.find(wanted, at + 1) < 0:
        base = node.span.start_offset + at
        return source.span(base, base + len(wanted))
    return node.span


_CLIENT_NAMES = {
    "claude-desktop": "Claude Desktop",
    "claude-code": "Claude Code",
    "cursor": "Cursor",
    "vscode": "VS Code",
    "windsurf": "Windsurf",
    "zed": "Zed",
    "cline": "Cline",
    "continue": "Continue",
    "codex": "Codex",
    "gemini": "Gemini CLI",
    "vscode-settings": "VS Code",
    "claude-code-plugin": "Claude Code plugin",
    "generic": "MCP client",
}


_SERVER_MAPS = frozenset({"mcpServers", "servers", "context_servers", "mcp_servers", "mcp.servers", "mcp.mcpServers"})


def _server_path(path: tuple, document: Document) -> tuple[str, tuple] | None:
    """(server name, path inside its entry) of a value in a client config, in any of the client formats.

    The server map may be nested (VS Code settings `mcp.servers`), a list of named entries (Continue
    `mcpServers: - name: …`), a TOML table (Codex `mcp_servers.x`) or the top level (Claude Code plugins).
    """
    start = 0
    if len(path) >= 2 and path[0] == "mcp" and path[1] in ("servers", "mcpServers"):
        start = 2
    elif path and path[0] in _SERVER_MAPS:
        start = 1
    if len(path) < start + 2:
        return None
    name = path[start]
    if isinstance(name, int):  # a list of entries: the entry's `name`
        entries = document.mapping.get(path[0]) if document.mapping is not None else None
        items = getattr(entries, "items", None) if entries is not None else None
        entry = items[name] if isinstance(items, list) and 0 <= name < len(items) else None
        label = entry.get_text("name") if isinstance(entry, MappingNode) else None
        name = label or f"#{name + 1}"
    return str(name), tuple(path[start + 1 :])


def _describe(node: ScalarNode, context: Context, document: Document) -> str:
    path = node.path
    located = _server_path(tuple(path), document) if context.role == "client" else None
    if located is not None:
        name, inner_path = located
        if path[0] == "context_servers" and len(inner_path) >= 2 and inner_path[0] == "command":
            inner_path = inner_path[1:]
        client = _CLIENT_NAMES.get(context.client, "MCP client")
        return f"`{format_path(inner_path)}` of MCP server `{name}` in the {client} config"
    if context.role == "env-file" and path:
        return f"variable `{path[0]}`"
    return f"`{node.logical_path}`" if path else "the document"


# ------------------------------------------------------------------------ SQL

_SECRET_OPTIONS = {
    "PASSWORD": "password",
    "PASSWD": "password",
    "TOKEN": "token",
    "BEARER_TOKEN": "bearer token",
    "SESSION_TOKEN": "session token",
    "ACCESS_TOKEN": "token",
    "REFRESH_TOKEN": "token",
    "CLIENT_SECRET": "client secret",
    "ACCOUNT_KEY": "account key",
    "API_KEY": "API key",
    "PRIVATE_KEY": "private key",
    "SERVICE_ACCOUNT_KEY": "service account key",
    "S3_SECRET_ACCESS_KEY": "AWS secret key",
    "S3_SESSION_TOKEN": "session token",
    "SECRET_ACCESS_KEY": "AWS secret key",
}
_CONNECTION_OPTIONS = ("CONNECTION_STRING",)
# Only SQL that mentions a credential is tokenized (most templates never do).
_SQL_HINT = lazy_compile(r"passw|secret|token|_key|key_|accountkey|credential|://|identified|\bpwd\b", re.IGNORECASE)


def _scan_sql(sql: SqlText, what: str, context: Context, logical: str, served: bool) -> list[SecretHit]:
    """Secrets in SQL: string literals by the option they follow, URLs, ``key=value`` strings, token shapes."""
    text = sql.text
    candidates = _token_candidates(text, prose=False, example=False)
    if _SQL_HINT.search(text):
        candidates += _sql_literal_candidates(sql, context.flapi)
    hits = []
    for candidate in _choose(candidates):
        where = f"{candidate.detail} {what}" if candidate.detail else what
        secret = SecretValue(text[candidate.start : candidate.end], sql.span(candidate.start, candidate.end),
                             logical_path=logical)
        hits.append(
            SecretHit(
                secret=secret,
                verdict=candidate.verdict,
                signal=candidate.signal,
                kind=candidate.kind,
                where=where,
                context=context,
                prefix=candidate.prefix,
                shape=candidate.shape,
                served=served and context.flapi,
                key=candidate.key,
            )
        )
    return hits


def _sql_literal_candidates(sql: SqlText, flapi: bool) -> list[_Candidate]:
    out: list[_Candidate] = []
    tokens = sql.tokens
    in_secret = False  # inside CREATE [OR REPLACE] [PERSISTENT|TEMPORARY] SECRET … ;
    for i, token in enumerate(tokens):
        upper = token.text.upper()
        if token.kind == "SEMICOLON":
            in_secret = False
            continue
        if upper == "SECRET" and token.kind != "STRING" and _creates_secret(tokens, i):
            in_secret = True
            continue
        if token.kind not in ("STRING", "NATIONAL_STRING", "RAW_STRING", "HEREDOC_STRING"):
            continue
        option = _option_before(tokens, i)
        content_start, content_end = _literal_content(sql.text, token)
        value = sql.text[content_start:content_end] if content_start >= 0 else token.text
        if content_start < 0:
            content_start, content_end = token.start, token.end
        kind = _SECRET_OPTIONS.get(option or "")
        if option == "SECRET" and in_secret:
            kind = "secret key"
        if kind is not None:
            verdict = _classify_literal(value, flapi)
            if verdict is None:
                continue
            lead = len(value) - len(value.lstrip())
            out.append(_Candidate(content_start + lead, content_start + len(value.rstrip()), verdict, "key name",
                                  kind, detail=f"`{option}` of a SQL statement in", key=option or ""))
            continue
        inner: list[_Candidate] = []
        if "://" in value:
            inner += _url_candidates(value, flapi, prose=False, example=False)
        inner += [c for c in _assignment_candidates(value, flapi, False, False) if c.verdict is not Verdict.ENTROPY]
        for c in inner:
            c.start += content_start
            c.end += content_start
            c.detail = c.detail or "a SQL string in"
        out.extend(inner)
    return out


def _creates_secret(tokens: list, i: int) -> bool:
    """``SECRET`` at ``i`` is the object of ``CREATE [OR REPLACE] [PERSISTENT|TEMPORARY|TEMP] SECRET``."""
    j = i - 1
    while j >= 0 and tokens[j].text.upper() in ("PERSISTENT", "TEMPORARY", "TEMP", "REPLACE", "OR"):
        j -= 1
    return j >= 0 and tokens[j].text.upper() == "CREATE"


def _option_before(tokens: list, i: int) -> str | None:
    """The option name a string literal belongs to: ``PASSWORD '…'``, ``x = '…'``, ``IDENTIFIED BY '…'``."""
    if i == 0:
        return None
    previous = tokens[i - 1]
    if previous.kind in ("EQ", "COLON") and i >= 2:
        previous = tokens[i - 2]
    name = previous.text.upper()
    if name == "BY" and i >= 2 and tokens[i - 2].text.upper() == "IDENTIFIED":
        return "PASSWORD"
    if previous.kind == "STRING" or not re.fullmatch(r"[A-Z_][A-Z0-9_]*", name):
        return None
    return name


def _literal_content(text: str, token) -> tuple[int, int]:  # noqa: ANN001 - a SqlToken
    """Offsets of a string literal's content when the source shows it unescaped, else (-1, -1)."""
    raw = text[token.start : token.end]
    for quote in ("'", '"'):
        at = raw.find(quote)
        if at >= 0 and raw.endswith(quote) and raw[at + 1 : -1] == token.text:
            return token.start + at + 1, token.end - 1
    return -1, -1


# ------------------------------------------------------------------ templates


def _scan_template(source: SourceFile, mustache: MustacheTemplate) -> list[SecretHit]:
    text = source.text
    chars = list(text)
    for tag in mustache.tags:  # blank out tags, keeping every offset
        for i in range(tag.start, min(tag.end, len(chars))):
            if chars[i] not in "\r\n":
                chars[i] = " "
    sql = SqlText("".join(chars), source.span)
    context = Context("sql-template", flapi=True)
    return _scan_sql(sql, f"template `{source.path}`", context, "", served=False)
