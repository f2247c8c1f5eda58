"""metrics: speedups against both baselines, Karp-Flatt, Amdahl/Gustafson, bounds."""
import json
import math

import pytest

import synth
from analysis import collect, metrics, stats


def points_of(tmp_path, records):
    synth.write(tmp_path / "r.jsonl", records)
    return metrics.points(collect.collect([str(tmp_path)]).runs)


def row(p, model, workers):
    hit = p[(p["model"] == model) & (p["workers"] == workers)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_speedup_efficiency_and_karp_flatt_match_hand_computed(tmp_path):
    p = points_of(tmp_path, [synth.record("pi", "seq", 1, [10.0]),
                             synth.record("pi", "omp", 2, [6.0]),
                             synth.record("pi", "omp", 4, [4.0]),
                             synth.record("pi", "omp", 8, [3.0])])
    r2, r4, r8 = row(p, "omp", 2), row(p, "omp", 4), row(p, "omp", 8)
    # against the sequential driver: S = 10/6, 10/4, 10/3
    assert r2.speedup_seq == pytest.approx(10 / 6)
    assert r2.eff_seq == pytest.approx(10 / 6 / 2)
    assert r4.eff_seq == pytest.approx(0.625)
    # Karp-Flatt (1/S - 1/p) / (1 - 1/p): (0.6 - 0.5)/0.5 = 0.2, (0.4 - 0.25)/0.75 = 0.2
    assert r2.karp_flatt_seq == pytest.approx(0.2)
    assert r4.karp_flatt_seq == pytest.approx(0.2)
    assert r8.karp_flatt_seq == pytest.approx((0.3 - 0.125) / 0.875)
    # against omp's own smallest count (p0 = 2): S = 6/4, efficiency S * 2/4
    assert r4.p0 == 2 and r4.speedup_own == pytest.approx(1.5)
    assert r4.eff_own == pytest.approx(0.75)
    assert r4.karp_flatt_own == pytest.approx((1 / 1.5 - 0.5) / 0.5)
    assert r2.speedup_own == pytest.approx(1.0) and math.isnan(r2.karp_flatt_own)


def test_no_sequential_baseline_leaves_absolute_speedup_empty(tmp_path):
    p = points_of(tmp_path, [synth.record("pi", "mpi", 2, [6.0]),
                             synth.record("pi", "mpi", 4, [4.0])])
    assert p["speedup_seq"].isna().all()
    assert row(p, "mpi", 4).speedup_own == pytest.approx(1.5)


@pytest.mark.parametrize("f", [0.02, 0.1, 0.3])
def test_amdahl_recovers_a_known_serial_fraction(tmp_path, f):
    p = points_of(tmp_path, synth.amdahl_study(f=f, noise=0.02, seed=int(f * 100)))
    fits = metrics.strong_fits(p)
    for base in ("seq", "own"):
        got = fits[(fits["kernel"] == "pi") & (fits["baseline"] == base)]["serial_fraction"]
        assert got.iloc[0] == pytest.approx(f, abs=0.02), base


def test_failed_and_oversubscribed_runs_stay_out_of_the_metrics(tmp_path):
    p = points_of(tmp_path, [synth.record("pi", "seq", 1, [10.0]),
                             synth.record("pi", "omp", 2, [6.0]),
                             synth.record("pi", "omp", 2, [1.0], verified=False),
                             synth.record("pi", "omp", 4, [0.1], oversubscribed=True)])
    assert list(p[p["model"] == "omp"]["workers"]) == [2]
    assert row(p, "omp", 2).t_median == 6.0


def test_weak_series_and_gustafson(tmp_path):
    a = 0.2   # scaled speedup S = p - a (p - 1)  <=>  T(p) = T1 p / S
    recs = [synth.record("stencil", "seq", 1, [1.0], size=(100, 100))]
    for p_ in (1, 2, 4, 8, 16):
        recs.append(synth.record("stencil", "mpi", p_, [p_ / (p_ - a * (p_ - 1))],
                                 size=(100 * p_, 100)))
    p = points_of(tmp_path, recs)
    w = metrics.weak_series(p)
    assert list(w["workers"]) == [1, 2, 4, 8, 16]
    assert w["eff_weak_own"].iloc[-1] == pytest.approx((16 - a * 15) / 16)
    assert w["eff_weak_seq"].iloc[0] == pytest.approx(1.0)
    fits = metrics.weak_fits(w)
    assert set(fits["baseline"]) == {"seq", "own"}
    assert fits["serial_fraction"].to_list() == pytest.approx([a, a], abs=1e-9)


def test_median_ci_is_order_statistics_or_range():
    med, lo, hi, kind = stats.median_ci([5, 1, 4, 2, 3])
    assert (med, lo, hi, kind) == (3, 1, 5, "range")    # n = 5: no 95 % interval exists
    x = list(range(1, 21))
    med, lo, hi, kind = stats.median_ci(x)
    assert kind == "ci95" and med == 10.5 and (lo, hi) == (6, 15)  # binomial: j = 6 for n = 20


def test_bound_classification_from_measurements(rich_dir):
    c = collect.collect([str(rich_dir)])
    b = metrics.classify(metrics.points(c.runs)).set_index("kernel")["bound"]
    assert b["iobench"] == "I/O"           # io.share 0.9
    assert b["triad"] == "memory"          # the reference itself
    assert b["stencil"] == "memory"        # 36 GB in 2x triad's time: 75 % of its bandwidth
    assert b["pi"] == "CPU"                # moves no arrays


def test_communication_bound(tmp_path):
    # 70 % of the time outside the slowest rank's computation
    recs = [synth.record("halo", "mpi", p_, [1.0], compute=0.3) for p_ in (2, 4)]
    p = points_of(tmp_path, recs)
    b = metrics.classify(p).iloc[0]
    assert b.bound == "communication" and "70%" in b.evidence


def test_best_model_and_ties(tmp_path):
    p = points_of(tmp_path, [synth.record("pi", "seq", 1, synth.noisy(2.0)),
                             synth.record("pi", "omp", 2, synth.noisy(1.0)),
                             synth.record("pi", "mpi", 2, synth.noisy(1.005)),
                             synth.record("pi", "hybrid", 2, synth.noisy(1.5), ranks=1,
                                          threads=2)])
    best = metrics.best_models(p).set_index("workers")
    assert best.loc[1, "best"] == "seq"
    assert best.loc[2, "best"] == "omp"
    assert best.loc[2, "tie"] == "mpi"     # within the repetitions' spread


def test_io_configurations_are_separate_series(rich_dir):
    p = metrics.points(collect.collect([str(rich_dir)]).runs)
    io = p[p["kernel"] == "iobench"]
    assert sorted(set(io["series"])) == ["mpi [static block collective contiguous]",
                                         "mpi [static block independent contiguous]"]
    assert len(io) == 6 and (io["reps"] == 7).all()


def test_weak_sweep_directory_declares_weak_scaling(tmp_path):
    """A weak sweep of a kernel whose size is per worker keeps n fixed: only the
    sweep's manifest tells it from a strong sweep."""
    d = tmp_path / "weak-iobench" / "points"
    d.mkdir(parents=True)
    (tmp_path / "weak-iobench" / "manifest.json").write_text(
        json.dumps({"name": "weak-iobench", "kind": "weak", "points": {}}))
    for p_ in (1, 2, 4):
        synth.write(d / f"p{p_}.jsonl", [synth.record("iobench", "mpi", p_, [1.0 + 0.1 * p_])])
    c = collect.collect([str(tmp_path)])
    assert set(c.runs["sweep_kind"]) == {"weak"} and not c.skipped   # manifest not "skipped"
    p = metrics.points(c.runs)
    w = metrics.weak_series(p)
    assert list(w["workers"]) == [1, 2, 4]
    assert w["eff_weak_own"].iloc[-1] == pytest.approx(1.1 / 1.4)
    assert metrics.strong_fits(p).empty
