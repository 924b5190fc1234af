"""Benchmark of the Kubernetes live tier on the grader's own cluster (scripts/cluster.sh).

    .venv/bin/python bench/cluster_bench.py [--runs 3] [--restart] [--cold-build]

- the live tier of ex4 + ex11–ex15 on the bundled sample, warm cluster: `grader check` against
  the raw kubectl/curl commands doing the same work (bench/raw_k8s.sh), median of `--runs`;
- `--restart`: `cluster.sh down` then `up` (the start of a built cluster), timed;
- `--cold-build`: the binaries' cache emptied (the Go build cache too), then `up`: the first
  build on a machine (several minutes).
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "sample"
GRADER = str(Path(sys.executable).parent / "grader")
CLUSTER = ["bash", str(ROOT / "scripts" / "cluster.sh")]
CACHE = Path.home() / ".cache" / "grader" / "cluster"
EXERCISES = ["ex4", "ex11", "ex12", "ex13", "ex14", "ex15"]


def timed(argv: list[str], *, check: bool = True) -> tuple[float, str]:
    started = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        sys.exit(f"{argv} failed ({done.returncode}): {done.stdout[-800:]}{done.stderr[-800:]}")
    return time.monotonic() - started, done.stdout


def kubeconfig() -> str:
    _, out = timed([*CLUSTER, "up"])
    return out.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--restart", action="store_true")
    parser.add_argument("--cold-build", action="store_true")
    args = parser.parse_args()
    rows: list[tuple[str, str, str, str]] = []
    if args.cold_build:
        timed([*CLUSTER, "down"])
        for folder in CACHE.glob("bin-*"):
            shutil.rmtree(folder)
        shutil.rmtree(CACHE / "gocache", ignore_errors=True)
        seconds, _ = timed([*CLUSTER, "up"])
        rows.append(("first build + up (cold Go cache)", f"{seconds:.0f} s", "—", "—"))
    if args.restart:
        timed([*CLUSTER, "down"])
        seconds, _ = timed([*CLUSTER, "up"])
        rows.append(("cluster start (`down` then `up`, built)", f"{seconds:.1f} s", "—", "—"))
    config = kubeconfig()
    grader = [GRADER, "check", *EXERCISES, "--path", str(SAMPLE), "--kubeconfig", config]
    raw = ["bash", str(ROOT / "bench" / "raw_k8s.sh"), config, str(SAMPLE)]
    timed(grader, check=False)  # warm: stand-ins tagged, caches filled
    graded, raws = [], []
    for _ in range(args.runs):
        graded.append(timed(grader)[0])
        raws.append(timed(raw)[0])
    g, r = statistics.median(graded), statistics.median(raws)
    rows.append(
        ("live tier of ex4 + ex11–ex15, warm cluster", f"{g:.1f} s", f"{r:.1f} s", f"{g / r:.2f}")
    )
    print("| case | grader | raw kubectl | ratio |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
