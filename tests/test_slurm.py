#!/usr/bin/env python3
"""test_slurm.py - sweeps through a real Slurm started for the test.

    test_slurm.py --bindir DIR --mpiexec PATH --nodes 1|2

--nodes 1: one node declaring 8 CPUs. Submits a small strong sweep (with one
    deliberately failing point: a 1-minute time limit for a run that needs hours)
    and a hybrid sweep through `./scalekit submit`; waits (bounded); checks every
    other point has a verified record carrying its job id and Slurm shape, the
    failing point is reported failed with its reason, and resubmitting submits
    only that point.
--nodes 2: two nodes (network namespaces on a bridge, 2 CPUs each); a hybrid
    sweep of 4 cores runs 2x2 and 4x1 across both; the records must show two
    distinct hostnames and verified answers.

Exit 77 (CTest SKIP_RETURN_CODE) with the reason when Slurm cannot start here
(not root, packages missing, no network namespaces), unless SCALEKIT_REQUIRE_SLURM=1
(set by ./scalekit test as root), which turns that into a failure.
"""
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import sktest  # noqa: E402
import slurmlab  # noqa: E402

SKIP = 77


def scalekit(args, env, *argv):
    """Run the front end (./scalekit ...) with the test's drivers."""
    cmd = [os.path.join(ROOT, "scalekit")] + list(argv[:1]) + ["--bindir", args.bindir] + \
        list(argv[1:])
    return sktest.run(cmd, env=env, timeout=120)


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f)
    return path


def status(args, env, results):
    r = sktest.run([os.path.join(ROOT, "scalekit"), "status", results, "--json"], env=env,
                   timeout=60)
    rows = [json.loads(line) for line in r.out.splitlines() if line.startswith("{")]
    return {row["point"]: row for row in rows}, r


def submitted_jobs(text):
    return re.findall(r"^submitted job (\d+): (\d+) point", text, re.M)


def last_record(results, pid):
    recs, err = sktest.read_jsonl(os.path.join(results, "points", pid + ".jsonl"))
    return recs[-1] if recs else None


def check_verified(s, results, rows, manifest, want_nodes=None):
    """Every row verified, with a record carrying its job id and shape."""
    for pid, row in sorted(rows.items()):
        rec = last_record(results, pid)
        point = manifest["points"][pid]
        ok = row["state"] == "verified" and rec is not None and rec.get("verified") is True
        s.check(ok, "%s: verified" % pid, json.dumps(row))
        if not ok:
            continue
        sl = rec.get("slurm") or {}
        s.check(str(sl.get("job_id")) == str(row["job"]),
                "%s: record carries its job id %s" % (pid, row["job"]), json.dumps(sl))
        s.check((sl.get("nodes"), sl.get("ntasks_per_node"), sl.get("cpus_per_task")) ==
                (point["nodes"], point["ntasks_per_node"], point["threads"]),
                "%s: record's Slurm shape is the point's" % pid, json.dumps(sl))
        s.check(rec["ranks"] == point["ranks"] and rec["threads_per_rank"] == point["threads"],
                "%s: %dx%d ranks x threads" % (pid, point["ranks"], point["threads"]))
        if want_nodes:
            hosts = set(rec["provenance"]["hostnames"])
            s.check(rec["nodes"] == want_nodes and len(hosts) == want_nodes,
                    "%s: ran on %d distinct hosts %s" % (pid, want_nodes, sorted(hosts)),
                    json.dumps(rec["provenance"]["hostnames"]))


