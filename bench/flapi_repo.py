"""Measure the precision of mcplint's flAPI findings on flAPI's own repository.

Why this exists (issue 20): the examples and integration-test configuration in
DataZooDE/flapi are the only public real flAPI code there is. Every other flAPI
project mcplint sees was written by us, to the beliefs the rules rest on; this
tree was written by flAPI's authors, so it is where a rule that fires on sound
flAPI code shows up. The script runs mcplint on the two folders and, given a file
of hand labels, prints precision per category (true findings / labelled findings).

    python bench/flapi_repo.py [CHECKOUT] [--out findings.json] [--labels labels.json]

``bench/flapi_repo_labels.json`` holds the labels of every finding at DataZooDE/flapi commit
60d8d5676bde (its `_meta` says which), judged against the released flAPI 26.10.2.

CHECKOUT (default /tmp/flapi-repo) is a folder holding flAPI's ``examples/`` and
``test/integration/api_configuration/``, e.g. exported from a bare git directory:

    git --git-dir=DIR archive HEAD examples test/integration/api_configuration | tar -x -C /tmp/flapi-repo

mcplint runs with the checkout as its working folder, once per folder
(``--format json --no-cache --exit-zero``), so paths read ``examples/...``.
The table counts findings per rule id and per category.

``--labels FILE`` is a JSON object mapping a finding's key to a label::

    {"SQLI001 examples/sqls/customers/customers.sql:12:5":
        {"label": "true", "reason": "REST GET passes params.x unchecked"}}

The key is rule id, path, line and column: it does not change when a rule's
message does, so labels can be re-applied after rules are fixed. When one
template is used by several endpoints, mcplint reports the same rule at the same
place once per endpoint; those findings get the longer key ``KEY @ENDPOINT``
(the endpoint file from the finding's ``properties.endpoint``, its related
locations, or the first other YAML path its message names), since the label can
differ between an MCP-only tool and a REST route. A label on the longer key wins
(also once the finding is alone at its place again); a label on the base key
applies to every endpoint. A label is
"true" or "false" (also accepted: true/false as JSON booleans, or a bare string
instead of the object). With labels the script prints, per category, the findings,
the labelled ones, true, false and precision = true / labelled; then the findings
with no label, and the labels whose finding is no longer reported (fixed false
positives, or a lost true finding). ``--markdown`` prints the tables as Markdown.

Standard library only; mcplint is run through ``python -m mcplint`` with this
interpreter, or ``--mcplint CMD`` (e.g. ``--mcplint mcplint``). ``--at REV`` runs
the mcplint of a git revision of this repository instead of the working tree (it
is exported to a temporary folder and put first on ``PYTHONPATH``), so a baseline
can be repeated while the working tree changes.
"""

from __future__ import annotations

import argparse
import atexit
import json
import re
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from pathlib import Path

FOLDERS = ("examples", "test/integration/api_configuration")
REPO = Path(__file__).resolve().parent.parent
# where each part of the mcplint package lives in this repository (pyproject's package-dir)
PACKAGE_DIRS = {"linter": "mcplint", "rules": "mcplint/rules", "schemas": "mcplint/schemas"}


def export_revision(rev: str, into: Path) -> str:
    """Export mcplint at git revision REV into INTO/mcplint; return the full commit id."""
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--verify", rev + "^{commit}"], capture_output=True, text=True, check=True
    ).stdout.strip()
    archive = into / "src.tar"
    subprocess.run(["git", "-C", str(REPO), "archive", "-o", str(archive), commit, *PACKAGE_DIRS], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "src", filter="data")
    for folder, target in sorted(PACKAGE_DIRS.items(), key=lambda item: item[1].count("/")):
        (into / "pkg" / target).parent.mkdir(parents=True, exist_ok=True)
        os.replace(into / "src" / folder, into / "pkg" / target)
    return commit


def finding_key(finding: dict) -> str:
    region = finding.get("region") or {}
    return f"{finding['rule_id']} {finding['path']}:{region.get('start_line', 0)}:{region.get('start_column', 0)}"


