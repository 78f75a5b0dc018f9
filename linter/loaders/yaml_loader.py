"""YAML to a positioned tree, safely.

PyYAML's C composer (libyaml) keeps a mark on every node and is fast; mcplint
composes with it and never constructs Python objects from tags, so no tag can
execute anything. Three hostile shapes are handled before they can hurt:
nesting deep enough to overflow libyaml's recursive composer (a
segfault, not an exception), alias bombs whose expansion would explode, and
recursive aliases.
"""

from __future__ import annotations

from typing import Protocol

import yaml
from yaml.constructor import SafeConstructor

from mcplint.diagnostics import Diagnostic, DiagnosticKind
from mcplint.loaders.env_refs import MARK, unmark_env_refs
from mcplint.span import Span
from mcplint.tree import KeyPath, MappingNode, Node, ScalarNode, SequenceNode

MAX_NESTING = 1000
MAX_EXPANDED_NODES = 1_000_000

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_constructor = SafeConstructor()
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_STR = "tag:yaml.org,2002:str"
_YScalar, _YSequence = yaml.ScalarNode, yaml.SequenceNode


class TextWithSpans(Protocol):
    text: str

    def span(self, start: int, end: int) -> Span: ...


class _Rejected(Exception):
    """The document is refused before conversion; the message says why."""

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.offset = offset


class _SkipLeadingBom:
    """libyaml drops a byte-order mark at the start without counting it: shift marks back."""

    def __init__(self, source: TextWithSpans) -> None:
        self.source = source
        self.text = source.text[1:]

    def span(self, start: int, end: int) -> Span:
        return self.source.span(start + 1, end + 1)


