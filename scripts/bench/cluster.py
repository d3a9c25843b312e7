#!/usr/bin/env python3
"""`make bench-cluster`: the release server as two nodes behind HAProxy on a throwaway PostgreSQL, on this machine.

Prints:
  - storefront throughput through HAProxy over BENCH_CLUSTER_TENANTS random hosts with every brand on one node, then
    with half of them on a second node (wrk, like `make bench`), beside plaintext through the same proxy;
  - the unavailability of a move of a brand with 1,000 customers and 5,000 services, from a client's view: the time
    from its first 503 to its first 200 while it reads the brand's storefront as fast as it can;
  - the time to recover a node of BENCH_CLUSTER_TENANTS brands from its off-machine backups onto the other node.
All on one machine: the two nodes, HAProxy, PostgreSQL and wrk share its cores, so two nodes cannot beat one here;
what the second node adds is failure isolation and room, which needs a second machine to show in throughput.
"""
import os
import re
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "cluster"))
from harness import ROOT, Cluster, request, run, wait_for  # noqa: E402

PORTAL = os.path.join(ROOT, ".build", "release", "portal")
TENANTS = int(os.environ.get("BENCH_CLUSTER_TENANTS", "1000"))
DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "64")
THREADS = os.environ.get("BENCH_THREADS", "2")


def wrk(port, script=None, path="/", host=None):
    args = ["wrk", "-t" + THREADS, "-c" + CONNECTIONS, "-d" + DURATION, "--latency"]
    if script:
        args += ["-s", os.path.join(ROOT, "scripts/bench", script)]
    if host:
        args += ["-H", "Host: " + host]
    out = subprocess.run(args + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                         env=dict(os.environ, BENCH_TENANTS=str(TENANTS))).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+(\S+)", out).group(1)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, p99, int(non2xx.group(1)) if non2xx else 0


def main():
    if not os.path.exists(PORTAL):
        sys.exit("build the release server first: swift build -c release")
    cluster = Cluster(portal=PORTAL)
    try:
        one_data = os.path.join(cluster.tmp, "node-1")
        print(f"bench-cluster: preparing {TENANTS} brands and `office` (1,000 customers, 5,000 services)", flush=True)
        prepared = run(["bench-prepare", "--tenants", str(TENANTS), "--office-customers", "1000",
                        "--office-services", "5000", "--data-dir", one_data], portal=PORTAL)
        assert prepared.returncode == 0, prepared.stderr
        cluster.start_postgres()
        cluster.start_haproxy()
        moved_in = run(["registry", "migrate-to-postgres", "--node", "node-1", "--advertise", "http://127.0.0.1:1",
                        "--registry", cluster.registry, "--data-dir", one_data], portal=PORTAL)
        assert moved_in.returncode == 0, moved_in.stderr
        one = cluster.start_node("node-1", extra=["--bench", "--max-open-tenants", "1200"])
        two = cluster.start_node("node-2", extra=["--bench", "--max-open-tenants", "1200"])
        assert wait_for(lambda: request(cluster.proxy_port, "GET", "/", "b00001.localhost")[0] == 200, attempts=1200)

        # Throughput, one node holding every brand.
        plain = wrk(cluster.proxy_port, path="/bench/plaintext", host="b00001.localhost")
        direct = wrk(one, path="/bench/plaintext", host="b00001.localhost")
        for _ in range(2):  # warm every brand's cache once, as `make bench` does
            wrk(cluster.proxy_port, script="random-host.lua")
        single = wrk(cluster.proxy_port, script="random-host.lua")

        # Half the brands to node-2: their folders copied (both nodes are on this machine) and their assignment
        # flipped in the registry, which is what a move ends with.
        half = [f"b{i:05d}" for i in range(2, TENANTS + 1, 2)]
        two_data = os.path.join(cluster.tmp, "node-2")
        for slug in half:
            subprocess.run(["cp", "-a", os.path.join(one_data, slug), os.path.join(two_data, slug)], check=True)
        subprocess.run(["psql", cluster.registry.replace("?sslmode=disable", ""), "-qc",
                        "UPDATE tenants SET node = 'node-2' WHERE slug IN (" + ",".join(f"'{s}'" for s in half) + ")"],
                       check=True)
        assert wait_for(lambda: request(cluster.proxy_port, "GET", "/health", half[0] + ".localhost")[2].find("node-2") > 0,
                        attempts=1200)
        for _ in range(2):
            wrk(cluster.proxy_port, script="random-host.lua")
        double = wrk(cluster.proxy_port, script="random-host.lua")

        # A move of `office` under a reader.
        stop = threading.Event()
        seen = {"first_503": None, "first_200_after": None, "reads": 0, "errors": 0}

        def reader():
            while not stop.is_set():
                status = request(cluster.proxy_port, "GET", "/", "office.localhost")[0]
                now = time.monotonic()
                seen["reads"] += 1
                if status == 503 and seen["first_503"] is None:
                    seen["first_503"] = now
                elif status == 200 and seen["first_503"] is not None and seen["first_200_after"] is None:
                    seen["first_200_after"] = now
                elif status not in (200, 503):
                    seen["errors"] += 1

        thread = threading.Thread(target=reader)
        thread.start()
        time.sleep(1)
        move = run(["tenant", "move", "--slug", "office", "--to", "node-2", "--registry", cluster.registry],
                   portal=PORTAL)
        time.sleep(1)
        stop.set()
        thread.join()
        assert move.returncode == 0, move.stdout + move.stderr
        window = ((seen["first_200_after"] - seen["first_503"]) * 1000
                  if seen["first_503"] is not None and seen["first_200_after"] is not None else 0)

        # Recovery of node-1's brands onto node-2.
        backed = run(["backup", "run", "--backup-remote", os.path.join(cluster.tmp, "remote")]
                     + cluster.node_flags("node-1")[2:], portal=PORTAL)
        assert backed.returncode == 0, backed.stdout[-2000:]
        held_by_one = TENANTS - len(half)
        cluster.processes["node-1"].send_signal(signal.SIGKILL)
        cluster.processes["node-1"].wait()
        # It counts as dead 30 s after its last heartbeat; the recovery is timed from the first attempt that runs.
        time.sleep(31)
        started = time.monotonic()
        recovered = run(["cluster", "recover", "--node", "node-1", "--to", "node-2", "--backup-remote",
                         os.path.join(cluster.tmp, "remote")] + cluster.node_flags("node-2"), portal=PORTAL)
        recovery = time.monotonic() - started
        assert recovered.returncode == 0, recovered.stdout[-2000:]

        print(f"bench-cluster: plaintext direct to a node: {direct[0]:,.0f} req/s (p99 {direct[1]}); "
              f"through HAProxy: {plain[0]:,.0f} req/s (p99 {plain[1]})")
        print(f"bench-cluster: storefront over {TENANTS} brands through HAProxy, one node: {single[0]:,.0f} req/s "
              f"(p99 {single[1]}, non-2xx {single[2]})")
        print(f"bench-cluster: the same, two nodes on this machine: {double[0]:,.0f} req/s "
              f"(p99 {double[1]}, non-2xx {double[2]})")
        print(f"bench-cluster: move of `office` (1,000 customers, 5,000 services): {window:.0f} ms from the client's "
              f"first 503 to its first 200 ({seen['reads']} reads, {seen['errors']} other errors); "
              + move.stdout.strip().splitlines()[-1])
        print(f"bench-cluster: recovery of node-1's {held_by_one} brands from backups onto node-2: {recovery:.1f} s "
              f"({held_by_one / recovery:.0f} brands/s)")
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
