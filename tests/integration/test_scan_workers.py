"""moat-scand's pool of pre-forked scan workers (issue 14), against the real daemons.

Checked with real signals and real SMTP clients: a worker SIGKILLed in the middle of a scan costs
that message one 451 and the next message scans normally; a worker that stops making progress is
cut at [scan] timeout (451) and replaced; workers are recycled after [scan] worker_messages; each
runs under a seccomp filter with no_new_privs; every scan host is forked by the single-threaded
launcher, and with the launcher gone the daemon exits for its supervisor; signature reloads (SIGHUP, three of them) while 20
sessions send clean and infected mail lose nothing and never let a virus through (never a half-loaded
engine); moat-scand's memory (PSS over its whole process tree) stays bounded for 4 workers, and each
worker's own allocations are bounded by [scan] worker_memory, so a 7z built to make libarchive
allocate 5 GB is read as an unreadable archive in a moment. libclamav's
temporary files go to the scan host's own directory under $TMPDIR, one subdirectory per worker: a
worker killed mid-scan (SIGKILL, or cut at the timeout) leaves nothing behind once it is reaped, a
normal scan leaves its worker's directory empty, a dead host's directory is removed by the next host
and a live one's never, and nothing at all is left once moat-scand stops.
"""
import fcntl
import os
import signal
import smtplib
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import Backend, Moat, Scand, wait_until  # noqa: E402
from test_virus_scan import EICAR, EICAR_NAME, message, random_payload, run_load, send, write_signatures, zipped  # noqa: E402

VIRUS_REPLY = (554, f"5.7.1 Message rejected: virus {EICAR_NAME} found")
# 174 bytes whose compressed 7z header declares fifty million folders: libarchive allocates and fills
# 5 GB for it (a fuzzer's find).
FOLDER_COUNT_BOMB = (Path(__file__).resolve().parents[1] / "fuzz" / "corpus" / "fuzz_encrypted_archive"
                     / "folder-count-bomb.7z").read_bytes()
pytestmark = pytest.mark.skipif(not Path("/usr/share/clamav-testfiles/clam.exe").exists(),
                                reason="needs sigtool and clamav-testfiles (scripts/install-deps.sh)")


def workers(scand: Scand) -> list[int]:
    return scand.children()


