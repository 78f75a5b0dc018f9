"""``--statistics``: how many findings each rule reported, most frequent first.

For deciding what to fix or configure first on a large project: one line per
rule (count, id, level, name) in text, or a list of objects in JSON.
"""

from __future__ import annotations

import json
from collections import Counter

from mcplint.engine.runner import Report


def rows(report: Report) -> list[dict[str, object]]:
    """Per (rule, level): the count, most frequent first, then by rule id."""
    counts = Counter((r.rule.id, r.rule.name, r.level.value) for r in report.results)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{"rule_id": i, "rule_name": n, "level": lv, "count": c} for (i, n, lv), c in ordered]


def render(report: Report, output_format: str = "text") -> str:
    table = rows(report)
    if output_format == "json":
        return json.dumps({"statistics": table, "findings": len(report.results)}, indent=2) + "\n"
    if not table:
        return "No findings.\n"
    width = max(len(str(row["count"])) for row in table)
    lines = [f"{row['count']:>{width}}  {row['rule_id']:<9} {row['level']:<8} {row['rule_name']}" for row in table]
    total = len(report.results)
    lines.append(f"Found {total} finding{'s' if total != 1 else ''}.")
    return "\n".join(lines) + "\n"
