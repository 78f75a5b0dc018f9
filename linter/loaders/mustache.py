"""A Mustache tokenizer with positions, as flAPI's renderer (Crow) reads templates.

It keeps every tag's offsets, the section tree and each interpolation's
enclosing sections, because what flAPI does with a value depends on all of
them: only a double-brace ``params.x`` at depth 0 can become a bound
parameter. Syntax errors are collected, never raised.

A hostile template must cost time and memory linear in its size:

- An interpolation keeps only its innermost enclosing section; each section
  links to its parent and knows its depth, so 100,000 nested sections are
  100,000 links, not a tuple per level (the enclosing sections are listed on
  demand, :attr:`Interpolation.sections`).
- Matching a closing tag against the open sections is constant time (a count
  of the open sections by name), however deep the nesting.
- A template reports at most :data:`MAX_ERRORS` (100) syntax errors, in the
  order they are found and at their exact positions; one more error, at the
  position of the first one left out, says how many more there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Union

MAX_ERRORS = 100  # syntax errors reported per template, then one that counts the rest


class TagKind(str, Enum):
    VARIABLE = "variable"  # {{ x }}: HTML-escaped
    TRIPLE = "triple"  # {{{ x }}}: raw
    AMPERSAND = "ampersand"  # {{& x }}: raw
    SECTION = "section"  # {{# x }}
    INVERTED = "inverted"  # {{^ x }}
    CLOSE = "close"  # {{/ x }}
    COMMENT = "comment"  # {{! … }}
    PARTIAL = "partial"  # {{> name }}
    DELIMITER = "delimiter"  # {{=<% %>=}}


INTERPOLATIONS = (TagKind.VARIABLE, TagKind.TRIPLE, TagKind.AMPERSAND)
_SIGILS = {
    "#": TagKind.SECTION,
    "^": TagKind.INVERTED,
    "/": TagKind.CLOSE,
    "!": TagKind.COMMENT,
    ">": TagKind.PARTIAL,
    "&": TagKind.AMPERSAND,
    "=": TagKind.DELIMITER,
    "{": TagKind.TRIPLE,
}


@dataclass(frozen=True)
class Tag:
    kind: TagKind
    name: str
    start: int  # offset of the opening delimiter
    end: int  # offset just past the closing delimiter
    name_start: int
    name_end: int

    @property
    def is_interpolation(self) -> bool:
        return self.kind in INTERPOLATIONS

    @property
    def is_raw(self) -> bool:
        return self.kind in (TagKind.TRIPLE, TagKind.AMPERSAND)


@dataclass(frozen=True)
class Text:
    start: int
    end: int


@dataclass(eq=False)
class Section:
    open: Tag
    close: Tag | None = None
    children: list[Element] = field(default_factory=list)
    parent: Section | None = field(default=None, repr=False)  # the enclosing section
    depth: int = 1  # sections enclosing this one's content, itself included

    @property
    def inverted(self) -> bool:
        return self.open.kind is TagKind.INVERTED

    @property
    def name(self) -> str:
        return self.open.name


Element = Union[Text, Tag, Section]


@dataclass(frozen=True)
class TemplateError:
    start: int
    end: int
    message: str


@dataclass(frozen=True)
class Interpolation:
    tag: Tag
    section: Section | None  # the innermost enclosing section; None at depth 0

    @property
    def depth(self) -> int:
        return self.section.depth if self.section is not None else 0

    @property
    def sections(self) -> tuple[Section, ...]:
        """The enclosing sections, outermost first (built on each call: linear in the depth)."""
        chain: list[Section] = []
        section = self.section
        while section is not None:
            chain.append(section)
            section = section.parent
        return tuple(reversed(chain))


@dataclass
class MustacheTemplate:
    text: str
    elements: list[Element]
    tags: list[Tag]
    errors: list[TemplateError]
    _interpolations: list[Interpolation] | None = field(default=None, init=False, repr=False, compare=False)

    def interpolations(self) -> list[Interpolation]:
        """Every interpolation tag with its enclosing sections, in text order.

        Computed once (several analyses of one template ask); the list is shared, not to be changed.
        """
        if self._interpolations is None:
            self._interpolations = self._find_interpolations()
        return self._interpolations

    def _find_interpolations(self) -> list[Interpolation]:
        found: list[Interpolation] = []
        stack: list[tuple[list[Element], int, Section | None]] = [(self.elements, 0, None)]
        while stack:
            elements, index, enclosing = stack.pop()
            while index < len(elements):
                element = elements[index]
                index += 1
                if isinstance(element, Section):
                    stack.append((elements, index, enclosing))
                    elements, index, enclosing = element.children, 0, element
                elif isinstance(element, Tag) and element.is_interpolation:
                    found.append(Interpolation(element, enclosing))
        return found

    def sections(self) -> list[Section]:
        """Every section, outer ones before the sections they contain."""
        out: list[Section] = []
        stack = list(reversed(self.elements))
        while stack:
            element = stack.pop()
            if isinstance(element, Section):
                out.append(element)
                stack.extend(reversed(element.children))
        return out


def parse_mustache(text: str) -> MustacheTemplate:
    tags: list[Tag] = []
    errors = _ErrorLog()
    root: list[Element] = []
    open_sections: list[Section] = []  # innermost last
    open_names: dict[str, int] = {}  # how many open sections have each name
    opener, closer = "{{", "}}"
    pos = 0
    length = len(text)

    def container() -> list[Element]:
        return open_sections[-1].children if open_sections else root

    while pos < length:
        start = text.find(opener, pos)
        if start < 0:
            container().append(Text(pos, length))
            break
        if start > pos:
            container().append(Text(pos, start))
        body_start = start + len(opener)
        triple = opener == "{{" and text.startswith("{", body_start)
        close_token = "}" + closer if triple else closer
        end = text.find(close_token, body_start + (1 if triple else 0))
        if end < 0:
            errors.append(TemplateError(start, length, f"tag opened with `{opener}` is never closed"))
            container().append(Text(start, length))
            break
        tag_end = end + len(close_token)
        body = text[body_start:end]
        tag = _make_tag(body, body_start, start, tag_end, triple, errors)
        pos = tag_end
        if tag is None:
            continue
        tags.append(tag)
        if tag.kind is TagKind.DELIMITER:
            delimiters = _new_delimiters(tag.name)
            if delimiters is None:
                errors.append(TemplateError(start, tag_end, "invalid delimiter change"))
            else:
                opener, closer = delimiters
            continue
        if tag.kind in (TagKind.SECTION, TagKind.INVERTED):
            parent = open_sections[-1] if open_sections else None
            section = Section(tag, parent=parent, depth=parent.depth + 1 if parent is not None else 1)
            container().append(section)
            open_sections.append(section)
            open_names[tag.name] = open_names.get(tag.name, 0) + 1
        elif tag.kind is TagKind.CLOSE:
            _close_section(tag, open_sections, open_names, errors)
        else:
            container().append(tag)
    for section in open_sections:
        errors.append(
            TemplateError(section.open.start, section.open.end, f"section `{section.name}` is never closed")
        )
    return MustacheTemplate(text, root, tags, errors.reported())


class _ErrorLog:
    """The first :data:`MAX_ERRORS` errors of a template, and how many more there were."""

    def __init__(self) -> None:
        self.kept: list[TemplateError] = []
        self.first_left_out: TemplateError | None = None
        self.left_out = 0

    def append(self, error: TemplateError) -> None:
        if len(self.kept) < MAX_ERRORS:
            self.kept.append(error)
            return
        if self.first_left_out is None:
            self.first_left_out = error
        self.left_out += 1

    def reported(self) -> list[TemplateError]:
        first = self.first_left_out
        if first is None:
            return self.kept
        more = f"{self.left_out} more template errors" if self.left_out > 1 else "1 more template error"
        summary = (
            f"{more} after the first {MAX_ERRORS} are not reported one by one; the first of them, here: "
            f"{first.message}"
        )
        return [*self.kept, TemplateError(first.start, first.end, summary)]


def _make_tag(
    body: str, body_start: int, start: int, end: int, triple: bool, errors: _ErrorLog
) -> Tag | None:
    if triple:
        kind, inner_offset = TagKind.TRIPLE, 1
    else:
        # Crow reads the character right after the opening delimiter as the
        # sigil: `{{ #a }}` is a variable named `#a`, not a section.
        kind = _SIGILS.get(body[:1], TagKind.VARIABLE)
        inner_offset = 1 if kind is not TagKind.VARIABLE else 0
        if kind is TagKind.TRIPLE:  # `<%{ x }%>` after a delimiter change
            errors.append(TemplateError(start, end, "cannot use a triple mustache after a delimiter change"))
            return None
        if kind is TagKind.DELIMITER:
            if not body.rstrip().endswith("="):
                errors.append(TemplateError(start, end, "delimiter change must end with `=`"))
                return None
            body = body.rstrip()[:-1]
    inner = body[inner_offset:]
    name = inner.strip()
    name_start = body_start + inner_offset + (len(inner) - len(inner.lstrip()))
    if not name and kind not in (TagKind.COMMENT,):
        errors.append(TemplateError(start, end, "empty tag"))
        return None
    return Tag(kind, name, start, end, name_start, name_start + len(name))


def _new_delimiters(spec: str) -> tuple[str, str] | None:
    parts = spec.split()
    if len(parts) != 2 or any("=" in p for p in parts):
        return None
    return parts[0], parts[1]


def _close_section(
    tag: Tag, open_sections: list[Section], open_names: dict[str, int], errors: _ErrorLog
) -> None:
    if not open_sections:
        errors.append(TemplateError(tag.start, tag.end, f"`{{{{/{tag.name}}}}}` closes no open section"))
        return
    if open_sections[-1].name == tag.name:
        _pop(open_sections, open_names).close = tag
        return
    if open_names.get(tag.name):
        # Close the sections left open inside the one this tag names.
        while open_sections[-1].name != tag.name:
            dangling = _pop(open_sections, open_names)
            errors.append(
                TemplateError(dangling.open.start, dangling.open.end, f"section `{dangling.name}` is never closed")
            )
        _pop(open_sections, open_names).close = tag
        return
    # Crow stops at the first mismatch; treat the tag as closing the innermost
    # section so that one broken pair gives one error, not two.
    section = _pop(open_sections, open_names)
    section.close = tag
    errors.append(
        TemplateError(
            tag.start,
            tag.end,
            f"`{{{{/{tag.name}}}}}` does not match the open section `{section.name}`"
            + _handlebars_hint(section.name, tag.name),
        )
    )


def _pop(open_sections: list[Section], open_names: dict[str, int]) -> Section:
    section = open_sections.pop()
    count = open_names[section.name] - 1
    if count:
        open_names[section.name] = count
    else:
        del open_names[section.name]
    return section


_HANDLEBARS_HELPERS = ("if", "unless", "each", "with", "else")


def _handlebars_hint(*names: str) -> str:
    """A hint when a section name is really a Handlebars helper (`{{#if x}}`)."""
    if any(name.split(" ", 1)[0] in _HANDLEBARS_HELPERS for name in names):
        return (
            "; `{{#if …}}`-style helpers are Handlebars, not Mustache: flAPI's renderer reads "
            "`if x` as a section name. Write `{{#params.x}}…{{/params.x}}`"
        )
    return ""
