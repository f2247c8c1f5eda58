"""collect: reading, checking and sorting records (README "Result records")."""
import json

import pytest

import synth
from analysis import collect


def test_reads_directories_recursively_and_skips_reports(tmp_path):
    (tmp_path / "sweep" / "jobs").mkdir(parents=True)
    synth.write(tmp_path / "a.jsonl", [synth.record(p=1)])
    synth.write(tmp_path / "sweep" / "jobs" / "job-7.jsonl", [synth.record(p=2)])
    (tmp_path / "sweep" / "slurm-7.out").write_text("not results\n")
    rep = tmp_path / "report"
    rep.mkdir()
    (rep / collect.REPORT_MARKER).write_text("")
    (rep / "extrap").mkdir()
    (rep / "extrap" / "pi-omp.jsonl").write_text('{"params": {"p": 1}, "value": 1}\n')
    c = collect.collect([str(tmp_path)])
    assert len(c.records) == 2
    assert not c.problems
    assert [s.endswith("slurm-7.out") for s in c.skipped] == [True]


def test_malformed_lines_are_reported_as_file_line_and_reading_goes_on(tmp_path):
    good = synth.record(p=1)
    f = tmp_path / "r.jsonl"
    f.write_text("\n".join([
        json.dumps(good),
        '{"schema": 1, "kernel": "pi", "mod',              # truncated
        "[1, 2]",                                          # not an object
        json.dumps({k: v for k, v in good.items() if k != "seconds"}),
        json.dumps(dict(good, schema=99)),
        json.dumps(dict(good, seconds=[])),
        json.dumps(dict(good, ranks="2")),
        json.dumps(synth.record(p=2)),
    ]) + "\n")
    c = collect.collect([str(f)])
    where = {p.line: p.reason for p in c.problems}
    assert sorted(where) == [2, 3, 4, 5, 6, 7]
    assert where[2].startswith("not JSON")
    assert "not a JSON object" in where[3]
    assert "missing field 'seconds'" in where[4]
    assert "unknown record schema 99" in where[5]
    assert "non-empty list" in where[6]
    assert "'ranks' should be int" in where[7]
    assert all(p.where().startswith(str(f) + ":") for p in c.problems)
    assert len(c.records) == 2


def test_exact_duplicates_are_dropped_once(tmp_path):
    r = synth.record(p=2)
    synth.write(tmp_path / "a.jsonl", [r, synth.record(p=1)])
    synth.write(tmp_path / "b.jsonl", [r])          # the same job's file copied
    c = collect.collect([str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")])
    assert len(c.records) == 2
    assert c.duplicates == [(f"{tmp_path / 'b.jsonl'}:1", f"{tmp_path / 'a.jsonl'}:1")]
    # Same configuration, different timings: not a duplicate.
    synth.write(tmp_path / "c.jsonl", [dict(r, seconds=[9.0])])
    assert len(collect.collect([str(tmp_path)]).records) == 3


def test_failed_oversubscribed_and_expected_wrong_are_listed_not_used(tmp_path):
    synth.write(tmp_path / "r.jsonl", [
        synth.record(p=1),
        synth.record(p=2, verified=False),
        synth.record(p=4, oversubscribed=True),
        synth.record(p=8, expected_wrong=True, verified=False),
    ])
    c = collect.collect([str(tmp_path)])
    first = c.runs[c.runs["rep"] == 0].set_index("workers")
    assert first.loc[1, "included"]
    assert first.loc[2, "status"] == "excluded"
    assert "verification failed: expected 1, got 2" in first.loc[2, "excluded_reason"]
    assert first.loc[4, "status"] == "excluded"
    assert "oversubscribed" in first.loc[4, "excluded_reason"]
    assert first.loc[8, "status"] == "expected_wrong"   # listed apart, not a failure
    assert "verification" not in first.loc[8, "excluded_reason"]
    ex = collect.excluded_records(c)
    assert sorted(ex["ranks"] * ex["threads"]) == [2, 4, 8]


def test_tidy_table_has_one_row_per_repetition(tmp_path):
    synth.write(tmp_path / "r.jsonl", [synth.record(p=2, seconds=(1.0, 2.0, 3.0))])
    runs = collect.collect([str(tmp_path)]).runs
    assert list(runs["seconds"]) == [1.0, 2.0, 3.0]
    assert list(runs["rep"]) == [0, 1, 2]
    assert set(runs["workers"]) == {2}


def test_environments_are_told_apart(tmp_path):
    synth.write(tmp_path / "r.jsonl", [synth.record(p=1, commit="aaa"),
                                       synth.record(p=2, commit="aaa"),
                                       synth.record(p=2, commit="bbb", host="n9",
                                                    slurm={"job_id": 42})])
    c = collect.collect([str(tmp_path)])
    assert list(c.environments["commit"]) == ["aaa", "bbb"]
    assert list(c.environments["records"]) == [2, 1]
    assert list(c.environments["slurm_jobs"]) == ["", "42"]


@pytest.mark.parametrize("content, message", [
    (None, "no results files"),
    ("hello\nworld\n", "not a JSON Lines file"),
    ('{"schema": 2, "kernel": "pi"}\n', "unknown record schema 2"),
    ('{"params": {"p": 1}, "value": 3}\n', "no 'schema' field"),
    ("", "the files are empty"),
    ('{"point": 1}\n{"point": 2}\n', "not a scalekit results file: none of its 2 lines"),
])
def test_nothing_usable_raises_a_clear_error(tmp_path, content, message):
    if content is not None:
        (tmp_path / "x.jsonl").write_text(content)
    with pytest.raises(collect.CollectError, match=message):
        collect.collect([str(tmp_path)])


def test_records_of_other_kinds_are_set_aside(tmp_path):
    overhead = {"schema": 1, "record": "overhead", "bench": "startup", "seconds_per_op": [0.1]}
    synth.write(tmp_path / "m.jsonl", [synth.record(p=1), overhead])
    c = collect.collect([str(tmp_path)])
    assert len(c.records) == 1 and not c.problems
    assert c.others == [f"{tmp_path / 'm.jsonl'}:2 (overhead)"]
    synth.write(tmp_path / "m.jsonl", [overhead])
    with pytest.raises(collect.CollectError, match="only 1 overhead record"):
        collect.collect([str(tmp_path)])
