"""collect - read scalekit result records into one tidy table.

Walks the given files and directories (directories recursively: demo output,
local sweeps under results/<sweep>/, one file per Slurm job alike), parses
every JSON Lines record, checks its `schema`, and sorts each record into one
of: used for the scaling analysis, excluded (failed verification,
oversubscribed: listed with the reason, kept out of every figure), expected
wrong (a deliberate race: listed apart, never counted as a failure), or an
exact duplicate (dropped). Lines that are not records are reported as
file:line with the reason, and reading goes on.

Invariant: the tidy table has one row per timed repetition of every record
that is not a duplicate; `included` is True exactly for the rows the metrics,
fits and figures may use. Nothing here needs more than the standard library
and pandas.
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import re
from typing import Any

import pandas as pd

from . import summary

SCHEMAS = (1,)                      # record schemas this analysis understands
REPORT_MARKER = ".scalekit-report"  # a report directory: never read as input
WALK_SUFFIXES = (".jsonl", ".ndjson")
MAX_PROBLEMS_SHOWN = 5              # per file on stderr; the report lists all
NOT_A_RECORD = "no 'schema' field: not a scalekit result record"
SWEEP_MANIFEST = "manifest.json"      # written by slurm/sweep.py in a sweep's directory


class CollectError(Exception):
    """Bad input that leaves nothing to analyse (exit 2, no traceback)."""


@dataclasses.dataclass
class Problem:
    file: str
    line: int          # 0: the file as a whole
    reason: str

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclasses.dataclass
class Collection:
    runs: pd.DataFrame                 # one row per repetition (see module doc)
    records: list[dict[str, Any]]      # every non-duplicate record, with _file/_line
    problems: list[Problem]
    duplicates: list[tuple[str, str]]  # (where, where the identical record was first seen)
    files: list[str]                   # files read
    skipped: list[str]                 # files in walked directories that are not .jsonl
    environments: pd.DataFrame         # one row per distinct build/host environment
    others: list[str] = dataclasses.field(default_factory=list)  # non-run records, file:line
    # those records themselves (with _file/_line), e.g. scalekit-overhead probes for the
    # "threads vs processes, measured" section
    other_records: list[dict[str, Any]] = dataclasses.field(default_factory=list)


REQUIRED = {
    "kernel": str, "model": str, "size": list, "ranks": int, "threads_per_rank": int,
    "seconds": list, "verified": bool,
}


def find_files(paths: list[str], skip_dirs: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
    """Files to read: given files as they are, directories walked for *.jsonl.

    Raises CollectError for a path that does not exist or when nothing is
    found. Report directories (holding REPORT_MARKER) and skip_dirs are not
    entered.
    """
    found, skipped = [], []
    skip = {os.path.realpath(d) for d in skip_dirs}
    for path in paths:
        if os.path.isfile(path):
            found.append(path)
        elif os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs
                                 if os.path.realpath(os.path.join(root, d)) not in skip
                                 and not os.path.exists(os.path.join(root, d, REPORT_MARKER)))
                for name in sorted(files):
                    full = os.path.join(root, name)
                    if name.endswith(WALK_SUFFIXES):
                        found.append(full)
                    elif not name.endswith(".json"):  # sweep bookkeeping is not a result
                        skipped.append(full)
        else:
            hint = " (no results yet? run ./scalekit demo)" if not found and not skipped else ""
            raise CollectError(f"{path}: no such file or directory{hint}")
    if not found:
        where = ", ".join(paths)
        raise CollectError(f"no results files (*.jsonl) in {where}: run ./scalekit demo or a "
                           "driver with --output FILE first")
    return found, skipped


def sweep_kinds(files: list[str], roots: list[str]) -> dict[str, tuple[str, str]]:
    """file -> (sweep name, kind) for files inside a sweep directory.

    A sweep directory (./scalekit sweep/submit) holds manifest.json with the
    sweep's name and kind (strong, weak, hybrid); its records sit below it.
    The kind matters where records cannot tell: a weak sweep of a kernel whose
    size is per worker keeps the size fixed as p grows, like a strong one.
    """
    out, cache = {}, {}
    stops = {os.path.realpath(os.path.dirname(r) if os.path.isfile(r) else r) for r in roots}
    for f in files:
        d = os.path.dirname(os.path.realpath(f))
        while True:
            if d not in cache:
                cache[d] = _manifest_kind(os.path.join(d, SWEEP_MANIFEST))
            if cache[d] or d in stops or os.path.dirname(d) == d:
                break
            d = os.path.dirname(d)
        if cache[d]:
            out[f] = cache[d]
    return out


def _manifest_kind(path: str) -> tuple[str, str] | None:
    try:
        with open(path, encoding="utf-8") as f:
            m = json.load(f)
        return (str(m["name"]), str(m["kind"])) if isinstance(m, dict) and m.get("kind") else None
    except (OSError, ValueError, KeyError):
        return None


def check_record(obj: Any) -> str | None:
    """None if obj is a usable record of a known schema, else the reason."""
    if not isinstance(obj, dict):
        return f"not a JSON object (a {type(obj).__name__})"
    if "schema" not in obj:
        return NOT_A_RECORD
    schema = obj["schema"]
    if schema not in SCHEMAS or isinstance(schema, bool):
        known = ", ".join(str(s) for s in SCHEMAS)
        return (f"unknown record schema {schema!r} (this analysis reads schema {known}); "
                "update scalekit's analysis/ to read it")
    for name, kind in REQUIRED.items():
        if name not in obj:
            return f"missing field '{name}'"
        value = obj[name]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            return f"field '{name}' should be {kind.__name__}, is {type(value).__name__}"
    if obj["ranks"] < 1 or obj["threads_per_rank"] < 1:
        return "ranks and threads_per_rank must be >= 1"
    if not obj["seconds"] or not all(_is_time(s) for s in obj["seconds"]):
        return "'seconds' must be a non-empty list of positive numbers"
    if not obj["size"] or not all(isinstance(n, int) and n >= 1 for n in obj["size"]):
        return "'size' must be a non-empty list of positive integers"
    return None


def _is_time(s: Any) -> bool:
    return (isinstance(s, (int, float)) and not isinstance(s, bool)
            and math.isfinite(s) and s > 0)


def read_file(path: str, problems: list[Problem], others: list[str] | None = None,
              other_records: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Run records of one file, each with _file and _line; problems appended.

    Records of another kind ("record": "overhead", from scalekit-overhead and
    ./scalekit measured) are not kernel runs: their file:line goes to others,
    the records themselves (with _file and _line) to other_records."""
    others = [] if others is None else others
    other_records = [] if other_records is None else other_records
    records: list[dict[str, Any]] = []
    mine: list[Problem] = []
    try:
        with open(path, encoding="utf-8", errors="strict") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    mine.append(Problem(path, number, f"not JSON ({e.msg}, column {e.colno})"))
                    continue
                if isinstance(obj, dict) and obj.get("schema") in SCHEMAS and \
                        obj.get("record") not in (None, "run"):
                    others.append(f"{path}:{number} ({obj['record']})")
                    other_records.append(dict(obj, _file=path, _line=number))
                    continue  # e.g. scalekit-overhead probes: not a kernel run
                reason = check_record(obj)
                if reason:
                    mine.append(Problem(path, number, reason))
                    continue
                obj["_file"], obj["_line"] = path, number
                records.append(obj)
    except UnicodeDecodeError:
        mine = [Problem(path, 0, "not a text file (not UTF-8): not JSON Lines")]
    except OSError as e:
        mine = [Problem(path, 0, f"cannot read: {e.strerror}")]
    if not records and len(mine) > 1 and all(p.reason.startswith("not JSON") for p in mine):
        mine = [Problem(path, 0, f"not a JSON Lines file: none of its {len(mine)} non-empty "
                                 f"lines is JSON (line {mine[0].line}: {mine[0].reason})")]
    elif not records and len(mine) > 1 and all(p.reason == NOT_A_RECORD for p in mine):
        mine = [Problem(path, 0, f"not a scalekit results file: none of its {len(mine)} "
                                 "lines has a 'schema' field (another tool's JSON Lines?)")]
    problems += mine
    return records


