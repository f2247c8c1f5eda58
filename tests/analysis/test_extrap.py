"""Extra-P export: the JSON Lines format, and read back through Extra-P itself
where it is installed (it is not in the project venv: it pins numpy 1.x and
pulls a GUI toolkit). Point SCALEKIT_EXTRAP_PYTHON at a Python that has it:
    python3 -m venv /tmp/extrap && /tmp/extrap/bin/pip install extrap
    SCALEKIT_EXTRAP_PYTHON=/tmp/extrap/bin/python ctest --preset release -L analysis
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

from analysis import collect, export

READER = r"""
import json, sys
from extrap.fileio.file_reader.jsonlines_file_reader import read_jsonlines_file
out = []
for path in sys.argv[1:]:
    e = read_jsonlines_file(path)
    cp, = e.callpaths
    met, = e.metrics
    ms = e.measurements[(cp, met)]
    out.append({"file": path, "callpath": cp.name, "metric": met.name,
                "params": [p.name for p in e.parameters],
                "points": sorted([list(m.coordinate) for m in ms]),
                "reps": sorted(int(m.repetitions) for m in ms),
                "medians": sorted(m.median for m in ms)})
print(json.dumps(out))
"""


def extrap_python():
    """A Python that can import extrap, or None."""
    try:
        import extrap  # noqa: F401
        return sys.executable
    except ImportError:
        pass
    if os.environ.get("SCALEKIT_EXTRAP_PYTHON"):
        return os.environ["SCALEKIT_EXTRAP_PYTHON"]
    exe = shutil.which("extrap")
    if exe:
        with open(exe, encoding="utf-8", errors="replace") as f:
            first = f.readline()
        if first.startswith("#!") and "python" in first:
            return first[2:].strip().split()[0]
    return None


@pytest.fixture(scope="module")
def exported(rich_dir, tmp_path_factory):
    c = collect.collect([str(rich_dir)])
    files = export.write_extrap(c.runs, str(tmp_path_factory.mktemp("x")))
    return c, files


def test_format_every_used_repetition_one_file_per_series(exported):
    c, files = exported
    names = sorted(os.path.basename(f) for f in files)
    assert "pi-omp.jsonl" in names and "pi-hybrid-2t.jsonl" not in names  # one point only
    assert "pi-seq.jsonl" not in names                                  # p = 1 only
    total = 0
    for path in files:
        lines = [json.loads(line) for line in open(path)]
        assert {tuple(sorted(x)) for x in lines} == {("callpath", "metric", "params", "value")}
        assert {tuple(x["params"]) for x in lines} == {("p", "n")}
        assert len({x["callpath"] for x in lines}) == 1
        assert all(x["metric"] == "time" and x["value"] > 0 for x in lines)
        total += len(lines)
    used = c.runs[c.runs["included"]]
    single = used.groupby(export.callpaths(used))[["workers", "n"]].apply(
        lambda g: len(g.drop_duplicates()) < 2)
    assert total == sum(len(g) for cp, g in used.groupby(export.callpaths(used))
                        if not single[cp])


def test_extrap_reads_the_export(exported):
    py = extrap_python()
    if py is None:
        pytest.skip("Extra-P is not installed (it stays out of the project venv): "
                    "pip install extrap into another venv and set SCALEKIT_EXTRAP_PYTHON")
    c, files = exported
    r = subprocess.run([py, "-c", READER, *files], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    got = {os.path.basename(x["file"]): x for x in json.loads(r.stdout)}
    omp = got["pi-omp.jsonl"]
    assert omp["callpath"] == "pi/omp" and omp["metric"] == "time"
    assert omp["params"] == ["p", "n"]
    assert omp["points"] == [[p, 1000] for p in (1, 2, 4, 8)]
    assert omp["reps"] == [7, 7, 7, 7]
    weak = got["mandelbrot-mpi.jsonl"]
    assert weak["points"] == [[p, 100 * p * 100] for p in (1, 2, 4, 8)]
