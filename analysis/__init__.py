"""scalekit analysis: collect result records, compute scaling metrics, fit
performance models, draw the figures and write one self-contained HTML report.

    python -m analysis [RESULTS ...] --out DIR     (./scalekit report does this
                                                   inside the project's venv)

Modules, in data-flow order: collect (records -> tidy table), stats, metrics,
models (PMNF fits and prediction), study (everything computed once), plots
(figure registry), report (section registry), export (CSV, Extra-P), cli.
summary.py is separate on purpose: standard library only, for the demo table.
"""