def _canonical(obj: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in obj.items() if not k.startswith("_")},
                      sort_keys=True, separators=(",", ":"))


def drop_duplicates(records: list[dict[str, Any]]) -> tuple[list[dict], list[tuple[str, str]]]:
    """Keep the first of every set of identical records."""
    seen: dict[str, str] = {}
    kept, dups = [], []
    for r in records:
        key = _canonical(r)
        where = f"{r['_file']}:{r['_line']}"
        if key in seen:
            dups.append((where, seen[key]))
        else:
            seen[key] = where
            kept.append(r)
    return kept, dups


def exclusion(r: dict[str, Any]) -> tuple[str, str]:
    """(status, reason): status is 'ok', 'expected_wrong' or 'excluded'."""
    if r.get("expected_wrong") is True:
        return "expected_wrong", "deliberately wrong run (a race shown on purpose)"
    reasons = []
    if not r["verified"]:
        res = r.get("result") or {}
        detail = ""
        if res.get("expected") is not None or res.get("got") is not None:
            detail = f": expected {res.get('expected')}, got {res.get('got')}"
        reasons.append("verification failed" + detail)
    if r.get("oversubscribed") is True:
        reasons.append("oversubscribed (more threads than cores: the time measures time-sharing)")
    return ("excluded", "; ".join(reasons)) if reasons else ("ok", "")


