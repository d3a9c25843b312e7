#!/usr/bin/env python3
"""`make security-scan`: Wapiti (wapiti3 from PyPI) against the demo's storefront and customer area.

Starts `portal demo` on a temporary data folder, signs the demo customer in, and runs Wapiti twice against the
Acme brand (through its Host header, on loopback): once as a visitor over the storefront, once signed in over the
customer area (the session passed as a header; sign-out and the pages that end the session are left out so the
scan stays signed in). Fails when any finding is above "low"; prints every finding either way.

Usage: security-scan.py [--max-scan-time SECONDS]   (PORTAL_BIN picks the binary)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import demo_server
from demo_server import Client

WAPITI = os.path.join(os.path.dirname(sys.executable), "wapiti")
LEVELS = {1: "low", 2: "medium", 3: "high", 4: "critical"}
# What a session must not visit, or it would end itself (and the rest of the scan would be a visitor's).
# Every attack module that works offline: the rest (ssrf, log4shell, takeover, nikto, wapp, …) call out to the
# internet, which this machine cannot reach.
MODULES = ("xss,permanentxss,sql,timesql,exec,file,crlf,redirect,csrf,cookieflags,http_headers,csp,methods,backup,"
           "htaccess,xxe,upload,shellshock,spring4shell")
SESSION_ENDERS = ["/logout", "/account/security", "/account/security/*", "/admin*", "/verify-email*"]


def scan(port, label, start, headers, excluded, output, max_scan_time):
    command = [WAPITI, "-u", "http://127.0.0.1:%d%s" % (port, start), "--scope", "folder", "-f", "json",
               "-o", output, "--flush-session", "-m", MODULES, "--max-scan-time", str(max_scan_time), "--max-attack-time", "60",
               "--tasks", "4", "-d", "4", "--max-links-per-page", "40", "--verbose", "0"]
    for header in headers:
        command += ["-H", header]
    for url in excluded:
        command += ["-x", "http://127.0.0.1:%d%s" % (port, url)]
    print("security-scan: %s — %s" % (label, " ".join(command)), flush=True)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(output) as report:
        return json.load(report)


def findings(report):
    """(category, level, method, path, info) for each vulnerability and anomaly the report lists."""
    found = []
    for section in ("vulnerabilities", "anomalies", "additionals"):
        for category, entries in (report.get(section) or {}).items():
            for entry in entries:
                found.append((category, entry.get("level", 0), entry.get("method", ""), entry.get("path", ""),
                              entry.get("info", "")))
    return found


def main():
    max_scan_time = 300
    if "--max-scan-time" in sys.argv:
        max_scan_time = int(sys.argv[sys.argv.index("--max-scan-time") + 1])
    data_dir = tempfile.mkdtemp(prefix="portal-scan-")
    server, port = demo_server.start(data_dir)
    failed = False
    try:
        customer = Client(port, "acme.localhost")
        customer.get("/login")
        status, headers, _ = customer.post(
            "/login", {"email": "customer@acme.example", "password": "acme-customer-demo"})
        if status != 303:
            raise RuntimeError("the demo customer could not sign in (%d)" % status)
        cookie = "Cookie: " + "; ".join("%s=%s" % pair for pair in customer.cookies.items())
        runs = [
            ("storefront (visitor)", "/", ["Host: acme.localhost"], ["/account*", "/admin*"]),
            ("customer area (signed in)", "/account", ["Host: acme.localhost", cookie], SESSION_ENDERS),
        ]
        summary = []
        for label, start, headers, excluded in runs:
            report = scan(port, label, start, headers, excluded, os.path.join(data_dir, "report.json"),
                          max_scan_time)
            listed = findings(report)
            crawled = report.get("infos", {}).get("crawled_pages_nbr", 0)
            above_low = [entry for entry in listed if entry[1] > 1]
            summary.append((label, crawled, listed, above_low))
            failed = failed or bool(above_low)
        print()
        for label, crawled, listed, above_low in summary:
            print("security-scan: %s: %d pages crawled, %d findings, %d above low" % (
                label, crawled, len(listed), len(above_low)))
            for category, level, method, path, info in listed:
                print("  [%s] %s %s %s: %s" % (LEVELS.get(level, "info"), category, method, path, info))
    finally:
        demo_server.stop(server)
        shutil.rmtree(data_dir, ignore_errors=True)
    print("security-scan: %s" % ("FAILED: findings above low" if failed else "nothing above low"))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
