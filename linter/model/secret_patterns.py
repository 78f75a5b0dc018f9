"""What a secret looks like: token shapes, secret-bearing names, references,
placeholders, well-known defaults and randomness.

Pure functions of strings, shared by the secret scan (``secret_scan.py``).
Each answers one question, so that a finding can say which signal fired:
the *shape* of a provider token, the *name* of the key that holds a value,
*user-info* in a URL, or the *entropy* of a long random string.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from mcplint.lazy_re import lazy_compile

# --------------------------------------------------------------- token shapes


@dataclass(frozen=True)
class TokenShape:
    id: str  # stable, shown in finding properties
    label: str  # what it is, for messages
    pattern: str
    prefix: str = ""  # a public prefix that may be shown (``ghp_``); never more than the provider's marker


_B = r"(?<![A-Za-z0-9_])"  # no word character before
_E = r"(?![A-Za-z0-9_])"  # and none after

TOKEN_SHAPES: tuple[TokenShape, ...] = (
    TokenShape("private-key", "PEM private key", r"-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----"),
    TokenShape("github-token", "GitHub token", _B + r"gh[pousr]_[A-Za-z0-9]{36,251}" + _E, "gh?_"),
    TokenShape(
        "github-fine-grained-token", "GitHub fine-grained token", _B + r"github_pat_[A-Za-z0-9_]{50,255}", "github_pat_"
    ),
    TokenShape(
        "gitlab-token",
        "GitLab token",
        _B + r"gl(?:pat|dt|rt|ptt|cbt|oas|imt|ft|soat|agent)-[A-Za-z0-9_-]{20,}",
        "glpat-",
    ),
    TokenShape("slack-token", "Slack token", _B + r"xox[abposre]-[A-Za-z0-9-]{10,}", "xox?-"),
    TokenShape("slack-app-token", "Slack app token", _B + r"xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]{20,}", "xapp-"),
    TokenShape(
        "slack-webhook",
        "Slack webhook URL",
        r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,}",
        "https://hooks.slack.com/",
    ),
    TokenShape(
        "discord-webhook",
        "Discord webhook URL",
        r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_-]{40,}",
        "https://discord.com/api/webhooks/",
    ),
    TokenShape("anthropic-key", "Anthropic API key", _B + r"sk-ant-[a-z]{3,8}\d{2}-[A-Za-z0-9_-]{20,}", "sk-ant-"),
    TokenShape("openrouter-key", "OpenRouter API key", _B + r"sk-or-v1-[a-f0-9]{32,}", "sk-or-v1-"),
    TokenShape(
        "openai-key", "OpenAI API key", _B + r"sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,}", "sk-proj-"
    ),
    TokenShape("sk-key", "`sk-` API key (OpenAI style)", _B + r"sk-[A-Za-z0-9]{20,}" + _E, "sk-"),
    TokenShape("stripe-key", "Stripe secret key", _B + r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}", "sk_live_"),
    TokenShape("stripe-webhook-secret", "Stripe webhook secret", _B + r"whsec_[A-Za-z0-9+/=]{20,}", "whsec_"),
    TokenShape(
        "service-key", "`sk_` service key (Fluxbase style)", _B + r"sk_(?!live_|test_)[A-Za-z0-9_-]{32,}", "sk_"
    ),
    TokenShape("fluxbase-client-key", "Fluxbase client key", _B + r"fbk_[A-Za-z0-9_-]{32,}", "fbk_"),
    TokenShape("aws-access-key-id", "AWS access key id", _B + r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}" + _E, "AKIA"),
    TokenShape("google-api-key", "Google API key", _B + r"AIza[0-9A-Za-z_-]{35}" + _E, "AIza"),
    TokenShape("google-oauth-secret", "Google OAuth client secret", _B + r"GOCSPX-[A-Za-z0-9_-]{28}", "GOCSPX-"),
    TokenShape("google-oauth-token", "Google OAuth access token", _B + r"ya29\.[0-9A-Za-z_-]{30,}", "ya29."),
    TokenShape(
        "jwt",
        "JSON Web Token",
        _B + r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}",
        "eyJ",
    ),
    TokenShape("npm-token", "npm access token", _B + r"npm_[A-Za-z0-9]{36}" + _E, "npm_"),
    TokenShape("pypi-token", "PyPI API token", _B + r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}", "pypi-"),
    TokenShape("huggingface-token", "Hugging Face token", _B + r"hf_[A-Za-z0-9]{34,}" + _E, "hf_"),
    TokenShape("sendgrid-key", "SendGrid API key", _B + r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}", "SG."),
    TokenShape("groq-key", "Groq API key", _B + r"gsk_[A-Za-z0-9]{48,}", "gsk_"),
    TokenShape("xai-key", "xAI API key", _B + r"xai-[A-Za-z0-9]{70,}", "xai-"),
    TokenShape("perplexity-key", "Perplexity API key", _B + r"pplx-[A-Za-z0-9]{40,}", "pplx-"),
    TokenShape("linear-key", "Linear API key", _B + r"lin_api_[A-Za-z0-9]{40}", "lin_api_"),
    TokenShape("notion-token", "Notion token", _B + r"(?:secret_[A-Za-z0-9]{43}|ntn_[A-Za-z0-9]{40,})" + _E, ""),
    TokenShape("shopify-token", "Shopify token", _B + r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}", "shp"),
    TokenShape("digitalocean-token", "DigitalOcean token", _B + r"do[por]_v1_[a-f0-9]{64}", "do?_v1_"),
    TokenShape("databricks-token", "Databricks token", _B + r"dapi[a-f0-9]{32}(?:-\d)?" + _E, "dapi"),
    TokenShape("supabase-token", "Supabase secret", _B + r"(?:sbp_[a-f0-9]{40}|sb_secret_[A-Za-z0-9_-]{20,})", "sb"),
    TokenShape("replicate-token", "Replicate token", _B + r"r8_[A-Za-z0-9]{37}" + _E, "r8_"),
    TokenShape("tavily-key", "Tavily API key", _B + r"tvly-(?:dev-|prod-)?[A-Za-z0-9]{24,}", "tvly-"),
    TokenShape("langsmith-key", "LangSmith API key", _B + r"lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}", "lsv2_"),
    TokenShape("atlassian-token", "Atlassian API token", _B + r"ATATT3[A-Za-z0-9_=-]{150,}", "ATATT3"),
    TokenShape("postman-key", "Postman API key", _B + r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}", "PMAK-"),
    TokenShape("mailgun-key", "Mailgun API key", _B + r"key-[0-9a-f]{32}" + _E, "key-"),
    TokenShape("telegram-token", "Telegram bot token", _B + r"\d{8,10}:AA[A-Za-z0-9_-]{33}" + _E, ""),
    TokenShape("age-key", "age secret key", _B + r"AGE-SECRET-KEY-1[0-9A-Z]{58}", "AGE-SECRET-KEY-"),
    TokenShape("sentry-token", "Sentry auth token", _B + r"sntr[yu]s_[A-Za-z0-9_=+/-]{40,}", "sntr"),
    TokenShape("figma-token", "Figma token", _B + r"figd_[A-Za-z0-9_-]{40,}", "figd_"),
    TokenShape("doppler-token", "Doppler token", _B + r"dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,}", "dp."),
    TokenShape(
        "grafana-token", "Grafana token", _B + r"(?:glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_[A-Za-z0-9+/]{32,})", "gl"
    ),
    TokenShape("vault-token", "HashiCorp Vault token", _B + r"hv[sb]\.[A-Za-z0-9_-]{24,}", "hv?."),
    TokenShape("neon-key", "Neon API key", _B + r"napi_[a-z0-9]{64}" + _E, "napi_"),
    TokenShape(
        "rpc-url-key",
        "RPC provider key in a URL",
        r"https://[a-z0-9-]+\.(?:g\.alchemy\.com/v2/[A-Za-z0-9_-]{24,}|infura\.io/v3/[a-f0-9]{32})",
        "https://",
    ),
    TokenShape("heroku-key", "Heroku API key", _B + r"HRKU-[A-Za-z0-9_-]{60}", "HRKU-"),
)
_SHAPES = lazy_compile("|".join(f"(?P<t{i}>{shape.pattern})" for i, shape in enumerate(TOKEN_SHAPES)))
# Cheap pre-check: every shape contains one of these (the scan skips most values at once).
_SHAPE_HINTS = lazy_compile(
    r"-----BEGIN|gh[pousr]_|github_pat_|gl[a-z]{1,5}-|xox|xapp-|hooks\.slack|discord|sk-|sk_|rk_|whsec_|fbk_|"
    r"A[KSBC][IC]A|AIza|GOCSPX|ya29\.|eyJ|npm_|pypi-|hf_|SG\.|gsk_|xai-|pplx-|lin_api_|secret_|ntn_|shp|do[por]_v1|"
    r"dapi|sbp_|sb_secret|r8_|tvly-|lsv2_|ATATT3|PMAK-|key-|:AA|AGE-SECRET|sntr|figd_|dp\.|glsa_|glc_|hv[sb]\.|"
    r"napi_|HRKU-|alchemy\.com|infura\.io"
)
_PEM_END = lazy_compile(r"-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----")
MAX_KEY_BLOCK = 20_000


@dataclass(frozen=True)
class TokenMatch:
    shape: TokenShape
    start: int
    end: int

    def prefix(self, value: str) -> str:
        """The provider marker at the start of the match (``ghp_``), when the shape has one."""
        marker = self.shape.prefix
        if not marker:
            return ""
        text = value[self.start : self.end]
        if "?" in marker:  # one variable character, e.g. gh?_ for ghp_/gho_/ghs_
            pattern = re.escape(marker).replace(r"\?", "[a-z]")
            match = re.match(pattern, text)
            return match.group() if match else ""
        return marker if text.startswith(marker) else ""


def token_matches(text: str) -> list[TokenMatch]:
    """Every provider-token shape in ``text`` (a PEM block runs to its END line)."""
    if not _SHAPE_HINTS.search(text):
        return []
    found = []
    for match in _SHAPES.finditer(text):
        index = int((match.lastgroup or "t0")[1:])
        shape = TOKEN_SHAPES[index]
        end = match.end()
        if shape.id == "private-key":  # the END line within a key's length (an RSA-16384 PEM is ~13 KB):
            tail = _PEM_END.search(text, end, end + MAX_KEY_BLOCK)  # many BEGINs cost linear time
            end = tail.end() if tail else end
        found.append(TokenMatch(shape, match.start(), end))
    return found


def jwt_claims(token: str) -> dict | None:
    """The decoded payload of a JWT (never its signature), or None."""
    parts = token.split(".")
    if len(parts) < 2 or len(parts[1]) > 4096:
        return None
    body = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(body.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError, RecursionError):
        return None
    return claims if isinstance(claims, dict) else None


# ------------------------------------------------------------------ key names

_WORD_SPLIT = lazy_compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# A word that makes a key secret-bearing wherever it stands (``db_password``, ``GITHUB_TOKEN``).
_SECRET_WORDS = {
    "password": "password",
    "passwd": "password",
    "passphrase": "passphrase",
    "secret": "secret",
    "token": "token",
    "apikey": "API key",
    "credential": "credential",
    "credentials": "credentials",
    "privatekey": "private key",
    "authtoken": "token",
    "accesstoken": "token",
    "bearer": "bearer token",
    "authorization": "authorization header",
    "mnemonic": "wallet mnemonic",
    "seedphrase": "wallet seed phrase",
    "dsn": "connection string",
    "connectionstring": "connection string",
    "connstr": "connection string",
}
# Words that make a key secret-bearing only as its last word (``DB_PASS``, ``MYSQL_PWD``).
_SECRET_LAST = {"pass": "password", "pwd": "password", "pw": "password", "pat": "access token", "sig": "signature"}
# Two-word names: the second word is "key" and the first says which kind.
_KEY_KINDS = {
    "api": "API key",
    "secret": "secret key",
    "private": "private key",
    "auth": "auth key",
    "master": "master key",
    "signing": "signing key",
    "encryption": "encryption key",
    "encrypt": "encryption key",
    "session": "session key",
    "account": "account key",
    "client": "client key",
    "service": "service key",
    "role": "service key",
    "license": "license key",
    "subscription": "subscription key",
    "shared": "shared key",
    "storage": "storage key",
    "app": "app key",
    "jwt": "JWT key",
    "hmac": "HMAC key",
    "webhook": "webhook key",
    "deploy": "deploy key",
    "admin": "admin key",
}
# Compound single words ending like a secret (``pgpassword``, ``apitoken``, ``clientsecret``).
_SECRET_ENDINGS = ("password", "passwd", "secret", "token", "apikey", "accesskey", "secretkey", "privatekey")
# A last word that turns the name into metadata about a secret, not the secret.
_NOT_SECRET_LAST = frozenset(
    """file files path paths dir directory folder url urls uri uris endpoint endpoints host hosts id ids name names
    type types kind length len size count limit limits ttl timeout timeouts expiry expires expiration exp lifetime
    age header headers prefix suffix format formats mode modes policy policies rotation required enabled enable
    disabled disable env envvar var vars variable variables source sources provider providers store stores manager
    arn ref refs reference hash hashes hashed digest salt algorithm algorithms alg algo location scope scopes audience
    audiences issuer field fields param params parameter parameters column columns table tables regex pattern min
    max minimum maximum hint hints label labels description desc prompt help placeholder example examples template
    templates strength validation validator check reset change confirm method methods version versions usage budget
    encoding in out generator rule rules schema schemas fingerprint thumbprint cert certificate certs public pub
    storage backend command cmd helper helpers mount mounts volume volumes class handler handlers option options
    flag flags service annotation annotations created updated at on by status state level levels icon color tag tags
    title seconds minutes hours days secs ms interval renew renewal rotate grace window attempts retries lockout mask
    masked redact visible show hide hidden input inputs output outputs cache cached entropy sep separator delimiter
    charset chars characters bucket region zone user username login account email owner issued encrypted sealed
    ciphertext used last date time timestamp role roles policy""".split()
)
# A first word that makes the name about a secret (``existing_secret`` names one; ``max_tokens`` counts them).
_NOT_SECRET_FIRST = frozenset(
    """existing use uses enable enabled require requires required create generate rotate allow disable show hide
    mask redact skip no min max num total number count remember forgot forget reset public publishable anon
    anonymous primary foreign sort partition cache idempotency lookup shard routing dedupe dedup unique composite
    row object next prev previous page continuation cursor has is env input output result results encrypted
    sealed hashed cipher ciphertext""".split()
)
# A word anywhere in the name that makes it an identifier, not a credential (``ClientRequestToken``, ``nextPageToken``).
_NOT_SECRET_ANY = frozenset({"request", "idempotency", "continuation", "pagination", "paging", "change", "page"})
# Whole names that look secret-bearing but never hold a secret.
_NOT_SECRET_NAMES = frozenset(
    {
        "pwd",  # the working directory
        "tokens",
        "secrets",
        "passwords",
        "keys",
        "max_tokens",
        "token_endpoint",
        "secret_name",
        "secret_table",
        "secret_ref",
        "token_url",
        "secret_key_ref",
        "secret_key_id",
        "key_id",
        "password_hash",
        "password_policy",
        "tokenizer",
        "sig_alg",
        "secretkeyref",
        "secretref",
    }
)
# Names that are secret only in one dialect (flAPI's AWS Secrets Manager credentials).
_FLAPI_SECRET_NAMES = {"secret_id": "AWS access key id", "secret_key": "AWS secret key"}


def key_words(key: str) -> list[str]:
    return [w.lower() for w in _WORD_SPLIT.split(key) if w]


@lru_cache(maxsize=8192)
def secret_key_kind(key: str, env_style: bool = False) -> str | None:
    """What a key of this name holds (``password``, ``API key``…) if it names a secret, else None.

    ``env_style`` is for environment variable names (client ``env``, ``.env``
    files, ``KEY=value`` arguments), where ``<SERVICE>_KEY`` is a secret too.
    """
    words = key_words(key)
    if not words or len(key) > 80:
        return None
    joined = "_".join(words)
    if joined in _NOT_SECRET_NAMES:
        return None
    last, first = words[-1], words[0]
    if len(words) > 1 and (last in _NOT_SECRET_LAST or first in _NOT_SECRET_FIRST or _NOT_SECRET_ANY & set(words)):
        return None
    if len(words) == 1 and last in ("key", "pass", "pat", "sig", "pw"):
        return None  # a bare ``key:`` is far more often a lookup key than a secret
    for word in words:
        if word in _SECRET_WORDS:
            return _SECRET_WORDS[word]
    if len(words) > 1 and words[-2] in ("seed", "recovery", "wallet") and last == "phrase":
        return "wallet seed phrase"
    if last in _SECRET_LAST and len(words) > 1:
        return _SECRET_LAST[last]
    if last == "key" and len(words) > 1:
        kind = _KEY_KINDS.get(words[-2])
        if kind is not None:
            return kind
        if env_style:
            return "key"
    for word in words:
        for ending in _SECRET_ENDINGS:
            if word.endswith(ending) and word != ending and not word.startswith(("max", "num", "total")):
                return _SECRET_WORDS.get(ending, ending.replace("key", " key"))
    return None


_SECRET_STEMS = ("password", "passwd", "secret", "token", "apikey", "credential", "privatekey")


def names_secret_metadata(key: str) -> bool:
    """A name about a secret that does not hold one (``token_endpoint``, ``password_hash``, ``nextToken``)."""
    flat = "".join(key_words(key))
    return any(stem in flat for stem in _SECRET_STEMS) and secret_key_kind(key) is None


def flapi_secret_key_kind(key: str, parent: str | None) -> str | None:
    """flAPI's ``from-aws-secretmanager`` ``secret-id`` / ``secret-key`` are AWS credentials."""
    if parent == "from-aws-secretmanager":
        kind = _FLAPI_SECRET_NAMES.get("_".join(key_words(key)))
        if kind is not None:
            return kind
    return secret_key_kind(key)


