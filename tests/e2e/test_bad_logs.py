"""(e) Bad event files next to good ones.

Each run holds one file made from the same good log by tbfs-gen's corrupt
and gzip modes. Good runs must be complete; a bad one shows a correct
subset of the points (what could be read) and its run.json counters say
that something was skipped or cut.
"""
import os

import pandas as pd
import pytest

from helpers import read_bytes, strict_json

TAGS, STEPS = 2, 20
NAME = "events.out.tfevents.1600000000.bad"

# run -> (how to make it, minimum points per tag, counters must be > 0)
CASES = {
    "good": (None, STEPS, False),
    "good2": (None, STEPS, False),
    "truncated": (("corrupt", "truncate:-10"), STEPS - 1, True),
    "datacrc": (("corrupt", "data-crc:5"), STEPS - 1, True),
    "flip": (("corrupt", "flip:-"), STEPS - 1, True),
    "lencrc": (("corrupt", "length-crc:10"), 9, True),
    "garbage_mid": (("corrupt", "garbage-middle:100:10"), 9, True),
    "hugelen": (("corrupt", "huge-length:5"), 4, True),
    "garbage_prefix": (("corrupt", "garbage-prefix:64"), 0, True),
    "garbage": ("garbage", 0, True),
    "empty": ("empty", 0, False),
    "gzip": ("gzip", 0, None),
}

BAD_WORDS = ("skip", "bad", "corrupt", "truncat", "error", "invalid",
             "dropped", "lost", "garbage", "problem")


def counters(doc, path=""):
    """(key path, value) of every number/bool under a 'bad-sounding' key."""
    out = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            p = "%s.%s" % (path, k)
            if isinstance(v, (dict, list)):
                out += counters(v, p)
            elif any(w in k.lower() for w in BAD_WORDS) and \
                    isinstance(v, (int, float, bool)):
                out.append((p, v))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += counters(v, "%s[%d]" % (path, i))
    return out


@pytest.fixture
def bad_logs(gen, tmp_path):
    good = tmp_path / "good.tfevents"
    expect = tmp_path / "good.expect.csv"
    gen("scalars", good, "--tags", str(TAGS), "--steps", str(STEPS),
        "--expect", expect)
    logs = tmp_path / "logs"
    for run, (how, _, _) in CASES.items():
        d = logs / run
        d.mkdir(parents=True)
        out = d / NAME
        if how is None:
            out.write_bytes(good.read_bytes())
        elif how == "garbage":
            out.write_bytes(bytes((i * 7919 + 13) % 251 for i in range(4096)))
        elif how == "empty":
            out.write_bytes(b"")
        elif how == "gzip":
            gen("gzip", good, out)
        else:
            mode = how[1]
            if mode == "flip:-":
                # A byte inside record 5's payload (its data CRC breaks).
                mode = "flip:%d" % (os.path.getsize(good) // 2)
            gen("corrupt", good, out, "--mode", mode)
    want = pd.read_csv(expect, float_precision="round_trip")
    return logs, want


def test_bad_logs_next_to_good_ones(mount, bad_logs):
    logs, want = bad_logs
    m = mount(logs)
    want_rows = {t: list(g[["step", "wall_time"]].itertuples(
        index=False, name=None)) for t, g in want.groupby("tag")}
    problems = []
    for run, (how, min_points, must_count) in CASES.items():
        rdir = m.mnt / run
        if not rdir.is_dir():
            if min_points:
                problems.append("%s: run directory missing" % run)
            continue
        for tag, rows in want_rows.items():
            p = rdir / "scalars" / (tag + ".csv")
            if not p.exists():
                if min_points:
                    problems.append("%s: %s missing" % (run, p.name))
                continue
            df = pd.read_csv(p, float_precision="round_trip")
            got = list(df[["step", "wall_time"]].itertuples(
                index=False, name=None))
            if not set(got) <= set(rows):
                problems.append("%s/%s: points not in the log: %s" % (
                    run, tag, sorted(set(got) - set(rows))[:3]))
            if len(got) < min_points:
                problems.append("%s/%s: %d points, expected >= %d" % (
                    run, tag, len(got), min_points))
            if how is None and got != rows:
                problems.append("%s/%s: good run incomplete (%d of %d)" % (
                    run, tag, len(got), len(rows)))
        rj = rdir / "run.json"
        doc = strict_json(read_bytes(rj))
        c = counters(doc)
        total = sum(float(v) for _, v in c)
        if must_count and total <= 0:
            problems.append("%s: run.json counts nothing skipped: %s" % (
                run, c or doc))
        if must_count is False and how is None and total != 0:
            problems.append("%s: good run with counters %s" % (run, c))
    status = strict_json(read_bytes(m.path("status.json")))
    assert sum(float(v) for _, v in counters(status)) > 0, status
    # Every run that has scalars is in the root table, good ones complete.
    root = pd.read_csv(m.path("scalars.csv"), dtype={"run": str, "tag": str},
                       keep_default_na=False)
    for run in ("good", "good2"):
        assert (root["run"] == run).sum() == TAGS * STEPS, run
    assert not problems, "\n".join(problems)
    # The daemon also says what it skipped, one line per file and problem.
    lines = m.log_text().splitlines()
    for run in ("datacrc", "flip", "lencrc", "hugelen", "garbage_mid"):
        assert any("%s/%s: skipped" % (run, NAME) in l for l in lines), \
            (run, lines)
    assert not any("good/%s" % NAME in l or "good2/%s" % NAME in l
                   for l in lines), lines
