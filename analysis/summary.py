#!/usr/bin/env python3
"""summary.py - print the kernel x model comparison table of a results file.

Reads scalekit JSON Lines records (any schema >= 1; unknown fields are
ignored). Records of the same configuration (kernel, size, iters, model,
ranks, threads per rank) are pooled: their repetitions together give the
row's median time and its spread, so runs of one configuration made in
several interleaved rounds (./scalekit demo) form one row. Each row shows
the median time, the rate at that time, the speedup over the sequential
driver's median on the same kernel and size (absolute speedup: its baseline
is scalekit-seq, not the model at one worker), the parallel efficiency,
whether every run verified, the spread of the repetitions and how many there
were. A row whose spread is too wide to support its speedup says so in the
note column. Standard library only, so it runs before any virtual
environment exists.

usage: summary.py RESULTS.jsonl [--markdown]
"""
import argparse
import json
import os
import signal
import sys

MODELS = ["seq", "omp", "mpi", "hybrid"]
# A speedup is "supported" when the range of speedups the repetitions' middle
# halves allow (seq q1/row q3 .. seq q3/row q1) is narrower than this ratio.
WIDE_SPEEDUP_RANGE = 1.2
# A baseline (seq) row is flagged when its IQR exceeds this fraction of its median.
WIDE_BASELINE_IQR = 0.1
FEW_REPS = 3


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


def quartiles(values):
    """(q1, median, q3) of values by linear interpolation (numpy's default, as
    the drivers' own statistics)."""
    v = sorted(values)

    def at(q):
        pos = q * (len(v) - 1)
        i = int(pos)
        return v[i] if i + 1 >= len(v) else v[i] + (pos - i) * (v[i + 1] - v[i])
    return at(0.25), at(0.5), at(0.75)


def options_text(r):
    """A kernel's own options as 'sync=atomic variant=counter' (sorted; '' for none)."""
    opts = r.get("options")
    return " ".join(f"{k}={v}" for k, v in sorted(opts.items())) if isinstance(opts, dict) else ""


def case(r):
    """What makes runs comparable: kernel (with its own options), size and iterations."""
    opts = options_text(r)
    return (r["kernel"] + (" " + opts if opts else ""), tuple(r["size"]), r.get("iters"))


def pool(records):
    """Configuration -> dict with every repetition's seconds and the records."""
    groups = {}
    for r in records:
        if "kernel" not in r:  # other record kinds (e.g. overheads) have their own tables
            continue
        config = case(r) + (r["model"], r["ranks"], r["threads_per_rank"])
        g = groups.setdefault(config, {"seconds": [], "records": []})
        g["seconds"].extend(r.get("seconds") or [r["time"]["median"]])
        g["records"].append(r)
    for g in groups.values():
        g["q1"], g["median"], g["q3"] = quartiles(g["seconds"])
    return groups


def note_for(g, seq, speedup):
    """Why this row's speedup cannot be trusted, or ''."""
    notes = []
    if len(g["seconds"]) < FEW_REPS:
        notes.append(f"only {len(g['seconds'])} rep(s)")
    if g is seq:
        if g["median"] > 0 and (g["q3"] - g["q1"]) / g["median"] > WIDE_BASELINE_IQR:
            notes.append("baseline spread too wide: every speedup of this kernel is uncertain")
    elif seq is not None and speedup and g["q1"] > 0 and seq["q1"] > 0:
        lo, hi = seq["q1"] / g["q3"], seq["q3"] / g["q1"]
        if hi / lo > WIDE_SPEEDUP_RANGE:
            notes.append(f"spread too wide: speedup anywhere in {lo:.2f}..{hi:.2f}")
    return "; ".join(notes)