# ----------------------------------------------------------------- references

_REFERENCE = lazy_compile(
    r"""
      \$\{\{[^{}]{0,200}\}\}        # GitHub Actions ${{ secrets.X }}
    | \$\{[^}\s]{0,200}\}           # ${VAR}, ${VAR:-x}, ${env:VAR}, ${input:id}, ${workspaceFolder}
    | ^\$[A-Za-z_][A-Za-z0-9_]*$    # $VAR alone
    | \$\([^()]{0,200}\)            # $(command)
    | \{\{[^{}]{0,200}\}\}          # templating: {{env.X}}, Helm, Jinja, Mustache
    | \{%[^%]{0,200}%\}
    | ^\{[A-Za-z_][\w.-]{0,60}\}$       # {name}: a format or template field
    | <%=[^%]{0,200}%>
    | ^%[A-Za-z_][A-Za-z0-9_]*%$    # %VAR% (Windows)
    | %\([A-Za-z_][\w.-]{0,60}\)[sdrif]  # %(NAME)s: Python %-formatting, configparser, supervisord
    | %\{[A-Za-z_][\w.:-]{0,60}\}      # %{NAME}: Logstash, systemd, Ruby
    | \#\{[^{}]{0,200}\}              # #{NAME}: Ruby, Spring, Terraform-like templates
    | ^@[A-Za-z_][\w.-]{0,60}@$        # @NAME@: autoconf, Maven resource filtering
    | ^\$[A-Za-z_][\w.]{0,60}\$$       # $NAME$: Octopus, IntelliJ templates
    | ^(?:op|vault|awssm|gcpsm|azkv|sops|doppler|infisical|bws|secret|env|file)://  # secret-manager URIs
    | ^arn:aws:(?:secretsmanager|ssm|kms):
    | ^(?:env|vault|secret|file|keyring|keychain):[A-Za-z_]
    """,
    re.VERBOSE,
)
_FLAPI_REFERENCE = lazy_compile(r"\{\{env\.[A-Za-z_][A-Za-z0-9_]*\}\}")
# What flAPI does not expand although a reader might think so.
_FLAPI_UNEXPANDED = lazy_compile(
    r"\$\{[^}]{0,200}\}|^\$[A-Za-z_][A-Za-z0-9_]*$|\{\{\s+env\.[A-Za-z_]\w*\s*\}\}|\{\{env\.[A-Za-z_]\w*\s+\}\}"
)


