"""cli - `python -m analysis [RESULTS ...] [--out DIR]` (./scalekit report).

Exit status: 0 report written (unreadable lines, if any, are listed on
stderr and in the report; --strict makes them exit 1), 1 run-time error
(e.g. the output directory cannot be written), 2 bad input: a path that
does not exist, no results files, no usable record (empty directory, a file
that is not JSON Lines, records of an unknown schema). Errors are one clear
message, never a traceback (SCALEKIT_DEBUG=1 shows one for internal errors).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import warnings

from . import collect

PROG = "scalekit report"


def parse(argv):
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Scaling analysis of scalekit results: reads every *.jsonl under RESULTS "
                    "(files or directories, recursively), writes tables, figures (PNG, SVG) "
                    "and one self-contained HTML report into DIR.",
        epilog="Exit status: 0 done, 1 run-time error, 2 bad input (nothing usable to read).")
    default = os.environ.get("SCALEKIT_RESULTS_DIR", "results")
    p.add_argument("results", nargs="*", default=[default], metavar="RESULTS",
                   help=f"results files or directories (default: {default})")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="output directory (default: report/ inside the first RESULTS "
                        "directory, or next to the first file)")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 when any line could not be read (default: list and go on)")
    p.add_argument("--no-figures", action="store_true",
                   help="tables and report without figures (faster on large studies)")
    p.add_argument("--quiet", action="store_true", help="print only warnings and errors")
    return p.parse_args(argv)


def default_out(first: str) -> str:
    if os.path.isdir(first):
        return os.path.join(first, "report")
    stem = os.path.splitext(first)[0]
    return stem + "-report"


def prepare_out(out: str) -> None:
    """Create out, or reuse it if it is an earlier report; refuse anything else."""
    marker = os.path.join(out, collect.REPORT_MARKER)
    if os.path.exists(out):
        if not os.path.isdir(out):
            raise collect.CollectError(f"--out {out}: exists and is not a directory")
        if os.listdir(out) and not os.path.exists(marker):
            raise collect.CollectError(
                f"--out {out}: directory exists and is not a scalekit report; choose another "
                "--out (nothing is overwritten)")
        # An earlier report's files go first: a failure now must not leave
        # them looking current.
        for name in os.listdir(out):
            full = os.path.join(out, name)
            if name in ("figures", "extrap"):
                shutil.rmtree(full, ignore_errors=True)
            elif name.endswith((".html", ".csv", ".jsonl")):
                os.remove(full)
    os.makedirs(out, exist_ok=True)
    with open(marker, "w", encoding="utf-8") as f:
        f.write("scalekit report directory: never read as input by ./scalekit report\n")


def say(msg: str) -> None:
    print(f"{PROG}: {msg}", file=sys.stderr)


def show_problems(c: collect.Collection) -> None:
    by_file: dict[str, list] = {}
    for prob in c.problems:
        by_file.setdefault(prob.file, []).append(prob)
    for path, probs in by_file.items():
        for prob in probs[:collect.MAX_PROBLEMS_SHOWN]:
            say(f"{prob.where()}: {prob.reason} (skipped)")
        if len(probs) > collect.MAX_PROBLEMS_SHOWN:
            say(f"{path}: ... and {len(probs) - collect.MAX_PROBLEMS_SHOWN} more such lines")


def run(a) -> int:
    out = a.out or default_out(a.results[0])
    c = collect.collect(a.results, skip_dirs=(out,))
    show_problems(c)
    prepare_out(out)
    # Heavy imports only once the input is known to be good.
    from . import export, plots, report, study as study_mod
    from . import measured_section  # noqa: F401  (registers its section and figures)
    s = study_mod.build(c)
    if a.no_figures:
        s.skipped_plots = {k.name: "not drawn (--no-figures)" for k in plots.PLOTS}
    else:
        plots.render(s, os.path.join(out, "figures"))
    export.write_tables(s, out)
    export.write_extrap(c.runs, os.path.join(out, "extrap"))
    html = report.render(s, os.path.join(out, "report.html"))
    n = collect.counts(c)
    if not a.quiet:
        say(f"read {len(c.files)} file(s), {n['records']} record(s): {n['used']} used, "
            f"{n['records'] - n['used']} listed as not used, "
            f"{len(c.duplicates)} duplicate(s) dropped, {len(c.problems)} unreadable line(s)")
        say(f"{len(s.figures)} figure(s), tables (CSV) and Extra-P files (extrap/) in {out}")
    print(os.path.abspath(html))
    return 1 if a.strict and c.problems else 0


def main(argv=None) -> int:
    a = parse(sys.argv[1:] if argv is None else argv)
    warnings.simplefilter("ignore")  # library chatter is not for the user
    try:
        return run(a)
    except collect.CollectError as e:
        say(str(e))
        return 2
    except OSError as e:
        say(f"{e.filename or ''}: {e.strerror or e}".lstrip(": "))
        return 1
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except Exception as e:  # a bug: say so plainly, traceback on request
        if os.environ.get("SCALEKIT_DEBUG"):
            raise
        say(f"internal error: {type(e).__name__}: {e} (rerun with SCALEKIT_DEBUG=1 for the "
            "traceback, and please report it)")
        return 1
