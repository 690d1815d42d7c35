"""tbfs-dump, the inspection command for broken logs: JSON lines per record,
skipped stretches with their reason, and per-file health counters."""
import json
import os
from pathlib import Path

import pytest

from conftest import REPO, run_tool

DUMP = Path(os.environ.get("TBFS_DUMP", REPO / "build/reader/tbfs-dump"))


def dump(*args):
    if not DUMP.exists():
        pytest.skip("tbfs-dump not built (%s)" % DUMP)
    r = run_tool([DUMP, *args])
    lines = [json.loads(l, parse_constant=lambda c: pytest.fail(c))
             for l in r.stdout.decode().splitlines()]
    return r.returncode, lines


def test_records_and_stats(gen, tmp_path):
    f = tmp_path / "events.out.tfevents.1.x"
    exp = tmp_path / "expect.csv"
    gen("scalars", f, "--tags", "2", "--steps", "50", "--expect", exp)
    rc, lines = dump(f)
    assert rc == 0
    recs, stats = lines[:-1], lines[-1]
    assert recs[0]["what"] == "file_version"
    assert recs[0]["file_version"] == "brain.Event:2"
    values = [v for r in recs for v in r.get("values", [])]
    want = exp.read_text().splitlines()[1:]
    assert len(values) == len(want) == 100
    for v, w in zip(values, want):
        tag, step, _, value = w.split(",")
        assert v["tag"] == tag and v["kind"] == "scalars"
        assert float(v["value"]) == pytest.approx(float(value), rel=1e-7)
    assert stats["records_read"] == 51 and stats["records_skipped"] == 0
    assert stats["bytes_read"] == stats["size"] == f.stat().st_size


@pytest.mark.parametrize("mode,counter", [
    ("data-crc:7", "skipped_data_crc"),
    ("length-crc:7", "skipped_length_crc"),
    ("huge-length:7", "skipped_too_large"),
])
def test_damage_is_reported(gen, tmp_path, mode, counter):
    good = tmp_path / "good"
    bad = tmp_path / "bad"
    gen("scalars", good, "--tags", "1", "--steps", "30")
    gen("corrupt", good, bad, "--mode", mode)
    rc, lines = dump(bad)
    assert rc == 0
    stats = lines[-1]
    skipped = [l for l in lines if "skipped_at" in l]
    assert stats[counter] == 1 and stats["records_skipped"] == 1
    assert len(skipped) == 1 and skipped[0]["reason"]
    # every other record is still there
    assert stats["records_read"] == 30


def test_truncated_tail(gen, tmp_path):
    good = tmp_path / "good"
    cut = tmp_path / "cut"
    gen("scalars", good, "--tags", "1", "--steps", "10")
    gen("corrupt", good, cut, "--mode", "truncate:-5")
    rc, lines = dump("--stats", cut)
    assert rc == 0 and len(lines) == 1
    assert lines[0]["truncated_tail"] is True
    assert lines[0]["records_read"] == 10 and lines[0]["records_skipped"] == 0


def test_directory_and_missing(fixtures_real, tmp_path):
    rc, lines = dump(fixtures_real / "sb3")
    assert rc == 0
    tags = [l for l in lines if "tag" in l]
    assert tags and all(l["kind"] == "scalars" for l in tags)
    rc, _ = dump(tmp_path / "nope")
    assert rc == 1