ENDPOINT_IN_MESSAGE = re.compile(r"[\w./-]+\.ya?ml")


def discriminator(finding: dict) -> str:
    """Which endpoint a finding is about, to tell apart findings with the same key.

    A template used by several endpoints gets one finding per endpoint at the same
    place; the label can differ (an MCP-only tool vs a REST GET)."""
    endpoint = (finding.get("properties") or {}).get("endpoint")
    if endpoint:
        return str(endpoint)
    related = [r.get("path") for r in finding.get("related_locations") or [] if r.get("path")]
    if related:
        return ",".join(related)
    named = [m for m in ENDPOINT_IN_MESSAGE.findall(finding.get("message", "")) if m != finding["path"]]
    return named[0] if named else ""


def add_keys(findings: list[dict]) -> None:
    """Give every finding its base key and, when the base key is shared, a longer one."""
    counts = Counter(finding_key(f) for f in findings)
    seen: Counter[str] = Counter()
    for f in findings:
        base = finding_key(f)
        f["base_key"] = base
        hint = discriminator(f)
        # the longer key this finding would have if another endpoint shared its place:
        # a label written for it still applies when the other finding is gone
        f["endpoint_key"] = f"{base} @{hint}" if hint else base
        if counts[base] == 1:
            f["key"] = base
            continue
        extra = hint or f"#{seen[base]}"
        seen[base] += 1
        f["key"] = f"{base} @{extra}"


def run_mcplint(checkout: Path, folder: str, command: list[str], env: dict[str, str] | None = None) -> list[dict]:
    args = command + ["check", folder, "--format", "json", "--no-cache", "--exit-zero"]
    proc = subprocess.run(args, cwd=checkout, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"mcplint failed on {folder} (exit {proc.returncode}):\n{proc.stderr}")
    report = json.loads(proc.stdout)
    findings = report["findings"]
    for finding in findings:
        finding["folder"] = folder
    return findings


def load_labels(path: Path) -> dict[str, tuple[bool, str]]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    labels: dict[str, tuple[bool, str]] = {}
    for key, value in raw.items():
        if key.startswith("_"):
            continue  # comments / metadata
        reason = ""
        if isinstance(value, dict):
            reason = str(value.get("reason", ""))
            value = value.get("label")
        if isinstance(value, str):
            value = value.strip().lower()
            if value not in ("true", "false"):
                sys.exit(f"{path}: label of {key!r} is {value!r}, not true/false")
            value = value == "true"
        if not isinstance(value, bool):
            sys.exit(f"{path}: label of {key!r} is not true/false")
        labels[key] = (value, reason)
    return labels


