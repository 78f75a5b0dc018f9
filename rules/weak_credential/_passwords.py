"""How flAPI treats a stored basic-auth password (flapi-semantics.md §6).

Shared by the weak-credential rules so that each password gets exactly one
classification and therefore at most one finding. The classes follow what flAPI
26.10.2 does at login (tests/conformance/test_endpoint_behaviour.py::
test_basic_auth_password_formats), not what its own startup auditor says: that
auditor reports a ``$pbkdf2-sha256$`` hash as ``AUTH_PLAINTEXT_PASSWORD`` (it
verifies as PBKDF2 at login) and says nothing about bcrypt (nobody can log in
with it), while recommending bcrypt (::test_startup_audit_password_classes).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from collections.abc import Iterator

from mcplint.engine.rule import Finding, RelatedLocation
from mcplint.lazy_re import lazy_compile
from mcplint.model import AuthBlock, BasicUser
from mcplint.model.secrets import SecretValue

_PBKDF2 = lazy_compile(r"^\$pbkdf2-sha256\$[0-9]+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$")
_MD5 = lazy_compile(r"^[0-9a-fA-F]{32}$")
_BCRYPT = lazy_compile(r"^\$2[aby]\$")
_SHELL_VAR = lazy_compile(r"\$\{[^}]*\}|^\$[A-Z_][A-Z0-9_]*$")
_SPACED_ENV = lazy_compile(r"\{\{\s*env\.[A-Za-z_][A-Za-z0-9_]*\s*\}\}")


class Kind(Enum):
    REFERENCE = "reference"  # {{env.X}}: classified at run time, not here
    PBKDF2 = "pbkdf2"  # strong
    MD5 = "md5"
    BCRYPT = "bcrypt"  # recognised, never verifies
    UNEXPANDED = "unexpanded"  # ${VAR}: flAPI never expands it
    SPACED_ENV = "spaced-env"  # {{ env.X }}: not expanded in YAML because of the spaces
    APR1 = "apr1"  # Apache MD5: flAPI compares it as plaintext
    EMPTY = "empty"
    PLAINTEXT = "plaintext"


def classify(secret: SecretValue) -> Kind:
    if secret.env_refs:
        return Kind.REFERENCE
    value = secret.reveal()
    if _PBKDF2.match(value):
        return Kind.PBKDF2
    if _MD5.match(value):
        return Kind.MD5
    if _BCRYPT.match(value):
        return Kind.BCRYPT
    if _SHELL_VAR.search(value):
        return Kind.UNEXPANDED
    if _SPACED_ENV.search(value):
        return Kind.SPACED_ENV
    if value.startswith("$apr1$"):
        return Kind.APR1
    if not value:
        return Kind.EMPTY
    return Kind.PLAINTEXT


@dataclass(frozen=True)
class Hit:
    block: AuthBlock
    user: BasicUser
    password: SecretValue
    kind: Kind

    @property
    def who(self) -> str:
        return f"user `{self.user.username}`" if self.user.username else "a user without a name"

    @property
    def where(self) -> str:
        return f"`{self.block.location_name}`"

    @property
    def protects_nothing(self) -> bool:
        """Endpoint ``auth`` in a file without ``url-path``: flAPI never applies it to MCP calls."""
        mapping = self.block.document.mapping
        return self.block.scope == "endpoint" and mapping is not None and "url-path" not in mapping

    def finding(self, message: str) -> Finding:
        return Finding(
            span=self.password.span,
            message=message,
            logical_location=self.password.logical_path,
            secret=True,
            related=_include_site(self.block, self.password),
        )


def hits(block: AuthBlock, *kinds: Kind) -> Iterator[Hit]:
    for user in block.users:
        if user.password is None:
            continue
        kind = classify(user.password)
        if kind in kinds:
            yield Hit(block, user, user.password, kind)


def _include_site(block: AuthBlock, password: SecretValue) -> tuple[RelatedLocation, ...]:
    """When the password came in through an include, point at the directive too."""
    if password.span.path == block.document.path:
        return ()
    return tuple(
        RelatedLocation(inc.span, "the include that brings this text in")
        for inc in block.document.includes
        if inc.inserted(password.span)
    )
