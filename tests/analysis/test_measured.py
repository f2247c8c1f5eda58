"""The report's "Threads vs processes, measured" section, from records the
real drivers write at tiny sizes (CTest sets SCALEKIT_BINDIR and
SCALEKIT_MPIEXEC): scalekit-overhead probes, the front end's mpirun launch
record (measured.py launch-record), counter and latency kernel runs, and pi.

Checks: the section holds the same table measured.py prints (one
implementation); its three figures decode as non-empty PNG and SVG and sit in
the section, not in "Figures"; records carry CPU time, and the bound
classification puts the waiting latency runs in "waiting", the computing ones
and pi in "CPU"; without such records the section is left out and nothing
fails; with only some of them, the missing figures say why.
"""
import base64
import html
import json
import os
import re
import subprocess
import sys
import time
import types
import xml.etree.ElementTree as ET

import pytest

from conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "tests"))
import sktest  # noqa: E402  (how the scripted tests start the drivers)
from analysis import cli, collect, measured, metrics, study  # noqa: E402
from test_report import decode_png  # noqa: E402

MEASURED_PY = os.path.join(ROOT, "analysis", "measured.py")
FIGURES = ("measured-exchange", "measured-latency", "measured-counter")
WAITS, COMPUTES = "8x2000", "8x1x300000"   # 8 tasks: 2 ms waits; 1 us waits + hash rounds
RUNS = [  # (model, threads or ranks, argv)
    ("seq", None, ["--kernel", "pi", "--size", "4000000"]),
    ("omp", 2, ["--kernel", "pi", "--size", "4000000"]),
    ("seq", None, ["--kernel", "counter", "--sync", "atomic", "--size", "200000"]),
    ("omp", 2, ["--kernel", "counter", "--sync", "none", "--size", "2000000"]),
    ("omp", 2, ["--kernel", "counter", "--sync", "atomic", "--size", "200000"]),
    ("omp", 2, ["--kernel", "counter", "--sync", "lock", "--variant", "histogram",
                "--size", "200000"]),
    ("mpi", 2, ["--kernel", "counter", "--sync", "rma", "--size", "2000"]),
    ("seq", None, ["--kernel", "latency", "--size", WAITS]),
    ("omp", 8, ["--kernel", "latency", "--size", WAITS]),
    ("seq", None, ["--kernel", "latency", "--size", WAITS, "--mode", "cooperative"]),
    ("mpi", 2, ["--kernel", "latency", "--size", WAITS, "--mode", "cooperative"]),
    ("seq", None, ["--kernel", "latency", "--size", COMPUTES]),
    ("omp", 4, ["--kernel", "latency", "--size", COMPUTES]),
]

needs_drivers = pytest.mark.skipif(
    not os.environ.get("SCALEKIT_BINDIR"),
    reason="SCALEKIT_BINDIR not set (CTest sets it to the built drivers)")


def run(cmd, env):
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"{' '.join(cmd)}: exit {r.returncode}\n{r.stderr}"
    return r


@pytest.fixture(scope="module")
def measured_file(tmp_path_factory):
    """One results file as ./scalekit measured writes it, at tiny sizes."""
    args = types.SimpleNamespace(bindir=os.environ["SCALEKIT_BINDIR"],
                                 mpiexec=os.environ.get("SCALEKIT_MPIEXEC") or "mpirun")
    out = str(tmp_path_factory.mktemp("measured") / "measured.jsonl")
    common = ["--reps", "3", "--warmup", "1", "--output", out]
    for model, n, argv in RUNS:
        env = sktest.child_env(threads=n if model == "omp" else None)
        np_ = n if model == "mpi" else None
        run(sktest.driver_command(args, model, argv + common, np=np_, bind_none=True), env)
    mpi = sktest.overhead_command(args, [], np=2)
    t0 = time.perf_counter()
    run(mpi + ["--noop"], sktest.child_env())
    launch = run([sys.executable, MEASURED_PY, "launch-record", "--ranks", "2", "--seconds",
                  repr(time.perf_counter() - t0), "--command", " ".join(mpi + ["--noop"])],
                 os.environ)
    with open(out, "a", encoding="utf-8") as f:
        f.write(launch.stdout)
    run(mpi + ["--reps", "3", "--min-ms", "0.1", "--max-bytes", "1Ki", "--output", out],
        sktest.child_env())
    return out


