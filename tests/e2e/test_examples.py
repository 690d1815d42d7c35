"""The examples/ scripts and the README's recipes run against a real mount
of the bundled examples/logs and give the numbers the files hold."""
import csv
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO

PY = "/usr/bin/python3"
LOGS = REPO / "examples" / "logs"
BUILD = Path(os.environ.get("TBFS_BIN", REPO / "build/fs/tbfs")).parents[1]


def run(*args):
    p = subprocess.run([str(a) for a in args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_rank_runs(mount):
    m = mount(LOGS)
    out = run(PY, REPO / "examples/rank_runs.py", m.path(),
              "epoch_accuracy/max")
    runs = pd.read_csv(m.path("runs.csv"))
    have = runs.dropna(subset=["epoch_accuracy/max"])
    best = have.sort_values("epoch_accuracy/max", ascending=False)
    lines = out.strip().splitlines()
    assert len(lines) == 1 + len(have)
    # the first ranked run is the one with the highest maximum
    assert lines[1].split()[0] == best.iloc[0].run
    assert "hparam/" in lines[0]


def test_plot_mean_std(mount, tmp_path):
    m = mount(LOGS)
    stats = m.path("compare/scalars/strict/foo.stats.csv")
    out_png = tmp_path / "foo.png"
    out = run(PY, REPO / "examples/plot_mean_std.py", stats, out_png)
    if "wrote" in out:
        assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    df = pd.read_csv(stats)
    assert list(df.columns) == ["step", "runs", "mean", "std", "min", "max",
                                "median"]
    assert (df.runs == 3).all()  # the three seeds share every step


def test_awk_mean(mount):
    m = mount(LOGS)
    f = m.path("seeds/run_1/scalars/strict/foo.csv")
    out = run("bash", REPO / "examples/awk_mean.sh", f)
    vals = pd.read_csv(f, float_precision="round_trip").value
    n, mean = out.split()[0], float(out.split()[3].rstrip(","))
    assert int(n) == len(vals)
    assert abs(mean - vals.mean()) < 1e-5 * max(1, abs(vals.mean()))


def test_rsync_backup(mount, tmp_path):
    m = mount(LOGS)
    dest = tmp_path / "copy"
    run("bash", REPO / "examples/rsync_backup.sh", m.path(), dest)
    again = run("bash", REPO / "examples/rsync_backup.sh", m.path(), dest)
    assert "Number of regular files transferred: 0" in again
    with open(dest / "seeds/run_2/scalars/strict/foo.csv") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["step", "wall_time", "value"] and len(rows) == 101


def test_last_values_example(mount):
    exe = BUILD / "examples" / "last_values"
    if not exe.exists():
        pytest.skip("examples not built")
    out = run(exe, LOGS)
    line = next(l for l in out.splitlines()
                if l.startswith("seeds/run_1\tstrict/foo\t"))
    fields = line.split("\t")
    m = mount(LOGS)
    csv_rows = pd.read_csv(m.path("seeds/run_1/scalars/strict/foo.csv"),
                           float_precision="round_trip")
    assert fields[2] == "%d points" % len(csv_rows)
    assert fields[3] == "last step %d" % csv_rows.step.iloc[-1]
    # %.9g in the example, shortest float32 in the CSV: same float32
    import numpy as np
    assert np.float32(float(fields[4].split()[1])) == \
        np.float32(csv_rows.value.iloc[-1])


def test_subruns_inherit_session_hparams(mount):
    """TF2 hp.hparams: the session run holds the hyperparameters, its
    train/ and validation/ sub-runs the metrics. runs.csv gives each
    sub-run its session's values, so variants rank with their settings."""
    import json
    m = mount(LOGS)
    runs = pd.read_csv(m.path("runs.csv")).set_index("run")
    sub = [r for r in runs.index if r.endswith(("/train", "/validation"))]
    assert len(sub) == 6
    for r in sub:
        session = r.rsplit("/", 1)[0]
        with open(m.path(session, "hparams.json")) as f:
            own = json.load(f)["hparams"]
        assert runs.loc[r, "hparam/optimizers"] == own["optimizers"]
        assert runs.loc[r, "hparam/num_units"] == own["num_units"]
        with open(m.path(r, "hparams.json")) as f:
            inherited = json.load(f)
        assert inherited["sources"]["optimizers"] == session
