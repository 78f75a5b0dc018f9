"""Hostile trees and a bounded way to run mcplint on them.

Every hostile case runs the installed ``mcplint`` console script in a child
process with a hard wall-clock budget (the whole process group is killed when
it runs out) and an address-space limit, so a hang or a memory explosion
fails one test instead of taking the suite down. The child's own resource
usage (``os.wait4``) gives the time and peak memory of each case; set
``MCPLINT_HOSTILE_REPORT=/path/file.jsonl`` to collect them.

Each hostile tree also holds ordinary insecure files (:data:`ORDINARY`) whose
findings, at known positions, must survive whatever the hostile file does.
"""

from __future__ import annotations

import json
import math
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from conftest import write_tree as write  # noqa: F401 - the cases' modules import it from here
from mcplint.source import decode_bytes

MEMORY_LIMIT = 1536 * 1024 * 1024  # 1.5 GiB of address space per mcplint process
OUTPUT_LIMIT = 512 * 1024 * 1024  # no report file may grow beyond this
DEFAULT_BUDGET = 10.0  # CPU seconds for one case on the machine these were written on (slowest case: ~4 s)
# The budgets guard against work that grows faster than the input (the bugs this suite found took 80 s to
# more than 300 s); they are not a speed measurement (bench/ is). A CI machine may be slower than the one the
# budgets were set on, so every budget is multiplied by this factor.
BUDGET_SCALE = float(os.environ.get("MCPLINT_HOSTILE_BUDGET_SCALE", "2"))

# A flAPI project with one finding per ordinary file at a known position.
MAIN = 'template:\n  path: ./sqls\ncors:\n  allow-origins:\n    - "*"\n'
OK_ENDPOINT = "url-path: /ok/\ntemplate-source: ok.sql\nrequest:\n  - field-name: name\n    field-in: query\n"
OK_TEMPLATE = "SELECT id\nFROM customers\nWHERE name = '{{{ params.name }}}'\n"
ORDINARY: dict[str, str | bytes] = {"flapi.yaml": MAIN, "sqls/ok.yaml": OK_ENDPOINT, "sqls/ok.sql": OK_TEMPLATE}
# (path, rule, line, column, end line, end column)
ORDINARY_FINDINGS = {
    ("flapi.yaml", "CORS001", 5, 7, 5, 10),
    ("sqls/ok.sql", "SQLI001", 3, 15, 3, 34),
}


def endpoint(template: str = "t.sql", extra: str = "", url: str = "/t/") -> str:
    """An endpoint file with an MCP tool and one query field `a`."""
    return (
        f"url-path: {url}\ntemplate-source: {template}\nmcp-tool:\n  name: t\n  description: Lists rows.\n"
        "request:\n  - field-name: a\n    field-in: query\n" + extra
    )




