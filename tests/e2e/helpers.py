"""Helpers shared by the e2e tests (fixtures are in conftest.py)."""
import csv
import errno
import io
import json
import math
import os
import struct
import time


def _needs_escape(c):
    return c < 0x20 or c == 0x7F or c == 0x25


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for c in data:
        h ^= c
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def esc_component(comp: bytes) -> str:
    """The documented percent-encoding of one name component (man tbfs,
    NAMES AND ESCAPING), long names included."""
    if comp == b"":
        return "%"
    if comp == b".":
        return "%2E"
    if comp == b"..":
        return "%2E%2E"
    elen = sum(3 if _needs_escape(c) else 1 for c in comp)
    limit = 180 if elen > 200 else 200
    out = bytearray()
    i = 0
    while i < len(comp):
        c = comp[i]
        w = 3 if _needs_escape(c) else 1
        if len(out) + w > limit:
            break
        out += (b"%%%02X" % c) if w == 3 else bytes([c])
        i += 1
    if elen > 200:
        if i < len(comp) and comp[i] & 0xC0 == 0x80:
            while out and out[-1] & 0xC0 == 0x80:
                out.pop()
            if out and out[-1] & 0xC0 == 0xC0:
                out.pop()
        out += b"%%~%016X" % fnv1a64(comp)
    return out.decode("utf-8", errors="surrogateescape")


TAG_SUFFIXES = (".csv", ".json", ".md", ".stats", ".wide")


def esc_tagcomp(comp: bytes) -> str:
    """A component in a per-tag tree: also encodes the dot of a file-like
    suffix ("loss.csv" -> "loss%2Ecsv")."""
    e = esc_component(comp)
    for suf in TAG_SUFFIXES:
        if e.endswith(suf):
            dot = len(e) - len(suf)
            return e[:dot] + "%2E" + e[dot + 1:]
    return e


def tag_relpath(tag: str) -> str:
    """A tag's path below scalars/ (etc.), without the extension."""
    return "/".join(esc_tagcomp(c) for c in tag.encode("utf-8").split(b"/"))


RESERVED_DIR = {
    "audio", "compare", "config.json", "config.yaml", "graphs",
    "histograms", "hparams.json", "hparams.yaml", "images",
    "metadata.json", "model_summary.txt", "run.json", "scalars",
    "scalars.csv", "tensors", "text",
}
RESERVED_ROOT = {
    "compare", "hparams.csv", "runs.csv", "runs.json", "scalars.csv",
    "status.json", "tags.csv",
}


def run_relpath(run: str) -> str:
    """A run's directory inside the mount (run names as TensorBoard gives
    them: paths relative to LOGDIR, "." for LOGDIR itself)."""
    if run == ".":
        return "%2E"
    out = []
    for i, comp in enumerate(run.encode("utf-8").split(b"/")):
        e = esc_component(comp)
        if e in (RESERVED_ROOT if i == 0 else RESERVED_DIR):
            e = "%%%02X" % ord(e[0]) + e[1:]
        out.append(e)
    return "/".join(out)


def wait_refresh(refresh):
    """Sleep past the refresh interval and the kernel's cache time."""
    time.sleep(refresh * 2.5 + 0.1)


def errno_of(fn, *args, **kw):
    """The errno fn(*args) fails with, 0 if it succeeds."""
    try:
        fn(*args, **kw)
    except OSError as e:
        return e.errno
    return 0


def _reject_constant(name):
    raise ValueError("non-standard JSON constant %s" % name)


def strict_json(data: bytes):
    """RFC 8259 only: no NaN/Infinity, UTF-8."""
    return json.loads(data.decode("utf-8"), parse_constant=_reject_constant)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def csv_rows(data: bytes):
    """RFC 4180 rows (header first). Fails on a missing final newline or
    ragged rows."""
    assert data == b"" or data.endswith(b"\n"), "CSV does not end with \\n"
    text = data.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    if rows:
        width = len(rows[0])
        for i, r in enumerate(rows):
            assert len(r) == width, "row %d has %d fields, header %d" % (
                i, len(r), width)
    return rows


def f32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


def is_f32(v: float) -> bool:
    """True if the double v is exactly a float32 value (expected/README)."""
    if math.isnan(v) or math.isinf(v):
        return True
    try:
        return f32(v) == v
    except OverflowError:
        return False


def same_value(got: float, want: float) -> bool:
    """expected/README: compare as float32 when want is one, else exact."""
    if math.isnan(want):
        return math.isnan(got)
    if is_f32(want):
        try:
            return f32(got) == want
        except OverflowError:
            return False
    return got == want


def parse_num(s: str) -> float:
    """A CSV number as tbfs writes it (nan, inf, -inf allowed)."""
    return float(s)


def walk_files(root):
    """Every regular file below root, sorted."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for n in sorted(filenames):
            out.append(os.path.join(dirpath, n))
    return out


__all__ = ["errno", "esc_component", "esc_tagcomp", "tag_relpath", "run_relpath", "wait_refresh",
           "errno_of", "strict_json", "read_bytes", "csv_rows", "f32",
           "is_f32", "same_value", "parse_num", "walk_files"]
