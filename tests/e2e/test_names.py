"""(i) Names: odd tags reachable and escaped as documented (man tbfs,
NAMES AND ESCAPING), run directories that clash with synthetic entries,
and event files lying directly in LOGDIR (the run ".")."""
import os

import pandas as pd
import pytest

from helpers import csv_rows, read_bytes, tag_relpath

ODD_TAGS = ["a,b", 'quote"tag', "space tag", "../evil", "x//y", "%percent",
            "long_" + "x" * 295, "new\nline", "unicode/\u00fc"]


@pytest.fixture
def kinds_log(gen, tmp_path):
    logs = tmp_path / "logs"
    (logs / "run").mkdir(parents=True)
    gen("kinds", logs / "run" / "events.out.tfevents.1600000000.kinds")
    return logs


def test_odd_tags(mount, kinds_log):
    m = mount(kinds_log)
    run = m.mnt / "run"
    for tag in ODD_TAGS:
        rel = tag_relpath(tag)
        p = run / "scalars" / (rel + ".csv")
        assert p.is_file(), "tag %r: %s missing (have %s)" % (
            tag, rel, sorted(os.listdir(run / "scalars")))
        rows = csv_rows(read_bytes(p))
        assert rows[0] == ["step", "wall_time", "value"]
        assert [r[0] for r in rows[1:]] == ["0", "1"]
        assert [r[2] for r in rows[1:]] == ["1", "2"]
        assert (run / "scalars" / (rel + ".json")).is_file()
    # Nothing escaped its run directory.
    for d in (m.mnt, run, run / "scalars"):
        assert not [n for n in os.listdir(d) if n.startswith("evil")], d
    for dirpath, dirnames, filenames in os.walk(m.mnt):
        for n in dirnames + filenames:
            assert n not in (".", "..") and "/" not in n
            assert len(n.encode()) <= 255, n

    # The long tag is hashed; tags.csv maps it.
    tags = pd.read_csv(m.path("tags.csv"), dtype=str, keep_default_na=False)
    long_rows = tags[tags["tag"] == ODD_TAGS[6]]
    assert len(long_rows) >= 1
    path = long_rows["file"].iloc[0].lstrip("/")
    assert "%~" in path and (m.mnt / path).is_file()

    # CSV quoting: the tags come back intact through pandas and csv.
    for f, col in ((m.path("scalars.csv"), "tag"),
                   (run / "scalars.csv", "tag")):
        df = pd.read_csv(f, dtype={"run": str, "tag": str},
                         keep_default_na=False)
        have = set(df[col])
        missing = [t for t in ODD_TAGS if t not in have]
        assert not missing, "%s lacks %r" % (f, missing)


def test_reserved_run_names_and_root_run(mount, gen, tmp_path):
    """A run dir called like a synthetic entry is %-encoded; event files in
    LOGDIR itself form the run %2E; nothing is lost."""
    logs = tmp_path / "logs"
    files = {
        "": "events.out.tfevents.1600000000.root",
        "exp": "events.out.tfevents.1600000001.exp",
        "exp/scalars": "events.out.tfevents.1600000002.sub",
        "exp/run.json": "events.out.tfevents.1600000003.sub",
        "compare": "events.out.tfevents.1600000004.top",
        "runs.csv": "events.out.tfevents.1600000005.top",
    }
    for d, name in files.items():
        (logs / d).mkdir(parents=True, exist_ok=True)
        gen("scalars", logs / d / name, "--tags", "1", "--steps", "3")
    m = mount(logs)
    expect_dirs = {
        "": "%2E",
        "exp": "exp",
        "exp/scalars": "exp/%73calars",
        "exp/run.json": "exp/%72un.json",
        "compare": "%63ompare",
        "runs.csv": "%72uns.csv",
    }
    for d, shown in expect_dirs.items():
        p = m.mnt / shown / "scalars" / "tag0.csv"
        assert p.is_file(), "run %r: %s missing; root has %s" % (
            d or ".", p, sorted(os.listdir(m.mnt)))
        assert len(csv_rows(read_bytes(p))) == 4
    # The synthetic entries are still the synthetic ones.
    assert csv_rows(read_bytes(m.path("runs.csv")))[0][0] == "run"
    assert (m.mnt / "exp" / "scalars").is_dir()
    assert (m.mnt / "exp" / "scalars" / "tag0.csv").is_file()
    doc = read_bytes(m.mnt / "exp" / "run.json")
    assert doc.lstrip().startswith(b"{")
    # All six runs in the root tables.
    root = pd.read_csv(m.path("scalars.csv"), dtype={"run": str},
                       keep_default_na=False)
    assert len(set(root["run"])) == 6, sorted(set(root["run"]))
