#!/usr/bin/env python3
"""test_summary.py - analysis/summary.py on synthetic records (stdlib only).

Checks: records of one configuration are pooled (repetitions add up, the
median is over all of them); different thread counts of one model stay
separate rows; the speedup is seq median / row median; a row whose spread
cannot support its speedup gets a note, a tight one none (the warning stays
silent where nothing is wrong); a noisy seq baseline is flagged; a failed
verification makes the row say NO and the exit status 1.
Last line: "N passed, N failed".
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sktest  # noqa: E402

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "analysis", "summary.py")


def record(model, ranks, threads, seconds, verified=True):
    s = sorted(seconds)
    return {"schema": 1, "kernel": "pi", "size": [1000], "iters": 1, "model": model,
            "ranks": ranks, "threads_per_rank": threads, "seconds": seconds,
            "time": {"median": s[len(s) // 2]},
            "rate": {"median": 1000 / s[len(s) // 2] * 1e-6, "unit": "Msamples/s"},
            "verified": verified}


def table(s, records):
    path = s.path("records.jsonl")
    with open(path, "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    p = subprocess.run([sys.executable, SCRIPT, path], capture_output=True, text=True,
                       timeout=60)
    rows = {}
    for line in p.stdout.splitlines():
        if line.startswith("pi "):
            cells = line.split(None, 12)
            rows[(cells[2], cells[3])] = cells
    return p.returncode, rows, p.stdout + p.stderr


def main():
    s = sktest.Suite("summary")
    tight_seq = [1.0, 1.01, 0.99, 1.0, 1.02]
    rc, rows, out = table(s, [
        record("seq", 1, 1, tight_seq[:3]), record("seq", 1, 1, tight_seq[3:]),
        record("omp", 1, 2, [0.5, 0.505, 0.495, 0.5, 0.51]),
        record("omp", 1, 1, [1.0, 1.0, 1.01]),
        record("mpi", 2, 1, [0.3, 0.9, 0.5, 0.35, 0.8]),
    ])
    s.check(rc == 0 and set(rows) == {("seq", "1x1"), ("omp", "1x2"), ("omp", "1x1"),
                                      ("mpi", "2x1")},
            "one row per configuration (two omp thread counts stay apart)", out)
    if rc == 0 and ("seq", "1x1") in rows:
        seq, omp = rows[("seq", "1x1")], rows[("omp", "1x2")]
        s.check(seq[11] == "5" and seq[4] == "1", "two seq records pooled: 5 reps, median 1", out)
        s.check(seq[7] == "1.00" and omp[7] == "2.00" and omp[8] == "1.00",
                "speedup and efficiency from pooled medians", out)
        s.check(len(seq) == 12 and len(omp) == 12, "tight rows carry no note", out)
        mpi = rows[("mpi", "2x1")]
        s.check(len(mpi) == 13 and "spread too wide" in mpi[12],
                "a wide spread flags its speedup", out)
    rc, rows, out = table(s, [record("seq", 1, 1, [1.0, 1.5, 0.7, 1.2]),
                              record("omp", 1, 2, [0.5], verified=False)])
    seq, omp = rows.get(("seq", "1x1"), []), rows.get(("omp", "1x2"), [])
    s.check(len(seq) == 13 and "baseline spread too wide" in seq[12],
            "a noisy seq baseline is flagged", out)
    s.check(rc == 1 and len(omp) == 13 and omp[9] == "NO" and "only 1 rep" in omp[12],
            "failed verification: NO, exit 1; a single repetition is flagged", out)
    s.finish()


if __name__ == "__main__":
    main()