def load_yaml(source: TextWithSpans) -> tuple[Node | None, list[Diagnostic]]:
    """Parse the first YAML document of ``source.text`` (as yaml-cpp's Load does)."""
    if source.text.startswith("\ufeff"):
        source = _SkipLeadingBom(source)
    text = source.text
    try:
        _check_nesting(text)
        root = _compose_first(text)
        if root is None:
            return None, []
        aliases = "*" in text and "&" in text
        if aliases:
            _check_alias_expansion(root)
        return _convert(root, source, aliases), []
    except _Rejected as exc:
        return None, [_diagnostic(source, str(exc), exc.offset)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        offset = mark.index if mark is not None else 0
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or "syntax error"
        return None, [_diagnostic(source, f"invalid YAML: {problem}", offset)]
    except yaml.reader.ReaderError as exc:
        offset = _reader_offset(text, exc.position)
        return None, [_diagnostic(source, f"invalid YAML: {exc.reason}: character {_describe(exc.character)}", offset)]
    except yaml.YAMLError as exc:
        return None, [_diagnostic(source, f"invalid YAML: {exc}", 0)]
    except RecursionError:
        return None, [_diagnostic(source, "invalid YAML: nesting too deep to analyse", 0)]
    except (ValueError, UnicodeError, OverflowError) as exc:
        return None, [_diagnostic(source, f"invalid YAML: {exc}", 0)]


def _reader_offset(text: str, position: int) -> int:
    """libyaml reports reader errors as a UTF-8 byte offset; the pure reader in characters."""
    if _Loader is yaml.SafeLoader:
        return position
    return len(text.encode("utf-8", errors="surrogatepass")[:position].decode("utf-8", errors="ignore"))


def _describe(character: object) -> str:
    if isinstance(character, int):
        return f"#x{character:04x}"
    return f"#x{ord(character):04x}" if isinstance(character, str) and len(character) == 1 else repr(character)


def _diagnostic(source: TextWithSpans, message: str, offset: int) -> Diagnostic:
    offset = max(0, min(offset, len(source.text)))
    end = min(offset + 1, len(source.text))
    return Diagnostic(DiagnosticKind.PARSE_ERROR, source.span(offset, end), message)


def _check_nesting(text: str) -> None:
    """Refuse nesting deep enough to overflow libyaml's recursive composer.

    The composer recurses once per nested collection, without a limit, and a
    few tens of thousands of levels crash the process (``[[[[…`` or
    ``- - - - …`` in a 60 KB file). A cheap bound settles almost every file:
    flow nesting cannot exceed the number of ``[``/``{`` characters, and each
    block level needs at least one more column on some line (two at most per
    level), so block nesting stays below twice the longest line. Only when
    that bound is too high are the parser's events counted exactly (libyaml's
    parser keeps an explicit stack, so this pass cannot crash).
    """
    brackets = text.count("[") + text.count("{")
    longest = max(map(len, text.splitlines()), default=0)
    if brackets + 2 * longest + 2 <= MAX_NESTING:
        return
    try:
        _refuse_deep_collections(text)
    except yaml.MarkedYAMLError as exc:
        # Newer libyaml builds (PyYAML 6.0.4) refuse deep flow nesting in their scanner, with
        # their own wording and before any event tells the depth. The pure-Python parser has no
        # such limit and keeps an explicit stack too: it decides whether this is the same
        # refusal as ours, so the diagnostic does not depend on the PyYAML release installed.
        # It reads only the text up to libyaml's error (the depth there is what matters), which
        # keeps this linear in that prefix rather than in the file.
        if _Loader is yaml.SafeLoader or exc.problem_mark is None:
            raise
        try:
            _refuse_deep_collections(text[: exc.problem_mark.index + 1], pure_python=True)
        except yaml.MarkedYAMLError:
            pass  # the prefix ends inside a collection: not a depth refusal, so libyaml's error stands
        raise


def _refuse_deep_collections(text: str, pure_python: bool = False) -> None:
    """Count collection depth through the parser's events; refuse beyond ``MAX_NESTING``."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader if pure_python else _Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise _Rejected(
                    f"YAML refused: collections nested more than {MAX_NESTING} deep", event.start_mark.index
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _compose_first(text: str) -> yaml.Node | None:
    loader = _Loader(text)
    try:
        if loader.check_node():
            return loader.get_node()
        return None
    finally:
        loader.dispose()


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _check_alias_expansion(root: yaml.Node) -> None:
    """Compute the size the document would have with aliases expanded, linearly.

    Aliases make the composed graph a DAG (or a cyclic graph for recursive
    anchors). Sizes are memoised per node, so a billion-laughs document is
    measured in microseconds and refused before anything walks it.
    """
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            in_progress.discard(key)
            size = 1 + sum(sizes[id(c)] for c in _children(node))
            if size > MAX_EXPANDED_NODES:
                raise _Rejected(
                    "YAML refused: aliases expand to more than "
                    f"{MAX_EXPANDED_NODES:,} nodes (an alias bomb)",
                    node.start_mark.index,
                )
            sizes[key] = size
            continue
        if key in sizes:
            continue
        if key in in_progress:
            raise _Rejected("YAML refused: an alias refers to its own anchor", node.start_mark.index)
        in_progress.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) not in sizes:
                stack.append((child, False))


def _scalar_value(node: yaml.ScalarNode) -> object:
    tag = node.tag
    try:
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return _constructor.construct_yaml_bool(node)
        if tag == _INT:
            return _constructor.construct_yaml_int(node)
        if tag == _FLOAT:
            return _constructor.construct_yaml_float(node)
    except (ValueError, KeyError, OverflowError):
        pass
    return node.value


def _convert(root: yaml.Node, source: TextWithSpans, aliases: bool = True) -> Node:
    """Convert composed nodes to mcplint nodes without recursion.

    Shared (aliased) nodes convert once and are shared in the result too; a
    text without both ``&`` and ``*`` has no aliases, and its nodes are not
    memoised. This runs once per node of every YAML file, so the common case
    (a plain string scalar) takes the shortest path.
    """
    memo: dict[int, Node] | None = {} if aliases else None
    pending: list[tuple[yaml.Node, Node]] = []

    def make(ynode: yaml.Node, path: KeyPath) -> Node:
        if memo is not None:
            done = memo.get(id(ynode))
            if done is not None:
                return done
        span = (source, ynode.start_mark.index, ynode.end_mark.index)
        out: Node
        kind = type(ynode)
        if kind is _YScalar:
            raw = ynode.value
            if ynode.tag == _STR and MARK not in raw:
                out = ScalarNode(span, path, raw, raw, ynode.style or None)
            else:
                text, refs = unmark_env_refs(raw)
                value = _scalar_value(ynode)
                if refs and isinstance(value, str):
                    value = text
                out = ScalarNode(span, path, text, value, ynode.style or None, refs)
        elif kind is _YSequence:
            out = SequenceNode(span, path, [])
            pending.append((ynode, out))
        else:
            out = MappingNode(span, path, [])
            pending.append((ynode, out))
        if memo is not None:
            memo[id(ynode)] = out
        return out

    result = make(root, ())
    while pending:
        ynode, out = pending.pop()
        base = out.path
        if isinstance(out, SequenceNode):
            out.items = [make(child, base + (i,)) for i, child in enumerate(ynode.value)]
        elif isinstance(out, MappingNode):
            pairs: list[tuple[Node, Node]] = []
            for key, value in ynode.value:
                key_text = unmark_env_refs(key.value)[0] if type(key) is _YScalar else "?"
                child_path = base + (key_text,)
                pairs.append((make(key, child_path), make(value, child_path)))
            out.pairs = pairs
    return result