def is_reference(value: str, flapi: bool = False) -> bool:
    """Whether ``value`` names a secret kept elsewhere instead of holding one."""
    if flapi:
        return bool(_FLAPI_REFERENCE.search(value))
    return bool(_REFERENCE.search(value.strip()))


def flapi_unexpanded(value: str) -> bool:
    """``${VAR}``, ``$VAR`` or ``{{ env.X }}`` with spaces: flAPI keeps them as literal text."""
    return bool(_FLAPI_UNEXPANDED.search(value))


# ------------------------------------------------- placeholders and defaults

_PLACEHOLDER = lazy_compile(
    r"""
      ^<[^<>]{1,60}>$ | <(?:your|my|the|insert|api|secret|token|key|password)[^<>]{0,50}>
    | ^\[[^\[\]]{1,40}\]$
    | (?:^|[^a-z])your(?:[-_ .]?[a-z]|[A-Z])
    | (?:^|[^a-z])(?:my|a)[-_ ](?:api|secret|token|access|private|key|password)
    | replace[-_ ]?(?:me|with|this|it)|insert[-_ ]|put[-_ ]your|enter[-_ ]your|paste[-_ ]|add[-_ ]your|fill[-_ ]?in
    | (?:^|[^a-z])(?:todo|tbd|fixme|placeholder|example|sample|dummy|fake|redacted|notreal)(?:[^a-z]|$)
    | (?-i:EXAMPLE)
    | not[-_ ]a[-_ ]real
    | [-_ ]here$|[-_ ]goes[-_ ]here
    | x{4,}|\*{3,}|•{3,}|\.{3}|…|(?:^|[^0-9])0{8,}
    | ^(?:secret|token|apikey|api_key|api-key|key|tbd)$
    """,
    re.VERBOSE | re.IGNORECASE,
)
_RUN_OF_ONE = lazy_compile(r"(.)\1{7,}")
_ASCENDING = ("0123456789", "abcdefghijklmnopqrstuvwxyz")

