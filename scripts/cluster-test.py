#!/usr/bin/env python3
"""Several nodes, end to end, with real engines: a PostgreSQL registry (an unprivileged throwaway cluster), HAProxy on
loopback whose maps the nodes keep through its runtime API, and two `portal serve` nodes. Run by `make test`.

Checks, in order:
  1. each tenant answers through the proxy from its own node (and the other node answers 421 naming the owner);
  2. a tenant added on node 1 is routable through the proxy within 2 s (counted in 50 ms polls);
  3. a move under a steady stream of reads and sign-ups: every acknowledged sign-up is present afterwards, no
     request is answered by the wrong tenant, and the only errors are 503s with Retry-After;
  4. node 1 killed with SIGKILL, `portal cluster recover` onto node 2: its tenants answer from node 2 with every
     backed-up sign-up present.
Network: loopback only. Every wait is bounded by a count of attempts.
"""
import http.client
import os
import re
import signal
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "cluster"))
from harness import PORTAL, Cluster, recover, request, run, wait_for  # noqa: E402

FAILURES = []


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message, flush=True)
    if not condition:
        FAILURES.append(message)


def sign_up(port, host, email):
    """A visitor signs up through the proxy: the form (with its CSRF token and cookie), then the post."""
    status, headers, body = request(port, "GET", "/signup", host)
    if status != 200:
        return status, headers, body
    token = re.search(r'name="_csrf" value="([^"]+)"', body).group(1)
    cookie = "; ".join(c.split(";")[0] for c in headers.get("set-cookie", "").split(", __Host") if c)
    cookie = cookie.replace("; -", "; __Host-")
    cookies = re.findall(r"(__Host-[a-z]+=[^;]+)", headers.get("set-cookie", ""))
    form = f"_csrf={token}&name=Load+Tester&email={email}&password=correct+horse+battery+staple"
    return request(port, "POST", "/signup", host, body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": "; ".join(cookies)})


def accounts(data_dir, slug):
    database = sqlite3.connect(f"file:{os.path.join(data_dir, slug, 'tenant.sqlite')}?mode=ro", uri=True)
    try:
        return {row[0].lower() for row in database.execute("SELECT email FROM accounts WHERE kind = 'customer'")}
    finally:
        database.close()


def main():
    if not os.path.exists(PORTAL):
        sys.exit("build first: swift build")
    cluster = Cluster()
    finished = False
    try:
        cluster.start_postgres()
        cluster.start_haproxy()
        port_one = cluster.start_node("node-1")
        port_two = cluster.start_node("node-2")

        # 1. Each tenant through the proxy, from its own node.
        cluster.add_tenant("acme", "Acme Hosting", "node-1")
        cluster.add_tenant("globex", "Globex Cloud", "node-2")
        check(wait_for(lambda: cluster.via_proxy("/", "acme.localhost")[0] == 200), "acme answers through the proxy")
        check(wait_for(lambda: cluster.via_proxy("/", "globex.localhost")[0] == 200), "globex answers through the proxy")
        check("Acme Hosting" in cluster.via_proxy("/", "acme.localhost")[2], "acme's page is acme's")
        check("Globex Cloud" in cluster.via_proxy("/", "globex.localhost")[2], "globex's page is globex's")
        check(cluster.node_of("acme.localhost") == "node-1", "acme is served by node-1")
        check(cluster.node_of("globex.localhost") == "node-2", "globex is served by node-2")
        status, headers, _ = request(port_two, "GET", "/", "acme.localhost")
        check(status == 421 and headers.get("portal-node") == "node-1", "node-2 answers 421 for acme, naming node-1")
        check(cluster.via_proxy("/", "nobody.localhost")[0] == 404, "an unknown host gets the proxy's 404")

        # 2. Routable within 2 s of being added (40 polls of 50 ms).
        started = time.monotonic()
        cluster.add_tenant("initech", "Initech Servers", "node-1")
        added = time.monotonic()
        routable = wait_for(lambda: "Initech Servers" in cluster.via_proxy("/", "initech.localhost")[2], attempts=40)
        check(routable, f"a tenant added on node-1 is routable within 2 s ({(time.monotonic() - added) * 1000:.0f} ms after "
              f"the command returned, {(time.monotonic() - started) * 1000:.0f} ms with the command)")

        # 3. A move under load.
        stop = threading.Event()
        acknowledged, errors, statuses = [], [], []
        window = {"first_503": None, "first_200_after": None}
        lock = threading.Lock()

        def reader():
            while not stop.is_set():
                try:
                    status, headers, body = cluster.via_proxy("/", "acme.localhost", timeout=10)
                except (OSError, http.client.HTTPException) as error:
                    errors.append(f"read: {error}")
                    continue
                now = time.monotonic()
                with lock:
                    statuses.append(status)
                    if status == 200:
                        if "Acme Hosting" not in body or "Globex" in body:
                            errors.append("a read was answered by another tenant")
                        if window["first_503"] is not None and window["first_200_after"] is None:
                            window["first_200_after"] = now
                    elif status == 503:
                        if window["first_503"] is None:
                            window["first_503"] = now
                        if headers.get("retry-after") != "1":
                            errors.append(f"a 503 without Retry-After: 1 ({headers.get('retry-after')})")
                    else:
                        errors.append(f"read answered {status} (Portal-Node: {headers.get('portal-node')})")

        def writer(index):
            count = 0
            while not stop.is_set():
                email = f"load{index}-{count}@example.com"
                try:
                    status, headers, body = sign_up(cluster.proxy_port, "acme.localhost", email)
                except (OSError, http.client.HTTPException) as error:
                    errors.append(f"write: {error}")
                    continue
                if status == 200 and "Check your inbox" in body:
                    acknowledged.append(email)
                    count += 1
                elif status == 503:
                    if headers.get("retry-after") != "1":
                        errors.append("a 503 without Retry-After: 1 on a write")
                    time.sleep(0.05)
                else:
                    errors.append(f"sign-up answered {status}")
                    count += 1

        threads = [threading.Thread(target=reader)] + [threading.Thread(target=writer, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        before_move = len(acknowledged)
        moved = run(["tenant", "move", "--slug", "acme", "--to", "node-2", "--registry", cluster.registry])
        check(moved.returncode == 0, "portal tenant move acme → node-2: " + moved.stdout.strip().splitlines()[-1]
              if moved.stdout.strip() else "portal tenant move printed nothing")
        time.sleep(1.5)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        check(not errors, f"the only errors were 503s with Retry-After ({len(errors)} others: {errors[:3]})")
        check(cluster.node_of("acme.localhost") == "node-2", "acme is served by node-2 after the move")
        stored = accounts(os.path.join(cluster.tmp, "node-2"), "acme")
        missing = [email for email in acknowledged if email.lower() not in stored]
        check(len(acknowledged) > before_move > 0, f"sign-ups were acknowledged before ({before_move}) and after "
              f"({len(acknowledged) - before_move}) the move")
        check(not missing, f"every acknowledged sign-up ({len(acknowledged)}) is in acme's database on node-2 "
              f"({len(missing)} missing)")
        if window["first_503"] is not None and window["first_200_after"] is not None:
            print(f"     unavailable for {(window['first_200_after'] - window['first_503']) * 1000:.0f} ms "
                  f"(first 503 to first 200, client's view); {statuses.count(503)} of {len(statuses)} reads got 503")
        else:
            print("     no read saw a 503 during the move")

        # 4. Node 1 dies; its tenants come back on node 2 from the backups.
        _, _, _ = sign_up(cluster.proxy_port, "initech.localhost", "before-backup@example.com")
        backed = run(["backup", "run"] + cluster.node_flags("node-1")[2:] + ["--backup-remote", os.path.join(cluster.tmp, "remote")])
        check(backed.returncode == 0, "node-1's tenants are backed up to the remote")
        cluster.processes["node-1"].send_signal(signal.SIGKILL)
        cluster.processes["node-1"].wait(timeout=30)
        check(cluster.via_proxy("/", "initech.localhost")[0] in (502, 503), "initech is down with node-1")
        early, recovered = recover(cluster, "node-1", "node-2")
        check(early.returncode != 0 and "counts as dead after" in early.stderr,
              "a node that heartbeated moments ago is not recovered yet (it may only be cut off)")
        print("     " + "\n     ".join(recovered.stdout.strip().splitlines()))
        check(recovered.returncode == 0, "portal cluster recover node-1 → node-2")
        check(wait_for(lambda: "Initech Servers" in cluster.via_proxy("/", "initech.localhost")[2]),
              "initech answers through the proxy again")
        check(cluster.node_of("initech.localhost") == "node-2", "initech is served by node-2")
        check("before-backup@example.com" in accounts(os.path.join(cluster.tmp, "node-2"), "initech"),
              "the sign-up made before the backup is present after the recovery")
        check("acme" not in os.listdir(os.path.join(cluster.tmp, "node-1")), "node-1 set its copy of acme aside")
        finished = True
    finally:
        cluster.stop(keep=not finished or bool(FAILURES))
    if FAILURES:
        sys.exit(f"cluster check: {len(FAILURES)} failed")
    print("cluster check passed")


if __name__ == "__main__":
    main()