def rows(records):
    """One row per configuration, in file order of kernels, then by model."""
    groups = pool(records)
    base = {k[:3]: g for k, g in groups.items() if k[3] == "seq" and k[4] * k[5] == 1}
    out = []
    for k, g in groups.items():
        r = g["records"][-1]
        workers = r["ranks"] * r["threads_per_rank"]
        t = g["median"]
        seq = base.get(k[:3])
        speedup = seq["median"] / t if seq and t > 0 else None
        # rate is inversely proportional to time for the same work
        rate = r["rate"]["median"] * r["time"]["median"] / t if t > 0 else None
        out.append({
            "kernel": k[0],
            "size": "x".join(str(n) for n in r["size"]),
            "model": r["model"],
            "layout": f'{r["ranks"]}x{r["threads_per_rank"]}',
            "workers": workers,
            "time": t,
            "rate": rate,
            "unit": r["rate"]["unit"],
            "speedup": speedup,
            "efficiency": speedup / workers if speedup else None,
            # A deliberate race (--sync none) is expected to be wrong: listed apart.
            "verified": ("yes" if all(x["verified"] for x in g["records"]) else
                         "race" if all(x.get("expected_wrong") for x in g["records"]) else "NO"),
            "spread": (g["q3"] - g["q1"]) / t if t > 0 else None,
            "reps": len(g["seconds"]),
            "note": note_for(g, seq, speedup),
        })
    order = {m: i for i, m in enumerate(MODELS)}
    kernels = []
    for o in out:
        if o["kernel"] not in kernels:
            kernels.append(o["kernel"])
    out.sort(key=lambda x: (kernels.index(x["kernel"]), x["size"],
                            order.get(x["model"], 99), x["workers"]))
    return out


def fmt(x, spec):
    return "-" if x is None else format(x, spec)


def table(out, markdown):
    head = ["kernel", "size", "model", "ranks x thr", "median s", "rate", "unit",
            "speedup", "eff.", "verified", "IQR", "reps", "note"]
    body = [[o["kernel"], o["size"], o["model"], o["layout"], fmt(o["time"], ".4g"),
             fmt(o["rate"], ".4g"), o["unit"], fmt(o["speedup"], ".2f"),
             fmt(o["efficiency"], ".2f"), o["verified"],
             "-" if o["spread"] is None else f'{100 * o["spread"]:.1f}%', str(o["reps"]),
             o["note"]] for o in out]
    return text_table(head, body, markdown, right=[3, 4, 5, 7, 8, 9, 10, 11])


def text_table(head, body, markdown, right):
    """head and rows of body (lists of strings) as a Markdown table, or as
    aligned plain text with the columns numbered in right flush right."""
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(b) + " |" for b in body]
        return "\n".join(lines)
    width = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    line = lambda cells: "  ".join(c.rjust(w) if i in right else c.ljust(w)
                                   for i, (c, w) in enumerate(zip(cells, width))).rstrip()
    return "\n".join([line(head), line(["-" * w for w in width])] + [line(b) for b in body])


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `summary.py F | head` ends quietly
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("results", help="JSON Lines file written with --output")
    p.add_argument("--markdown", action="store_true", help="print a Markdown table")
    a = p.parse_args()
    out = rows(load(a.results))
    if not out:
        sys.exit(f"summary.py: {a.results} holds no kernel runs")
    print(table(out, a.markdown))
    print("\nmedian s, IQR: median and interquartile range (as % of the median) of all "
          "repetitions of the row's configuration (records of one configuration are "
          "pooled)\nspeedup = median time of scalekit-seq / median time of the row (same "
          "kernel and size); eff. = speedup / (ranks x threads)\nnote: flags a speedup whose "
          f"range seq q1/q3 .. seq q3/q1 spans more than {WIDE_SPEEDUP_RANGE}x, a baseline "
          f"whose IQR exceeds {100 * WIDE_BASELINE_IQR:.0f}% and rows with fewer than "
          f"{FEW_REPS} repetitions")
    if any(o["verified"] == "race" for o in out):
        print("race: a deliberate data race (--sync none), wrong as expected, not a failure")
    return 0 if all(o["verified"] in ("yes", "race") for o in out) else 1


if __name__ == "__main__":
    sys.exit(main())
