"""Big scalar files through the mount: their size comes before their bytes,
and the bytes are written chunk by chunk as they are read (render_csv.c).
Reads that start at the end or in the middle must see exactly what a
front-to-back read sees, and the size stat gives must match."""
import os

import pandas as pd

from helpers import csv_rows, read_bytes, strict_json

STEPS = 30000  # several 4096-row chunks per tag


def big_logs(gen, tmp_path):
    logs = tmp_path / "logs"
    (logs / "big").mkdir(parents=True)
    gen("scalars", logs / "big" / "events.out.tfevents.1600000000.big",
        "--tags", "2", "--steps", str(STEPS))
    (logs / "small").mkdir()
    gen("scalars", logs / "small" / "events.out.tfevents.1600000000.small",
        "--tags", "1", "--steps", "7")
    return logs


def pieces_backwards(path, piece):
    """Reads @path in @piece-byte pieces, last piece first."""
    size = os.stat(path).st_size
    out = bytearray(size)
    fd = os.open(path, os.O_RDONLY)
    try:
        end = size
        while end > 0:
            off = max(0, end - piece)
            got = os.pread(fd, end - off, off)
            assert len(got) == end - off, (path, off)
            out[off:end] = got
            end = off
    finally:
        os.close(fd)
    return bytes(out)


def test_reads_from_the_end_first(mount, gen, tmp_path):
    logs = big_logs(gen, tmp_path)
    m = mount(logs)
    files = [("big", "scalars", "tag0.csv"), ("big", "scalars", "tag1.json"),
             ("big", "scalars.csv"), ("scalars.csv",),
             ("compare", "scalars", "tag0.csv")]
    first = {}
    for f in files:
        # Before any byte: the size, then the last bytes, then the rest.
        first[f] = pieces_backwards(m.path(*f), 100000)
    # A second mount reads each file front to back in one go.
    m2 = mount(logs)
    for f in files:
        whole = read_bytes(m2.path(*f))
        assert first[f] == whole, f
        assert os.stat(m.path(*f)).st_size == len(whole), f
    rows = csv_rows(first[("big", "scalars", "tag0.csv")])
    assert rows[0] == ["step", "wall_time", "value"]
    assert [int(r[0]) for r in rows[1:]] == list(range(STEPS))
    arr = strict_json(first[("big", "scalars", "tag1.json")])
    assert [o["step"] for o in arr] == list(range(STEPS))
    df = pd.read_csv(m.path("scalars.csv"))
    assert len(df) == 2 * STEPS + 7
    assert set(df["run"]) == {"big", "small"}
    df = pd.read_csv(m.path("compare", "scalars", "tag0.csv"))
    assert list(df.groupby("run").size()) == [STEPS, 7]


def test_middle_then_whole(mount, gen, tmp_path):
    """A read in the middle, then the whole file from the same handle."""
    m = mount(big_logs(gen, tmp_path))
    p = m.path("big", "scalars", "tag1.csv")
    size = os.stat(p).st_size
    fd = os.open(p, os.O_RDONLY)
    try:
        mid = os.pread(fd, 5000, size // 2)
        whole = b""
        while len(whole) < size:
            chunk = os.pread(fd, 1 << 20, len(whole))
            assert chunk
            whole += chunk
    finally:
        os.close(fd)
    assert len(whole) == size and whole.endswith(b"\n")
    assert whole[size // 2:size // 2 + 5000] == mid
    assert len(whole.splitlines()) == STEPS + 1
