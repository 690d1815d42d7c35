"""(f) Every way of writing fails with EROFS; nothing reaches the logs."""
import errno
import os

import pytest

from helpers import errno_of


@pytest.fixture
def small_logs(gen, tmp_path):
    logs = tmp_path / "logs"
    gen("tree", logs, "--runs", "2", "--tags", "2", "--steps", "5")
    return logs


def test_writes_fail_with_erofs(mount, small_logs):
    m = mount(small_logs)
    run = sorted(p.name for p in small_logs.iterdir())[0]
    f = m.path(run, "scalars", "tag0.csv")
    d = m.path(run)
    assert f.is_file() and d.is_dir()

    checks = {
        "open O_WRONLY": lambda: os.open(f, os.O_WRONLY),
        "open O_RDWR": lambda: os.open(f, os.O_RDWR),
        "open O_TRUNC": lambda: os.open(f, os.O_RDONLY | os.O_TRUNC),
        "open O_APPEND": lambda: os.open(f, os.O_WRONLY | os.O_APPEND),
        "create": lambda: os.open(d / "new.csv", os.O_WRONLY | os.O_CREAT,
                                  0o644),
        "create excl": lambda: os.open(m.path("x"), os.O_RDWR | os.O_CREAT
                                       | os.O_EXCL, 0o644),
        "mkdir": lambda: os.mkdir(d / "newdir"),
        "rmdir": lambda: os.rmdir(m.path(run, "scalars")),
        "unlink": lambda: os.unlink(f),
        "rename": lambda: os.rename(f, d / "renamed.csv"),
        "rename dir": lambda: os.rename(d, m.path("renamed")),
        "chmod": lambda: os.chmod(f, 0o666),
        "chown": lambda: os.chown(f, os.getuid(), os.getgid()),
        "truncate": lambda: os.truncate(f, 0),
        "utime": lambda: os.utime(f, (0, 0)),
        "symlink": lambda: os.symlink("x", d / "link"),
        "link": lambda: os.link(f, d / "hard"),
        "mknod": lambda: os.mknod(d / "fifo", 0o600 | 0o010000),
        "setxattr": lambda: os.setxattr(f, "user.x", b"1"),
    }
    got = {name: errno_of(fn) for name, fn in checks.items()}
    wrong = {k: errno.errorcode.get(v, v) for k, v in got.items()
             if v != errno.EROFS}
    assert not wrong, "not EROFS: %s" % wrong

    # Still readable and unchanged afterwards.
    assert f.read_bytes().startswith(b"step,wall_time,value\n")
    assert sorted(os.listdir(d))