def table(header: list[str], rows: list[list[object]], markdown: bool) -> str:
    cells = [[str(c) for c in row] for row in [header, *rows]]
    if markdown:
        lines = ["| " + " | ".join(row) + " |" for row in cells]
        lines.insert(1, "|" + "|".join(" --- " for _ in header) + "|")
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    out = []
    for n, row in enumerate(cells):
        out.append(
            "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        )
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", nargs="?", default="/tmp/flapi-repo", type=Path)
    parser.add_argument("--out", type=Path, help="write the findings (JSON) to this file")
    parser.add_argument("--labels", type=Path, help="JSON file of labels (see the docstring)")
    parser.add_argument("--mcplint", help="command to run mcplint (default: python -m mcplint)")
    parser.add_argument("--at", metavar="REV", help="run mcplint as of this git revision (default: the working tree)")
    parser.add_argument("--markdown", action="store_true", help="print tables as Markdown")
    args = parser.parse_args(argv)

    checkout = args.checkout.resolve()
    command = shlex.split(args.mcplint) if args.mcplint else [sys.executable, "-m", "mcplint"]
    env = None
    revision = "working tree"
    if args.at:
        if args.mcplint:
            sys.exit("--at runs `python -m mcplint` from the exported revision; leave out --mcplint")
        pinned = Path(tempfile.mkdtemp(prefix="flapi-repo-mcplint-"))
        atexit.register(shutil.rmtree, pinned, ignore_errors=True)
        revision = export_revision(args.at, pinned)
        env = dict(
            os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(pinned / "pkg"), os.environ.get("PYTHONPATH")]))
        )
    findings: list[dict] = []
    per_folder: Counter[str] = Counter()
    for folder in FOLDERS:
        if not (checkout / folder).is_dir():
            sys.exit(f"{checkout / folder} is missing (see the docstring to export it)")
        found = run_mcplint(checkout, folder, command, env)
        per_folder[folder] = len(found)
        findings.extend(found)
    findings.sort(
        key=lambda f: (f["path"], f["region"].get("start_line", 0), f["region"].get("start_column", 0), f["rule_id"])
    )

    add_keys(findings)
    keys = Counter(f["key"] for f in findings)
    duplicates = [k for k, n in keys.items() if n > 1]

    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps({"checkout": str(checkout), "mcplint": revision, "findings": findings}, indent=1) + "\n",
            encoding="utf-8",
        )

    md = args.markdown
    print(f"mcplint: {revision}")
    print(
        f"checkout {checkout}: "
        + ", ".join(f"{folder} {n}" for folder, n in per_folder.items())
        + f", {len(findings)} findings"
    )
    if duplicates:
        print(f"note: {len(duplicates)} keys name more than one finding (same rule, same place): {duplicates[:5]}")
    by_rule = Counter((f["rule_id"], f["category"]) for f in findings)
    print()
    print(table(["rule", "category", "findings"], [[r, c, n] for (r, c), n in sorted(by_rule.items())], md))
    by_category = Counter(f["category"] for f in findings)
    if not args.labels:
        print()
        print(table(["category", "findings"], [[c, n] for c, n in sorted(by_category.items())], md))
        return 0

    labels = load_labels(args.labels)

    def label_of(f: dict) -> tuple[bool, str] | None:
        # the longer key (endpoint named) first, then the base key (applies to every endpoint)
        return labels.get(f["key"]) or labels.get(f["endpoint_key"]) or labels.get(f["base_key"])

    rows = []
    totals = Counter()
    for category in sorted(by_category):
        in_cat = [f for f in findings if f["category"] == category]
        labelled = [label_of(f)[0] for f in in_cat if label_of(f)]
        true = sum(labelled)
        false = len(labelled) - true
        precision = f"{true / len(labelled):.2f}" if labelled else "-"
        rows.append([category, len(in_cat), len(labelled), true, false, precision])
        totals.update(findings=len(in_cat), labelled=len(labelled), true=true, false=false)
    total_precision = f"{totals['true'] / totals['labelled']:.2f}" if totals["labelled"] else "-"
    rows.append(["ALL", totals["findings"], totals["labelled"], totals["true"], totals["false"], total_precision])
    print()
    print(table(["category", "findings", "labelled", "true", "false", "precision"], rows, md))

    rule_rows = []
    for (rule, category), n in sorted(by_rule.items()):
        labelled = [label_of(f)[0] for f in findings if f["rule_id"] == rule and label_of(f)]
        true = sum(labelled)
        rule_rows.append(
            [rule, category, n, true, len(labelled) - true, f"{true / len(labelled):.2f}" if labelled else "-"]
        )
    print()
    print(table(["rule", "category", "findings", "true", "false", "precision"], rule_rows, md))

    unlabelled = [f for f in findings if not label_of(f)]
    print()
    print(f"unlabelled findings: {len(unlabelled)}")
    for f in unlabelled:
        print(f"  {f['key']}  [{f['category']}] {f['message']}")
    reported = set(keys) | {f["base_key"] for f in findings} | {f["endpoint_key"] for f in findings}
    stale = sorted(k for k in labels if k not in reported)
    print()
    print(f"labels with no finding now: {len(stale)}")
    for key in stale:
        value, reason = labels[key]
        print(f"  {key}  was {'true' if value else 'false'}: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
