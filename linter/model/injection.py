"""Whether a caller can change an endpoint's SQL through a template value.

For every interpolation of an endpoint's template this module decides, as
flAPI would render it (flapi-semantics.md §4–§5):

1. who controls the value — a bound parameter (safe), the server (``conn.*``,
   ``env.*``), a strict validator, a ``string`` validator's regex, or nobody;
2. whether that control holds in the interpolation's SQL context (a strict
   validator does; HTML-escaping of double-brace values stops a quote
   break-out but nothing in unquoted positions; a regex only through its
   alphabet);
3. for a value that can escape, a *proof*: a concrete payload rendered the
   way flAPI renders it, parsed with sqlglot next to a benign rendering, with
   the difference in statement shape named ("adds an OR predicate").

Findings that cannot be proven this way are kept, marked unproven.

Proofs are the expensive part: each candidate payload renders and parses the
whole template. A hostile template (a thousand interpolations in one
statement) must not make that cost grow with interpolations x size, so the
work per endpoint is bounded (:class:`ProofBudget`): at most
:data:`MAX_PROOFS` interpolations get a proof attempt, and the attacked
renderings parsed for them total at most :data:`MAX_PROOF_CHARS` characters
plus :data:`PROOF_TEMPLATE_FACTOR` times the template's length (so that even
a megabyte-long template gets an attempt, and the work stays linear in its
size).
The benign rendering of a scenario is parsed once and shared (through the
template's parse cache). Realistic templates (tens of interpolations, a few
kilobytes) stay far inside both bounds; an interpolation beyond them keeps
its verdict and is reported as unproven, saying why, never dropped.
"""

from __future__ import annotations

import json
import re
import string
from collections import Counter
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from mcplint.lazy_re import lazy_compile
from mcplint.loaders.mustache import Interpolation, TagKind
from mcplint.model.regex_alphabet import Alphabet, regex_alphabet
from mcplint.model.template_analysis import (
    EXECUTING_FUNCTIONS,
    Context,
    TemplateAnalysis,
    analyse,
    html_escape,
    lexical_context,
    parse_sql,
    render,
)

if TYPE_CHECKING:
    from mcplint.model.flapi import Endpoint, RequestField, Template

STRICT_TYPES = frozenset({"int", "date", "time", "uuid", "email", "enum"})
TYPED_VALIDATORS = STRICT_TYPES | {"string"}
PAGINATION = frozenset({"limit", "offset"})
# The `cache.*` values flAPI takes from request parameters of these names (src/sql_template_processor.cpp).
CACHE_PARAMETERS = {
    "catalog": "cacheCatalog",
    "schema": "cacheSchema",
    "table": "cacheTable",
    "schedule": "cacheSchedule",
    "snapshotId": "cacheSnapshotId",
    "snapshotTimestamp": "cacheSnapshotTimestamp",
    "previousSnapshotId": "previousSnapshotId",
    "previousSnapshotTimestamp": "previousSnapshotTimestamp",
    "cursorColumn": "cursorColumn",
    "cursorType": "cursorType",
    "primaryKeys": "primaryKeys",
}
IGNORED_VALIDATOR_KEYS = {
    "allowed-values": "allowedValues",
    "prevent-sql-injection": "preventSqlInjection",
    "defaultValue": "default",
    "field-type": "type",
}
MAX_PROOFS = 64  # interpolations per endpoint that get a proof attempt
MAX_PROOF_CHARS = 400_000  # characters of attacked SQL parsed for those proofs, per endpoint ...
PROOF_TEMPLATE_FACTOR = 1  # ... plus this many times the template's length
_NUMERIC = frozenset(string.digits + "+-.eE")
_WORD = frozenset(string.ascii_letters + string.digits + "_")


class Control(str, Enum):
    BOUND = "bound parameter"
    SERVER = "server-controlled"
    STRICT = "strict validator"
    REGEX = "regex validator"
    UNVALIDATED = "unvalidated"
    UNDECLARED = "undeclared parameter"
    PAGINATION = "pagination parameter"
    SHADOWABLE = "shadowable context value"
    UNKNOWN = "unknown variable"