@pytest.fixture(scope="module")
def measured_report(measured_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("measured-report") / "report"
    assert cli.main([measured_file, "--out", str(out), "--quiet"]) == 0
    return out


def section_html(report_dir, key="measured"):
    text = (report_dir / "report.html").read_text()
    m = re.search(rf"<section id='{key}'>(.*?)</section>", text, re.S)
    return m.group(1) if m else None


def cells(fragment):
    """The body rows of the first table in fragment, as lists of cell texts."""
    body = re.search(r"<tbody>(.*?)</tbody>", fragment, re.S).group(1)
    return [[html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


@needs_drivers
def test_section_shows_the_table_measured_py_prints(measured_file, measured_report):
    sec = section_html(measured_report)
    assert sec is not None and "<h2>Threads vs processes, measured</h2>" in (
        measured_report / "report.html").read_text()
    with open(measured_file, encoding="utf-8") as f:
        recs = [json.loads(line) for line in f]
    rows = measured.Table()
    for r in measured.measure(recs):
        rows.add(*r[:6])
    assert cells(sec) == rows.rows                      # the very rows of measured.py
    printed = run([sys.executable, MEASURED_PY, "table", measured_file], os.environ).stdout
    for row in rows.rows:                               # ... and what ./scalekit measured prints
        assert re.search(r"\s+".join(map(re.escape, row)), printed), row
    topics = {row[0] for row in rows.rows}
    assert {"start-up", "barrier", "exchange", "race", "update cost", "I/O wait",
            "CPU work"} <= topics
    assert "mpirun of a program that does nothing" in sec


@needs_drivers
def test_figures_decode_and_sit_in_the_section(measured_report):
    sec = section_html(measured_report)
    figs = section_html(measured_report, "figures")
    for name in FIGURES:
        png = measured_report / "figures" / f"{name}.png"
        decode_png(png.read_bytes())
        root = ET.parse(measured_report / "figures" / f"{name}.svg").getroot()
        assert root.tag.endswith("svg") and len(list(root.iter())) > 50
        assert f"figures/{name}.svg" in sec and f"figures/{name}.svg" not in figs
    images = re.findall(r"src='(data:image/png;base64,[^']+)'", sec)
    assert len(images) == len(FIGURES)
    for src in images:
        decode_png(base64.b64decode(src.split(",", 1)[1]))
    assert "OSU conventions" in sec and "core count" in sec


@needs_drivers
def test_records_carry_cpu_time(measured_file):
    with open(measured_file, encoding="utf-8") as f:
        runs = [json.loads(line) for line in f if '"record":"overhead"' not in line]
    kernel_runs = [r for r in runs if "kernel" in r]
    assert kernel_runs and all(r["cpu"]["seconds"] > 0 and 0 < r["cpu"]["busy"] < 1.5
                               for r in kernel_runs)
    seq = {(r["kernel"], r["size_text"], r["options"].get("mode")): r["cpu"]["busy"]
           for r in kernel_runs if r["model"] == "seq"}
    assert seq[("latency", WAITS, "threads")] < measured.WAIT_BUSY    # blocked in its waits
    assert seq[("pi", "4000000", None)] > measured.WAIT_BUSY          # computed throughout


@needs_drivers
def test_latency_waits_and_pi_computes(measured_file, measured_report):
    s = study.build(collect.collect([measured_file]))
    b = s.bounds.set_index(["kernel", "size"])["bound"]
    waits = [size for kernel, size in b.index if kernel == "latency" and size.startswith("8x2000")]
    computes = [size for kernel, size in b.index if kernel == "latency" and "x1x" in size]
    assert b[("latency", waits[0])] == "waiting"
    assert b[("latency", computes[0])] == "CPU"
    assert b[("pi", "4000000")] == "CPU"
    answer = section_html(measured_report, "answer")
    assert "waiting" in answer and "the CPU was busy" in answer


def test_classification_reads_cpu_busy_not_the_kernel_name(tmp_path):
    import synth
    recs = [synth.record("latency", "seq", 1, [1.0], size=(32, 10000), cpu={"busy": 0.02}),
            synth.record("pi", "seq", 1, [1.0], cpu={"busy": 0.98}),
            synth.record("spin", "seq", 1, [1.0], cpu={"busy": 0.03}),
            synth.record("latency", "seq", 1, [1.0], size=(32, 1, 99), cpu={"busy": 0.97})]
    synth.write(tmp_path / "r.jsonl", recs)
    p = metrics.points(collect.collect([str(tmp_path / "r.jsonl")]).runs)
    b = metrics.classify(p).set_index(["kernel", "size"])["bound"]
    assert b[("latency", "32x10000")] == "waiting" and b[("spin", "1000")] == "waiting"
    assert b[("pi", "1000")] == "CPU" and b[("latency", "32x1x99")] == "CPU"
    # records from before CPU time was recorded: no guess either way
    old = metrics.classify(metrics.points(collect.collect(
        [str(synth.write(tmp_path / "old.jsonl", [synth.record("latency", "seq", 1, [1.0])]))]
    ).runs))
    assert old["bound"].iloc[0] == "CPU" and "busy" not in old["evidence"].iloc[0]


def test_without_measured_records_the_section_is_left_out(rich_report):
    text = (rich_report / "report.html").read_text()
    assert "id='measured'" not in text and "Threads vs processes" not in text
    assert not list((rich_report / "figures").glob("measured-*"))


def test_some_measured_records_draw_what_they_can(tmp_path):
    import synth
    startup = {"schema": 1, "scalekit": "0.1.0", "record": "overhead", "bench": "startup",
               "variant": "fork-wait", "what": "fork + waitpid", "workers": 1, "bytes": None,
               "window": 0, "ranks": 1, "threads": 1, "oversubscribed": False, "inner": 64,
               "reps": 3, "seconds_per_op": [1e-3, 1.1e-3, 0.9e-3], "value_name": "seconds"}
    synth.write(tmp_path / "r.jsonl", [synth.record("pi", "seq", 1, [1.0]), startup])
    out = tmp_path / "out"
    assert cli.main([str(tmp_path / "r.jsonl"), "--out", str(out), "--quiet"]) == 0
    sec = section_html(out)
    assert cells(sec) == [["start-up", "fork + wait for a process", "process", "1", "1 ms",
                           "950 us .. 1.05 ms", "3"]]
    assert "Not drawn for this study" in sec and "no latency kernel runs" in sec
    assert not list(out.glob("figures/measured-*"))


def test_latency_figure_leaves_out_failed_runs_as_the_table_does(tmp_path, monkeypatch):
    import synth
    from analysis import measured_section
    size, opts = (8, 2000), {"options": {"mode": "threads"}}
    recs = [synth.record("latency", "seq", 1, [1.0], size=size, **opts),
            synth.record("latency", "omp", 2, [0.5], size=size, **opts),
            synth.record("latency", "omp", 4, [0.25], size=size, verified=False, **opts)]
    synth.write(tmp_path / "r.jsonl", recs)
    s = study.build(collect.collect([str(tmp_path / "r.jsonl")]))
    drawn = []
    curves = measured.latency_curves
    monkeypatch.setattr(measured, "latency_curves",
                        lambda rs, sz: drawn.append(curves(rs, sz)) or drawn[-1])
    measured_section.plot_latency(s)
    omp = [pts for model, _, _, _, pts in drawn[0] if model == "omp"]
    assert omp == [{2: [2.0]}]  # the failed 4-worker run is in neither figure nor table
    assert [r.workers for r in measured.measure(recs) if r.model == "thread"] == [2]
