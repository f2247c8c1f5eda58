#!/usr/bin/env python3
"""summary.py - print the kernel x model comparison table of a results file.

Reads scalekit JSON Lines records (any schema >= 1; unknown fields are
ignored) and prints, per kernel and model, the median time, the rate, the
speedup over the sequential driver's median time on the same kernel and size
(absolute speedup: its baseline is scalekit-seq, not the model at one worker),
the parallel efficiency and whether every run verified. Standard library only,
so it runs before any virtual environment exists.

usage: summary.py RESULTS.jsonl [--markdown]
"""
import argparse
import json
import os
import sys

MODELS = ["seq", "omp", "mpi", "hybrid"]


def load(path):
    """Return the records of path; exit with a message (naming the program) on bad input."""
    prog = os.path.basename(sys.argv[0])
    records = []
    try:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as e:
                    sys.exit(f"{prog}: {path}:{number}: not JSON ({e})")
    except OSError as e:
        sys.exit(f"{prog}: cannot read {path}: {e.strerror}")
    if not records:
        sys.exit(f"{prog}: {path} holds no records")
    return records


def key(r):
    """Runs that compare: same kernel, size, iterations and kernel options."""
    return (r["kernel"], tuple(r["size"]), r.get("iters"),
            tuple(sorted(r.get("options", {}).items())))


def rows(records):
    """One row per (kernel, size, model): the last record of each wins."""
    latest = {}
    for r in records:
        if "kernel" in r:  # other record kinds (e.g. overheads) have their own tables
            latest[key(r) + (r["model"],)] = r
    base = {k[:4]: r for k, r in latest.items() if k[4] == "seq"}
    out = []
    for k, r in latest.items():
        workers = r["ranks"] * r["threads_per_rank"]
        t = r["time"]["median"]
        seq = base.get(k[:4])
        opts = " ".join("%s=%s" % kv for kv in k[3])
        speedup = seq["time"]["median"] / t if seq and t > 0 else None
        out.append({
            "kernel": r["kernel"] + (" " + opts if opts else ""),
            "size": "x".join(str(n) for n in r["size"]),
            "model": r["model"],
            "layout": f'{r["ranks"]}x{r["threads_per_rank"]}',
            "time": t,
            "rate": r["rate"]["median"],
            "unit": r["rate"]["unit"],
            "speedup": speedup,
            "efficiency": speedup / workers if speedup else None,
            # A deliberate race (--sync none) is expected to be wrong: listed apart.
            "verified": ("yes" if r["verified"] else
                         "race" if r.get("expected_wrong") else "NO"),
        })
    order = {m: i for i, m in enumerate(MODELS)}
    kernels = []
    for o in out:
        if o["kernel"] not in kernels:
            kernels.append(o["kernel"])
    out.sort(key=lambda x: (kernels.index(x["kernel"]), x["size"],
                            order.get(x["model"], 99)))
    return out


def fmt(x, spec):
    return "-" if x is None else format(x, spec)


def table(out, markdown):
    head = ["kernel", "size", "model", "ranks x thr", "median s", "rate", "unit",
            "speedup", "eff.", "verified"]
    body = [[o["kernel"], o["size"], o["model"], o["layout"], fmt(o["time"], ".4g"),
             fmt(o["rate"], ".4g"), o["unit"], fmt(o["speedup"], ".2f"),
             fmt(o["efficiency"], ".2f"), o["verified"]] for o in out]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(b) + " |" for b in body]
        return "\n".join(lines)
    width = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    line = lambda cells: "  ".join(c.rjust(w) if i >= 3 and i != 6 else c.ljust(w)
                                   for i, (c, w) in enumerate(zip(cells, width)))
    return "\n".join([line(head), line(["-" * w for w in width])] + [line(b) for b in body])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("results", help="JSON Lines file written with --output")
    p.add_argument("--markdown", action="store_true", help="print a Markdown table")
    a = p.parse_args()
    out = rows(load(a.results))
    if not out:
        sys.exit(f"summary.py: {a.results} holds no kernel runs")
    print(table(out, a.markdown))
    print("\nspeedup = median time of scalekit-seq / median time of the model (same kernel "
          "and size); eff. = speedup / (ranks x threads)")
    if any(o["verified"] == "race" for o in out):
        print("race: a deliberate data race (--sync none), wrong as expected, not a failure")
    return 0 if all(o["verified"] in ("yes", "race") for o in out) else 1


if __name__ == "__main__":
    sys.exit(main())
