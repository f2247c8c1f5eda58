"""scalekit analysis: collect result records, compute scaling metrics, fit
performance models, draw the figures and write one self-contained HTML report.

    python -m analysis [RESULTS ...] --out DIR     (./scalekit report does this
                                                   inside the project's venv)

Modules, in data-flow order: collect (records -> tidy table), stats, metrics,
models (PMNF fits and prediction), study (everything computed once), plots
(figure registry), report (section registry), measured_section (the section
"Threads vs processes, measured" and its figures), export (CSV, Extra-P), cli.
summary.py and measured.py are standard library only on purpose, for the
demo's tables; the package imports measured.py's numbers rather than copy them.
"""
