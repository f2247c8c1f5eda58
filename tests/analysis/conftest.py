"""Shared fixtures of the analysis tests (pytest, run from CTest: label analysis)."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [ROOT, HERE]

import synth  # noqa: E402


def rich_records():
    """A small study that exercises every figure: strong (with seq), own baseline,
    weak, hybrid splits, I/O, a model at >= 4 worker counts, and bytes for the
    bound classification."""
    recs = synth.amdahl_study(f=0.1, t1=2.0, ps=(1, 2, 4, 8), model="omp", kernel="pi")
    recs += synth.amdahl_study(f=0.1, t1=2.0, ps=(2, 4, 8), model="mpi", kernel="pi",
                               seed=4)[1:]
    recs.append(synth.record("pi", "hybrid", 4, synth.noisy(0.62), ranks=2, threads=2))
    # triad: the bandwidth reference; stencil moves bytes at a fraction of it
    for p, t in ((1, 1.0), (2, 0.6), (4, 0.5)):
        recs.append(synth.record("triad", "omp" if p > 1 else "seq", p, synth.noisy(t),
                                 size=(1000000,), bytes_=24e9))
        recs.append(synth.record("stencil", "omp" if p > 1 else "seq", p,
                                 synth.noisy(2 * t), size=(1000, 1000), bytes_=36e9))
    # weak scaling: size grows with p, time creeps up
    for p, t in ((1, 1.0), (2, 1.05), (4, 1.12), (8, 1.25)):
        recs.append(synth.record("mandelbrot", "mpi", p, synth.noisy(t), size=(100 * p, 100)))
    # I/O: iobench with the planned `io` object
    for mode in ("collective", "independent"):
        for p in (1, 2, 4):
            bw = 400.0 * p ** (0.6 if mode == "collective" else 0.3)
            recs.append(synth.record(
                "iobench", "mpi", p, synth.noisy(1.0), size=(1 << 20,),
                io={"bytes": 1 << 30, "mode": mode, "layout": "contiguous",
                    "collective": mode == "collective", "write_mib_s": bw,
                    "read_mib_s": 1.5 * bw, "share": 0.9,
                    "phases": {"open": 0.01, "write": 0.5, "flush": 0.1, "close": 0.01,
                               "read": 0.3}}))
    return recs


@pytest.fixture(scope="session")
def rich_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("rich")
    recs = rich_records()
    synth.write(d / "demo.jsonl", recs[:10])
    (d / "sweep").mkdir()
    synth.write(d / "sweep" / "job-1.jsonl", recs[10:])
    return d


@pytest.fixture(scope="session")
def rich_report(rich_dir, tmp_path_factory):
    """Run the whole analysis once, in-process; returns the output directory."""
    from analysis import cli
    out = tmp_path_factory.mktemp("out") / "report"
    assert cli.main([str(rich_dir), "--out", str(out), "--quiet"]) == 0
    return out
