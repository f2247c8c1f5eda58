"""synth - synthetic scalekit records for the analysis tests.

record() builds a schema-1 record with the fields the analysis reads;
everything else a real driver writes is omitted or minimal, on purpose: the
analysis must not depend on more than README "Result records" promises.
"""
import json
import random
import statistics

MODEL_LAYOUT = {"seq": lambda p: (1, 1), "omp": lambda p: (1, p), "mpi": lambda p: (p, 1),
                "hybrid": lambda p: (max(1, p // 2), min(p, 2))}


def record(kernel="pi", model="omp", p=1, seconds=(1.0,), size=(1000,), ranks=None,
           threads=None, verified=True, oversubscribed=False, host="node1", commit="abc123",
           bytes_=0.0, compute=None, **extra):
    r, t = MODEL_LAYOUT[model](p)
    ranks = r if ranks is None else ranks
    threads = t if threads is None else threads
    secs = list(seconds)
    med = statistics.median(secs)
    rec = {
        "schema": 1, "scalekit": "0.1.0", "model": model, "kernel": kernel,
        "size": list(size), "size_text": "x".join(map(str, size)), "iters": 10, "warmup": 1,
        "reps": len(secs), "schedule": "static", "decomp": "block", "rank_grid": [ranks, 1],
        "grain": 1, "ranks": ranks, "threads_per_rank": threads, "nodes": 1,
        "oversubscribed": oversubscribed, "seconds": secs,
        "time": {"min": min(secs), "median": med, "max": max(secs)},
        "rate": {"median": 1.0 / med, "best": 1.0 / min(secs), "unit": "Mx/s",
                 "work_units": 1e6, "bytes": bytes_},
        "imbalance": {"rank_compute_min_s": compute or med * 0.95,
                      "rank_compute_mean_s": compute or med * 0.95,
                      "rank_compute_max_s": compute or med * 0.95, "max_over_mean": 1.0,
                      "rank_items_min": 1, "rank_items_max": 1},
        "verified": verified,
        "result": {"name": "x", "value": 1, "expected": "1", "got": "1" if verified else "2",
                   "method": "synthetic"},
        "provenance": {"hostnames": [host] * ranks, "mpi_library": "Open MPI v4.1.4",
                       "compiler": "GNU 12.2.0", "cflags": "-O3", "build_type": "Release",
                       "git_commit": commit, "timestamp": "2026-01-02T03:04:05Z"},
    }
    rec.update(extra)
    return rec


def noisy(t, reps=7, noise=0.01, rng=None):
    rng = rng or random.Random(1)
    return [t * (1 + rng.uniform(-noise, noise)) for _ in range(reps)]


def write(path, records):
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    return path


def amdahl_study(f=0.1, t1=2.0, ps=(1, 2, 4, 8, 16, 32), model="omp", kernel="pi", seed=3,
                 noise=0.01):
    """Strong scaling with serial fraction f, and the sequential baseline."""
    rng = random.Random(seed)
    recs = [record(kernel, "seq", 1, noisy(t1, rng=rng, noise=noise))]
    for p in ps:
        recs.append(record(kernel, model, p, noisy(t1 * (f + (1 - f) / p), rng=rng, noise=noise)))
    return recs


def logp_study(c0=0.5, c1=0.2, ps=(1, 2, 4, 8, 16, 32, 64), model="mpi", kernel="stencil",
               seed=5, noise=0.005):
    """Time grows like log2(p): T = c0 + c1 log2 p."""
    import math
    rng = random.Random(seed)
    return [record(kernel, model, p, noisy(c0 + c1 * math.log2(p), rng=rng, noise=noise),
                   size=(100, 100)) for p in ps]
