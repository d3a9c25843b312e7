"""The demo server and a plain-HTTP visitor, shared by the scripted checks (attack-test.py, security-scan.py)."""
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORTAL = os.environ.get("PORTAL_BIN", os.path.join(ROOT, ".build", "debug", "portal"))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """One visitor of one brand host: cookies, the page's CSRF token, and a client address it claims through the
    trusted proxy (X-Forwarded-For)."""

    def __init__(self, port, host, address="127.0.0.1"):
        self.port, self.host, self.address = port, host, address
        # Cookies by hand: the portal's are `__Host-` and Secure, which a cookie jar keeps off plain HTTP.
        self.cookies = {}
        self.opener = urllib.request.build_opener(NoRedirect())
        self.csrf = ""

    def request(self, method, path, fields=None):
        data = urllib.parse.urlencode(fields or {}).encode() if method == "POST" else None
        request = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), data=data, method=method)
        request.add_header("Host", self.host)
        request.add_header("X-Forwarded-For", self.address)
        if self.cookies:
            request.add_header("Cookie", "; ".join("%s=%s" % pair for pair in self.cookies.items()))
        if method == "POST":
            request.add_header("Origin", "http://%s" % self.host)
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with self.opener.open(request, timeout=120) as response:
                status, raw, body = response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as answer:
            status, raw, body = answer.code, answer.headers, answer.read().decode()
        for cookie in raw.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in cookie or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        headers = dict(raw)
        token = re.search(r'name="_csrf" value="([^"]+)"', body)
        if token:
            self.csrf = token.group(1)
        return status, headers, body

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields):
        return self.request("POST", path, dict(fields, _csrf=self.csrf))


def start(data_dir, extra_brands=(), arguments=()):
    """Creates `extra_brands`, then starts `portal demo` on `data_dir` and a free port; returns (process, port)."""
    log_path = os.path.join(data_dir, "server.log")
    for slug in extra_brands:
        subprocess.run([PORTAL, "tenant", "add", "--slug", slug, "--name", slug.title(), "--data-dir", data_dir],
                       check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen(
        [PORTAL, "demo", "--data-dir", data_dir, "--port", "0", "--assets-dir", os.path.join(ROOT, "assets"),
         *arguments],
        stdout=open(log_path, "w"), stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("portal demo exited early: " + open(log_path).read()[-2000:])
        match = re.search(r"Health\s+http://127\.0\.0\.1:(\d+)/health", open(log_path).read())
        if match:
            return server, int(match.group(1))
        time.sleep(0.2)
    raise RuntimeError("portal demo printed no address")


def stop(server):
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=60)
