"""TRANS014–TRANS015: pgEdge key and credential files that other local users can read.

other-configs.md: pgEdge's security guide asks for mode 600 on the config,
token, user and secret files and on TLS keys (the server refuses a secret file
others can read). These are file-system checks: the modes come from the disk
(``SourceFile.mode`` for scanned files, ``PgEdgeConfig.files`` for the files a
server config names, see ``model/service_files.py``). On systems without POSIX
modes (Windows) the model records none and nothing is reported. A checkout's
modes follow the umask of whoever cloned it, so these rules matter most where
the files are deployed; they are notes for scanned files and warnings for keys.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import PgEdgeConfig, Target
from mcplint.model.service_files import ReferencedFile, posix_modes
from mcplint.model.secret_patterns import is_placeholder, is_reference
from mcplint.tree import MappingNode, ScalarNode, SequenceNode

_OTHERS = stat.S_IRGRP | stat.S_IROTH | stat.S_IWGRP | stat.S_IWOTH


def exposed(mode: int | None) -> bool:
    return mode is not None and posix_modes() and bool(mode & _OTHERS)


def _who(mode: int) -> str:
    who = []
    if mode & (stat.S_IRGRP | stat.S_IWGRP):
        who.append("its group")
    if mode & (stat.S_IROTH | stat.S_IWOTH):
        who.append("every local user")
    verbs = "read and write" if mode & (stat.S_IWGRP | stat.S_IWOTH) else "read"
    return f"{' and '.join(who)} can {verbs} it"


def _mode(mode: int) -> str:
    return f"{stat.S_IMODE(mode):04o}"


# ------------------------------------------------------------------ TRANS014


def _tls_keys(config: PgEdgeConfig) -> list[ReferencedFile]:
    return [f for f in config.files if f.what == "TLS private key" and exposed(f.mode)]


def check_tls_key(config: PgEdgeConfig) -> Iterator[Finding]:
    for key in _tls_keys(config):
        yield Finding(
            span=key.node.span,
            message=(
                f"the TLS private key `{key.path}` of the pgEdge MCP server has mode {_mode(key.mode)}: "
                f"{_who(key.mode)}, and whoever reads it can impersonate the server and decrypt its traffic; "
                f"`chmod 600 {key.path}` (owned by the user the server runs as)"
            ),
            logical_location=key.node.logical_path,
        )


def _server(key_line: str) -> str:
    return (
        "http:\n  enabled: true\n  address: ':8443'\n  tls:\n    enabled: true\n    cert_file: tls/server.crt\n"
        f"{key_line}  auth:\n    enabled: true\n    token_file: /etc/pgedge/tokens.yaml\n"
        "databases:\n  - name: shop\n    host: db.internal\n    database: shop\n    user: mcp_reader\n"
        "    sslmode: verify-full\n"
    )


_KEY = "-----BEGIN PRIVATE KEY-----\n(not a real key)\n-----END PRIVATE KEY-----\n"

TLS_KEY_READABLE = Rule(
    id="TRANS014",
    name="pgedge-tls-key-readable",
    category="transport",
    level=Level.WARNING,
    security_severity=6.0,
    precision="high",
    cwe=(732,),
    short_description="The pgEdge MCP server's TLS private key can be read by other local users.",
    full_description=(
        "`http.tls.key_file` names a file inside the scanned folder whose mode gives its group or other "
        "users access (read or write). The path is resolved against the config's folder; keys outside the "
        "scanned folder or under `~` are not looked at. Skipped on systems without POSIX file modes."
    ),
    why=(
        "With the private key anyone on the machine (or anyone who gets a copy of the checkout or backup) can "
        "impersonate the server to its clients and read recorded traffic; a writable key can be replaced."
    ),
    fix="`chmod 600` the key file, owned by the account that runs the server; keep keys out of the repository.",
    bad=Example(
        {"pgedge.yaml": _server("    key_file: tls/server.key\n"), "tls/server.key": _KEY},
        description="The key as a checkout writes it (mode 0644 under the usual umask 022):",
        modes={"tls/server.key": 0o644},
    ),
    good=Example(
        {"pgedge.yaml": _server("    key_file: tls/server.key\n"), "tls/server.key": _KEY},
        description="The same key, readable by its owner only:",
        modes={"tls/server.key": 0o600},
    ),
    target=Target.PGEDGE,
    check=check_tls_key,
    references=("https://cwe.mitre.org/data/definitions/732.html",),
)


# ------------------------------------------------------------------ TRANS015

_API_KEY_SECTIONS = ("llm", "embedding", "knowledgebase", "anthropic")


def _inline_credential(root: MappingNode) -> ScalarNode | None:
    """The key of the first literal credential in a server config (a database password, an API key)."""
    databases = root.get_seq("databases")
    for database in databases.items if isinstance(databases, SequenceNode) else []:
        if isinstance(database, MappingNode):
            pair = database.get_pair("password")
            if pair is not None and _literal(pair[1]):
                return pair[0]
    for section in _API_KEY_SECTIONS:
        block = root.get_map(section)
        for key, value in block.pairs if block is not None else []:
            if isinstance(key, ScalarNode) and key.text.endswith("api_key") and _literal(value):
                return key
    return None


def _literal(node: object) -> bool:
    if not isinstance(node, ScalarNode) or node.is_null:
        return False
    text = node.text.strip()
    return bool(text) and not is_reference(text) and not is_placeholder(text)


def check_credential_files(config: PgEdgeConfig) -> Iterator[Finding]:
    document = config.document
    root = document.mapping
    if root is None:
        return
    mode = document.source.mode
    if exposed(mode):
        assert mode is not None
        anchor: ScalarNode | None = None
        what = ""
        if config.kind in ("tokens", "users"):
            pair = root.get_pair(config.kind)
            anchor = pair[0] if pair is not None else None
            what = "token hashes" if config.kind == "tokens" else "password hashes"
        else:
            anchor = _inline_credential(root)
            what = "credentials written inline"
        if anchor is not None:
            yield Finding(
                span=anchor.span,
                message=(
                    f"this pgEdge {'server config' if config.kind == 'server' else config.kind + ' file'} holds "
                    f"{what} and has mode {_mode(mode)}: {_who(mode)}; pgEdge's security guide asks for mode "
                    f"600: `chmod 600 {document.path}`"
                ),
                level=Level.NOTE,
                logical_location=anchor.logical_path,
            )
    for referenced in config.files:
        if referenced.what == "TLS private key" or referenced.scanned or not exposed(referenced.mode):
            continue
        refused = " (the server refuses to start with it)" if referenced.what == "encryption secret file" else ""
        yield Finding(
            span=referenced.node.span,
            message=(
                f"the {referenced.what} `{referenced.path}` named here has mode {_mode(referenced.mode)}: "
                f"{_who(referenced.mode)}{refused}; `chmod 600 {referenced.path}`"
            ),
            logical_location=referenced.node.logical_path,
        )


_TOKENS = (
    "tokens:\n  ci-bot:\n    hash: 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8\n"
    "    expires_at: 2026-01-01T00:00:00Z\n"
)

CREDENTIAL_FILE_READABLE = Rule(
    id="TRANS015",
    name="pgedge-credential-file-readable",
    category="transport",
    level=Level.WARNING,
    security_severity=5.5,
    precision="medium",
    cwe=(732,),
    short_description="A pgEdge token, user, secret or API key file can be read by other local users.",
    full_description=(
        "pgEdge's security guide asks for mode 600 on its config, token, user and secret files. Reported: a "
        "scanned token or user file, or a server config with credentials written inline (a database "
        "`password`, an `*_api_key`), whose mode gives its group or other users access (as a note: in a "
        "checkout the mode follows the umask of whoever cloned it); and, as a warning, the token, user, "
        "encryption secret and API key files a server config names, when they are inside the scanned "
        "folder and not scanned themselves. TLS keys have their own rule. Skipped on systems without POSIX "
        "file modes."
    ),
    why=(
        "Token and password hashes can be cracked offline, the secret file decrypts the stored database "
        "passwords, and API keys are billed to you: every local account (and every service running on the "
        "machine) can read them."
    ),
    fix="`chmod 600` the file, owned by the account that runs the server.",
    bad=Example(
        {"pgedge-tokens.yaml": _TOKENS},
        description="A token file as a checkout writes it (mode 0644 under the usual umask 022):",
        modes={"pgedge-tokens.yaml": 0o644},
    ),
    good=Example(
        {"pgedge-tokens.yaml": _TOKENS},
        description="The same file, readable by its owner only:",
        modes={"pgedge-tokens.yaml": 0o600},
    ),
    target=Target.PGEDGE,
    check=check_credential_files,
    references=("https://cwe.mitre.org/data/definitions/732.html",),
)

RULES = (TLS_KEY_READABLE, CREDENTIAL_FILE_READABLE)
