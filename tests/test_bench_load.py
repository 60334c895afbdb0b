"""The load benchmark's own arithmetic (the run itself is a benchmark, never part of the tests)."""
from __future__ import annotations

from bench.load import BURST, Pace, Session, most_at_once


def _s(began, ended) -> Session:
    return Session("u", began=began, ended=ended)


def test_sessions_in_progress_at_once():
    assert most_at_once([]) == 0
    assert most_at_once([_s(0, 10), _s(1, 2), _s(3, 4), _s(3.5, 12)]) == 3
    assert most_at_once([_s(0, 1), _s(1, 2), _s(2, 3)]) == 1  # one ends as the next begins
    assert most_at_once([_s(0, 5), _s(0, None)]) == 2  # a session stopped by its timeout still counted


def test_paces():
    assert [BURST.start_of(i) for i in range(3)] == [0.0, 0.0, 0.0]
    steady = Pace("steady", rate=2.0, think=5.0)
    assert [steady.start_of(i) for i in range(4)] == [0.0, 0.5, 1.0, 1.5]
    assert BURST.label().startswith("burst") and "2 log-ins/s" in steady.label()


def test_proc_stat_reads_this_process():
    import os
    import time

    from bench.load import proc_rss, proc_stat

    t0 = time.process_time()
    while time.process_time() - t0 < 0.2:  # some CPU of its own to see
        pass
    name, cpu, started = proc_stat(os.getpid())
    assert name.startswith("python") or "pytest" in name
    assert abs(cpu - time.process_time()) < 0.1 and started > 0
    assert proc_rss(os.getpid()) > 10 * 2**20
    assert proc_stat(2**31 - 1) is None and proc_rss(2**31 - 1) == 0


def test_sampler_counts_the_app_and_this_process_apart():
    import subprocess
    import sys

    from bench.load import MemorySampler

    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.5: pass\ntime.sleep(1.5)"
    child = subprocess.Popen([sys.executable, "-c", burn])
    try:
        with MemorySampler([child]) as sampler:
            child.wait(timeout=30)
    finally:
        child.kill()
    cpu = sampler.cpu_seconds()
    assert set(cpu) == {"app", "clients", "browser", "database", "nginx", "other"}
    assert 0.3 <= cpu["app"] <= 1.5  # the child's busy half second (its start-up included)
    assert sampler.peak[0] > 0 and sampler.peak_total >= sampler.peak[0]


def test_replicas_and_nginx_stop_when_a_replica_does_not_answer(tmp_path, monkeypatch):
    """A configuration whose replica does not answer its health check in time fails, and stops
    the replicas and nginx it started (they had been left running after the run ended)."""
    import subprocess

    import pytest

    import bench.load as load

    started: list[subprocess.Popen] = []
    real = subprocess.Popen

    def sleeper(cmd, *args, **kwargs):  # every process the configuration starts: a long sleep
        proc = real(["sleep", "600"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(proc)
        return proc

    def no_answer(url, timeout):
        raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")

    monkeypatch.setattr(load.subprocess, "Popen", sleeper)
    monkeypatch.setattr(load, "_wait_http", no_answer)
    try:
        with pytest.raises(RuntimeError, match="did not answer"):
            load.start_serving("postgresql+psycopg://nobody@127.0.0.1:9/none", 2, load.Ports(0), tmp_path)
        assert len(started) == 3  # two replicas and nginx
        assert all(p.poll() is not None for p in started), "a replica or nginx still runs"
    finally:
        for p in started:
            p.kill()
            p.wait()