# Secrets that ship in products' documentation and sample configs: known to every attacker.
KNOWN_DEFAULTS = frozenset(
    """your-secret-key-change-in-production super-secret-jwt-token-with-at-least-32-characters-long changeme
    change-me change_me changeit changethis password passw0rd p@ssw0rd p@ssword password1 password123 admin admin123
    administrator root toor secret supersecret super-secret mysecret mysecretpassword mypassword postgres mysql
    minioadmin minio123 guest letmein qwerty 123456 1234 12345 12345678 123456789 1234567890 default pass test
    testing test123 demo sa neo4j hunter2 secret123 s3cr3t welcome welcome1 abc123 trustno1 pass123 pass1234
    password! admin1 rootroot""".split()
)
# Names of secrets whose documented default is public (the value need not be in KNOWN_DEFAULTS).
_DEFAULT_MARKERS = lazy_compile(
    r"change[-_ ]?(?:me|it|this)|change[-_]in[-_]production|insecure|do[-_]?not[-_]?use", re.IGNORECASE
)


_KEY_BODY = lazy_compile(
    r"-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----(?P<body>.*?)"
    r"-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----",
    re.DOTALL,
)
_PEM_HEADER = lazy_compile(r"^[A-Za-z-]{1,40}:[^\n]*$", re.MULTILINE)  # Proc-Type:, DEK-Info: in old PEM keys
_BASE64_BODY = lazy_compile(r"[A-Za-z0-9+/]+={0,2}")
_FAKE_BODY = lazy_compile(
    r"\.\.\.|…|[<>*\[\]{}$]|x{4,}|example|redacted|placeholder|your|insert|replace", re.IGNORECASE
)
MIN_KEY_BODY = 64  # base64 characters: the shortest real key (Ed25519 in OpenSSH armour) has about 300