def _provenance(r: dict[str, Any]) -> dict[str, Any]:
    prov = r.get("provenance") or {}
    hosts = prov.get("hostnames") or []
    slurm = r.get("slurm") or {}
    return {
        "hosts": ",".join(sorted(set(str(h) for h in hosts))) or "?",
        "mpi_library": prov.get("mpi_library") or "?",
        "compiler": prov.get("compiler") or "?",
        "cflags": prov.get("cflags") or "",
        "build_type": prov.get("build_type") or "",
        "commit": prov.get("git_commit") or "?",
        "version": str(r.get("scalekit") or "?"),
        "arch": str(r.get("arch") or prov.get("arch") or ""),
        "slurm_job": str(slurm.get("job_id") or prov.get("SLURM_JOB_ID") or ""),
        "timestamp": prov.get("timestamp") or "",
    }


# An environment is one build on one kind of machine: records that differ only
# in which nodes of a cluster they ran on, or in whether the driver links MPI
# at all, share it; its hosts, MPI libraries and Slurm jobs are listed.
ENV_KEYS = ["machine", "compiler", "cflags", "build_type", "commit", "version", "arch"]
ENV_SETS = ["hosts", "mpi_library", "slurm_job"]


def machine_of(hosts: str) -> str:
    """Host names without trailing node numbers: node017,node018 -> node."""
    return ",".join(sorted({re.sub(r"[-_.]?\d+$", "", h) or h for h in hosts.split(",")}))


def normalise_decomp(decomp: str) -> str:
    """'2x1 tiles' -> 'tiles': a 2-D rank grid follows the rank count."""
    return "tiles" if decomp.endswith("tiles") else decomp


def _num(v: Any) -> float:
    """A JSON number as a float; anything else (bool, string, null) as NaN."""
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else math.nan


def _io_fields(r: dict[str, Any]) -> dict[str, Any]:
    io = r.get("io")
    if not isinstance(io, dict):
        return {"io_bytes": math.nan, "io_mode": "", "io_layout": "", "io_collective": None,
                "io_write_mib_s": math.nan, "io_read_mib_s": math.nan, "io_share": math.nan}
    return {"io_bytes": _num(io.get("bytes")), "io_mode": str(io.get("mode") or ""),
            "io_layout": str(io.get("layout") or ""), "io_collective": io.get("collective"),
            "io_write_mib_s": _num(io.get("write_mib_s")),
            "io_read_mib_s": _num(io.get("read_mib_s")), "io_share": _num(io.get("share"))}


def _rows(r: dict[str, Any], env_id: str) -> list[dict[str, Any]]:
    status, reason = exclusion(r)
    size = [int(n) for n in r["size"]]
    imb = r.get("imbalance") or {}
    rate = r.get("rate") or {}
    schedule = str(r.get("schedule") or "")
    decomp = normalise_decomp(str(r.get("decomp") or ""))
    options = summary.options_text(r)
    cpu = r.get("cpu") if isinstance(r.get("cpu"), dict) else {}
    base = {
        "file": r["_file"], "line": r["_line"], "kernel": r["kernel"],
        "size": "x".join(str(n) for n in size), "n": math.prod(size),
        "iters": int(r.get("iters") or 0), "model": r["model"], "ranks": r["ranks"],
        "threads": r["threads_per_rank"], "workers": r["ranks"] * r["threads_per_rank"],
        "nodes": int(r.get("nodes") or 1), "schedule": schedule, "decomp": decomp,
        "variant": f"{schedule} {decomp} {options}".strip(), "options": options,
        "verified": bool(r["verified"]), "oversubscribed": bool(r.get("oversubscribed")),
        "expected_wrong": bool(r.get("expected_wrong")),
        "status": status, "included": status == "ok", "excluded_reason": reason,
        "env": env_id, "sweep": r.get("_sweep", ""), "sweep_kind": r.get("_sweep_kind", ""),
        "rate_unit": str(rate.get("unit") or ""),
        "work_units": _num(rate.get("work_units")), "bytes": _num(rate.get("bytes")),
        "compute_max_s": _num(imb.get("rank_compute_max_s")),
        "compute_mean_s": _num(imb.get("rank_compute_mean_s")),
        "imbalance": _num(imb.get("max_over_mean")),
        "cpu_s": _num(cpu.get("seconds")), "cpu_busy": _num(cpu.get("busy")),
    }
    io = _io_fields(r)
    if io["io_mode"] or io["io_layout"]:  # an I/O configuration is a variant of its own
        base["variant"] = f"{base['variant']} {io['io_mode']} {io['io_layout']}".strip()
    base.update(io)
    base.update(_provenance(r))
    return [dict(base, rep=i, seconds=float(s)) for i, s in enumerate(r["seconds"])]