def sparse(path: Path, size: int, head: bytes = b"") -> None:
    """A file of ``size`` bytes that takes no disk space (holes read as NUL)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(head)
        handle.truncate(size)


# ------------------------------------------------------------------ generators


def alias_bomb(width: int = 9, levels: int = 9, style: str = "flow") -> str:
    """Billion laughs: ``width ** levels`` nodes once the aliases are expanded."""
    if style == "block":
        out = ["a0: &a0\n" + "  - lol\n" * width]
        out += [f"a{i}: &a{i}\n" + f"  - *a{i - 1}\n" * width for i in range(1, levels + 1)]
        return "".join(out)
    if style == "json":  # JSON-like YAML: quoted keys, flow everything
        items = ['"a0": &a0 [' + ", ".join(['"lol"'] * width) + "]"]
        items += [f'"a{i}": &a{i} [' + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels + 1)]
        return "{" + ", ".join(items) + "}\n"
    if style == "nested":  # the whole bomb inside one flow mapping under a key
        items = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
        items += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels + 1)]
        return "server:\n  tools: {" + ", ".join(items) + "}\n"
    if style == "keys":  # mappings whose values are aliases
        out = ["a0: &a0 {" + ", ".join(f"k{j}: lol" for j in range(width)) + "}\n"]
        out += [f"a{i}: &a{i} {{" + ", ".join(f"k{j}: *a{i - 1}" for j in range(width)) + "}\n"
                for i in range(1, levels + 1)]
        return "".join(out)
    if style == "merge":  # merge keys (<<) that copy ever larger mappings
        out = ["a0: &a0 {k0: lol, k1: lol}\n"]
        for i in range(1, levels + 3):
            out.append(f"a{i}: &a{i}\n  <<: *a{i - 1}\n  list{i}: [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n")
        return "".join(out)
    items = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    items += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels + 1)]
    return "\n".join(items) + "\n"


def sql_template(body: str) -> str:
    return body + " AND y = '{{{ params.a }}}'\n"


# ---------------------------------------------------------------------- running


@dataclass
class Outcome:
    case: str
    root: Path
    returncode: int | None  # None: killed when the budget ran out
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float
    budget: float
    cpu_seconds: float = 0.0

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    def report(self) -> dict:  # type: ignore[type-arg]
        try:
            return json.loads(self.stdout)
        except ValueError as exc:
            raise AssertionError(
                f"{self.case}: stdout is not a JSON report ({exc}); exit {self.returncode}, "
                f"stderr: {self.stderr[-600:]!r}"
            ) from None

    def findings(self) -> list[dict]:  # type: ignore[type-arg]
        return self.report()["findings"]

    def describe(self) -> str:
        state = f"stopped: over its budget of {self.budget:.0f} s" if self.timed_out else f"exit {self.returncode}"
        return (f"{self.case}: {state}, {self.cpu_seconds:.1f} s CPU, {self.seconds:.1f} s wall, "
                f"peak {self.peak_mb:.0f} MB, stderr {self.stderr[-600:]!r}")


MEASUREMENTS: list[dict[str, object]] = []
_RECORD_LOCK = threading.Lock()
WALL_FACTOR, WALL_EXTRA = 2.0, 10.0  # wall-clock bound: for what blocks without using CPU (a FIFO)
PARALLEL = int(os.environ.get("MCPLINT_HOSTILE_JOBS", "2"))  # cases run side by side (two cores)


def mcplint_command() -> list[str]:
    """The console script, as pre-commit and a plain `mcplint` call run it (the folder of the
    script, not the working directory, is on sys.path); ``-I`` keeps the fallback as safe."""
    script = Path(sys.executable).parent / ("mcplint.exe" if os.name == "nt" else "mcplint")
    return [str(script)] if script.exists() else [sys.executable, "-I", "-m", "mcplint"]


def _limits(budget: float) -> list[tuple[int, tuple[int, int]]]:
    cpu = math.ceil(budget)
    return [
        (resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT)),
        (resource.RLIMIT_CPU, (cpu, cpu + 5)),  # SIGXCPU at the budget, SIGKILL 5 s later
        (resource.RLIMIT_FSIZE, (OUTPUT_LIMIT, OUTPUT_LIMIT)),
        (resource.RLIMIT_CORE, (0, 0)),
    ]


def _peak_kb(pid: int) -> int | None:
    """The process's memory high-water mark since its exec (VmHWM), if /proc tells it."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
            fields = dict(line.split(":", 1) for line in handle if ":" in line)
    except OSError:
        return None
    if fields.get("PPid", "").strip() != str(os.getpid()) or "VmHWM" not in fields:
        return None
    return int(fields["VmHWM"].split()[0])