def private_key_verdict(block: str) -> bool | None:
    """Whether a private key block (``-----BEGIN … PRIVATE KEY-----`` to its END line) is real key material.

    Judged by its structure, not by the placeholder tests (every ``ssh-keygen`` key in the
    OpenSSH format holds ``AAAAAAAA``, a "run of one character"): a base64 body of plausible
    length and variety is a real key; a body that is obviously fake (``...``, ``<key>``,
    ``xxxx``, ``EXAMPLE``, too short, one character repeated) is a placeholder. None when the
    block has no END line (nothing to judge).
    """
    match = _KEY_BODY.search(block)
    if match is None:
        return None
    body = _PEM_HEADER.sub("", match.group("body").replace("\\n", "\n").replace("\\r", "\n"))
    if _FAKE_BODY.search(body):
        return False
    compact = re.sub(r"\s+", "", body)
    return bool(len(compact) >= MIN_KEY_BODY and _BASE64_BODY.fullmatch(compact) and len(set(compact)) >= 20)


def is_placeholder(value: str) -> bool:
    """Documentation text standing in for a secret (``YOUR_API_KEY``, ``<token>``, ``xxxx``)."""
    if _PLACEHOLDER.search(value) or _RUN_OF_ONE.search(value):
        return True
    lower = value.lower()
    return any(run[i : i + 8] in lower for run in _ASCENDING for i in range(len(run) - 7))


