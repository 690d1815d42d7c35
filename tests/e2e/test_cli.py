"""(h) The command line: errors before mounting, --help, --version,
argument order as mount.fuse3 uses it, fstab-style mounting, --export."""
import os
import shutil
import subprocess
import time

import pytest

from conftest import TBFS_BIN, fuse_unusable_reason
from helpers import read_bytes


@pytest.fixture
def tbfs():
    if not TBFS_BIN.exists():
        pytest.skip("tbfs not built (%s); set TBFS_BIN" % TBFS_BIN)

    def run(*args, **kw):
        return subprocess.run([str(TBFS_BIN), *map(str, args)],
                              capture_output=True, text=True, timeout=30,
                              stdin=subprocess.DEVNULL, **kw)
    return run


def one_line_error(r, *words):
    assert r.returncode != 0, "exit 0: %s" % r.stderr
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, "expected one line, got:\n%s" % r.stderr
    assert lines[0].startswith("tbfs: "), lines[0]
    for w in words:
        assert w in lines[0], "%r not in %r" % (w, lines[0])
    return lines[0]


@pytest.fixture
def dirs(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    return logs, mnt


def test_help_and_version(tbfs):
    r = tbfs("--help")
    assert r.returncode == 0
    assert "usage: tbfs [options] LOGDIR MOUNTPOINT" in r.stdout
    for opt in ("refresh=", "cache=", "purge", "nopurge", "sidecar_max=",
                "--export", "allow_other"):
        assert opt in r.stdout + r.stderr, opt
    r = tbfs("-h")
    assert r.returncode == 0 and "usage:" in r.stdout
    r = tbfs("--version")
    assert r.returncode == 0 and r.stdout.startswith("tbfs version ")
    r = tbfs("-V")
    assert r.returncode == 0 and "tbfs version" in r.stdout


def test_errors_before_mounting(tbfs, dirs, tmp_path):
    logs, mnt = dirs
    one_line_error(tbfs(), "missing")
    one_line_error(tbfs(logs), "missing MOUNTPOINT")
    one_line_error(tbfs(tmp_path / "nope", mnt), "LOGDIR", "does not exist")
    f = tmp_path / "file"
    f.write_text("x")
    one_line_error(tbfs(f, mnt), "LOGDIR", "not a directory")
    one_line_error(tbfs(logs, tmp_path / "nope"), "MOUNTPOINT",
                   "does not exist")
    one_line_error(tbfs(logs, f), "MOUNTPOINT", "not a directory")
    full = tmp_path / "full"
    full.mkdir()
    (full / "x").write_text("x")
    one_line_error(tbfs(logs, full), "not empty", "nonempty")
    inside = logs / "sub"
    inside.mkdir()
    one_line_error(tbfs(logs, inside), "inside")
    one_line_error(tbfs(logs, logs), "is LOGDIR")
    one_line_error(tbfs("-o", "nonempty", logs, tmp_path), "contains LOGDIR")
    one_line_error(tbfs(logs, mnt, "extra"), "unexpected argument")
    one_line_error(tbfs("-o", "refresh=abc", logs, mnt), "refresh")
    one_line_error(tbfs("-o", "cache=12Q", logs, mnt), "cache")
    one_line_error(tbfs("-o", "sidecar_max=-1", logs, mnt), "sidecar_max")
    assert not os.path.ismount(mnt) and not os.listdir(mnt)


def test_unreadable_logdir(tbfs, dirs):
    if os.geteuid() == 0:
        pytest.skip("root reads every directory")
    logs, mnt = dirs
    os.chmod(logs, 0)
    try:
        one_line_error(tbfs(logs, mnt), "LOGDIR")
    finally:
        os.chmod(logs, 0o755)


def test_busy_mountpoint(tbfs, mount, dirs):
    logs, _ = dirs
    m = mount(logs)
    one_line_error(tbfs(logs, m.mnt), "busy")


def test_forced_mount_options(mount, gen, tmp_path):
    """ro, default_permissions, fuse.tbfs, tbfs:LOGDIR, whatever -o says."""
    logs = tmp_path / "logs"
    gen("tree", logs, "--runs", "1", "--tags", "1", "--steps", "3")
    m = mount(logs, "-o", "rw")
    assert (m.mnt / "runs.csv").exists()
    r = subprocess.run(["findmnt", "-n", "-o", "FSTYPE,SOURCE,OPTIONS",
                        str(m.mnt)], capture_output=True, text=True)
    if r.returncode == 0:
        fstype, source, opts = r.stdout.split()
        assert fstype == "fuse.tbfs"
        assert source == "tbfs:%s" % os.path.realpath(logs)
        assert "ro" in opts.split(",")
        assert "default_permissions" in opts.split(",")


def mount_by_hand(tmp_path, argv, mnt):
    """Runs `tbfs argv…` (which must keep it in the foreground), checks the
    mount, unmounts and requires exit 0; lazy unmount and kill on failure."""
    reason = fuse_unusable_reason()
    if reason:
        pytest.skip("FUSE unusable: " + reason)
    if not TBFS_BIN.exists():
        pytest.skip("tbfs not built")
    log_path = tmp_path / ("daemon-%s.log" % mnt.name)
    log = open(log_path, "wb")
    p = subprocess.Popen([str(TBFS_BIN), *map(str, argv)],
                         stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while not os.path.ismount(mnt):
            assert p.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "no mount"
            time.sleep(0.02)
        assert read_bytes(mnt / "runs.csv").startswith(b"run,")
        subprocess.run(["fusermount3", "-u", str(mnt)], check=True)
        assert p.wait(timeout=15) == 0, log_path.read_text()
        assert "ERROR" not in log_path.read_text()
    finally:
        if p.poll() is None:
            subprocess.run(["fusermount3", "-u", "-z", str(mnt)])
            p.kill()
            p.wait()
        log.close()


def test_mount_helper_order(gen, tmp_path):
    """`tbfs LOGDIR MNT -o …` (options last, as mount.fuse3 runs it)."""
    logs = tmp_path / "logs"
    gen("tree", logs, "--runs", "1", "--tags", "1", "--steps", "3")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    mount_by_hand(tmp_path, [logs, mnt, "-o", "refresh=1,nopurge,dev,suid",
                             "-f"], mnt)


def test_nonempty_option(gen, tmp_path):
    logs = tmp_path / "logs"
    gen("tree", logs, "--runs", "1", "--tags", "1", "--steps", "3")
    mnt = tmp_path / "full"
    mnt.mkdir()
    (mnt / "hidden").write_text("x")
    mount_by_hand(tmp_path, ["-f", "-o", "nonempty", logs, mnt], mnt)
    assert (mnt / "hidden").read_text() == "x"


def test_fstab_style_mount(gen, tmp_path):
    """mount(8) -> mount.fuse3 -> `tbfs LOGDIR MNT -o …`, as for an fstab
    line. mount(8) runs helpers with a fixed PATH, so the binary is named
    in the source, the form mount.fuse3(8) documents: `BIN#LOGDIR`."""
    reason = fuse_unusable_reason()
    if reason:
        pytest.skip("FUSE unusable: " + reason)
    if os.geteuid() != 0:
        pytest.skip("mount(8) needs root")
    if not (shutil.which("mount.fuse3") or os.path.exists(
            "/sbin/mount.fuse3")):
        pytest.skip("mount.fuse3 not installed")
    if not TBFS_BIN.exists():
        pytest.skip("tbfs not built")
    logs = tmp_path / "logs"
    gen("tree", logs, "--runs", "1", "--tags", "1", "--steps", "3")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "fuse", "-o", "refresh=1,nopurge",
                        "%s#%s" % (TBFS_BIN.resolve(), logs), str(mnt)],
                       capture_output=True, text=True, timeout=30)
    try:
        assert r.returncode == 0, r.stderr
        assert os.path.ismount(mnt)
        assert read_bytes(mnt / "runs.csv")
        f = subprocess.run(["findmnt", "-n", "-o", "FSTYPE,SOURCE",
                            str(mnt)], capture_output=True, text=True)
        if f.returncode == 0:
            assert f.stdout.split() == ["fuse.tbfs", "tbfs:%s" % logs]
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)
        if os.path.ismount(mnt):
            subprocess.run(["fusermount3", "-u", "-z", str(mnt)])
    assert not os.path.ismount(mnt)


def test_export(tbfs, gen, tmp_path):
    logs = tmp_path / "logs"
    gen("tree", logs, "--runs", "2", "--tags", "2", "--steps", "5")
    out = tmp_path / "out"
    r = tbfs("--export", logs, out)
    if r.returncode != 0 and "not supported" in r.stderr.lower():
        pytest.skip("tbv_export not implemented yet: " + r.stderr.strip())
    assert r.returncode == 0, r.stderr
    for name in ("runs.csv", "runs.json", "tags.csv", "scalars.csv"):
        assert (out / name).is_file(), name
    run = sorted(p.name for p in logs.iterdir())[0]
    csv = (out / run / "scalars" / "tag0.csv").read_bytes()
    assert csv.startswith(b"step,wall_time,value\n")
    assert csv.count(b"\n") == 6
