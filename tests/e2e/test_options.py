"""Options that change what is shown: -o purge / nopurge, -o cache."""
import pandas as pd

from helpers import read_bytes


def restart_log(gen, tmp_path):
    logs = tmp_path / "logs"
    (logs / "run").mkdir(parents=True)
    gen("restart", logs / "run" / "events.out.tfevents.1600000000.restart")
    return logs


def test_nopurge_shows_every_point(mount, gen, tmp_path):
    """Default: both attempts, in file order (steps 0..9 then 5..12)."""
    m = mount(restart_log(gen, tmp_path))
    df = pd.read_csv(m.path("run", "scalars", "loss.csv"))
    assert list(df["step"]) == list(range(10)) + list(range(5, 13))
    m2 = mount(restart_log(gen, tmp_path / "again"), "-o", "nopurge")
    assert read_bytes(m2.path("run", "scalars", "loss.csv")) == \
        read_bytes(m.path("run", "scalars", "loss.csv"))


def test_purge_hides_the_abandoned_attempt(mount, gen, tmp_path):
    """-o purge: the first attempt's steps 5..9 are dropped at START."""
    m = mount(restart_log(gen, tmp_path), "-o", "purge")
    df = pd.read_csv(m.path("run", "scalars", "loss.csv"))
    assert list(df["step"]) == list(range(13))
    assert list(df["value"][:5]) == [0, 1, 2, 3, 4]
    assert list(df["value"][5:]) == [100 + s for s in range(5, 13)]


def test_small_cache_still_serves_everything(mount, gen, tmp_path):
    """-o cache=1K: nothing fits the cache; files are rendered per open and
    still complete."""
    logs = tmp_path / "logs"
    gen("tree", logs, "--runs", "3", "--tags", "2", "--steps", "200")
    m = mount(logs, "-o", "cache=1K")
    for run in sorted(p.name for p in logs.iterdir()):
        p = m.path(run, "scalars", "tag1.csv")
        a = read_bytes(p)
        assert a == read_bytes(p) and len(a.splitlines()) == 201
        assert p.stat().st_size == len(a)
