"""Benchmark: `grader check` against the raw docker commands doing the same work, warm.

    .venv/bin/python bench/bench.py [--runs 5]

Warm means the layer cache and the base images are already there (one untimed run of each
first), which is what a student re-checking after an edit sees; `--cold` empties the build
cache before each run (base images stay: they are seeded once per machine). Prints a Markdown table:
median wall time of each, and the grader's overhead ratio (grader / raw; target <= 1.3).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "sample"
GRADER = str(Path(sys.executable).parent / "grader")

RAW_EX1 = (
    f"docker build -q -t bench-cowsay {SAMPLE / 'ex1'} >/dev/null"
    " && docker run --rm bench-cowsay /usr/games/cowsay bonjour >/dev/null"
)
# The same work as ex1's checks: the build, then the two containers they run (the cow's probe,
# then the image's own command). hadolint's advice is not counted: it takes 20 ms.
RAW_EX1_SAME_WORK = RAW_EX1 + " && docker run --rm bench-cowsay >/dev/null"
RAW_EX2 = (
    f"{{compose}} -f {SAMPLE / 'ex2' / 'compose.yaml'} -p bench up -d --quiet-pull 2>/dev/null"
    " && until curl -sf http://localhost:8082/ >/dev/null; do sleep 0.1; done"
    f" && {{compose}} -f {SAMPLE / 'ex2' / 'compose.yaml'} -p bench down --timeout 3 2>/dev/null"
)

RAW_ALL = f"bash {ROOT / 'bench' / 'raw_all.sh'} '{{compose}}'"
# What raw_all.sh does by hand: the Docker exercises ex1–ex3, ex5–ex7, and the static tier of
# the Kubernetes ones (the sample's `--all` before ex16–ex18, which have their own figures).
ALL = ["ex1", "ex2", "ex3", "ex4", "ex5", "ex6", "ex7", "ex11", "ex12", "ex13", "ex14", "ex15"]

CASES = {
    "ex1 cowsay (build + run)": ([GRADER, "check", "ex1", "--path", str(SAMPLE)], RAW_EX1),
    "ex1 cowsay (the same work: build + the two runs)": (
        [GRADER, "check", "ex1", "--path", str(SAMPLE)],
        RAW_EX1_SAME_WORK,
    ),
    "ex2 port 8082 (up + HTTP + down)": ([GRADER, "check", "ex2", "--path", str(SAMPLE)], RAW_EX2),
    "check ex1–ex7 ex11–ex15 on the sample (Docker + K8s static)": (
        [GRADER, "check", *ALL, "--path", str(SAMPLE)],
        RAW_ALL,
    ),
    "the same, -j 2 (against the raw commands one after another)": (
        [GRADER, "check", *ALL, "-j", "2", "--path", str(SAMPLE)],
        RAW_ALL,
    ),
}
# Cold: no layer cache for the student's Dockerfiles (the classic builder's cache lives in the
# parent layers of tagged images: grader-cache:*, the raw commands' tags), base images kept.
COLD = (
    f"{GRADER} clean --cache >/dev/null 2>&1;"
    " docker rmi -f bench-cowsay raw-ex1 raw-ex5 raw-ex7 >/dev/null 2>&1;"
    " docker image prune -f >/dev/null 2>&1; docker builder prune -af >/dev/null 2>&1"
)


def compose_binary() -> str:
    from grader.containers.compose import binary

    return " ".join(binary())


def once(command: list[str] | str, *, cold: bool = False) -> float:
    """One run's wall time (cold: the build cache emptied first)."""
    if cold:
        subprocess.run(COLD, shell=True, check=False)
    start = time.perf_counter()
    done = subprocess.run(command, shell=isinstance(command, str), check=False, capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0,):
        raise SystemExit(f"failed: {command}\n{done.stdout!r}\n{done.stderr!r}")
    return elapsed


def paired(commands: list[list[str] | str], runs: int, *, cold: bool = False) -> list[float]:
    """The median wall time of each command, their runs taken in turn (so that a change in
    the machine's load falls on all of them alike); warm: after one untimed run of each."""
    if not cold:
        for command in commands:
            once(command)
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for command, found in zip(commands, times, strict=True):
            found.append(once(command, cold=cold))
    return [statistics.median(found) for found in times]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold", action="store_true", help="empty the build cache before each run")
    parser.add_argument("--only", default="", help="only the cases whose name holds this text")
    args = parser.parse_args()
    runs, state = args.runs, "cold" if args.cold else "warm"
    compose = compose_binary()
    print(f"| case (median of {runs}, {state}) | grader | raw docker | ratio |")
    print("|---|---|---|---|")
    for name, (grader, raw) in CASES.items():
        if args.only in name:
            ours, theirs = paired([grader, raw.format(compose=compose)], runs, cold=args.cold)
            print(f"| {name} | {ours:.2f} s | {theirs:.2f} s | {ours / theirs:.2f} |")
    (listing,) = paired([[GRADER, "list"]], runs)
    print(f"| grader list | {listing:.2f} s | — | — |")
    subprocess.run("docker rmi -f bench-cowsay", shell=True, check=False, capture_output=True)


if __name__ == "__main__":
    main()