def single_node(s, args, cluster, tmp):
    env = dict(cluster.env)
    root = os.path.join(tmp, "results")
    strong = write_json(os.path.join(tmp, "t-strong.json"), {
        "kind": "strong", "models": ["mpi"], "cores": [1, 2], "sizes": ["2M"], "reps": 2,
        "warmup": 0, "time": "2",
        "kernels": ["pi", {"kernel": "primes", "sizes": ["1e11"], "cores": [1], "time": "1"}]})
    hybrid = write_json(os.path.join(tmp, "t-hybrid.json"), {
        "kind": "hybrid", "kernels": ["pi"], "cores": [2], "sizes": ["2M"], "reps": 2,
        "warmup": 0, "time": "2"})
    jobs = []
    for f in (strong, hybrid):
        r = scalekit(args, env, "submit", f, "--results-root", root)
        s.check(r.rc == 0, "submit %s" % os.path.basename(f), r.describe())
        jobs += [j for j, _ in submitted_jobs(r.out)]
    s.check(len(jobs) == 4, "one job per shape: strong 1x1 (2 points) and 2x1, hybrid 1x2 "
            "and 2x1", "jobs %s" % jobs)
    s.note("waiting for jobs %s (the time-limited point needs 60-90 s)" % ",".join(jobs))
    t0 = time.monotonic()
    s.check(cluster.wait_jobs(jobs, 200), "all jobs end within 200 s", cluster.logs())
    s.note("jobs ended after %.0f s" % (time.monotonic() - t0))
    sdir, hdir = os.path.join(root, "t-strong"), os.path.join(root, "t-hybrid")
    rows, r = status(args, env, sdir)
    man = json.load(open(os.path.join(sdir, "manifest.json")))
    slow = [pid for pid in rows if "-1e11-" in pid]
    s.check(len(rows) == 3 and len(slow) == 1, "strong sweep: 3 points, one slow", r.describe())
    if len(slow) == 1:
        row = rows.pop(slow[0])
        s.check(row["state"] == "failed" and "time limit" in row["reason"],
                "the slow point failed with its reason: %s" % row["reason"], json.dumps(row))
    check_verified(s, sdir, rows, man)
    rows, r = status(args, env, hdir)
    s.check(len(rows) == 2, "hybrid sweep: 2 points (1x2, 2x1)", r.describe())
    check_verified(s, hdir, rows, json.load(open(os.path.join(hdir, "manifest.json"))))
    one = [pid for pid in rows if "-1x2-" in pid]
    if one:
        rec = last_record(hdir, one[0]) or {}
        cpus = [e["cpu"] for e in rec.get("layout", [])]
        s.check(len(cpus) == 2 and len(set(cpus)) == 2,
                "hybrid 1x2 under srun: its threads on distinct cores %s" % cpus)
    r = sktest.run([os.path.join(ROOT, "scalekit"), "status", sdir], env=env, timeout=60)
    s.check(r.rc == 0 and "2 verified, 1 failed" in r.out, "status table counts", r.describe())
    # Resubmit: only the failed point goes out again.
    r = scalekit(args, env, "submit", strong, "--results-root", root)
    again = submitted_jobs(r.out)
    s.check(r.rc == 0 and again and [n for _, n in again] == ["1"],
            "resubmit submits exactly one job with one point", r.describe())
    if again:
        man = json.load(open(os.path.join(sdir, "manifest.json")))
        s.check(slow and man["jobs"][again[0][0]]["points"] == slow,
                "... and that point is the failed one", json.dumps(man["jobs"][again[0][0]]))
        subprocess.run(["scancel", again[0][0]], env=env)
        s.check(cluster.wait_jobs([again[0][0]], 60), "the resubmitted job is cancelled")
    r = scalekit(args, env, "submit", hybrid, "--results-root", root)
    s.check(r.rc == 0 and not submitted_jobs(r.out),
            "resubmitting a fully verified sweep submits nothing", r.describe())


def two_nodes(s, args, cluster, tmp):
    env = dict(cluster.env)
    root = os.path.join(tmp, "results")
    f = write_json(os.path.join(tmp, "t-2nodes.json"), {
        "kind": "hybrid", "kernels": ["pi"], "cores": [4], "sizes": ["2M"], "reps": 2,
        "warmup": 0, "time": "2"})
    r = scalekit(args, env, "submit", f, "--results-root", root)
    jobs = [j for j, _ in submitted_jobs(r.out)]
    s.check(r.rc == 0 and len(jobs) == 2, "submit: 2x2 and 4x1 on 2 nodes (1x4 cannot fit "
            "a 2-CPU node)", r.describe())
    s.check("1x4" in r.out and "skipped" in r.out, "the 1x4 split is reported as skipped",
            r.out)
    s.check(cluster.wait_jobs(jobs, 150), "both jobs end within 150 s", cluster.logs())
    d = os.path.join(root, "t-2nodes")
    rows, r = status(args, env, d)
    s.check(len(rows) == 2, "2 points", r.describe())
    man = json.load(open(os.path.join(d, "manifest.json")))
    check_verified(s, d, rows, man, want_nodes=2)
    for pid in rows:
        if rows[pid]["state"] != "verified":
            with open(os.path.join(d, "points", pid + ".log"), errors="replace") as f:
                s.note("log of %s:\n%s" % (pid, sktest.tail(f.read())))


def main():
    args = sktest.parse_args(__doc__.splitlines()[0], lambda p: p.add_argument(
        "--nodes", type=int, choices=(1, 2), default=1))
    s = sktest.Suite("slurm%d" % args.nodes)
    require = os.environ.get("SCALEKIT_REQUIRE_SLURM") == "1"
    cluster = slurmlab.Cluster(nodes=args.nodes, cpus=8 if args.nodes == 1 else 2,
                               log=s.note)
    try:
        try:
            cluster.start()
        except slurmlab.Skip as e:
            cluster.stop()
            if require:
                s.check(False, "Slurm starts (SCALEKIT_REQUIRE_SLURM=1)", str(e))
                s.finish()
            print("SKIP: Slurm cannot start here: %s" % e)
            sys.exit(SKIP)
        s.note("Slurm is up (%d node(s)); config %s" % (args.nodes, cluster.conf))
        (single_node if args.nodes == 1 else two_nodes)(s, args, cluster, s.tmp)
        if s.failed:
            s.note("daemon logs:\n" + cluster.logs())
    finally:
        cluster.stop()
    s.check(not os.path.exists(slurmlab.STATE), "clean-up left no state behind")
    s.finish()


if __name__ == "__main__":
    main()
