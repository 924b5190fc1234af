"""Benchmark: `grader batch` on a generated class, one worker then two, against raw docker.

    .venv/bin/python bench/batch_bench.py [--size 30] [--raw-runs 3]

The class (tests/classes.py) is the reference solutions of the Docker exercises (ex1–ex3,
ex5–ex7), every third student with the usual mistake in one exercise. An untimed batch of
each distinct submission first warms the layer cache, so that the two timed runs start
equal; within a run, the students' identical layers are shared through that cache. Raw
docker: `bench/raw_all.sh` (the engine's own work for one submission, by hand), its median
times the class size.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from classes import BROKEN, make_class, make_student  # noqa: E402

GRADER = str(Path(sys.executable).parent / "grader")
EXERCISES = ["ex1", "ex2", "ex3", "ex5", "ex6", "ex7"]


def timed(command: list[str] | str) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, shell=isinstance(command, str), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {command}\n{done.stdout}\n{done.stderr}")
    return elapsed


def _verdicts(out: Path) -> dict[str, object]:
    """student → exercise → check → status, from a batch's journal."""
    found: dict[str, object] = {}
    for line in (out / "journal.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        exercises = record.get("exercises") or {}
        found[record["student"]] = {e: r["checks"] for e, r in exercises.items()}
    return found


def warm_up(folder: Path, ids: str) -> None:
    """Grade each distinct submission of the class once (untimed), so that both timed runs
    find the same layer cache: the reference, and each exercise's usual mistake."""
    make_student(folder / "ref", dict.fromkeys(EXERCISES))
    for broken in EXERCISES:
        make_student(folder / broken, {e: BROKEN[e] if e == broken else None for e in EXERCISES})
    timed(
        [
            GRADER,
            "batch",
            str(folder),
            "--exercises",
            ids,
            "-j",
            "2",
            "--out",
            str(folder.parent / "out-warm"),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=30)
    parser.add_argument("--raw-runs", type=int, default=3)
    parser.add_argument("--jobs", default="1,2", help="worker counts to time, e.g. 1,2,3")
    args = parser.parse_args()
    from grader.containers.compose import binary

    with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
        work = Path(tmp)
        make_class(work / "class", args.size, EXERCISES)
        ids = ",".join(EXERCISES)
        warm_up(work / "warm", ids)
        rows = []
        verdicts: list[dict[str, object]] = []
        for jobs in [int(j) for j in args.jobs.split(",")]:
            out = work / f"out-j{jobs}"
            seconds = timed(
                [
                    GRADER,
                    "batch",
                    str(work / "class"),
                    "--exercises",
                    ids,
                    "-j",
                    str(jobs),
                    "--out",
                    str(out),
                ]
            )
            rows.append((jobs, seconds))
            verdicts.append(_verdicts(out))
        raw_command = f"bash {ROOT / 'bench' / 'raw_all.sh'} '{' '.join(binary())}'"
        timed(raw_command)  # warm-up
        raw = statistics.median(timed(raw_command) for _ in range(args.raw_runs))
    same = all(v == verdicts[0] for v in verdicts)
    print(f"Every run gave the same verdict for every check of every student: {same}")
    sequential = rows[0][1]
    print(
        f"| {args.size} submissions, {', '.join(EXERCISES)} | wall time | per submission "
        "| speed-up vs -j 1 | ratio vs raw docker (sequential) |"
    )
    print("|---|---|---|---|---|")
    print(
        f"| raw docker commands, one after the other | {raw * args.size:.0f} s (estimated) "
        f"| {raw:.1f} s | — | 1.00 |"
    )
    for jobs, seconds in rows:
        per = seconds / args.size
        print(
            f"| grader batch -j {jobs} | {seconds:.0f} s | {per:.1f} s | "
            f"{sequential / seconds:.2f}× | {per / raw:.2f} |"
        )


if __name__ == "__main__":
    main()
