#!/usr/bin/env python3
"""Start-up time of hwctl against its budget: `hwctl --help`, `hwctl list --help` and a TAB
completion should each take at most 1.5x the time of `python -c "import typer"` on the same
machine (a TAB runs hwctl once more, so this is TAB latency). Not a timed test: timings depend on
the machine, so this script reports and a test (tests/cli/test_startup.py) guards the import rule.

    python scripts/bench_startup.py             # best of 15 runs each
    python scripts/bench_startup.py -n 40 --strict   # exit 1 when a case is over budget

Each case runs in a fresh subprocess, in rounds of all cases; the best run of each is kept
(the least disturbed by other load on the machine).
To see what a case imports: python -X importtime -m hwctl --help 2>&1 | sort -t'|' -k2 -n
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

BUDGET = 1.5


def hwctl_executable() -> str:
    """The hwctl installed next to this Python (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "hwctl"
    if beside.exists():
        return str(beside)
    found = shutil.which("hwctl")
    if found is None:
        sys.exit("hwctl is not installed next to this Python nor on PATH")
    return found


def cases(hwctl: str) -> list[tuple[str, list[str], dict[str, str]]]:
    def tab(shell: str, words: str) -> dict[str, str]:
        if shell == "bash":
            n = len(words.split()) - (0 if words.endswith(" ") else 1)
            return {"_HWCTL_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(n)}
        return {"_HWCTL_COMPLETE": f"complete_{shell}", "_TYPER_COMPLETE_ARGS": words}

    return [
        ("import typer (baseline)", [sys.executable, "-c", "import typer"], {}),
        ("hwctl --help", [hwctl, "--help"], {}),
        ("hwctl list --help", [hwctl, "list", "--help"], {}),
        ("hwctl report pending --help", [hwctl, "report", "pending", "--help"], {}),
        ("TAB bash: hwctl ap", [hwctl], tab("bash", "hwctl ap")),
        ("TAB bash: hwctl list --status ", [hwctl], tab("bash", "hwctl list --status ")),
        ("TAB zsh: hwctl ap", [hwctl], tab("zsh", "hwctl ap")),
        ("TAB fish: hwctl ap", [hwctl], {**tab("fish", "hwctl ap"),
                                         "_TYPER_COMPLETE_FISH_ACTION": "get-args"}),
    ]  # fmt: skip


def once(argv: list[str], extra_env: dict[str, str]) -> float:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "GITHUB_ACTIONS")}
    env.update(extra_env)
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=15, help="runs per case (best kept)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when over budget")
    args = parser.parse_args(argv)
    todo = cases(hwctl_executable())
    best = [float("inf")] * len(todo)
    for _ in range(args.runs):  # rounds of every case, so that load from elsewhere hits all alike
        for i, (_name, cmd, env) in enumerate(todo):
            best[i] = min(best[i], once(cmd, env))
    results = [(name, seconds) for (name, _, _), seconds in zip(todo, best, strict=True)]
    lines, over = judge(results)
    print("\n".join(lines))
    print(f"({args.runs} runs each, best kept; python {sys.version.split()[0]})")
    return 1 if args.strict and over else 0


def judge(results: list[tuple[str, float]]) -> tuple[list[str], list[str]]:
    """The report's lines and the cases over budget; `results[0]` is the baseline."""
    baseline = results[0][1]
    width = max(len(n) for n, _ in results)
    lines = [f"{'case':<{width}}  {'best':>8}  {'ratio':>6}  budget {BUDGET}x"]
    over = []
    for name, seconds in results:
        ratio = seconds / baseline
        verdict = "" if name == results[0][0] else ("ok" if ratio <= BUDGET else "OVER")
        if verdict == "OVER":
            over.append(name)
        lines.append(f"{name:<{width}}  {seconds * 1000:>6.0f}ms  {ratio:>5.2f}x  {verdict}")
    within = len(results) - 1 - len(over)
    lines.append(f"\n{within} of {len(results) - 1} within {BUDGET}x of the baseline")
    if over:
        lines.append(f"over budget: {', '.join(over)}")
    return lines, over


if __name__ == "__main__":
    sys.exit(main())
