"""Measure the tool-poisoning rules on real tool descriptions.

    python bench/tool_descriptions.py [--data DIR] [--show RULE] [--show-missed]

DIR (default ``../shared/data/tool-descriptions``) holds ``benign.jsonl`` (tool
definitions from public MCP servers) and ``malicious.jsonl`` (publicly
documented poisoned descriptions). The data stays where it is: each server's
tools are written, only for the run, as an exported ``tools/list`` JSON file
(one file per server, parameters as ``inputSchema`` properties) into a
temporary folder, and mcplint lints that folder with the tool-poisoning rules
through its normal pipeline (discovery, JSON loader, model, rules).

Printed per rule: entries with a finding above note level and entries with a
note, on each set; then the malicious entries no rule caught above note
level. The goal: no alarm above note on the benign set, every malicious
entry caught. ``--show RULE`` prints the messages of one rule.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from mcplint.api import lint
from mcplint.config import Config
from mcplint.engine.registry import default_registry
from mcplint.engine.rule import Level

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "tool-descriptions"
_TOOL_INDEX = re.compile(r"^tools\[(\d+)\]")


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_servers(entries: list[dict], folder: Path) -> dict[tuple[str, int], int]:
    """One tools/list file per server; returns (file, tool index) -> entry index."""
    by_server: dict[str, list[int]] = defaultdict(list)
    for index, entry in enumerate(entries):
        by_server[entry["server"]].append(index)
    where: dict[tuple[str, int], int] = {}
    for number, (_, indices) in enumerate(sorted(by_server.items())):
        name = f"server{number:03d}.json"
        tools = []
        for position, index in enumerate(indices):
            entry = entries[index]
            properties: dict[str, dict] = {}
            for param in entry.get("params") or []:
                key = param["name"]
                while key in properties:
                    key += "#"
                properties[key] = {"type": "string"}
                if param.get("description"):
                    properties[key]["description"] = param["description"]
            tools.append({
                "name": entry["tool"],
                "description": entry["description"],
                "inputSchema": {"type": "object", "properties": properties},
            })
            where[(name, position)] = index
        (folder / name).write_text(json.dumps({"tools": tools}, indent=1, ensure_ascii=False), encoding="utf-8")
    return where


def measure(entries: list[dict]) -> tuple[dict[int, list[tuple[str, Level, str]]], list[str]]:
    """Findings per entry index: (rule id, level, message); and the rule ids that ran."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        where = write_servers(entries, folder)
        run = lint([folder], folder, Config(select=["tool-poisoning"]), default_registry())
        per_entry: dict[int, list[tuple[str, Level, str]]] = defaultdict(list)
        for result in run.report.results:
            match = _TOOL_INDEX.match(result.finding.logical_location)
            if match is None:
                raise SystemExit(f"finding without a tool position: {result.rule.id} {result.finding.logical_location}")
            index = where[(result.span.path, int(match.group(1)))]
            per_entry[index].append((result.rule.id, result.level, result.message))
        return per_entry, [rule.id for rule in run.report.rules]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--show", action="append", default=[], help="print the messages of this rule")
    parser.add_argument("--show-missed", action="store_true", help="print the malicious entries not caught")
    args = parser.parse_args(argv)

    sets = {name: load(args.data / f"{name}.jsonl") for name in ("benign", "malicious")}
    results = {name: measure(entries) for name, entries in sets.items()}
    rule_ids = results["benign"][1]

    print(f"{'rule':<8} {'benign >note':>12} {'benign note':>11} {'malicious >note':>15} {'malicious note':>14}")
    for rule_id in rule_ids:
        cells = []
        for name in ("benign", "malicious"):
            per_entry = results[name][0]
            above = sum(1 for f in per_entry.values() if any(r == rule_id and lv.rank > 1 for r, lv, _ in f))
            notes = sum(1 for f in per_entry.values() if any(r == rule_id and lv.rank == 1 for r, lv, _ in f))
            cells += [above, notes]
        print(f"{rule_id:<8} {cells[0]:>12} {cells[1]:>11} {cells[2]:>15} {cells[3]:>14}")

    benign, malicious = sets["benign"], sets["malicious"]
    false_alarms = [i for i, f in results["benign"][0].items() if any(lv.rank > 1 for _, lv, _ in f)]
    caught = [i for i, f in results["malicious"][0].items() if any(lv.rank > 1 for _, lv, _ in f)]
    missed = [i for i in range(len(malicious)) if i not in set(caught)]
    print(f"\nbenign:    {len(benign)} entries, {len(false_alarms)} with a finding above note level")
    print(f"malicious: {len(malicious)} entries, {len(caught)} caught above note level, {len(missed)} missed")
    for i in sorted(false_alarms):
        print(f"  false alarm: {benign[i]['server']}/{benign[i]['tool']}")
    if args.show_missed or missed:
        for i in missed:
            print(f"  missed: {malicious[i]['server']}/{malicious[i]['tool']} ({malicious[i].get('technique', '')})")
    for rule_id in args.show:
        print(f"\n{rule_id}:")
        for name in ("benign", "malicious"):
            for i, findings in sorted(results[name][0].items()):
                for r, level, message in findings:
                    if r == rule_id:
                        entry = sets[name][i]
                        print(f"  [{name}] {entry['server']}/{entry['tool']} ({level.value}): {message}")
    return 1 if false_alarms or missed else 0


if __name__ == "__main__":
    sys.exit(main())