def is_known_default(value: str) -> bool:
    """A default or demo secret that products and tutorials publish."""
    return value.strip().lower() in KNOWN_DEFAULTS or bool(_DEFAULT_MARKERS.search(value))


def is_env_name(value: str) -> bool:
    """An environment variable's *name* (``GITHUB_TOKEN``), written where its value was expected."""
    return bool(re.fullmatch(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+", value))


# -------------------------------------------------------------------- entropy

_RANDOM_CHARS = lazy_compile(r"[A-Za-z0-9+/_.~-]+={0,2}")
_SEGMENT = lazy_compile(r"[A-Z][a-z]+|[a-z]+|[A-Z]+|\d+")
_HEX = lazy_compile(r"[0-9a-fA-F]+")
_UUID = lazy_compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")
_HASH_PREFIX = lazy_compile(
    r"^(?:sha\d+|md5|sha|blake\d*\w*|xxh\d+)[-:=]|^\$(?:2[aby]|argon2\w*|pbkdf2[\w-]*|[156])\$", re.IGNORECASE
)
_FILE_LIKE = lazy_compile(
    r"^(?:\.{0,2}/|~/)|\.(?:json|ya?ml|toml|txt|pem|key|crt|cer|p12|pfx|jks|env|sql|py|js|ts|sh|md|html?|png|jpg|svg)$",
    re.IGNORECASE,
)
_WORDISH = lazy_compile(r"[A-Z]?[a-z]{3,}")


def shannon_entropy(value: str) -> float:
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def looks_random(value: str) -> bool:
    """A long single token with the character mix and entropy of a generated secret.

    Hex digests, UUIDs, SRI/Docker digests, password hashes, paths, identifiers
    made of words, and version-like strings are not.
    """
    n = len(value)
    if n < 24 or n > 512 or not _RANDOM_CHARS.fullmatch(value):
        return False
    if _HEX.fullmatch(value) or _UUID.search(value) or _HASH_PREFIX.search(value) or _FILE_LIKE.search(value):
        return False
    if value.startswith(("MII", "AAAA", "ssh-", "ecdsa-")):  # DER certificates and public keys, base64
        return False
    if value.startswith("_") or "__" in value:  # generated identifiers (``__stringMin1Max128``)
        return False
    if value.count(".") >= 2:  # host names, dotted identifiers, versions (a JWT is a token shape)
        return False
    if value.count("/") >= 2 or value.count("-") >= 3 or value.count("_") >= 3:  # paths, slugs, snake case
        return False
    upper = sum(c.isupper() for c in value)
    lower = sum(c.islower() for c in value)
    digits = sum(c.isdigit() for c in value)
    if digits < (1 if n >= 32 else 2) or lower < 2:
        return False
    if upper < 2:  # lower case and digits only: random text has few vowels, words have many
        letters = [c for c in value if c.isalpha()]
        vowels = sum(c in "aeiou" for c in letters)
        if digits < 3 or vowels > 0.34 * len(letters) or any(c in value for c in "-_."):  # slugs: name-x86_64
            return False
    # Identifiers made of words (``getUserAccountV2``, ``Backup_v20210101``) are mostly capitalised lower-case
    # runs and long segments; in random text the case changes every one or two characters.
    else:
        if sum(len(w) for w in _WORDISH.findall(value)) > n * 0.6:
            return False
        segments = _SEGMENT.findall(value)
        if segments and sum(map(len, segments)) / len(segments) > 3.2:
            return False
    if is_placeholder(value):
        return False
    return shannon_entropy(value) >= 3.7 + min(n, 64) / 128