class Verdict(str, Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"  # the value can break out; a proof is attempted
    POSSIBLE = "possible"  # the value is restricted, but not enough to rule out misuse


@dataclass(frozen=True)
class Proof:
    payload: str
    change: str
    benign_sql: str
    attacked_sql: str
    benign: str = ""  # the harmless value rendered into benign_sql
    route: Route | None = None  # the route a caller sends the payload through
    parameter: str = ""  # the request parameter (or MCP argument) that carries it

    def request(self) -> str:
        """The request that carries the payload, in words."""
        if self.route is None:
            return ""
        return self.route.request(self.parameter, self.payload.replace("\n", "\\n"))


@dataclass(frozen=True)
class Assessment:
    interpolation: Interpolation
    variable: str
    field: RequestField | None
    control: Control
    context: Context
    context_detail: str
    lexical_guess: bool  # the context comes from quote counting, not from parsing
    verdict: Verdict
    reason: str
    alphabet: Alphabet | None
    proof: Proof | None
    unproven_because: str | None = None  # why no proof was attempted (a bound was reached), if so
    routes: tuple[Route, ...] = ()  # the routes through which a caller can set the value

    @property
    def request_name(self) -> str | None:
        """The parameter (or MCP argument) name that sets the value, if a caller can set it."""
        if self.variable.startswith("params."):
            return self.variable[len("params.") :].split(".", 1)[0]
        if self.variable.startswith("cache."):
            return CACHE_PARAMETERS.get(self.variable[len("cache.") :])
        return None

    @property
    def tag(self):  # type: ignore[no-untyped-def]
        return self.interpolation.tag

    @property
    def raw(self) -> bool:
        return self.interpolation.tag.kind in (TagKind.TRIPLE, TagKind.AMPERSAND)

    @property
    def form(self) -> str:
        kind = self.interpolation.tag.kind
        return {"triple": "{{{ }}}", "ampersand": "{{& }}"}.get(kind.value, "{{ }}")

    @property
    def param_name(self) -> str | None:
        return self.variable[len("params.") :] if self.variable.startswith("params.") else None


# --------------------------------------------------------------------- control


def _field(endpoint: Endpoint, name: str) -> RequestField | None:
    for field in endpoint.request:
        if field.name == name:
            return field
    return None


def _validator_types(field: RequestField) -> set[str]:
    return {(v.type or "").strip().lower() for v in field.validators if v.type}


def _strict_types(field: RequestField) -> set[str]:
    """Validator types that restrict the value; an enum without ``allowedValues``
    (e.g. spelled ``allowed-values``, which flAPI ignores) restricts nothing."""
    strict = set()
    for validator in field.validators:
        kind = (validator.type or "").strip().lower()
        if kind == "enum" and not validator.allowed_values:
            continue
        if kind in STRICT_TYPES:
            strict.add(kind)
    return strict


def is_bound(endpoint: Endpoint, interpolation: Interpolation) -> bool:
    """flAPI's prepared-statement rule: double-brace, exactly ``params.<name>``,
    depth 0, a declared field with a typed validator."""
    tag = interpolation.tag
    if tag.kind is not TagKind.VARIABLE or interpolation.depth != 0 or not tag.name.startswith("params."):
        return False
    name = tag.name[len("params.") :]
    if "." in name or name in PAGINATION:
        return False
    field = _field(endpoint, name)
    return field is not None and bool(_validator_types(field) & TYPED_VALIDATORS)


@dataclass(frozen=True)
class Route:
    """One way a caller reaches an endpoint file's template (flAPI 26.10.2, checked on the binary).

    ``kind`` is ``rest`` (``url-path`` with ``method``) or ``mcp`` (``mcp-tool``, called with
    ``tools/call``). ``accepts_undeclared``: whether a parameter the file does not declare reaches
    the template through it — on REST GET unless ``request-fields-validation: true``; on REST
    POST/PUT/PATCH only with ``operation.validate-before-write: false``; never through MCP
    ``tools/call``, which refuses any argument that is not a declared field, ``limit``, ``offset``
    or ``__auth_*``. An ``mcp-resource`` is read without arguments and an ``mcp-prompt`` renders
    no SQL, so neither is a route for a caller's value; REST DELETE never runs the template.
    """

    kind: str
    method: str
    target: str
    accepts_undeclared: bool

    def describe(self) -> str:
        if self.kind == "mcp":
            return f"MCP tools/call {self.target}"
        return f"REST {self.method} {self.target}"

    def request(self, name: str, value: str) -> str:
        """How a caller sends ``name=value`` through this route, in words."""
        if self.kind == "mcp":
            arguments = json.dumps({name: value}, ensure_ascii=False)
            return f"MCP tools/call {self.target} with arguments `{arguments}`"
        if self.method == "GET":
            return f"REST GET {self.target} with the query parameter `{name}={value}`"
        body = json.dumps({name: value}, ensure_ascii=False)
        return f"REST {self.method} {self.target} with the JSON body `{body}`"


REST_METHODS = ("GET", "POST", "PUT", "PATCH")  # the methods whose requests render the template


def routes(endpoint: Endpoint) -> tuple[Route, ...]:
    """The routes through which a caller can set the endpoint file's template values, REST first."""
    cached = endpoint.cache.get("routes")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    found = []
    if endpoint.url_path is not None and endpoint.method in REST_METHODS:
        if endpoint.method == "GET":
            accepts = not _fields_validation(endpoint)
        else:
            accepts = not _validate_before_write(endpoint)
        found.append(Route("rest", endpoint.method, endpoint.url_path.text, accepts))
    if endpoint.mcp_tool is not None:
        found.append(Route("mcp", "tools/call", endpoint.mcp_tool.name or "(unnamed tool)", False))
    result = endpoint.cache["routes"] = tuple(found)
    return result


def rejects_undeclared(endpoint: Endpoint) -> bool:
    """Whether no route passes an undeclared parameter to the template (see :class:`Route`)."""
    return not any(route.accepts_undeclared for route in routes(endpoint))


def undeclared_routes(endpoint: Endpoint) -> tuple[Route, ...]:
    return tuple(route for route in routes(endpoint) if route.accepts_undeclared)


def _validate_before_write(endpoint: Endpoint) -> bool:
    """``operation.validate-before-write`` (default true; the only spelling flAPI reads)."""
    operation = endpoint.mapping.get_map("operation")
    node = operation.get_scalar("validate-before-write") if operation is not None else None
    return not (node is not None and node.text in _FALSE_WORDS)


def _fields_validation(endpoint: Endpoint) -> bool:
    node = endpoint.mapping.get_scalar("request-fields-validation")
    return node is not None and node.text in ("true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y")


_FALSE_WORDS = ("false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N")


def classify_control(
    endpoint: Endpoint, interpolation: Interpolation
) -> tuple[Control, RequestField | None, Alphabet | None]:
    name = interpolation.tag.name
    namespace, _, rest = name.partition(".")
    if namespace in ("conn", "env"):
        return Control.SERVER, None, None
    if namespace == "auth":
        # flAPI fills `auth.*` from its own `__auth_*` values; a caller's `__auth_username` (a query
        # parameter, or an MCP argument, which flAPI lets through) does not reach `auth.username`
        # (26.10.2, on the binary).
        return Control.SERVER, None, None
    if namespace == "cache":
        if rest in CACHE_PARAMETERS and not rejects_undeclared(endpoint):
            return Control.SHADOWABLE, None, None  # e.g. `?cacheTable=…` on a REST GET
        return Control.SERVER, None, None
    if namespace != "params" or not rest:
        return Control.UNKNOWN, None, None
    base = rest.split(".", 1)[0]
    field = _field(endpoint, base)
    if base in PAGINATION and (field is None or not field.validators):
        return Control.PAGINATION, field, None
    if field is None:
        if rejects_undeclared(endpoint):
            return Control.UNKNOWN, None, None  # no route passes undeclared parameters here: it renders empty
        return Control.UNDECLARED, None, None
    if is_bound(endpoint, interpolation):
        return Control.BOUND, field, None
    if _strict_types(field):
        return Control.STRICT, field, None
    alphabets = [
        regex_alphabet(v.regex.text)
        for v in field.validators
        if (v.type or "").strip().lower() == "string" and v.regex is not None and not v.regex.is_null
    ]
    if alphabets:
        alphabet = alphabets[0]
        for other in alphabets[1:]:
            alphabet = alphabet.intersection(other)
        return Control.REGEX, field, alphabet
    return Control.UNVALIDATED, field, None


# --------------------------------------------------------------------- verdict


def _enum_values(field: RequestField) -> list[str] | None:
    for validator in field.validators:
        if (validator.type or "").strip().lower() == "enum" and validator.allowed_values:
            return validator.allowed_values
    return None


_ASCII = frozenset(chr(i) for i in range(128))


def decide(context: Context, control: Control, raw: bool, alphabet: Alphabet | None,
           field: RequestField | None, inner: Context | None = None) -> tuple[Verdict, str]:
    """Whether the control holds in this context; for a value that can escape, what
    a caller can do (a verb phrase), else why it is safe."""
    if control is Control.BOUND:
        return Verdict.SAFE, "flAPI binds it as a prepared-statement parameter"
    if control is Control.SERVER:
        return Verdict.SAFE, "the value comes from the server's configuration, not from the caller"
    if control is Control.UNKNOWN:
        return Verdict.SAFE, "no caller can set it (no such value, or flAPI rejects the parameter); it renders empty"
    if control is Control.STRICT:
        values = _enum_values(field) if field is not None else None
        if values is None:
            return Verdict.SAFE, "a strict validator restricts the value"
        alphabet = Alphabet(frozenset("".join(values)) & _ASCII, any(ord(c) > 127 for c in "".join(values)))
        verdict, why = _by_alphabet(context, raw, alphabet, inner)
        if verdict is not Verdict.UNSAFE:
            # Plain words the developer listed (a column name, `asc`) are the point of an enum.
            return Verdict.SAFE, "the enum's allowed values are safe here"
        return verdict, why
    if control is Control.REGEX:
        assert alphabet is not None
        verdict, why = _by_alphabet(context, raw, alphabet, inner)
        if verdict is Verdict.SAFE:
            return Verdict.SAFE, f"its regex only admits {alphabet.describe()}"
        return verdict, why
    verdict, why = _by_alphabet(context, raw, Alphabet.anything(), inner)
    return verdict, why


def _by_alphabet(context: Context, raw: bool, alphabet: Alphabet, inner: Context | None = None) -> tuple[Verdict, str]:
    """What characters the value may hold decides what it can do in ``context``."""
    if context in (Context.STRING, Context.LIKE_PATTERN):
        if not raw:
            return Verdict.SAFE, "HTML-escaping turns a quote into `&#39;`"
        if alphabet.admits("'"):
            return Verdict.UNSAFE, "close the string literal with a quote"
        return Verdict.SAFE, "no quote can close the string"
    if context is Context.QUOTED_IDENTIFIER:
        if not raw:
            return Verdict.SAFE, "HTML-escaping turns a double quote into `&quot;`"
        if alphabet.admits('"'):
            return Verdict.UNSAFE, "close the quoted identifier"
        return Verdict.SAFE, "no double quote can close the identifier"
    if context is Context.EXECUTED_STRING:
        # Two layers: the outer literal, and SQL parsed again. A quote inside the
        # executed SQL is written doubled in the outer literal, so a raw value
        # reaches the inner layer without closing the outer one.
        if inner in (None, Context.UNKNOWN, Context.EXECUTED_STRING):
            if alphabet.within(_WORD | frozenset(".-@:")):
                return Verdict.SAFE, "only word characters can reach the executed SQL"
            return Verdict.UNSAFE, "rewrite the SQL text the function executes"
        verdict, why = _by_alphabet(inner, raw, alphabet)
        return verdict, (why if verdict is Verdict.SAFE else f"{why} in the SQL the function executes")
    if context is Context.COMMENT:
        if alphabet.admits("\n\r"):
            return Verdict.UNSAFE, "end the comment with a line break and add SQL after it"
        return Verdict.SAFE, "no line break can end the comment"
    if context in (Context.VALUE, Context.LIMIT):
        if alphabet.within(_NUMERIC):
            return Verdict.SAFE, "only numbers fit"
        if alphabet.within(_WORD | frozenset(".")):
            return Verdict.POSSIBLE, "name a column or keyword instead of a value (e.g. `id = id`)"
        return Verdict.UNSAFE, "add SQL after the value (e.g. `1 OR TRUE`)"
    if context is Context.IN_LIST:
        if alphabet.within(_NUMERIC | frozenset(", ")):
            return Verdict.SAFE, "only numbers and commas fit"
        if alphabet.within(_WORD | frozenset(".,")):
            return Verdict.POSSIBLE, "name columns or keywords inside the list"
        return Verdict.UNSAFE, "close the list and add SQL (e.g. `1) OR (TRUE`)"
    if context in (Context.ORDER_BY, Context.IDENTIFIER):
        if alphabet.within(_WORD):
            return Verdict.SAFE, "only a plain name fits"
        return Verdict.UNSAFE, "put an expression or subquery where a name belongs"
    if context is Context.TABLE:
        if alphabet.within(_WORD):
            return Verdict.POSSIBLE, "name another table than the one intended"
        return Verdict.UNSAFE, "put a subquery or another table where the name belongs"
    if context in (Context.FRAGMENT, Context.STATEMENT):
        if alphabet.within(_WORD):
            return Verdict.POSSIBLE, "supply a column or keyword as a whole condition"
        return Verdict.UNSAFE, "supply SQL of its choosing"
    return Verdict.POSSIBLE, "appear where its effect could not be determined"


# ----------------------------------------------------------------------- proof

# Payloads tried per context, in order. Every one was chosen to pass flAPI 26.10's
# `preventSqlInjection` keyword filter (:func:`keyword_filter_refuses`) where possible: DuckDB's
# FROM-first subqueries (`(FROM (VALUES (1)))`) need no SELECT, a quote followed by ` OR ` two
# characters later is refused while `' OR TRUE OR '` is not. Those the filter refuses (`1; SELECT 1`)
# stay for values it does not check (undeclared parameters, `limit`/`offset`, `cache.*`);
# :func:`_admissible` drops them for declared fields.
_PAYLOADS: dict[Context, tuple[str, ...]] = {
    Context.STRING: ("' OR TRUE OR '", "zz' OR 'a'<'b", "' OR 't", "x'||(FROM read_text('/etc/hostname'))||'"),
    Context.LIKE_PATTERN: ("zz' OR 'a'<'b", "' OR TRUE OR '", "x'||(FROM read_text('/etc/hostname'))||'"),
    Context.QUOTED_IDENTIFIER: ('x" OR TRUE OR "y', 'x", (FROM (VALUES (1))) AS "y'),
    Context.EXECUTED_STRING: ("1 OR TRUE", "a OR TRUE", "x'' OR TRUE OR ''y", "' OR TRUE OR '"),
    Context.VALUE: ("1 OR TRUE", "a OR TRUE", "1) OR (TRUE", "1 OR (FROM (VALUES (TRUE)))", "1; SELECT 1"),
    Context.LIMIT: ("1 + (FROM no_such_table)", "(FROM no_such_table)", "1; SELECT 1", "(SELECT 1)"),
    Context.IN_LIST: ("1) OR (TRUE", "1) OR TRUE OR (1"),
    Context.ORDER_BY: ("(FROM no_such_table)", "1, (FROM no_such_table)", "a OR TRUE", "(SELECT 1)"),
    Context.IDENTIFIER: ("(FROM (VALUES (1))) AS x", "1 OR TRUE", "(SELECT 1) AS x"),
    Context.TABLE: ("(FROM (VALUES (1))) AS x", "t, (FROM (VALUES (1))) AS y", "t, u", "(SELECT 1) AS x"),
    Context.FRAGMENT: ("TRUE OR TRUE", "a OR b", "2=2) OR (TRUE", "TRUE; SELECT 1"),
    Context.STATEMENT: ("FROM (VALUES (1)); FROM (VALUES (2))", "SELECT 1; SELECT 2", "SELECT 1 UNION SELECT 2"),
    Context.COMMENT: ("\nOR TRUE", "\n; FROM (VALUES (1))", "\n; SELECT 1"),
}
_DIRECTION_PAYLOADS = ("ASC, (FROM no_such_table)", "DESC, (FROM no_such_table) DESC")
_BENIGN: dict[Context, str] = {
    Context.STRING: "abc",
    Context.LIKE_PATTERN: "abc",
    Context.QUOTED_IDENTIFIER: "abc",
    Context.EXECUTED_STRING: "abc",
    Context.VALUE: "1",
    Context.LIMIT: "10",
    Context.IN_LIST: "1",
    Context.ORDER_BY: "id",
    Context.IDENTIFIER: "id",
    Context.TABLE: "t",
    Context.FRAGMENT: "FALSE",
    Context.STATEMENT: "SELECT 1",
    Context.COMMENT: "note",
    Context.UNKNOWN: "1",
}
_CHANGES = (
    ("Or", "adds an OR predicate"),
    ("Union", "adds a UNION"),
    ("Subquery", "adds a subquery"),
    ("Drop", "adds a DROP"),
    ("Delete", "adds a DELETE"),
    ("Update", "adds an UPDATE"),
    ("Insert", "adds an INSERT"),
    ("Join", "adds a join"),
)


def _shape(statements: list) -> list[list[str]]:  # type: ignore[type-arg]
    """Node types of each statement, with strings executed as SQL expanded.

    Single values (a literal, a column, a boolean, a placeholder) all count
    as one leaf: swapping `1` for `open` is not a change of structure, adding
    an OR, a subquery or a statement is.
    """
    from sqlglot import exp

    leaves = (exp.Literal, exp.Column, exp.Boolean, exp.Null, exp.Placeholder, exp.Parameter, exp.Var, exp.Identifier)
    shapes = []
    for statement in statements:
        names: list[str] = []
        stack = [statement]
        while stack:
            node = stack.pop()
            if isinstance(node, leaves) and not (isinstance(node, exp.Column) and node.find(exp.Subquery)):
                names.append("Leaf")
                if isinstance(node, exp.Literal) and node.is_string and _is_executing(node.parent):
                    inner, error = parse_sql(node.this)
                    if error is None:
                        names += ["<executed>"] + [n for s in _shape(inner) for n in s]
                continue
            names.append(type(node).__name__)
            stack.extend(reversed(list(node.iter_expressions())))
        shapes.append(names)
    return shapes


def _is_executing(node) -> bool:  # type: ignore[no-untyped-def]
    from sqlglot import exp

    if not isinstance(node, exp.Func):
        return False
    name = str(node.this).lower() if isinstance(node, exp.Anonymous) else type(node).__name__.lower()
    return name in EXECUTING_FUNCTIONS


def _describe_change(before: list[list[str]], after: list[list[str]]) -> str | None:
    """Name the structural change, or None when it is none of the kinds that matter.

    Only changes a database would run count as proof; sqlglot accepts some
    text DuckDB rejects, and such a parse must not be claimed as an injection.
    """
    if len(after) > len(before):
        return "adds a second statement"
    counts_before = Counter(n for s in before for n in s)
    counts_after = Counter(n for s in after for n in s)
    if counts_after["<executed>"] and (counts_after - counts_before):
        added = counts_after - counts_before
        for node, text in _CHANGES:
            if added[node]:
                return f"{text} to the SQL the function executes"
    for node, text in _CHANGES:
        if counts_after[node] > counts_before[node]:
            return text
    return None


def _benign(context: Context, detail: str) -> str:
    return "ASC" if (context, detail) == (Context.ORDER_BY, "direction") else _BENIGN[context]


class ProofBudget:
    """What one endpoint's proofs may still cost (see the module docstring)."""

    def __init__(self, proofs: int | None = None, chars: int | None = None) -> None:
        self.proofs = MAX_PROOFS if proofs is None else proofs
        self.chars = MAX_PROOF_CHARS if chars is None else chars
        self.shapes: dict[str, list[list[str]]] = {}  # benign rendering -> its shape
        self.cut_short = False  # the last proof stopped (or never started) because the budget ran out

    def start_proof(self) -> bool:
        """Whether one more interpolation may be proven; counts it if so."""
        self.cut_short = False
        if self.proofs <= 0 or self.chars <= 0:
            self.cut_short = True
            return False
        self.proofs -= 1
        return True

    def spend(self, text: str) -> bool:
        """Whether ``text`` may still be parsed; charges it if so."""
        if len(text) > self.chars:
            self.chars = 0
            self.cut_short = True
            return False
        self.chars -= len(text)
        return True

    @staticmethod
    def reason() -> str:
        """Why a value beyond the bounds has no proof (its finding says so)."""
        return (
            f"mcplint attempts proofs for at most {MAX_PROOFS} unsafe values per endpoint and parses at most "
            f"{MAX_PROOF_CHARS:,} characters of rendered SQL (plus {PROOF_TEMPLATE_FACTOR} times the template's "
            "length) for them; this value is beyond that, so it is not proven"
        )


def prove(template: Template, analysis: TemplateAnalysis, endpoint: Endpoint, target: Assessment,
          others: dict[int, tuple[Context, str, bool]], budget: ProofBudget | None = None) -> Proof | None:
    """Render benign and attacked SQL the way flAPI would and compare their shapes.

    ``others`` maps each interpolation's tag start to (context, detail, bound)
    so the other values render harmlessly (bound ones as ``?``). ``budget``
    bounds the parsing (none given: a fresh one for this proof alone).
    """
    budget = budget if budget is not None else ProofBudget()
    located = analysis.context_of(target.tag)
    scenario = located.scenario if located is not None else {n: True for n in _enclosing_names(target)}
    present = lambda name: scenario.get(name, False)  # noqa: E731

    def value_for(payload: str | None):  # type: ignore[no-untyped-def]
        def value(interp: Interpolation) -> str:
            context, detail, bound = others.get(interp.tag.start, (Context.UNKNOWN, "", False))
            if bound:
                return "?"
            is_target = payload is not None and interp.tag.start == target.tag.start
            text = payload if is_target else _benign(context, detail)
            return text if interp.tag.is_raw else html_escape(text)

        return value

    benign = render(template.mustache, present, value_for(None)).text
    benign_shape = budget.shapes.get(benign)
    if benign_shape is None:
        benign_statements, error = template_parser(template)(benign)  # the same text for every target
        if error is not None:
            return None
        benign_shape = budget.shapes[benign] = _shape(benign_statements)
    payloads = _PAYLOADS.get(target.context, ())
    if (target.context, target.context_detail) == (Context.ORDER_BY, "direction"):
        payloads = _DIRECTION_PAYLOADS
    candidates = _admissible(target, payloads)
    # The same payloads again with a comment that swallows the rest of the line
    # (needed where more SQL follows the value, e.g. `{{cache.catalog}}.schema.table`).
    for payload in (*candidates, *(f"{p} --" for p in candidates)):
        attacked = render(template.mustache, present, value_for(payload)).text
        if not budget.spend(attacked):
            return None
        statements, error = parse_sql(attacked)
        if error is not None:
            continue
        shape = _shape(statements)
        change = _describe_change(benign_shape, shape) if shape != benign_shape else None
        if change is not None:
            route = target.routes[0] if target.routes else None
            benign_value = _benign(target.context, target.context_detail)
            return Proof(payload, change, benign, attacked, benign_value, route, target.request_name or "")
    return None


def _admissible(target: Assessment, payloads: tuple[str, ...]) -> tuple[str, ...]:
    """Payloads flAPI 26.10.2 would let through to the template: a proof must use a value a caller can send.

    A declared field's validators run on every route (REST and MCP alike): an enum contributes
    its own allowed values as the candidates; a ``string`` validator filters by its regex (full
    match) and ``min``/``max`` length; and the ``preventSqlInjection`` keyword filter
    (:func:`keyword_filter_refuses`) runs unless every validator of the field sets it to false —
    also on a field without validators. Undeclared parameters and ``cache.*`` values pass no
    validator. ``limit`` and ``offset`` must start with an integer (flAPI reads them with
    ``std::stoll`` for its pagination, on REST and MCP, and refuses the request otherwise).
    """
    field = target.field
    pagination = target.request_name in PAGINATION
    out = []
    enum = _enum_values(field) if field is not None and target.control is not Control.UNDECLARED else None
    for payload in (enum if enum is not None else payloads):
        if pagination and not _STOLL.match(payload):
            continue
        if field is not None and target.control not in (Control.UNDECLARED, Control.SHADOWABLE):
            if _filter_applies(field) and keyword_filter_refuses(payload):
                continue
            if not all(_string_validator_accepts(v, payload) for v in field.validators
                       if (v.type or "").strip().lower() == "string"):
                continue
        out.append(payload)
    return tuple(out)


_STOLL = lazy_compile(r"[ \t\n\v\f\r]*[+-]?[0-9]")  # what std::stoll accepts as a start


def _filter_applies(field: RequestField) -> bool:
    """flAPI runs the keyword filter unless every validator says `preventSqlInjection: false`
    (so it runs on a field without validators too); numeric-bound fields only log it."""
    if field.validators and all(v.prevent_sql_injection is False for v in field.validators):
        return False
    return True


# flAPI 26.10's `preventSqlInjection` filter (RequestValidator::validateSqlInjection in
# src/request_validator.cpp), reproduced exactly: a keyword as a whole word (ECMAScript `\b`,
# case-insensitive), one of the substrings below (case-insensitive), or a single quote with `OR`,
# `AND`, `;` or `=` in a small window around it. The answers of this function were compared with
# the flAPI 26.10.2 binary (tests/conformance/test_proof_replay.py).
FILTER_KEYWORDS = (
    "SELECT", "INSERT", "UPDATE", "DELETE", "DROP", "TRUNCATE", "ALTER", "CREATE", "TABLE",
    "UNION", "EXEC", "EXECUTE", "SCRIPT", "DECLARE", "CAST", "CONVERT",
)
FILTER_SUBSTRINGS = ("';", "--", "/*", "*/", "XP_", "SP_", " OR 1=1", " OR '1'='1", "AND 1=1", "1=1", "1=2")
_FILTER_KEYWORD = lazy_compile(rb"\b(?:" + "|".join(FILTER_KEYWORDS).encode() + rb")\b", re.IGNORECASE)


def keyword_filter_refuses(value: str) -> bool:
    """Whether flAPI 26.10's keyword filter answers "Potential SQL injection detected" for ``value``.

    flAPI works on the UTF-8 bytes with ASCII-only case folding; so does this.
    """
    data = value.encode("utf-8", "surrogatepass")
    if _FILTER_KEYWORD.search(data):
        return True
    upper = data.upper()
    if any(pattern.encode() in upper for pattern in FILTER_SUBSTRINGS):
        return True
    size = len(data)
    pos = data.find(b"'")
    while pos != -1:
        if 0 < pos < size - 1:
            start = max(0, pos - 2)
            window = data[start : start + min(5, size - pos + 2)]
        elif pos == 0 and size > 1:
            window = data[0:3]
        elif pos == size - 1 and size > 1:
            start = max(0, pos - 2)
            window = data[start : start + 3]
        else:
            window = b""
        window = window.upper()
        if b"OR" in window or b"AND" in window or b";" in window or b"=" in window:
            return True
        pos = data.find(b"'", pos + 1)
    return False


def _string_validator_accepts(validator, value: str) -> bool:  # type: ignore[no-untyped-def]
    for bound, test in ((validator.min, lambda n: len(value) >= n), (validator.max, lambda n: len(value) <= n)):
        if bound is not None and bound.text.strip().isdigit() and not test(int(bound.text.strip())):
            return False
    if validator.regex is None or validator.regex.is_null:
        return True
    try:
        return re.fullmatch(validator.regex.text, value) is not None
    except (re.error, RecursionError, OverflowError):
        return True


def _enclosing_names(assessment: Assessment) -> list[str]:
    return [s.name for s in assessment.interpolation.sections]


# ------------------------------------------------------------------- assessing


def template_analysis(template: Template, endpoint: Endpoint) -> TemplateAnalysis:
    """The sentinel analysis of ``template``, computed once per template and set of required fields."""
    required = frozenset(f"params.{f.name}" for f in endpoint.request if f.required and f.name)
    cache = template.shared.setdefault("analysis", {})
    if required not in cache:
        memo = template.memo
        found = memo.lookup(template.mustache, required) if memo is not None else None
        if found is None:
            found = analyse(template.mustache, required, template_parser(template))
            if memo is not None:
                memo.remember(template.mustache, required, found)
        cache[required] = found
    return cache[required]


def template_parser(template: Template):  # type: ignore[no-untyped-def]
    """``parse_sql`` with a cache per template file: the same rendering is parsed once,
    whichever analysis (contexts, write filters, exposed columns) asks for it."""
    cache = template.shared.setdefault("parses", {})

    def parse(text: str):  # type: ignore[no-untyped-def]
        if text not in cache:
            cache[text] = parse_sql(text)
        return cache[text]

    return parse


def assess(endpoint: Endpoint) -> list[Assessment]:
    """Every interpolation of the endpoint's template, judged; cached on the endpoint."""
    cached = endpoint.cache.get("injection")
    if cached is not None:
        return cached
    template = endpoint.template
    if template is None:
        endpoint.cache["injection"] = []
        return []
    analysis = template_analysis(template, endpoint)
    interpolations = template.mustache.interpolations()
    provisional: list[Assessment] = []
    for interp in interpolations:
        control, field, alphabet = classify_control(endpoint, interp)
        located = analysis.context_of(interp.tag)
        if located is not None and located.located.context is not Context.UNKNOWN:
            context, detail, guessed = located.located.context, located.located.detail, False
        else:
            context, detail, guessed = lexical_context(template.source.text, interp.tag.start), "", True
        inner = located.located.inner if located is not None else None
        verdict, reason = decide(context, control, interp.tag.is_raw, alphabet, field, inner)
        reachable = reachable_routes(endpoint, control)
        if verdict is not Verdict.SAFE and not reachable:
            verdict, reason = Verdict.SAFE, (
                "no route lets a caller set it (an `mcp-resource` is read without arguments, REST DELETE "
                "never renders the template)"
            )
        assessment = Assessment(
            interp, interp.tag.name, field, control, context, detail, guessed, verdict, reason, alphabet, None,
            routes=reachable,
        )
        provisional.append(assessment)
    others = {a.tag.start: (a.context, a.context_detail, a.control is Control.BOUND) for a in provisional}
    budget = ProofBudget(chars=MAX_PROOF_CHARS + PROOF_TEMPLATE_FACTOR * len(template.mustache.text))
    results = []
    for assessment in provisional:
        proof, skipped = None, None
        if assessment.verdict is Verdict.UNSAFE and not assessment.lexical_guess:
            if budget.start_proof():
                proof = prove(template, analysis, endpoint, assessment, others, budget)
            if budget.cut_short:
                skipped = ProofBudget.reason()
        results.append(_with_proof(assessment, proof, skipped))
    endpoint.cache["injection"] = results
    return results


def reachable_routes(endpoint: Endpoint, control: Control) -> tuple[Route, ...]:
    """The routes through which a caller sets a value of this control (none: no caller can)."""
    if control in (Control.UNDECLARED, Control.SHADOWABLE):
        return undeclared_routes(endpoint)
    if control in (Control.STRICT, Control.REGEX, Control.UNVALIDATED, Control.PAGINATION, Control.BOUND):
        return routes(endpoint)
    return ()


def _with_proof(assessment: Assessment, proof: Proof | None, skipped: str | None) -> Assessment:
    from dataclasses import replace

    return replace(assessment, proof=proof, unproven_because=skipped)
