"""What the cluster check and the cluster benchmark share: a throwaway PostgreSQL, HAProxy with deploy/haproxy.cfg on
loopback, `portal serve` nodes joined to them, and small HTTP helpers. Every wait is bounded by a count of attempts."""
import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PORTAL = os.path.join(ROOT, ".build", "debug", "portal")
PLATFORM_HOST = "platform.localhost"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, host, body=None, headers=None, timeout=30):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        all_headers = {"Host": host}
        all_headers.update(headers or {})
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def wait_for(predicate, attempts=600, pause=0.05):
    """True as soon as predicate() holds, polling at most `attempts` times."""
    for _ in range(attempts):
        try:
            if predicate():
                return True
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(pause)
    return False


def run(args, portal=None, quiet=False, **kwargs):
    result = subprocess.run([portal or PORTAL] + args, capture_output=True, text=True, timeout=1800, **kwargs)
    if result.returncode != 0 and not quiet:
        print(result.stdout + result.stderr, flush=True)
    return result


class Cluster:
    def __init__(self, portal=None):
        self.portal = portal or PORTAL
        self.tmp = tempfile.mkdtemp(prefix="portal-cluster-")
        os.chmod(self.tmp, 0o755)
        self.processes = {}
        self.logs = {}
        self.ports = {}

    def start_postgres(self):
        out = subprocess.run(
            ["bash", os.path.join(ROOT, "scripts/cluster/postgres.sh"), "start", os.path.join(self.tmp, "pg"), str(free_port())],
            capture_output=True, text=True, check=True)
        self.registry = out.stdout.strip().splitlines()[-1]

    def start_haproxy(self):
        self.proxy_port = free_port()
        self.admin = os.path.join(self.tmp, "admin.sock")
        self.hosts_map = os.path.join(self.tmp, "hosts.map")
        self.nodes_map = os.path.join(self.tmp, "nodes.map")
        open(self.hosts_map, "w").close()
        open(self.nodes_map, "w").close()
        with open(os.path.join(ROOT, "deploy/haproxy.cfg")) as f:
            config = f.read()
        config = (config.replace("/etc/haproxy/hosts.map", self.hosts_map)
                  .replace("/etc/haproxy/nodes.map", self.nodes_map)
                  .replace("/run/haproxy/admin.sock", self.admin)
                  .replace("127.0.0.1:8080", f"127.0.0.1:{self.proxy_port}")
                  .replace("platform.example", PLATFORM_HOST)
                  .replace("maxconn 20000", "maxconn 2000")
                  .replace("log stdout format raw local0 info", "")
                  .replace("    option httplog\n", ""))
        path = os.path.join(self.tmp, "haproxy.cfg")
        with open(path, "w") as f:
            f.write(config)
        log = open(os.path.join(self.tmp, "haproxy.log"), "w")
        self.processes["haproxy"] = subprocess.Popen(["haproxy", "-db", "-f", path], stdout=log, stderr=subprocess.STDOUT)
        assert wait_for(lambda: os.path.exists(self.admin)), "HAProxy did not start"

    def node_flags(self, name):
        return ["--registry", self.registry, "--data-dir", os.path.join(self.tmp, name),
                "--master-key-file", os.path.join(self.tmp, "master.key")]

    def start_node(self, name, extra=()):
        port = free_port()
        log = open(os.path.join(self.tmp, name + ".log"), "w")
        self.logs[name] = log.name
        args = ["serve", "--port", str(port), "--node", name, "--advertise", f"http://127.0.0.1:{port}",
                "--haproxy-runtime", "unix:" + self.admin, "--haproxy-hosts-map", self.hosts_map,
                "--haproxy-nodes-map", self.nodes_map, "--trusted-proxy", "127.0.0.1/32",
                "--platform-host", PLATFORM_HOST, "--assets-dir", os.path.join(ROOT, "assets"),
                "--backup-remote", os.path.join(self.tmp, "remote"), "--log-level", "warning"] + self.node_flags(name)
        self.processes[name] = subprocess.Popen([self.portal] + args + list(extra), stdout=log,
                                                stderr=subprocess.STDOUT, cwd=ROOT)
        self.ports[name] = port
        ok = wait_for(lambda: request(port, "GET", "/health", "localhost")[0] == 200)
        assert ok, f"{name} did not start; see {log.name}"
        assert wait_for(lambda: json.loads(request(port, "GET", "/health", "localhost")[2]).get("node") == name)
        return port

    def add_tenant(self, slug, name, node):
        result = run(portal=self.portal, args=["tenant", "add", "--slug", slug, "--name", name, "--node", node] + self.node_flags(node))
        assert result.returncode == 0, result.stderr

    def via_proxy(self, path, host, **kwargs):
        return request(self.proxy_port, "GET", path, host, **kwargs)

    def node_of(self, host):
        status, _, body = self.via_proxy("/health", host)
        return json.loads(body).get("node") if status == 200 else None

    def stop(self, keep=False):
        for name, process in self.processes.items():
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        subprocess.run(["bash", os.path.join(ROOT, "scripts/cluster/postgres.sh"), "stop", os.path.join(self.tmp, "pg")])
        if not keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            print("logs kept in " + self.tmp)




def recover(cluster, dead, target, portal=None):
    """`portal cluster recover`, asked again each second while the dead node still counts as alive (30 s after its
    last heartbeat; at most 90 tries). Returns the first answer and the last."""
    args = ["cluster", "recover", "--node", dead, "--to", target, "--backup-remote",
            os.path.join(cluster.tmp, "remote")] + cluster.node_flags(target)
    first = last = run(args, portal=portal, quiet=True)
    for _ in range(90):
        if last.returncode == 0 or "counts as dead after" not in last.stderr:
            break
        time.sleep(1)
        last = run(args, portal=portal, quiet=True)
    return first, last
