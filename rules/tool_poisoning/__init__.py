"""Text shown to the model that tries to steer it, hides from reviewers, or is unfit to choose a tool by."""

from mcplint.engine.rule import Rule
from mcplint.rules.tool_poisoning import (
    bidi_controls,
    concealment,
    control_sequences,
    description_length,
    encoded_payloads,
    export_description_length,
    exfiltration,
    hidden_comments,
    homoglyphs,
    invisible_characters,
    malicious_capability,
    override_phrases,
    pseudo_tags,
    sensitive_files,
    strict_descriptions,
    tag_characters,
    tool_shadowing,
    trivial_description,
)

RULES: tuple[Rule, ...] = (
    tag_characters.RULE,
    bidi_controls.RULE,
    invisible_characters.RULE,
    control_sequences.RULE,
    hidden_comments.RULE,
    homoglyphs.RULE,
    pseudo_tags.RULE,
    override_phrases.RULE,
    concealment.RULE,
    sensitive_files.RULE,
    exfiltration.RULE,
    encoded_payloads.RULE,
    malicious_capability.RULE,
    tool_shadowing.RULE,
    description_length.RULE,
    export_description_length.RULE,
    trivial_description.RULE,
    strict_descriptions.RULE,
)
