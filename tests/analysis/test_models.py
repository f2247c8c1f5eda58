"""models: PMNF selection by cross-validation, plain words, held-out validation."""
import math

import numpy as np
import pytest

import synth
from analysis import collect, metrics, models


def fitted(tmp_path, records):
    synth.write(tmp_path / "r.jsonl", records)
    p = metrics.points(collect.collect([str(tmp_path)]).runs)
    return models.fit_all(p, metrics.WEAK_KEY)


def test_log_p_model_is_recovered_and_its_held_out_point_predicted(tmp_path):
    m = fitted(tmp_path, synth.logp_study(c0=0.5, c1=0.2)).iloc[0]
    assert m.hypothesis == "c0 + c1 * log2(p)"
    c0, c1 = m.fit_obj.coef
    assert c0 == pytest.approx(0.5, rel=0.05) and c1 == pytest.approx(0.2, rel=0.05)
    assert m.holdout_p == 64
    assert m.error_pct < 5.0
    assert m.predicted == pytest.approx(0.5 + 0.2 * 6, rel=0.05)
    assert "grows like log2(p)" in m.words and "ranks" in m.words


def test_amdahl_model_is_described_in_plain_words(tmp_path):
    m = fitted(tmp_path, synth.amdahl_study(f=0.1, t1=2.0)).iloc[0]
    assert m.hypothesis == "c0 + c1 * 1/p"
    assert "Amdahl" in m.words and "serial fraction 0.10" in m.words
    assert m.error_pct < 5.0


def test_amdahl_plus_overhead_names_the_turning_point(tmp_path):
    recs = [synth.record("stencil", "mpi", p, synth.noisy(0.1 + 8.0 / p + 0.05 * p,
                                                          noise=0.002))
            for p in (1, 2, 4, 8, 16, 32, 64)]
    m = fitted(tmp_path, recs).iloc[0]
    assert m.hypothesis == "c0 + c1 * 1/p + c2 * p"
    assert "falls like 1/p up to about" in m.words and "then grows like p" in m.words


def test_flat_model_for_constant_time(tmp_path):
    m = fitted(tmp_path, [synth.record("triad", "omp", p, synth.noisy(1.0, noise=0.002))
                          for p in (1, 2, 4, 8)]).iloc[0]
    assert m.hypothesis == "c0"
    assert "does not change" in m.words


def test_size_as_a_second_parameter(tmp_path):
    recs = [synth.record("stencil", "mpi", p, synth.noisy(1e-6 * n / p + 0.01, noise=0.002),
                         size=(n,))
            for n in (1000000, 4000000) for p in (1, 2, 4, 8)]
    m = fitted(tmp_path, recs).iloc[0]
    assert m.params == "p,n"
    X = {"p": np.array([16.0]), "n": np.array([2e6])}
    got = models.predict(m.fit_obj.hypothesis, m.fit_obj.coef, X)[0]
    assert got == pytest.approx(1e-6 * 2e6 / 16 + 0.01, rel=0.05)


def test_too_few_worker_counts_give_no_model_or_no_validation(tmp_path):
    assert fitted(tmp_path, [synth.record("pi", "omp", p, [1.0 / p]) for p in (1, 2)]).empty
    m = fitted(tmp_path, [synth.record("pi", "omp", p, [1.0 / p]) for p in (1, 2, 4)]).iloc[0]
    assert math.isnan(m.error_pct) and "needs >= 4 worker counts" in m.holdout_note