def fd_count(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except FileNotFoundError:
        return -1


def idle_fds(scand: Scand, n: int) -> tuple[int, int]:
    """Waits until the pool holds n workers; returns the only worker's pid and its idle descriptor count."""
    pids = wait_until(lambda: (w := workers(scand)) and len(w) == n and w, 20, what=f"{n} scan workers")
    return pids[0], fd_count(pids[0])


def send_in_thread(moat: Moat, data: bytes) -> tuple[threading.Thread, list]:
    out: list = []
    t = threading.Thread(target=lambda: out.append(send(moat, data, timeout=120)), daemon=True)
    t.start()
    return t, out


def written(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/io").read_text().split("wchar: ")[1].split()[0])
    except (OSError, IndexError, ValueError):
        return -1


def catch_busy(pid: int, idle: int, thread: threading.Thread) -> bool:
    """Polls until the worker is scanning: it holds the request's two descriptors and has written
    its pid line (so moat-scand knows whom to have killed), or the send ended."""
    before = written(pid)
    while thread.is_alive():
        if fd_count(pid) >= idle + 2 and written(pid) > before:
            return True
        time.sleep(0.0005)
    return False


@pytest.fixture
def one_worker(tmp_path):
    with Backend("ours") as ours:
        moat = Moat(domains={"ours.test": ours.address})
        scand = Scand(moat, workers="1", timeout="3")
        write_signatures(scand, tmp_path)
        with moat, scand:
            yield moat, ours, scand


def test_sigkill_mid_scan_costs_that_message_one_451(one_worker):
    moat, ours, scand = one_worker
    big = message(("big.bin", random_payload(5 << 20)))
    for _ in range(20):
        pid, idle = idle_fds(scand, 1)
        thread, out = send_in_thread(moat, big)
        if catch_busy(pid, idle, thread):
            os.kill(pid, signal.SIGKILL)
            thread.join(60)
            code, text = out[0]
            assert code == 451 and text.startswith("4.7.0 "), out
            break
        thread.join(60)
        assert out[0] == (250, "queued")
    else:
        pytest.fail("never caught the worker scanning")
    # The next messages scan normally, on a fresh worker.
    assert send(moat, message(("e.txt", EICAR))) == VIRUS_REPLY
    assert send(moat, message(("a.txt", b"a"), text="after-kill-marker\n")) == (250, "queued")
    ours.wait_for(1, predicate=lambda m: b"after-kill-marker" in m.data)
    assert workers(scand) and workers(scand)[0] != pid


def test_stuck_worker_is_cut_at_the_timeout(one_worker):
    moat, _, scand = one_worker
    big = message(("big.bin", random_payload(5 << 20)))
    for _ in range(20):
        pid, idle = idle_fds(scand, 1)
        thread, out = send_in_thread(moat, big)
        if catch_busy(pid, idle, thread):
            # A stopped process makes no progress at all, like a scan that loops forever or
            # waits forever; nothing in it can end itself.
            os.kill(pid, signal.SIGSTOP)
            began = time.monotonic()
            thread.join(60)
            elapsed = time.monotonic() - began
            code, text = out[0]
            assert code == 451 and text.startswith("4.7.0 "), out
            assert elapsed < 3 + 2 + 2, elapsed  # [scan] timeout = 3 s, the host's kill 2 s later
            break
        thread.join(60)
        assert out[0] == (250, "queued")
    else:
        pytest.fail("never caught the worker scanning")
    try:
        wait_until(lambda: not Path(f"/proc/{pid}").exists(), 10, what="the stuck worker's end")
    except TimeoutError:
        raise AssertionError(Path(f"/proc/{pid}/status").read_text()[:400] + scand.run_log()[-2000:])
    assert send(moat, message(("e.txt", EICAR))) == VIRUS_REPLY
    assert send(moat, message(("a.txt", b"after-timeout"))) == (250, "queued")


def test_workers_are_recycled_and_confined(tmp_path):
    with Backend("ours") as ours:
        moat = Moat(domains={"ours.test": ours.address})
        scand = Scand(moat, workers="2", worker_messages="3")
        write_signatures(scand, tmp_path)
        with moat, scand:
            first = set(wait_until(lambda: len(w := workers(scand)) == 2 and w, 20, what="2 workers"))
            for pid in first:
                # Right after fork a worker has not confined itself yet; it does before its first message.
                status = wait_until(lambda: "\nSeccomp:\t2\n" in (t := Path(f"/proc/{pid}/status").read_text())
                                    and t, 10, what="the worker's seccomp filter")
                assert "\nNoNewPrivs:\t1\n" in status, status
            seen = set(first)
            for i in range(12):
                data = message(("e.txt", EICAR)) if i % 3 == 0 else message(("a.txt", b"recycle %d" % i))
                assert send(moat, data) == (VIRUS_REPLY if i % 3 == 0 else (250, "queued"))
                seen |= set(workers(scand))
            # 12 messages over 2 workers of 3 messages each: at least 4 workers in all.
            assert len(seen) >= 4, seen
            assert len(wait_until(lambda: len(w := workers(scand)) == 2 and w, 20, what="a full pool")) == 2


def proc_field(pid: int, name: str, key: str) -> int:
    """The first number on the line of /proc/<pid>/<name> that starts with key."""
    for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
        if line.startswith(key):
            return int(line[len(key):].split()[0])
    raise AssertionError(f"no {key} in /proc/{pid}/{name}")


def test_a_memory_bomb_fails_its_own_scan_not_the_worker(tmp_path):
    with Backend("ours") as ours:
        moat = Moat(domains={"ours.test": ours.address})
        scand = Scand(moat, workers="1", worker_memory="256M")
        write_signatures(scand, tmp_path)
        with moat, scand:
            pid = wait_until(lambda: (w := workers(scand)) and len(w) == 1 and w[0], 20, what="a worker")
            wait_until(lambda: "\nSeccomp:\t2\n" in Path(f"/proc/{pid}/status").read_text(), 10,
                       what="the worker's confinement")
            # The limit is the worker's data at the time plus worker_memory, hard and soft alike.
            soft = proc_field(pid, "limits", "Max data size")
            hard = int(next(l for l in Path(f"/proc/{pid}/limits").read_text().splitlines()
                            if l.startswith("Max data size")).split()[4])
            data = proc_field(pid, "status", "VmData:") * 1024
            assert soft == hard, (soft, hard)
            assert 0 < soft - data <= 256 << 20, (soft, data)
            began = time.monotonic()
            code, text = send(moat, message(("report.7z", FOLDER_COUNT_BOMB), text="memory-bomb-marker\n"))
            elapsed = time.monotonic() - began
            assert (code, text) == (250, "queued"), (code, text, scand.run_log()[-2000:])
            assert elapsed < 10, elapsed
            ours.wait_for(1, predicate=lambda m: b"memory-bomb-marker" in m.data)
            # The worker lived through it and never came near the 5 GB asked.
            assert workers(scand) == [pid]
            assert proc_field(pid, "status", "VmHWM:") < 512 << 10
            assert send(moat, message(("e.txt", EICAR))) == VIRUS_REPLY


def test_reloads_under_load_lose_nothing_and_let_no_virus_through(tmp_path):
    with Backend("ours") as ours:
        moat = Moat(domains={"ours.test": ours.address}, smtp={"max_sessions": "100"})
        scand = Scand(moat, workers="4")
        write_signatures(scand, tmp_path)
        with moat, scand:
            stop, lock, results = threading.Event(), threading.Lock(), []
            tagged = []

            def make(n, i):
                virus = (n + i) % 4 == 0
                tag = b"reload-%d-%d" % (n, i)
                with lock:
                    tagged.append((tag, virus))
                return message(("e.txt", EICAR) if virus else ("a.txt", tag), text=tag.decode() + "\n")

            loads = scand.signatures_loaded()
            threads = run_load(moat, 20, stop, make, results, lock)
            try:
                for k in range(3):
                    time.sleep(1.5)
                    scand.proc.send_signal(signal.SIGHUP)
                    wait_until(lambda: scand.signatures_loaded() > loads + k, 30, what=f"reload {k + 1}")
                time.sleep(1.5)
            finally:
                stop.set()
                for t in threads:
                    t.join(90)
            assert len(results) >= 60, len(results)
            wrong = [r for r in results if r not in ((250, "queued"), VIRUS_REPLY)]
            assert not wrong, f"{len(wrong)} of {len(results)}: {wrong[:5]}"
            assert results.count(VIRUS_REPLY) >= 10
            clean = results.count((250, "queued"))
            ours.wait_for(clean)
            delivered = ours.messages()
            assert not [m for m in delivered if EICAR in m.data.replace(b"\r\n", b"")], "a virus got through"


def test_hosts_come_from_the_launcher_and_its_loss_ends_the_daemon(one_worker):
    """Every scan host is forked by the single-threaded launcher, never by the threaded daemon (a fork
    there can copy a lock held and hang the new host), yet is the daemon's child, which reaps it. With
    the launcher gone no host can be started safely: moat-scand notices at its next check and exits
    with an error, for its supervisor to restart it."""
    moat, _, scand = one_worker
    launcher = scand.launcher()
    assert launcher, "no scand-launcher child"
    first = scand.hosts()
    assert len(first) == 1 and launcher not in first
    loads = scand.signatures_loaded()
    scand.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: scand.signatures_loaded() > loads and first[0] not in scand.hosts(), 20,
               what="a new scan host")
    assert len(scand.hosts()) == 1 and Scand._kids(launcher) == []
    assert send(moat, message(("e.txt", EICAR))) == VIRUS_REPLY

    os.kill(launcher, signal.SIGKILL)
    # Noticed at the watcher's next check (here every second), not only at a reload.
    wait_until(lambda: scand.proc.poll() is not None, 20, what="moat-scand to exit")
    assert scand.proc.returncode != 0
    assert "scand: the scan host launcher is gone" in scand.run_log()
    scand.start()
    assert scand.launcher() and len(scand.hosts()) == 1
    assert send(moat, message(("e.txt", EICAR))) == VIRUS_REPLY


def pss_mib(root: int) -> tuple[float, int]:
    """PSS summed over root's process tree (MiB), and the number of processes."""
    pids, grew = {root}, True
    while grew:
        grew = False
        for p in list(pids):
            for task in Path(f"/proc/{p}/task").glob("*"):
                try:
                    kids = {int(c) for c in (task / "children").read_text().split()}
                except (OSError, ValueError):
                    continue
                if not kids <= pids:
                    pids |= kids
                    grew = True
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024, len(pids)


def sanitized() -> bool:
    cache = Path(os.environ.get("MOAT_BUILD_DIR", "")) / "CMakeCache.txt"
    return cache.exists() and "MOAT_SANITIZE:BOOL=ON" in cache.read_text()


def test_memory_is_bounded_for_four_workers(tmp_path):
    with Backend("ours") as ours:
        moat = Moat(domains={"ours.test": ours.address})
        scand = Scand(moat, workers="4")
        write_signatures(scand, tmp_path)
        with moat, scand:
            wait_until(lambda: len(workers(scand)) == 4, 20, what="4 workers")
            attachment = random_payload(1 << 20)
            for i in range(16):
                assert send(moat, message((f"m{i}.bin", attachment))) == (250, "queued")
            pss, count = pss_mib(scand.proc.pid)
            print(f"moat-scand: {count} processes, PSS {pss:.1f} MiB")
            assert count == 1 + 1 + 1 + 4  # the daemon, its launcher, its scan host, 4 workers
            # Measured about 13 MiB without sanitizers; ASan's shadow memory adds to every process.
            limit = 400 if sanitized() else 64
            assert pss < limit, pss


# ---- libclamav's temporary files (appliance/scan/scratch_root.h) ----

def scratch_root(tmpdir: Path) -> Path:
    """The (only) live scan host's directory for temporary files under the daemon's TMPDIR."""
    roots = wait_until(lambda: (r := sorted(tmpdir.glob("moat-scan.*"))) and r, 20, what="the scan host's root")
    assert len(roots) == 1, roots
    return roots[0]


def tree(path: Path) -> list[str]:
    """Everything under path; a directory that the scan host removes while it is being listed
    (its cleanup races the walk) makes the walk start again."""
    for _ in range(1000):
        try:
            return sorted(str(p.relative_to(path)) for p in path.rglob("*")) if path.exists() else []
        except FileNotFoundError:
            continue
    raise AssertionError(f"{path} kept changing while being listed")


@pytest.fixture
def one_worker_tmpdir(tmp_path):
    with Backend("ours") as ours:
        moat = Moat(domains={"ours.test": ours.address})
        scand = Scand(moat, workers="1", timeout="3")
        write_signatures(scand, tmp_path)
        tmpdir = tmp_path / "scand-tmp"
        tmpdir.mkdir()
        scand.env = {"TMPDIR": str(tmpdir)}
        with moat:
            with scand:
                yield moat, scand, tmpdir
            # moat-scand stopped: its host (which sees it go) removes its root on the way out.
            wait_until(lambda: tree(tmpdir) == [], 10, what="no temporary files once moat-scand stopped")


@pytest.mark.parametrize("how", ["SIGKILL", "timeout"])
def test_worker_killed_mid_scan_leaves_no_temporary_files(one_worker_tmpdir, how):
    moat, scand, tmpdir = one_worker_tmpdir
    root = scratch_root(tmpdir)
    assert (root.stat().st_mode & 0o777) == 0o700
    big = message(("big.bin", random_payload(5 << 20)))
    for _ in range(20):
        pid = wait_until(lambda: (w := workers(scand)) and len(w) == 1 and w[0], 20, what="1 scan worker")
        mine = root / str(pid)
        wait_until(mine.is_dir, 10, what="the worker's directory")
        thread, out = send_in_thread(moat, big)
        # Caught mid-scan: libclamav has made this scan's directory (and the message's parts) in the worker's.
        while thread.is_alive() and not tree(mine):
            time.sleep(0.0005)
        left = tree(mine)
        if left and thread.is_alive():
            os.kill(pid, signal.SIGKILL if how == "SIGKILL" else signal.SIGSTOP)
            thread.join(60)
            code, text = out[0]
            assert code == 451 and text.startswith("4.7.0 "), out
            break
        thread.join(60)
        assert out[0] == (250, "queued")
    else:
        pytest.fail("never caught libclamav's temporary files")
    assert any("scantemp" in p for p in left), left
    wait_until(lambda: not Path(f"/proc/{pid}").exists(), 10, what="the killed worker's end")
    wait_until(lambda: not mine.exists(), 10, what="the killed worker's directory to be removed")
    # Only the replacement's directory is left, and it is empty; no scan temp lies anywhere else.
    fresh = wait_until(lambda: (w := workers(scand)) and len(w) == 1 and w[0] != pid and w[0], 20,
                       what="a fresh worker")
    wait_until(lambda: tree(tmpdir) == [root.name, f"{root.name}/{fresh}"], 10, what="only the fresh worker's dir")
    assert send(moat, message(("e.txt", EICAR))) == VIRUS_REPLY


def test_normal_scans_leave_the_worker_directory_empty(tmp_path):
    with Backend("ours") as ours:
        moat = Moat(domains={"ours.test": ours.address})
        scand = Scand(moat, workers="2")
        write_signatures(scand, tmp_path)
        tmpdir = tmp_path / "scand-tmp"
        # A root left by a host that died (nobody holds its lock) and one of a live host (locked here).
        (tmpdir / "moat-scan.999999" / "20261205_073857-scantemp.37d74267bb").mkdir(parents=True)
        (tmpdir / "moat-scan.999999" / "20261205_073857-scantemp.37d74267bb" / "x").write_bytes(b"x" * 4096)
        live = tmpdir / "moat-scan.888888"
        (live / "1234").mkdir(parents=True)
        held = os.open(live, os.O_RDONLY | os.O_DIRECTORY)
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        scand.env = {"TMPDIR": str(tmpdir)}
        try:
            with moat:
                with scand:
                    wait_until(lambda: not (tmpdir / "moat-scan.999999").exists(), 20, what="the stale root's removal")
                    assert tree(live) == ["1234"]
                    root = next(r for r in tmpdir.glob("moat-scan.*") if r != live)
                    pids = wait_until(lambda: (w := workers(scand)) and len(w) == 2 and w, 20, what="2 workers")
                    nested = zipped(("inner.zip", zipped(("a.txt", b"clean text\n" * 1000))))
                    for i in range(6):
                        assert send(moat, message(("n.zip", nested), ("b.bin", random_payload(200000)),
                                                  text=f"clean {i}\n")) == (250, "queued")
                        assert send(moat, message(("e.zip", zipped(("e.txt", EICAR)))))[0] == 554
                    assert sorted(workers(scand)) == sorted(pids)
                    assert tree(root) == sorted(str(p) for p in pids), tree(root)
                wait_until(lambda: sorted(p.name for p in tmpdir.iterdir()) == [live.name], 10,
                           what="only the live host's root once moat-scand stopped")
        finally:
            os.close(held)
