"""(b) rsync of the mount and (c) readers while a writer appends.

Logs are made with tbfs-gen; the mount uses a short refresh interval.
"""
import csv
import io
import math
import os
import re
import subprocess
import threading
import time
from pathlib import Path

import pandas as pd

from helpers import csv_rows, f32, read_bytes, wait_refresh

REFRESH = 0.2


def event_file(run_dir):
    files = sorted(Path(run_dir).glob("events.out.tfevents.*"))
    assert files, "no event file in %s" % run_dir
    return files[0]


def rsync(src, dst):
    """rsync -a; returns (number of files transferred, their names)."""
    r = subprocess.run(["rsync", "-a", "--stats", "--itemize-changes",
                        "%s/" % src, "%s/" % dst],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, "rsync failed (%d): %s" % (r.returncode,
                                                        r.stderr)
    m = re.search(r"Number of regular files transferred: ([\d,]+)",
                  r.stdout)
    assert m, r.stdout
    # Itemized lines: an 11-character code, a space, the name.
    sent = [line[12:] for line in r.stdout.splitlines()
            if line.startswith(">f")]
    return int(m.group(1).replace(",", "")), sent


def test_rsync_twice_then_only_changes(mount, gen, tmp_path):
    logs = tmp_path / "logs"
    gen("tree", logs, "--runs", "3", "--tags", "2", "--steps", "50")
    m = mount(logs, "-o", "refresh=%g" % REFRESH)
    dst = tmp_path / "copy"

    n1, _ = rsync(m.mnt, dst)
    assert n1 > 0
    n2, items2 = rsync(m.mnt, dst)
    assert n2 == 0, "second rsync transferred %d files: %s" % (n2, items2)

    runs = sorted(p.name for p in logs.iterdir())
    grown, still = runs[0], runs[1]
    # Keep the first run's file mtime distinct from the first copy's.
    time.sleep(0.05)
    gen("scalars", event_file(logs / grown), "--tags", "2", "--steps",
        "10", "--start-step", "50", "--append")
    wait_refresh(REFRESH)

    n3, items3 = rsync(m.mnt, dst)
    assert n3 > 0, "nothing transferred after the log grew"
    assert any(i.startswith(grown + "/") for i in items3), items3
    assert not any(i.startswith(still + "/") for i in items3), (
        "unchanged run %s transferred: %s" % (still, items3))
    for i in items3:
        assert i.startswith(grown + "/") or "/" not in i or \
            i.startswith("compare/"), "unexpected transfer: %s" % i
    for i in items3:
        assert read_bytes(dst / i) == read_bytes(m.mnt / i), i
    csv = dst / grown / "scalars" / "tag0.csv"
    assert len(read_bytes(csv).splitlines()) == 1 + 60

    n4, items4 = rsync(m.mnt, dst)
    assert n4 == 0, "rsync after the update transferred %s" % items4


def expect_rows(path):
    """tbfs-gen --expect CSV (tag,step,wall_time,value) -> {tag: rows}."""
    out = {}
    with open(path, newline="") as f:
        rd = csv.reader(f)
        header = next(rd)
        assert header[:4] == ["tag", "step", "wall_time", "value"], header
        for tag, step, wall, val in rd:
            out.setdefault(tag, []).append((int(step), float(wall),
                                            float(val)))
    return out


def test_readers_while_writer_appends(mount, gen, tmp_path):
    logs = tmp_path / "logs"
    run = logs / "run"
    run.mkdir(parents=True)
    ev = run / "events.out.tfevents.1600000000.live"
    chunks, per_chunk, tags = 30, 40, 3
    m = mount(logs, "-o", "refresh=%g" % REFRESH)
    run_mnt = m.mnt / "run"
    files = [run_mnt / "scalars" / "tag0.csv", run_mnt / "scalars.csv",
             m.mnt / "scalars.csv"]

    expects = []
    stop = threading.Event()
    failures = []
    readers = files + [files[0]]      # two readers on the same file
    stats = [[0, 0] for _ in readers]  # per reader: reads, last row count

    def writer():
        try:
            for k in range(chunks):
                exp = tmp_path / ("exp%d.csv" % k)
                gen("scalars", ev, "--tags", str(tags), "--steps",
                    str(per_chunk), "--start-step", str(k * per_chunk),
                    "--append", "--expect", exp)
                expects.append(exp)
                time.sleep(0.03)
        except BaseException as e:
            failures.append("writer: %r" % e)
        finally:
            stop.set()

    def reader(key, path):
        while not stop.is_set() or stats[key][0] < 3:
            try:
                data = read_bytes(path)
            except FileNotFoundError:
                if stats[key][1]:
                    failures.append("%s vanished" % path)
                    return
                time.sleep(0.01)
                continue
            try:
                rows = csv_rows(data)
                if rows:
                    pd.read_csv(io.BytesIO(data))
            except Exception as e:
                failures.append("%s: unparsable read: %r" % (path, e))
                return
            n = max(len(rows) - 1, 0)
            if n < stats[key][1]:
                failures.append("%s: rows went down %d -> %d" % (
                    path, stats[key][1], n))
                return
            stats[key] = [stats[key][0] + 1, n]

    threads = [threading.Thread(target=writer)]
    threads += [threading.Thread(target=reader, args=(i, f))
                for i, f in enumerate(readers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not failures, failures[:5]
    assert all(s[0] > 0 for s in stats), stats

    wait_refresh(REFRESH)
    want = {}
    for exp in expects:
        for tag, rows in expect_rows(exp).items():
            want.setdefault(tag, []).extend(rows)
    assert sorted(want) == ["tag%d" % i for i in range(tags)]
    for tag, rows in want.items():
        df = pd.read_csv(run_mnt / "scalars" / (tag + ".csv"),
                         float_precision="round_trip")
        assert len(df) == len(rows) == chunks * per_chunk
        for (s, w, v), (gs, gw, gv) in zip(rows, df.itertuples(
                index=False, name=None)):
            assert (gs, gw) == (s, w)
            assert f32(gv) == f32(v) or (math.isnan(gv) and math.isnan(v))
    # An open file is a snapshot: size and content agree until closed.
    with open(files[0], "rb") as f:
        size = os.fstat(f.fileno()).st_size
        assert len(f.read()) == size


def test_open_snapshot_then_fresh_data(mount, gen, tmp_path):
    """An open file keeps its snapshot; after the interval a new open and
    stat see the new data (no stale page cache), mtimes move only for the
    files that changed."""
    logs = tmp_path / "logs"
    gen("tree", logs, "--runs", "2", "--tags", "2", "--steps", "100")
    m = mount(logs, "-o", "refresh=%g" % REFRESH)
    grown, still = sorted(p.name for p in logs.iterdir())
    p = m.mnt / grown / "scalars" / "tag0.csv"
    q = m.mnt / still / "scalars" / "tag0.csv"
    first = read_bytes(p)
    assert len(first.splitlines()) == 101
    assert read_bytes(p) == first          # from the page cache
    st_p, st_q = os.stat(p), os.stat(q)
    assert st_p.st_size == len(first)

    f = open(p, "rb", buffering=0)
    head = f.read(1000)
    time.sleep(0.05)
    gen("scalars", event_file(logs / grown), "--tags", "2", "--steps",
        "50", "--start-step", "100", "--append")
    wait_refresh(REFRESH)
    rest = f.read()
    f.close()
    assert head + rest == first, "open file did not keep its snapshot"

    new = read_bytes(p)
    assert new.startswith(first) and len(new.splitlines()) == 151
    assert os.stat(p).st_size == len(new)
    assert os.stat(p).st_mtime_ns > st_p.st_mtime_ns
    assert os.stat(q).st_mtime_ns == st_q.st_mtime_ns
    assert os.stat(q).st_size == st_q.st_size
    # Stable again: a second read is the same bytes.
    assert read_bytes(p) == new
