"""The command line: bad input gets one clear message and exit 2, never a
traceback; the front end (./scalekit report) and real driver records work."""
import json
import os
import subprocess
import sys

import pytest

import synth
from conftest import ROOT

ENV = dict(os.environ, PYTHONPATH=ROOT, SCALEKIT_RESULTS_DIR="results")


def analysis(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "analysis", *map(str, args)], cwd=cwd,
                          env=ENV, capture_output=True, text=True, timeout=300)


def assert_clean_failure(r, code, message):
    assert r.returncode == code, r.stderr
    assert message in r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert r.stderr.startswith("scalekit report: ")


def test_empty_directory(tmp_path):
    r = analysis(tmp_path, "--out", tmp_path / "out")
    assert_clean_failure(r, 2, "no results files (*.jsonl) in")
    assert not (tmp_path / "out").exists()     # nothing written


def test_file_that_is_not_json_lines(tmp_path):
    (tmp_path / "notes.jsonl").write_text("kernel,model\npi,omp\n")
    r = analysis(tmp_path / "notes.jsonl")
    assert_clean_failure(r, 2, "notes.jsonl: not a JSON Lines file")
    binary = tmp_path / "core.jsonl"
    binary.write_bytes(b"\x7fELF\x00\xff\xfe" * 100)
    assert_clean_failure(analysis(binary), 2, "not a text file")


def test_unknown_schema(tmp_path):
    synth.write(tmp_path / "new.jsonl", [dict(synth.record(), schema=2)])
    r = analysis(tmp_path)
    assert_clean_failure(r, 2, "new.jsonl:1: unknown record schema 2")


def test_missing_path_and_usage_errors(tmp_path):
    assert_clean_failure(analysis(tmp_path / "nope"), 2, "no such file or directory")
    r = analysis("--bogus")
    assert r.returncode == 2 and "usage:" in r.stderr and "Traceback" not in r.stderr


def test_out_that_is_not_a_report_is_never_overwritten(tmp_path):
    synth.write(tmp_path / "r.jsonl", [synth.record()])
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    r = analysis(tmp_path / "r.jsonl", "--out", tmp_path / "mine")
    assert_clean_failure(r, 2, "is not a scalekit report")
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "precious"


def test_default_output_and_reports_are_not_read_back(tmp_path):
    (tmp_path / "results").mkdir()
    synth.write(tmp_path / "results" / "demo.jsonl", [synth.record("pi", "seq", 1, [1.0]),
                                                      synth.record("pi", "omp", 2, [0.5])])
    r = analysis(tmp_path / "results" / "demo.jsonl", "--quiet", "--no-figures")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(tmp_path / "results" / "demo-report" / "report.html")
    # default RESULTS is ./results; demo-report/ (a report, holding Extra-P .jsonl files) is skipped
    r = analysis("--no-figures", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "read 1 file(s), 2 record(s)" in r.stderr and "0 unreadable" in r.stderr
    assert r.stdout.strip() == str(tmp_path / "results" / "report" / "report.html")


def test_front_end_report_subcommand(tmp_path):
    """./scalekit report: same exit codes through the venv the fixture set up."""
    front = os.path.join(ROOT, "scalekit")
    r = subprocess.run([front, "report", str(tmp_path)], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 2 and "no results files" in r.stderr and "Traceback" not in r.stderr
    synth.write(tmp_path / "r.jsonl", [synth.record()])
    r = subprocess.run([front, "report", str(tmp_path), "--out", str(tmp_path / "o"),
                        "--no-figures"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith("report.html")
    assert "installing" not in r.stderr           # the venv is reused, not reinstalled


@pytest.mark.skipif(not os.environ.get("SCALEKIT_BINDIR"),
                    reason="SCALEKIT_BINDIR not set (CTest sets it to the built drivers)")
def test_real_driver_records(tmp_path):
    """Records written by the real drivers (seq and omp) analyse cleanly."""
    out = tmp_path / "runs.jsonl"
    bindir = os.environ["SCALEKIT_BINDIR"]
    for exe, threads in (("scalekit-seq", 1), ("scalekit-omp", 1), ("scalekit-omp", 2)):
        env = dict(os.environ, OMP_NUM_THREADS=str(threads))
        for kernel in ("pi", "triad"):
            subprocess.run([os.path.join(bindir, exe), "--kernel", kernel, "--size", "100000",
                            "--reps", "3", "--output", str(out)], env=env, check=True,
                           capture_output=True, timeout=120)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert all(r["rate"]["bytes"] > 0 for r in records if r["kernel"] == "triad")
    assert all(r["rate"]["bytes"] == 0 for r in records if r["kernel"] == "pi")
    r = analysis(out, "--out", tmp_path / "rep")
    assert r.returncode == 0, r.stderr
    assert "read 1 file(s), 6 record(s)" in r.stderr and "0 unreadable" in r.stderr
    points = (tmp_path / "rep" / "points.csv").read_text()
    assert "triad" in points and "pi" in points