def environments(records: list[dict[str, Any]]) -> tuple[list[str], pd.DataFrame]:
    """Environment id (E1, E2, ...) of each record, and the table of them."""
    ids: dict[tuple, str] = {}
    rows: dict[str, dict[str, Any]] = {}
    out = []
    for r in records:
        prov = _provenance(r)
        prov["machine"] = machine_of(prov["hosts"])
        key = tuple(prov[k] for k in ENV_KEYS)
        if key not in ids:
            ids[key] = f"E{len(ids) + 1}"
            rows[ids[key]] = dict(env=ids[key], records=0, first=prov["timestamp"],
                                  last=prov["timestamp"], **{k: prov[k] for k in ENV_KEYS},
                                  **{k: set() for k in ENV_SETS})
        row = rows[ids[key]]
        row["records"] += 1
        if prov["timestamp"]:
            row["first"] = min(row["first"] or prov["timestamp"], prov["timestamp"])
            row["last"] = max(row["last"], prov["timestamp"])
        for k in ENV_SETS:
            row[k].update(v for v in prov[k].split(",") if v and v not in ("none", "?"))
        out.append(ids[key])
    table = pd.DataFrame(list(rows.values()),
                         columns=["env", "records", "first", "last", *ENV_SETS, *ENV_KEYS])
    for k in ENV_SETS:
        table[k] = table[k].map(lambda s: ", ".join(sorted(s)))
    return out, table.rename(columns={"slurm_job": "slurm_jobs"})


def collect(paths: list[str], skip_dirs: tuple[str, ...] = ()) -> Collection:
    """Read everything under paths. Raises CollectError when no usable record is found."""
    files, skipped = find_files(paths, skip_dirs)
    problems: list[Problem] = []
    records: list[dict[str, Any]] = []
    kinds = sweep_kinds(files, paths)
    others: list[str] = []
    other_records: list[dict[str, Any]] = []
    for path in files:
        for r in read_file(path, problems, others, other_records):
            r["_sweep"], r["_sweep_kind"] = kinds.get(path, ("", ""))
            records.append(r)
    if not records and others and not problems:
        raise CollectError(f"no kernel runs in {', '.join(paths)}: only {len(others)} "
                           "overhead record(s) (./scalekit measured prints their table)")
    if not records:
        shown = "\n  ".join(f"{p.where()}: {p.reason}" for p in problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        shown += f"\n  ... and {more} more" if more > 0 else ""
        raise CollectError(f"no scalekit result records in {', '.join(paths)}"
                           + (f":\n  {shown}" if shown else " (the files are empty)"))
    records, dups = drop_duplicates(records)
    env_ids, env_table = environments(records)
    rows = [row for r, e in zip(records, env_ids) for row in _rows(r, e)]
    return Collection(pd.DataFrame(rows), records, problems, dups, files, skipped, env_table,
                      others, other_records)


def counts(c: Collection) -> dict[str, int]:
    """Records read (one per run, not per repetition): how many, and how many
    are used, excluded or deliberately wrong."""
    runs = c.runs[c.runs["rep"] == 0]
    return {"records": len(runs), "used": int(runs["included"].sum()),
            "excluded": int((runs["status"] == "excluded").sum()),
            "expected_wrong": int((runs["status"] == "expected_wrong").sum())}


def excluded_records(c: Collection) -> pd.DataFrame:
    """One row per record that is not used: failed, oversubscribed, expected wrong."""
    runs = c.runs[c.runs["rep"] == 0]
    cols = ["file", "line", "kernel", "size", "model", "ranks", "threads", "status",
            "excluded_reason", "env"]
    return runs.loc[~runs["included"], cols].reset_index(drop=True)