def run_bounded(
    case: str,
    root: Path,
    args: Iterable[str] = (),
    budget: float = DEFAULT_BUDGET,
    fmt: str | None = "json",
    command: list[str] | None = None,
    env: Mapping[str, str] | None = None,
    wall: float | None = None,
) -> Outcome:
    """Run mcplint in ``root`` within ``budget`` CPU seconds and the memory limit.

    The CPU budget is enforced by the kernel (RLIMIT_CPU), so a case is judged
    the same on a busy machine; the wall clock is bounded too (``wall``, by
    default ``2 × budget + 10`` s) for anything that blocks without computing. The whole process group
    (forked workers included) is killed when the wall clock runs out.
    """
    budget = budget * BUDGET_SCALE
    argv = [*(command or mcplint_command()), *(["--format", fmt] if fmt else []), *args]
    environment = {**os.environ, "NO_COLOR": "1", **(env or {})}
    environment.pop("MCPLINT_DEBUG", None)
    limits = _limits(budget)
    use_prlimit = hasattr(resource, "prlimit")  # set from outside: no preexec_fn, safe with threads

    def preexec() -> None:  # pragma: no cover - only where prlimit is missing
        for kind, value in limits:
            resource.setrlimit(kind, value)

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(
            argv, cwd=root, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=environment,
            start_new_session=True, preexec_fn=None if use_prlimit else preexec,
        )
        if use_prlimit:
            for kind, value in limits:
                resource.prlimit(process.pid, kind, value)
        killed, finished = threading.Event(), threading.Event()
        peak = [0]

        def watch() -> None:
            deadline = started + (wall if wall is not None else WALL_FACTOR * budget + WALL_EXTRA)
            while not finished.wait(0.02):
                peak[0] = max(peak[0], _peak_kb(process.pid) or 0)
                if time.monotonic() > deadline and not killed.is_set():
                    killed.set()
                    try:
                        os.killpg(process.pid, signal.SIGKILL)  # the group: forked workers too
                    except ProcessLookupError:
                        pass

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            finished.set()
            watcher.join()
        seconds = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    cpu = usage.ru_utime + usage.ru_stime
    over_cpu = process.returncode in (-signal.SIGXCPU, -signal.SIGKILL) and cpu >= math.ceil(budget) - 0.5
    outcome = Outcome(
        case, root, None if killed.is_set() or over_cpu else process.returncode, stdout, stderr, seconds,
        peak[0] / 1024 if peak[0] else usage.ru_maxrss / 1024, budget, cpu,
    )
    record(outcome)
    return outcome


def record(outcome: Outcome) -> None:
    entry = {"case": outcome.case, "wall_s": round(outcome.seconds, 2), "cpu_s": round(outcome.cpu_seconds, 2),
             "peak_mb": round(outcome.peak_mb, 1), "exit": outcome.returncode}
    with _RECORD_LOCK:
        MEASUREMENTS.append(entry)
        target = os.environ.get("MCPLINT_HOSTILE_REPORT")
        if target:
            with open(target, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry) + "\n")


class Runner:
    """Runs a module's cases :data:`PARALLEL` at a time; each test waits for its own outcome."""

    def __init__(self, cases: Iterable[Case], selected: set[str], make_dir: Callable[[str], Path]) -> None:
        self.pool = ThreadPoolExecutor(max_workers=max(1, PARALLEL))
        self.futures: dict[str, Future[Outcome]] = {}
        for case in cases:
            if case.name in selected:
                root = write(make_dir(case.name) / "tree", {**ORDINARY, **case.files})
                self.futures[case.name] = self.pool.submit(run_bounded, case.name, root, case.args, case.budget)

    def check(self, case: Case) -> dict:  # type: ignore[type-arg]
        report = check(self.futures[case.name].result(), case.expect)
        assert_exact(report, case.exact, case.name)
        return report

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def runner_fixture(cases: list[Case]):  # type: ignore[no-untyped-def]
    """A module-scoped fixture running the selected ``cases`` side by side."""
    import pytest

    @pytest.fixture(scope="module")
    def runner(request, tmp_path_factory):  # type: ignore[no-untyped-def]
        selected = {
            item.callspec.params["case"].name
            for item in request.session.items
            if item.module is request.module and hasattr(item, "callspec") and "case" in item.callspec.params
        }
        running = Runner(cases, selected, lambda name: tmp_path_factory.mktemp(name[:40]))
        yield running
        running.close()

    return runner


# -------------------------------------------------------------------- checking

_BREAK = re.compile(r"\r\n|\r|\n")
_READ_LIMIT = 8 * 1024 * 1024


def line_lengths(data: bytes) -> list[int]:
    """Code points per line of a file as mcplint decodes it (BOM, UTF-16/32, replacement)."""
    text = decode_bytes(data)[0]
    text = text.replace("\ue000", "\ufffd").replace("\ue001", "\ufffd")
    return [len(line) for line in _BREAK.split(text)]


def position_problems(root: Path, findings: list[dict]) -> list[str]:  # type: ignore[type-arg]
    """Findings (and related locations) whose region is not inside their file."""
    problems: list[str] = []
    lengths: dict[str, list[int] | None] = {}
    for finding in findings:
        places = [(finding["path"], finding["region"])]
        places += [(r["path"], r["region"]) for r in finding.get("related_locations", ())]
        for path, region in places:
            if path not in lengths:
                file = root / path
                try:
                    small = file.is_file() and file.stat().st_size <= _READ_LIMIT
                    lengths[path] = line_lengths(file.read_bytes()) if small else None
                except OSError:
                    lengths[path] = None
            problem = region_problem(lengths[path], region)
            if problem:
                problems.append(f"{finding['rule_id']} {path} {region}: {problem}")
    return problems


