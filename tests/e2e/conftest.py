"""End-to-end tests of tbfs: real FUSE mounts (suite 'e2e').

Run with Debian's Python (it has pandas and pytest):

    /usr/bin/python3 -m pytest -q tests/e2e

Environment:
    TBFS_BIN       the tbfs binary        (default build/fs/tbfs)
    TBFS_GEN       the event generator    (default build/tests/gen/tbfs-gen)
    TBFS_FIXTURES  real-world event logs  (default tests/fixtures/real, else
                   ../shared/fixtures/real next to the repository)

Each test mounts on its own fresh mountpoint with `-f`, stderr to a log,
waits for the mount under a deadline (failing at once if the daemon died),
and always unmounts: `fusermount3 -u` and a required exit status 0, or on
any failure path `fusermount3 -u -z` and a kill. A daemon log containing
ERROR, AddressSanitizer or "runtime error" (UBSan) fails the test. Tests
are skipped when FUSE is unusable here.
"""
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _path_from_env(var, default):
    p = os.environ.get(var)
    return Path(p) if p else REPO / default


TBFS_BIN = _path_from_env("TBFS_BIN", "build/fs/tbfs")
TBFS_GEN = _path_from_env("TBFS_GEN", "build/tests/gen/tbfs-gen")


def _fixtures_dir():
    p = os.environ.get("TBFS_FIXTURES")
    if p:
        return Path(p)
    for cand in (REPO / "tests/fixtures/real",
                 REPO.parent / "shared/fixtures/real"):
        if (cand / "expected").is_dir():
            return cand
    return REPO / "tests/fixtures/real"


FIXTURES = _fixtures_dir()
SUSPICIOUS = ("ERROR", "AddressSanitizer", "runtime error")
MOUNT_DEADLINE = 15.0
EXIT_DEADLINE = 15.0


def fuse_unusable_reason():
    """Why FUSE cannot be used here, or None."""
    if not os.path.exists("/dev/fuse"):
        return "/dev/fuse is missing"
    if os.geteuid() == 0:
        try:
            os.close(os.open("/dev/fuse", os.O_RDWR))
        except OSError as e:
            return "cannot open /dev/fuse: %s" % e.strerror
    if not shutil.which("fusermount3"):
        return "fusermount3 not found"
    return None


def run_tool(args, **kw):
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    kw.setdefault("timeout", 300)
    return subprocess.run([str(a) for a in args], **kw)


class Mount:
    """One tbfs daemon on its own mountpoint."""

    def __init__(self, logdir, opts, workdir):
        self.logdir = Path(logdir)
        self.mnt = Path(tempfile.mkdtemp(prefix="mnt-", dir=workdir))
        self.log_path = Path(workdir) / ("%s.log" % self.mnt.name)
        self.opts = list(opts)
        self.proc = None
        self.unmounted = False

    def start(self):
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [str(TBFS_BIN), "-f", *self.opts, str(self.logdir),
             str(self.mnt)],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + MOUNT_DEADLINE
        while not os.path.ismount(self.mnt):
            rc = self.proc.poll()
            if rc is not None:
                raise AssertionError(
                    "tbfs exited with %d before mounting:\n%s"
                    % (rc, self.log_text()))
            if time.monotonic() > deadline:
                raise AssertionError("tbfs did not mount within %.0fs:\n%s"
                                     % (MOUNT_DEADLINE, self.log_text()))
            time.sleep(0.02)
        return self

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def path(self, *parts):
        return self.mnt.joinpath(*parts)

    def umount(self):
        """Clean unmount; the daemon must exit 0 and log nothing bad."""
        if self.unmounted:
            return
        self.unmounted = True
        r = run_tool(["fusermount3", "-u", self.mnt], timeout=30)
        assert r.returncode == 0, "fusermount3 -u failed: %s" % (
            r.stderr.decode(errors="replace"))
        rc = self.proc.wait(timeout=EXIT_DEADLINE)
        self.log.close()
        text = self.log_text()
        assert rc == 0, "tbfs exited with %d:\n%s" % (rc, text)
        for word in SUSPICIOUS:
            assert word not in text, "daemon log has %r:\n%s" % (word, text)
        os.rmdir(self.mnt)

    def abort(self):
        """Failure path: lazy unmount and kill, whatever the state."""
        if self.unmounted:
            return
        self.unmounted = True
        subprocess.run(["fusermount3", "-u", "-z", str(self.mnt)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            try:
                self.proc.wait(timeout=EXIT_DEADLINE)
            except subprocess.TimeoutExpired:
                pass
        if not self.log.closed:
            self.log.close()


@pytest.fixture
def workdir(tmp_path):
    return tmp_path


@pytest.fixture
def mount(request, tmp_path):
    """Factory: mount(logdir, *opts) -> Mount (mounted). Every mount is
    unmounted at teardown; on test failure, lazily and with a kill."""
    reason = fuse_unusable_reason()
    if reason:
        pytest.skip("FUSE unusable: " + reason)
    if not TBFS_BIN.exists():
        pytest.skip("tbfs not built (%s); set TBFS_BIN" % TBFS_BIN)
    mounts = []

    def factory(logdir, *opts):
        m = Mount(logdir, opts, tmp_path)
        mounts.append(m)
        try:
            return m.start()
        except BaseException:
            m.abort()
            raise

    yield factory
    failed = getattr(request.node, "rep_call", None)
    failed = failed is None or failed.failed
    errors = []
    for m in mounts:
        try:
            if failed:
                m.abort()
            else:
                m.umount()
        except BaseException as e:  # keep unmounting the others
            m.abort()
            errors.append(e)
    if errors:
        raise errors[0]


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture
def gen():
    """gen(*args): runs tbfs-gen, fails on a non-zero exit."""
    if not TBFS_GEN.exists():
        pytest.skip("tbfs-gen not built (%s); set TBFS_GEN" % TBFS_GEN)

    def run(*args):
        r = run_tool([TBFS_GEN, *args])
        assert r.returncode == 0, "tbfs-gen %s: %s" % (
            " ".join(map(str, args)), r.stderr.decode(errors="replace"))
        return r

    return run


@pytest.fixture(scope="session")
def fixtures_real():
    if not (FIXTURES / "expected" / "scalars.jsonl").exists():
        pytest.skip("real fixtures not found at %s" % FIXTURES)
    return FIXTURES


def tree_checksums(root):
    """sha256 and mtime of every file, mtime of every directory."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        st = os.stat(dirpath)
        out[dirpath] = ("dir", st.st_mtime_ns)
        for name in sorted(filenames):
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            h = hashlib.sha256()
            with open(p, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            out[p] = (h.hexdigest(), st.st_size, st.st_mtime_ns,
                      st.st_mode)
    return out


@pytest.fixture(scope="session", autouse=True)
def logs_untouched():
    """(g) The real log tree is byte-for-byte and mtime-for-mtime the same
    after the whole suite."""
    if not FIXTURES.is_dir():
        yield
        return
    before = tree_checksums(FIXTURES)
    yield
    after = tree_checksums(FIXTURES)
    changed = sorted(k for k in set(before) | set(after)
                     if before.get(k) != after.get(k))
    assert not changed, "log tree modified: %s" % changed[:20]