def region_problem(lines: list[int] | None, region: Mapping[str, int]) -> str | None:
    sl, sc, el, ec = region["start_line"], region["start_column"], region["end_line"], region["end_column"]
    if lines is None:  # a file mcplint did not read: only a whole-file position makes sense
        return None if (sl, sc, el, ec) == (1, 1, 1, 1) else "a position in a file that cannot be read"
    if not (1 <= sl <= el <= len(lines)):
        return f"lines outside 1..{len(lines)}"
    if not 1 <= sc <= lines[sl - 1] + 1:
        return f"start column beyond line length {lines[sl - 1]}"
    if not 1 <= ec <= lines[el - 1] + 1:
        return f"end column beyond line length {lines[el - 1]}"
    if sl == el and ec < sc:
        return "ends before it starts"
    return None


@dataclass
class Expect:
    """What a hostile run must show."""

    hostile: Mapping[str, set[str]] = field(default_factory=dict)  # path -> rule ids, one of which names it
    exit_codes: frozenset[int] = frozenset({0, 1})
    ordinary: bool = True  # the ordinary findings are still reported, at their positions
    max_peak_mb: float | None = None
    absent_rules: frozenset[str] = frozenset()  # rules that must not fire anywhere


@dataclass
class Case:
    """One hostile tree: its files (beside :data:`ORDINARY`) and what the run must show."""

    name: str
    files: Mapping[str, str | bytes]
    expect: Expect
    budget: float = DEFAULT_BUDGET
    exact: frozenset[tuple[str, str, int, int, int, int]] = frozenset()  # findings at exact positions
    args: tuple[str, ...] = ()


def assert_exact(report: dict, exact: Iterable[tuple[str, str, int, int, int, int]], case: str) -> None:  # type: ignore[type-arg]
    seen = {
        (f["path"], f["rule_id"], f["region"]["start_line"], f["region"]["start_column"],
         f["region"]["end_line"], f["region"]["end_column"])
        for f in report["findings"]
    }
    missing = set(exact) - seen
    near = sorted(s for s in seen if any(s[:2] == m[:2] for m in missing))
    assert not missing, f"{case}: expected {sorted(missing)}, found {near}"


def check(outcome: Outcome, expect: Expect) -> dict:  # type: ignore[type-arg]
    """Assert that mcplint survived the hostile tree; return the JSON report."""
    assert not outcome.timed_out, outcome.describe()
    assert outcome.returncode in expect.exit_codes, outcome.describe()
    assert "Traceback" not in outcome.stderr, outcome.describe()
    assert "internal error" not in outcome.stderr, outcome.describe()
    findings = outcome.findings()
    if 2 not in expect.exit_codes:
        internal = [f"{f['path']}: {f['message']}" for f in findings if f["rule_id"] == "CFG900"]
        assert not internal, f"{outcome.case}: internal errors {internal[:5]}"
    for path, rules in expect.hostile.items():
        named = {f["rule_id"] for f in findings if f["path"] == path}
        assert named & rules, f"{outcome.case}: no {sorted(rules)} finding names {path} (found {sorted(named)})"
    if expect.ordinary:
        seen = {
            (f["path"], f["rule_id"], f["region"]["start_line"], f["region"]["start_column"],
             f["region"]["end_line"], f["region"]["end_column"])
            for f in findings
        }
        missing = ORDINARY_FINDINGS - seen
        assert not missing, f"{outcome.case}: ordinary findings lost: {sorted(missing)}"
    fired = {f["rule_id"] for f in findings} & expect.absent_rules
    assert not fired, f"{outcome.case}: unexpected {sorted(fired)}"
    problems = position_problems(outcome.root, findings)
    assert not problems, f"{outcome.case}: positions outside the file: {problems[:5]}"
    if expect.max_peak_mb is not None:
        assert outcome.peak_mb <= expect.max_peak_mb, outcome.describe()
    return outcome.report()
