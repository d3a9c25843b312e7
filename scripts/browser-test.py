#!/usr/bin/env python3
"""Real-browser check of the demo: two hosts, two brands, read from two databases.

Starts `portal demo` on a temporary data folder, opens acme.localhost and globex.localhost in headless
Chromium (Debian's chromium + chromium-driver, through Selenium) and checks what a person would see:
different titles and primary colours, a layout that fits a 360 px phone (the customer and staff areas a
375 px one), and a keyboard-reachable skip link. Every page the browser opens is checked: it lands where it
should, with the HTTP status it should have (Navigation Timing), not on the error page, and with nothing in
the browser console (errors, Content Security Policy refusals). Run with Debian's python3 (/usr/bin/python3),
which sees python3-selenium.

How the script talks to the browser, so that a loaded machine cannot make it flaky:
- A page change is recognised by a mark the script leaves on the document it is leaving (`document.__checkId`):
  the next page is the one without that mark, once its readyState is "complete". No element of an old page is
  ever asked whether it is stale (ChromeDriver may answer that with "Node with given id does not belong to the
  document" instead of "stale element reference").
- Every element is found afresh for each action, and every find-and-act (click, typing, clearing, reading text,
  attributes or styles) goes through one helper that repeats the whole find-and-act, at most three times, only
  when ChromeDriver reports a node of a document being replaced ("does not belong to the document", "stale
  element"); each repeat is logged. A click or key press that loads a page is repeated only if the page shows no
  sign of having started to leave (its `navigate`/`submit` events were not seen and its mark is still there).
- Every wait is bounded, and nothing is timed: a slow machine makes the run slower, not failed.
"""
import base64
import hashlib
import hmac
import itertools
import json
import os
import re
import struct
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

import html5lib
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select
from selenium.webdriver.remote.remote_connection import RemoteConnection

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORTAL = os.environ.get("PORTAL_BIN", os.path.join(ROOT, ".build", "debug", "portal"))
RESULTS = {"passed": 0, "failed": 0}

# Bounds on every wait. They are limits for a machine that is merely slow, not expectations of speed.
PAGE_TIMEOUT = 60      # one page load (driver.get, or the page a click or key press opens)
SCRIPT_TIMEOUT = 30    # one execute_script
COMMAND_TIMEOUT = 180  # one HTTP request from Selenium to ChromeDriver (Selenium's default is no limit at all)
TRIES = 3              # find-and-act attempts when ChromeDriver loses a node of a document being replaced

# Runs in every document before its own scripts: keeps the Content Security Policy violations the page reports,
# and notes when the page starts to leave (a link followed, a form sent), so that a click is never sent twice.
NEW_DOCUMENT = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (event) {
  window.__cspViolations.push('securitypolicyviolation: ' + event.effectiveDirective + ' refused '
    + (event.blockedURI || 'inline') + ' (' + (event.sourceFile || document.URL) + ':' + event.lineNumber + ')'
    + (event.disposition === 'report' ? ' [report only]' : ''));
}, true);
document.addEventListener('submit', function () { document.__leaving = true; }, true);
if (window.navigation) {
  window.navigation.addEventListener('navigate', function () { document.__leaving = true; });
}
"""

# What the browser shows: the Navigation Timing status and whether this is the error template (storefront/error,
# errors/neutral and account/trouble all end with a "Reference:" paragraph, which no other page has).
PAGE_STATE = """
var entry = performance.getEntriesByType('navigation')[0];
var heading = document.querySelector('h1');
return {ready: document.readyState,
        status: entry && typeof entry.responseStatus === 'number' ? entry.responseStatus : null,
        errorPage: !!document.querySelector('.notice__reference'),
        heading: heading ? heading.textContent.trim() : ''};
"""

# Where a sideways scroll comes from: the outermost elements past the right edge of the window that reach furthest
# within the page's scroll width (anything further right is inside a box that scrolls by itself, such as a table).
OVERFLOWING = """
var limit = window.innerWidth + 0.5, page = document.documentElement.scrollWidth + 1, found = [];
function reaches(element) {
  var right = element.getBoundingClientRect().right;
  return right > limit && right <= page;
}
document.querySelectorAll('body *').forEach(function (element) {
  var box = element.getBoundingClientRect(), parent = element.parentElement;
  if (!reaches(element) || (parent !== document.body && reaches(parent))) return;
  var position = getComputedStyle(element).position;
  var name = element.tagName.toLowerCase() + (element.id ? '#' + element.id : '')
    + (typeof element.className === 'string' && element.className.trim()
       ? '.' + element.className.trim().split(/\\s+/).join('.') : '')
    + (position === 'static' ? '' : ' [position: ' + position + ']');
  if (!found.some(function (item) { return item[2] === name; })) found.push([Math.round(box.right), Math.round(box.width), name]);
});
found.sort(function (a, b) { return b[0] - a[0]; });
return found.filter(function (item) { return item[0] === found[0][0]; }).slice(0, 3).map(function (item) {
  return item[2] + ' (right edge ' + item[0] + ' px, ' + item[1] + ' px wide)';
});
"""

MARKS = itertools.count(1)


def check(condition, label):
    if condition:
        RESULTS["passed"] += 1
        print("  ok   %s" % label)
    else:
        RESULTS["failed"] += 1
        print("  FAIL %s" % label)
    return bool(condition)


def served_port(log_path, process, timeout=60):
    """The port `portal demo --port 0` bound, read from the Health line it prints: the server picks a free port
    itself, so no other process can take it between choosing and listening."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("portal demo exited early with status %s" % process.returncode)
        with open(log_path) as log:
            match = re.search(r"Health\s+http://127\.0\.0\.1:(\d+)/health", log.read())
        if match:
            return int(match.group(1))
        time.sleep(0.2)
    raise RuntimeError("portal demo printed no address within %ss" % timeout)


def wait_for_health(port, process, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("portal demo exited early with status %s" % process.returncode)
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/health" % port, timeout=1) as response:
                return json.load(response)
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("portal demo did not answer /health within %ss" % timeout)


def fetch(port, host, path):
    """Status and body of a page as the server answers it, error statuses included."""
    request = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), headers={"Host": "%s.localhost" % host})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.read().decode()


def make_driver(width):
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=%d,900" % width):
        options.add_argument(argument)
    # No password manager: no save-password or leaked-password prompts over the pages after a sign-in.
    options.add_experimental_option("prefs", {"credentials_enable_service": False,
                                              "profile.password_manager_enabled": False,
                                              "profile.password_manager_leak_detection": False})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(PAGE_TIMEOUT)
    driver.set_script_timeout(SCRIPT_TIMEOUT)
    driver.set_window_size(width, 900)  # headless Chromium starts no narrower than 500 px whatever --window-size says
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": NEW_DOCUMENT})
    return driver


# ---- Waiting and acting on elements ----------------------------------------------------------------------------

def first_line(error):
    return ((getattr(error, "msg", None) or str(error)).strip().splitlines() or [type(error).__name__])[0]


def transient(error):
    """ChromeDriver lost a node because its document is being, or has just been, replaced."""
    message = first_line(error).lower()
    return "does not belong to the document" in message or "stale element" in message


def wait_until(driver, condition, timeout):
    """Polls condition(driver) until it is truthy, at most `timeout` seconds; returns its last value. A WebDriver
    error while polling (a page being replaced) counts as "not yet"."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition(driver)
            if value:
                return value
        except WebDriverException:
            value = None
        if time.monotonic() >= deadline:
            return value
        time.sleep(0.2)


def wait_for(driver, condition, label, timeout=20):
    """wait_until, failing the check `label` if the condition never holds."""
    value = wait_until(driver, condition, timeout)
    if not value:
        check(False, "%s (not within %d s; on %s)" % (label, timeout, safe_url(driver)))
    return value


def safe_url(driver):
    try:
        return driver.current_url
    except WebDriverException as error:
        return "an unknown page (%s)" % first_line(error)


def settle(driver, timeout=10):
    """Before a repeat: lets the page that is loading finish."""
    time.sleep(0.3)
    wait_until(driver, lambda d: d.execute_script("return document.readyState") == "complete", timeout)


def attempt(driver, what, operation):
    """Runs operation(), which finds an element afresh and acts on it; repeats the whole of it (at most TRIES times)
    only when ChromeDriver reports a node of a replaced document, and says so."""
    for number in range(1, TRIES + 1):
        try:
            return operation()
        except WebDriverException as error:
            if number == TRIES or not transient(error):
                raise
            print("       (retried %s, attempt %d of %d, after: %s)" % (what, number + 1, TRIES, first_line(error)))
            settle(driver)


def describe(locator):
    return "%s %s" % locator


def act(driver, locator, action, what=None):
    """Finds the element `locator` finds and does action(element) with it, repeated as a whole if need be."""
    return attempt(driver, what or describe(locator), lambda: action(driver.find_element(*locator)))


def each(driver, locator, action, what=None):
    """action(element) for every element `locator` finds, found and read again as a whole if need be."""
    return attempt(driver, what or describe(locator),
                   lambda: [action(element) for element in driver.find_elements(*locator)])


def count(driver, locator):
    return len(each(driver, locator, lambda element: None))


def text(driver, locator):
    return act(driver, locator, lambda element: element.text)


def attribute(driver, locator, name):
    return act(driver, locator, lambda element: element.get_attribute(name))


def style(driver, locator, name):
    return act(driver, locator, lambda element: element.value_of_css_property(name))


def fill(driver, locator, value):
    """Empties a field and types `value` into it (as keystrokes, so the page's own input handlers run). A repeat
    starts again from an empty field; the field must hold `value` afterwards."""
    def type_value(element):
        element.clear()
        element.send_keys(value)
        return element.get_attribute("value")
    typed = act(driver, locator, type_value, "typing into %s" % describe(locator))
    if typed != value:
        raise RuntimeError("%s holds %r after typing %r" % (describe(locator), typed, value))


def choose(driver, locator):
    """Selects a radio button or ticks a box (clicking only if it is not already selected, so a repeat is safe)."""
    def select(element):
        if not element.is_selected():
            element.click()
        return element.is_selected()
    if not act(driver, locator, select, "selecting %s" % describe(locator)):
        raise RuntimeError("%s is not selected after clicking it" % describe(locator))


# ---- Pages -------------------------------------------------------------------------------------------------------

def browser_problems(driver, excuse_url=None):
    """SEVERE console entries and CSP refusals since the last read, and the violations the listener kept.
    Only the failed load of a page that was meant to answer with an error status (excuse_url) is let through."""
    problems = []
    for entry in driver.get_log("browser"):
        message = entry.get("message", "")
        refused = "Content Security Policy" in message or "Refused to" in message
        if entry.get("level") != "SEVERE" and not refused:
            continue
        if excuse_url and not refused and message.startswith(excuse_url + " ") and "Failed to load resource" in message:
            print("       (expected) %s" % message)
            continue
        problems.append(message)
    try:
        problems += attempt(driver, "reading the page's CSP violations", lambda: driver.execute_script(
            "var seen = window.__cspViolations || []; window.__cspViolations = []; return seen;")) or []
    except WebDriverException as error:
        problems.append("could not read the page's CSP violations: %s" % first_line(error))
    return problems


def leftovers(driver):
    """Console problems of the page the browser is about to leave, each named by that page."""
    url = driver.current_url
    return ["on %s: %s" % (url, problem) for problem in browser_problems(driver)]


def console_clean(driver, label, earlier=(), excuse_url=None):
    problems = list(earlier) + browser_problems(driver, excuse_url)
    return check(not problems, "%s: no browser console errors or CSP violations%s"
                 % (label, "".join("\n         - %s" % problem for problem in problems)))


def mark(driver):
    """Leaves a new mark on the document the browser shows, and returns it."""
    token = next(MARKS)
    driver.execute_script("document.__checkId = arguments[0];", token)
    return token


def replaced(driver, token):
    """The browser shows a document other than the one marked `token`, and it has finished loading."""
    return driver.execute_script(
        "return document.__checkId !== arguments[0] && document.readyState === 'complete';", token)


def leaving(driver, token):
    """The document marked `token` has started to leave (or is gone): a click or key press went through."""
    try:
        return driver.execute_script(
            "return document.__checkId !== arguments[0] || document.__leaving === true;", token)
    except WebDriverException:
        return True  # no answer from the page: it is being replaced


def landed(driver, label, expect=None, status=200, earlier=(), timeout=15):
    """Checks the page the browser is on after a navigation: loaded, at a URL containing `expect`, with the
    expected HTTP status (200 means any status below 400), the error template only when an error status is
    expected (a 422 is a form shown again with its problems, not an error page), and a clean console."""
    wait_until(driver, lambda d: d.execute_script("return document.readyState") == "complete"
               and (not expect or expect in d.current_url), timeout)
    url = driver.current_url
    state = attempt(driver, "reading the page state", lambda: driver.execute_script(PAGE_STATE))
    shown = state["status"] or None  # 0: Chromium did not say
    problems = []
    if state["ready"] != "complete":
        problems.append("still %s after %d s" % (state["ready"], timeout))
    if expect and expect not in url:
        problems.append("expected a URL containing %r" % expect)
    if status < 400 and shown is not None and shown >= 400:
        problems.append("expected a status below 400")
    if status >= 400 and shown is not None and shown != status:
        problems.append("expected HTTP %d" % status)
    wants_error_page = status >= 400 and status != 422
    if state["errorPage"] and not wants_error_page:
        problems.append("shows the error page %r" % state["heading"])
    if wants_error_page and not state["errorPage"]:
        problems.append("expected the error page")
    check(not problems, "%s: lands on %s (HTTP %s)%s" % (
        label, url, shown if shown is not None else "status not reported", "".join(" - " + p for p in problems)))
    console_clean(driver, label, earlier, excuse_url=url if status >= 400 else None)
    return not problems


def navigate(driver, action, label, expect=None, status=200, timeout=PAGE_TIMEOUT):
    """Does something that loads a new page, waits for that page (the document without the mark left on the one
    before, fully loaded) and checks where the browser landed. action(token) gets the mark of the page it leaves."""
    earlier = leftovers(driver)
    token = mark(driver)
    action(token)
    if not wait_until(driver, lambda d: replaced(d, token), timeout):
        check(False, "%s: no new page within %d s (still on %s)" % (label, timeout, safe_url(driver)))
        console_clean(driver, label, earlier)
        return False
    return landed(driver, label, expect, status, earlier)


def go(driver, url, label=None, expect=None, status=200):
    """Opens a URL and checks where the browser lands (by default, on that URL)."""
    return navigate(driver, lambda token: driver.get(url), label or url, url if expect is None else expect, status)


def press(driver, locator, how, what):
    """An action for navigate(): finds the element afresh and clicks it (or presses a key in it). It is repeated
    after ChromeDriver lost the node only if the page has not started to leave, so nothing is sent twice."""
    def action(token):
        for number in range(1, TRIES + 1):
            try:
                how(driver.find_element(*locator))
                return
            except WebDriverException as error:
                if number == TRIES or not transient(error):
                    raise
                time.sleep(0.3)
                if leaving(driver, token):
                    print("       (%s went through; ChromeDriver then said: %s)" % (what, first_line(error)))
                    return
                print("       (retried %s, attempt %d of %d, after: %s)" % (what, number + 1, TRIES, first_line(error)))
                settle(driver)
    return action


def click_to(driver, locator, label, expect=None, status=200):
    """Clicks the element `locator` finds and checks where the browser lands."""
    return navigate(driver, press(driver, locator, lambda element: element.click(), "clicking %s" % describe(locator)),
                    label, expect, status)


def enter_to(driver, locator, label, expect=None, status=200):
    """Presses Enter in the field `locator` finds (a form sent from the keyboard) and checks where the browser lands."""
    return navigate(driver, press(driver, locator, lambda element: element.send_keys(Keys.ENTER),
                                  "pressing Enter in %s" % describe(locator)), label, expect, status)


def fits(driver, url, width, label):
    """Opens a page at the current window width and checks that it does not scroll sideways."""
    go(driver, url, label)
    inner, scroll = driver.execute_script("return [window.innerWidth, document.documentElement.scrollWidth]")
    culprits = driver.execute_script(OVERFLOWING) if scroll > inner else []
    check(inner == width and scroll <= inner,
          "%s fits a %d px wide screen without sideways scrolling (page %d px, window %d px)%s"
          % (label, width, scroll, inner, "; widest: " + ", ".join(culprits) if culprits else ""))


def quit_checked(driver, label):
    """Reads the console of the last page before closing the browser."""
    console_clean(driver, label, leftovers(driver))
    driver.quit()


def totp(secret, at=None):
    """RFC 6238 code (SHA-1, 30 s, 6 digits) for a base32 key as shown on the set-up page."""
    key = base64.b32decode(secret.replace(" ", "").upper() + "=" * (-len(secret.replace(" ", "")) % 8))
    counter = int((at or time.time()) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000)


PURPLE = ("rgba(91, 33, 182, 1)", "rgb(91, 33, 182)")
SUBMIT = (By.CSS_SELECTOR, "form.form button[type=submit]")
CONTINUE = (By.XPATH, "//button[normalize-space()='Continue']")


def button(label):
    return (By.XPATH, "//button[normalize-space()='%s']" % label)


def main():
    RemoteConnection.set_timeout(COMMAND_TIMEOUT)
    data_dir = tempfile.mkdtemp(prefix="portal-browser-")
    log_path = os.path.join(data_dir, "server.log")
    log = open(log_path, "w")
    server = subprocess.Popen(
        [PORTAL, "demo", "--data-dir", data_dir, "--port", "0", "--assets-dir", os.path.join(ROOT, "assets")],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    driver = None
    try:
        port = served_port(log_path, server)
        health = wait_for_health(port, server)
        check(health.get("tenants") == 2, "the demo serves two tenants")
        for host, url, status in (("acme", "/", 200), ("globex", "/", 200), ("acme", "/no-such-page", 404),
                                  ("nobody", "/", 404), ("acme", "/products/starter-web", 200),
                                  ("acme", "/category/web-hosting", 200), ("acme", "/order/starter-web", 200),
                                  ("acme", "/order/starter-web/review?cycle=monthly&domain=a.example&domain_action=existing", 200),
                                  ("acme", "/products/domains", 200)):
            answered, page = fetch(port, host, url)
            check(answered == status, "%s.localhost%s answers HTTP %d (got %d)" % (host, url, status, answered))
            try:
                html5lib.HTMLParser(strict=True).parse(page)
                check(True, "%s.localhost%s is valid HTML5" % (host, url))
            except html5lib.html5parser.ParseError as error:
                check(False, "%s.localhost%s is valid HTML5: %s" % (host, url, error))
        if os.environ.get("VISUAL_ONLY"):
            # make screens: only the visual pass (it signs in and enrols two-factor by itself).
            visual_pass(port, {}, None)
            raise SystemExit
        driver = make_driver(1200)
        seen = {}
        for slug in ("acme", "globex"):
            go(driver, "http://%s.localhost:%d/" % (slug, port), "%s home page" % slug)
            title = driver.title
            primary = driver.execute_script(
                "return getComputedStyle(document.documentElement).getPropertyValue('--brand-primary').trim()")
            header = driver.execute_script(
                "return getComputedStyle(document.querySelector('.site-header')).backgroundColor")
            cards = count(driver, (By.CSS_SELECTOR, ".product-card"))
            seen[slug] = (title, primary, header)
            print("  %s: title=%r primary=%s header=%s products=%d" % (slug, title, primary, header, cards))
            check(cards >= 4, "%s shows its products" % slug)
            act(driver, (By.TAG_NAME, "body"), lambda body: body.send_keys(Keys.TAB), "pressing Tab")
            focused = driver.execute_script("return document.activeElement ? document.activeElement.className : ''")
            check(focused == "skip-link", "%s: Tab reaches the skip link first (focus on %r)" % (slug, focused))
        check(seen["acme"][0].startswith("Acme Hosting"), "acme.localhost is titled Acme Hosting")
        check(seen["globex"][0].startswith("Globex Web"), "globex.localhost is titled Globex Web")
        check(seen["acme"][0] != seen["globex"][0], "the two hosts have different titles")
        check(seen["acme"][1] != seen["globex"][1], "the two hosts have different primary colours")
        check(seen["acme"][2] != seen["globex"][2], "the two headers are painted in different colours")
        # Pages that do not exist: the browser gets the error page with a 404 (its own failed load is expected).
        go(driver, "http://acme.localhost:%d/no-such-page" % port, "a missing acme page", status=404)
        go(driver, "http://nobody.localhost:%d/" % port, "an unknown host", status=404)
        quit_checked(driver, "the two storefronts")

        # Sign in as the demo customer: the __Host- Secure session cookie must work on http://*.localhost.
        driver = make_driver(1200)
        acme = "http://acme.localhost:%d" % port
        go(driver, acme + "/login", "the customer sign-in page")
        fill(driver, (By.ID, "email"), "customer@acme.example")
        fill(driver, (By.ID, "password"), "acme-customer-demo")
        click_to(driver, SUBMIT, "the demo customer signs in", "/account")
        check(driver.current_url.endswith("/account"), "the demo customer signs in and lands on /account")
        check("Hello, Demo Customer" in driver.page_source, "the account page greets the customer")
        # The customer area on a phone: no sideways scrolling in the signed-in pages either.
        driver.set_window_size(375, 900)
        for path in ("/account", "/account/services", "/account/invoices", "/account/tickets"):
            fits(driver, acme + path, 375, "acme%s (signed-in customer)" % path)
        driver.set_window_size(1200, 900)
        go(driver, "http://globex.localhost:%d/account" % port, "globex /account with an acme session", "/login")
        check("/login" in driver.current_url, "the acme session is not a session on globex")
        go(driver, acme + "/account", "the customer dashboard")
        click_to(driver, (By.CSS_SELECTOR, "nav form button"), "signing out", "acme.localhost:%d/" % port)
        check("/account" not in driver.current_url, "signing out leaves the customer area")
        go(driver, acme + "/account", "/account after signing out", "/login")
        check("/login" in driver.current_url, "after signing out, /account asks to sign in again")

        # The demo owner must enrol a second factor first: the QR code is drawn on the page.
        go(driver, acme + "/admin/login", "the staff sign-in page")
        fill(driver, (By.ID, "email"), "owner@acme.example")
        fill(driver, (By.ID, "password"), "acme-owner-demo")
        click_to(driver, SUBMIT, "the demo owner signs in", "/admin/security/two-factor")
        check("/admin/security/two-factor" in driver.current_url, "staff are sent to two-factor set-up")
        check(count(driver, (By.CSS_SELECTOR, "figure.qr svg")) == 1, "the set-up page shows a QR code")
        key = text(driver, (By.CSS_SELECTOR, "code.secret"))
        owner_key = key
        fill(driver, (By.ID, "code"), totp(key))
        click_to(driver, SUBMIT, "the owner confirms two-factor", "/admin/security/two-factor")
        wait_for(driver, lambda d: "recovery" in d.page_source.lower(), "the owner is shown recovery codes", 10)

        # The staff dashboard: figures and two server-drawn charts, each with a table of the same figures.
        go(driver, acme + "/admin", "the staff dashboard")
        charts = each(driver, (By.CSS_SELECTOR, "svg.chart[role=img]"),
                      lambda chart: (chart.is_displayed(), chart.size["width"]))
        check(len(charts) == 2 and all(shown and width > 200 for shown, width in charts),
              "the staff dashboard draws its two charts as SVG (%s)" % charts)
        check(count(driver, (By.CSS_SELECTOR, ".figures .figure")) == 6, "the dashboard shows its six figures")
        check(count(driver, (By.CSS_SELECTOR, "figure.chart-figure details table")) == 2,
              "each chart has a table of the same figures")
        go(driver, acme + "/admin/customers", "the staff customer list")
        check("Customers" in driver.title, "the owner opens the customer list")
        # The staff area on a phone.
        driver.set_window_size(375, 900)
        for path in ("/admin", "/admin/orders", "/admin/products", "/admin/customers"):
            fits(driver, acme + path, 375, "acme%s (signed-in owner)" % path)
        driver.set_window_size(1200, 900)

        # The demo brands are wired to the in-process WHMCS and WHM simulators: the owner's test button proves it.
        go(driver, acme + "/admin/integrations", "the connections page")
        check("Billing and hosting connections" in driver.page_source, "the owner opens the connections page")
        check(attribute(driver, (By.ID, "whmcs-secret"), "value") == "",
              "the stored WHMCS secret is not put back into the page")
        click_to(driver, button("Test connection"), "Test connection", "/admin/integrations")
        wait_for(driver, lambda d: "Connection test" in d.page_source, "the connection test reports", 20)
        results = each(driver, (By.CSS_SELECTOR, ".checks li"), lambda item: item.text)
        check(len(results) == 4 and all("Connected" in line for line in results)
              and [line.split(":")[0] for line in results] == ["WHMCS", "WHM", "20i", "TheSSLStore"],
              "Test connection reaches the sandbox WHMCS, WHM, 20i and TheSSLStore: %s" % results)

        # The public domain search, without JavaScript: type a name, press Enter, see each ending with its price.
        go(driver, acme + "/domains/search", "the domain search")
        check(text(driver, (By.CSS_SELECTOR, "label[for=q]")) != "", "the domain search field has a label")
        fill(driver, (By.ID, "q"), "browsercheck")
        enter_to(driver, (By.ID, "q"), "searching for browsercheck", "q=browsercheck")
        wait_for(driver, lambda d: "browsercheck.com" in d.page_source, "the search lists browsercheck.com", 20)
        rows = each(driver, (By.CSS_SELECTOR, "table.table tbody tr"), lambda row: row.text)
        check(len(rows) >= 2 and all("Available" in row for row in rows),
              "domain search lists the name in every ending the brand sells: %s" % rows)
        href = attribute(driver, (By.LINK_TEXT, "Register browsercheck.com"), "href")
        check("/order/domains?domain=browsercheck.com&domain_action=register" in (href or ""),
              "a result links into checkout: %s" % href)

        # Brand studio: change the primary colour, save the draft, publish, and see it on the storefront.
        go(driver, acme + "/admin/brand", "the brand studio")
        pickers = each(driver, (By.CSS_SELECTOR, "input.colour-picker"), lambda picker: picker.is_displayed())
        check(len(pickers) == 5 and all(pickers), "the colour pickers appear when scripts run (progressive enhancement)")
        fill(driver, (By.ID, "primary-color"), "#5b21b6")
        # The page's own input handler paints the preview; typing returns once the key events are dispatched.
        wait_until(driver, lambda d: style(d, (By.CSS_SELECTOR, ".swatch__button"), "background-color") in PURPLE, 5)
        swatch = style(driver, (By.CSS_SELECTOR, ".swatch__button"), "background-color")
        check(swatch in PURPLE, "the colour preview updates while typing (%s)" % swatch)
        console_clean(driver, "the brand studio's live preview")
        click_to(driver, button("Save draft"), "Save draft", "/admin/brand")
        wait_for(driver, lambda d: "Draft saved" in d.page_source, "the brand studio says the draft is saved", 10)
        go(driver, acme + "/", "the acme home page with a draft brand")
        header = style(driver, (By.CSS_SELECTOR, ".site-header"), "background-color")
        check(header not in PURPLE, "the draft is not live before publishing")
        go(driver, acme + "/admin/brand", "the brand studio")
        click_to(driver, button("Publish"), "Publish", "/admin/brand")
        wait_for(driver, lambda d: "Published" in d.page_source, "the brand studio says the brand is published", 10)
        go(driver, acme + "/", "the acme home page after publishing")
        header = style(driver, (By.CSS_SELECTOR, ".site-header"), "background-color")
        check(header in PURPLE, "after publishing, the storefront header has the new primary colour (%s)" % header)

        # Custom domains: a bad name is refused beside the field; a good one waits for its DNS records.
        go(driver, acme + "/admin/domains", "the custom domains page")
        fill(driver, (By.ID, "domain-hostname"), "not a domain")
        click_to(driver, button("Add the domain"), "adding a bad domain (422, the form again)", "/admin/domains",
                 status=422)
        check(count(driver, (By.ID, "domain-hostname-error")) == 1
              and attribute(driver, (By.ID, "domain-hostname"), "aria-invalid") == "true",
              "a bad domain is refused beside its labelled field")
        fill(driver, (By.ID, "domain-hostname"), "shop.acme-browser.example")
        click_to(driver, button("Add the domain"), "adding shop.acme-browser.example", "/admin/domains")
        wait_for(driver, lambda d: "Waiting for DNS verification" in d.page_source,
                 "the new domain waits for DNS verification", 10)
        check("_portal-verify.shop.acme-browser.example" in driver.page_source,
              "a new domain shows the TXT record that proves it")
        quit_checked(driver, "the customer and staff areas")

        # Platform console: a platform user (invited from the CLI, with two-factor) onboards a brand in the wizard.
        invite = subprocess.run(
            [PORTAL, "platform", "add-user", "--email", "ops@example.com", "--data-dir", data_dir],
            capture_output=True, text=True, env=dict(os.environ, PORTAL_PORT=str(port)), timeout=60,
        )
        link = next((word for word in invite.stdout.split() if "/accept-invite?token=" in word), None)
        check(link is not None, "portal platform add-user prints a set-up link")
        driver = make_driver(1200)
        console = "http://platform.localhost:%d" % port
        go(driver, link, "the invitation link", "/accept-invite")
        fill(driver, (By.ID, "name"), "Ops")
        fill(driver, (By.ID, "password"), "a long platform passphrase")
        click_to(driver, SUBMIT, "accepting the invitation", console)
        check("/accept-invite" not in driver.current_url, "accepting the invitation leaves the invitation page")
        go(driver, console + "/login", "the platform sign-in page")
        fill(driver, (By.ID, "email"), "ops@example.com")
        fill(driver, (By.ID, "password"), "a long platform passphrase")
        click_to(driver, SUBMIT, "the platform user signs in", "/security/two-factor")
        check("/security/two-factor" in driver.current_url, "platform users must enrol two-factor")
        key = text(driver, (By.CSS_SELECTOR, "code.secret"))
        platform_key = key
        fill(driver, (By.ID, "code"), totp(key))
        click_to(driver, SUBMIT, "the platform user confirms two-factor", "/security/two-factor")
        wait_for(driver, lambda d: "recovery" in d.page_source.lower(), "the platform user is shown recovery codes", 10)
        go(driver, console + "/", "the platform console")
        click_to(driver, (By.LINK_TEXT, "New tenant"), "New tenant", "/onboarding")
        fill(driver, (By.ID, "slug"), "Not A Slug")
        fill(driver, (By.ID, "name"), "Initech Hosting")
        click_to(driver, CONTINUE, "the wizard with a bad slug (422, the form again)", "/onboarding", status=422)
        check(count(driver, (By.ID, "slug-error")) == 1 and attribute(driver, (By.ID, "slug"), "aria-invalid") == "true",
              "the wizard refuses a bad slug beside its labelled field")
        fill(driver, (By.ID, "slug"), "initech")
        click_to(driver, CONTINUE, "wizard step 1 (brand)", "/domains")
        check(text(driver, (By.CSS_SELECTOR, ".wizard-steps li[aria-current=step]")).startswith("2."),
              "the step list marks the current step")
        fill(driver, (By.ID, "domains"), "portal.initech-browser.example")
        click_to(driver, CONTINUE, "wizard step 2 (domains)", "/owner")
        fill(driver, (By.ID, "owner-email"), "owner@initech-browser.example")
        click_to(driver, CONTINUE, "wizard step 3 (owner)", "/connection")
        choose(driver, (By.CSS_SELECTOR, "input[name=mode][value=sandbox]"))
        click_to(driver, CONTINUE, "wizard step 4 (connection)", "/mapping")
        groups = count(driver, (By.CSS_SELECTOR, "input[name=whmcs_group]"))
        check(groups >= 3, "the mapping step offers WHMCS's client groups (%d)" % groups)
        choose(driver, (By.XPATH, "//label[contains(., 'New brand (sandbox)')]/input"))
        choose(driver, (By.CSS_SELECTOR, "input[name=reseller][value=new]"))
        fill(driver, (By.ID, "reseller-user"), "rinitechb")
        fill(driver, (By.ID, "nameservers"), "ns1.initech-browser.example\nns2.initech-browser.example")
        click_to(driver, CONTINUE, "wizard step 5 (mapping)", "/review")
        problems = each(driver, (By.CSS_SELECTOR, ".field__error"), lambda element: element.text)
        check("new: rinitechb" in driver.page_source, "the review lists the new reseller %s" % (problems or ""))
        click_to(driver, button("Create the tenant"), "Create the tenant", "/tenants/initech?done=created")
        check("The owner has been sent an invitation" in driver.page_source, "the wizard creates the brand")
        request = urllib.request.Request("http://127.0.0.1:%d/" % port, headers={"Host": "initech.localhost"})
        with urllib.request.urlopen(request, timeout=5) as response:
            check(response.status == 200, "the new brand serves on its platform address")
        quit_checked(driver, "the platform console")

        # A new customer signs up from the review page, confirms the address, orders shared hosting, sees it active.
        driver = make_driver(1200)
        base = "http://acme.localhost:%d" % port
        go(driver, base + "/products/starter-web", "the Starter Web product page")
        check("Starter Web" in driver.title and count(driver, (By.CSS_SELECTOR, "link[rel=canonical]")) == 1,
              "the product page has its title and a canonical link")
        click_to(driver, (By.LINK_TEXT, "Order Starter Web"), "Order Starter Web", "/order/starter-web")
        choose(driver, (By.CSS_SELECTOR, "input[name=cycle][value=monthly]"))
        fill(driver, (By.ID, "domain"), "browser-journey.example")
        choose(driver, (By.CSS_SELECTOR, "input[name=domain_action][value=existing]"))
        click_to(driver, CONTINUE, "the order form's Continue", "/review")
        check("£2.99" in driver.page_source, "the review shows the price")
        # A new customer makes their account inside checkout, in one step, and lands on their order.
        fill(driver, (By.ID, "new-email"), "buyer@example.com")
        fill(driver, (By.ID, "new-password"), "a browser bought this")
        for field, value in (("first-name", "Browser"), ("last-name", "Buyer"), ("address1", "1 Chromium Way"),
                             ("city", "London"), ("state", "London"), ("postcode", "N1 9GU"),
                             ("phone", "+44 20 7946 0999")):
            fill(driver, (By.ID, field), value)
        act(driver, (By.ID, "country"), lambda element: Select(element).select_by_value("GB"), "choosing the country")
        accept_terms(driver)
        click_to(driver, (By.XPATH, "//button[starts-with(normalize-space(), 'Create my account')]"),
                 "Create my account and place the order", "/account/orders/")
        check("/account/orders/" in driver.current_url, "the new customer lands on their order, signed in")
        order_page = driver.current_url
        # The address is confirmed by email afterwards; the order goes ahead once it is.
        database = sqlite3.connect(os.path.join(data_dir, "acme", "tenant.sqlite"))
        body = database.execute(
            "SELECT text_body FROM mail_outbox WHERE to_address = 'buyer@example.com' AND text_body LIKE "
            "'%/verify-email?token=%' ORDER BY id DESC LIMIT 1").fetchone()[0]
        database.close()
        link = next(word for word in body.split() if "/verify-email?token=" in word)
        go(driver, link, "the emailed confirmation link", "/verify-email")
        check("Email address confirmed" in driver.page_source, "the emailed link confirms the address")
        # Nothing pays itself: the customer pays on the brand's (sandbox) Stripe checkout, a declined card first.
        pay_by_card(driver, base, order_page, decline_first=True)
        # The order page reloads itself (a meta refresh) until the service is ready; each reload is a new document.
        ready = wait_until(driver, lambda d: "Your service is ready." in d.page_source
                           and d.execute_script("return document.readyState") == "complete", 90)
        check(ready, "the order page refreshes by itself until the hosting is active")
        landed(driver, "the order page once the hosting is active", "/account/orders/")
        check("ns1.acme.example" in driver.page_source, "the active order shows the brand's nameservers")
        quit_checked(driver, "the order journey")

        driver = make_driver(360)
        for slug, path in (("acme", "/"), ("globex", "/"), ("acme", "/products/starter-web"),
                           ("acme", "/order/starter-web/review?cycle=monthly&domain=a.example&domain_action=existing")):
            go(driver, "http://%s.localhost:%d%s" % (slug, port, path), "%s%s at 360 px" % (slug, path))
            inner, overflow = driver.execute_script("return [window.innerWidth, "
                "document.documentElement.scrollWidth - document.documentElement.clientWidth]")
            culprits = driver.execute_script(OVERFLOWING) if overflow > 0 else []
            check(inner == 360 and overflow <= 0, "%s%s fits a 360 px wide screen without sideways scrolling%s"
                  % (slug, path, " (window %d px, %d px too wide%s)" % (inner, overflow, "; widest: " + ", ".join(culprits)
                                                                        if culprits else "")
                     if inner != 360 or overflow > 0 else ""))
        console_clean(driver, "the storefront at 360 px", leftovers(driver))
        quit_checked(driver, "the storefront at 360 px")
        driver = None

        arabic_pass(port)
        visual_pass(port, {"acme": owner_key}, platform_key)
    except SystemExit:
        pass
    except Exception as error:  # report, then fail the run
        traceback.print_exc(file=sys.stdout)
        check(False, "%s: %s" % (type(error).__name__, first_line(error)))
    finally:
        if driver is not None:
            try:
                driver.quit()
            except Exception:  # already closed by quit_checked
                pass
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=15)
        log.close()
        if RESULTS["failed"]:
            print(open(os.path.join(data_dir, "server.log")).read()[-3000:])
        shutil.rmtree(data_dir, ignore_errors=True)

    print("browser: %d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]))
    return 1 if RESULTS["failed"] else 0


# ---- Visual pass: every page type at 1280 and 375 px ------------------------------------------------------------

SCREENS = os.environ.get("SCREENS_DIR", os.path.join(ROOT, ".build", "screens"))
WIDTHS = (1280, 375)

# Interactive elements smaller than 24 x 24 CSS px (WCAG 2.2, 2.5.8 Target Size (Minimum)), with the success
# criterion's own exceptions: a link inside a sentence, and an undersized target whose 24 px circle touches no other
# target (or another undersized target's circle). Hidden and off-screen elements (the skip link) are not targets.
SMALL_TARGETS = """
var selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex]:not([tabindex="-1"])';
function visible(element) {
  var box = element.getBoundingClientRect(), style = getComputedStyle(element);
  return box.width > 1 && box.height > 1 && box.bottom > 0 && box.right > 0 && style.visibility !== 'hidden'
    && !element.closest('.visually-hidden, details:not([open]) > :not(summary)');
}
function inline(element) {
  if (element.tagName !== 'A' || getComputedStyle(element).display !== 'inline') return false;
  var block = element.parentElement;
  while (block && getComputedStyle(block).display === 'inline') block = block.parentElement;
  var own = block ? block.textContent.replace(/\s+/g, ' ').trim() : '';
  var link = element.textContent.replace(/\s+/g, ' ').trim();
  return own.length > link.length + 2;
}
var targets = Array.prototype.filter.call(document.querySelectorAll(selector), visible).map(function (element) {
  var box = element.getBoundingClientRect();
  return {element: element, box: box, x: box.left + box.width / 2, y: box.top + box.height / 2,
          small: box.width < 23.5 || box.height < 23.5};
});
function distanceToBox(x, y, box) {
  var dx = Math.max(box.left - x, 0, x - box.right), dy = Math.max(box.top - y, 0, y - box.bottom);
  return Math.sqrt(dx * dx + dy * dy);
}
var found = [];
targets.forEach(function (target) {
  if (!target.small || inline(target.element)) return;
  var crowded = targets.some(function (other) {
    if (other === target || other.element.contains(target.element) || target.element.contains(other.element)) return false;
    if (other.small) return Math.hypot(other.x - target.x, other.y - target.y) < 24;
    return distanceToBox(target.x, target.y, other.box) < 12;
  });
  if (crowded) {
    var element = target.element;
    found.push(element.tagName.toLowerCase() + (element.id ? '#' + element.id : '')
      + (element.getAttribute('name') ? '[name=' + element.getAttribute('name') + ']' : '')
      + ' "' + (element.textContent || element.value || '').trim().slice(0, 30) + '" '
      + Math.round(target.box.width) + 'x' + Math.round(target.box.height));
  }
});
return found.slice(0, 8);
"""


def screenshot(driver, path):
    """The whole page, not only the window, as a PNG."""
    size = driver.execute_script(
        "return [document.documentElement.scrollWidth, Math.min(document.documentElement.scrollHeight, 8000)]")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1}})
    with open(path, "wb") as file:
        file.write(base64.b64decode(shot["data"]))


def current_axe():
    """axe-core 4 as axe-playwright-python ships it (found without importing Playwright), when installed."""
    import importlib.util
    spec = importlib.util.find_spec("axe_playwright_python")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = os.path.join(folder, "axe.min.js")
        if os.path.exists(path):
            return path
    return None


AXE_SCRIPT = current_axe()


def axe_problems(driver):
    """Serious and critical axe-core violations of the page, one line each (rule, impact, first elements)."""
    try:
        from axe_selenium_python import Axe
    except ImportError:
        return ["axe-selenium-python is not installed (make deps creates .venv with it)"]
    axe = Axe(driver, script_url=AXE_SCRIPT) if AXE_SCRIPT else Axe(driver)
    attempt(driver, "injecting axe-core", axe.inject)
    results = attempt(driver, "running axe-core", lambda: axe.run(options="{resultTypes: ['violations']}"))
    lines = []
    for violation in results.get("violations", []):
        if violation.get("impact") not in ("serious", "critical"):
            continue
        nodes = ", ".join(" ".join(node.get("target", [])) for node in violation.get("nodes", [])[:3])
        lines.append("%s (%s): %s" % (violation["id"], violation["impact"], nodes))
    return lines


def audit(driver, url, name, width, status=200):
    """Opens `url` at `width` and checks what a person would notice: no sideways scroll, no target under 24 px,
    no console error or CSP refusal (go), no serious accessibility violation; keeps a screenshot."""
    driver.set_window_size(width, 900)
    if not go(driver, url, "%s at %d px" % (name, width), expect=url.split("?")[0].split("#")[0], status=status):
        return
    inner, scroll = driver.execute_script("return [window.innerWidth, document.documentElement.scrollWidth]")
    culprits = driver.execute_script(OVERFLOWING) if scroll > inner else []
    check(scroll <= inner, "%s at %d px does not scroll sideways (page %d px, window %d px)%s"
          % (name, width, scroll, inner, "; widest: " + ", ".join(culprits) if culprits else ""))
    small = driver.execute_script(SMALL_TARGETS)
    check(not small, "%s at %d px: every control is at least 24 x 24 px or spaced apart%s"
          % (name, width, "".join("\n         - %s" % item for item in small)))
    violations = axe_problems(driver)
    check(not violations, "%s at %d px: axe-core finds no serious or critical violation%s"
          % (name, width, "".join("\n         - %s" % item for item in violations)))
    os.makedirs(SCREENS, exist_ok=True)
    screenshot(driver, os.path.join(SCREENS, "%s-%d.png" % (name, width)))
    console_clean(driver, "%s at %d px after the checks" % (name, width))


def sign_in(driver, base, path, email, password, expect, key=None, second_factor=None):
    """Signs in at base+path; with `key`, answers the two-factor step with the code of the next time step (the one
    just used at enrolment may not be used twice)."""
    go(driver, base + path, "the sign-in page %s" % path)
    fill(driver, (By.ID, "email"), email)
    fill(driver, (By.ID, "password"), password)
    if key is None:
        return click_to(driver, SUBMIT, "signing in as %s" % email, expect)
    click_to(driver, SUBMIT, "signing in as %s" % email, second_factor)
    fill(driver, (By.ID, "code"), totp(key, at=time.time() + 30))
    return click_to(driver, SUBMIT, "the second factor of %s" % email, expect)


def first_link(driver, selector):
    links = each(driver, (By.CSS_SELECTOR, selector), lambda element: element.get_attribute("href"))
    return links[0] if links else None


def accept_terms(driver):
    """Ticks "I accept the terms of service" when the brand links its terms at checkout."""
    if count(driver, (By.NAME, "accept_terms")):
        act(driver, (By.NAME, "accept_terms"), lambda element: element.click(), "accepting the terms")


def pay_by_card(driver, base, order_page, decline_first=False):
    """The customer pays the order's invoice as a shopper does: "Pay now" on the order, "Pay" on the invoice, a test
    card typed on the (sandbox) Stripe page of the brand's own account, and back on the brand's site the invoice
    says it is paid. With decline_first, a declined card comes first and its reason shows."""
    go(driver, order_page, "the order, waiting for payment", "/account/orders/")
    ready = wait_until(driver, lambda d: count(d, (By.LINK_TEXT, "Pay now")) > 0, 90)
    check(ready, "the order offers Pay now once its invoice is ready")
    if not ready:
        return
    click_to(driver, (By.LINK_TEXT, "Pay now"), "the order's Pay now", "/account/invoices/")
    invoice_page = driver.current_url.split("?")[0]
    pay_button = (By.XPATH, "//form[contains(@action, '/pay')]//button")
    check(count(driver, pay_button) == 1, "the invoice has its Pay button")
    navigate(driver, press(driver, pay_button, lambda element: element.click(), "clicking Pay"),
             "the brand's Stripe checkout (through the brand's own hand-off page)", "/pay/cs_test_")
    check("Test mode" in driver.page_source and "4242" in driver.page_source, "the sandbox Stripe page names its test cards")
    def type_card(number):
        fill(driver, (By.ID, "card"), number)
        fill(driver, (By.ID, "expiry"), "12 / 34")
        fill(driver, (By.ID, "cvc"), "123")
    if decline_first:
        type_card("4000 0000 0000 0002")
        navigate(driver, press(driver, (By.XPATH, "//button[starts-with(normalize-space(), 'Pay')]"),
                               lambda element: element.click(), "paying with a declined card"),
                 "a declined card", "/pay/cs_test_")
        check("Your card was declined." in driver.page_source, "Stripe's page says the card was declined")
        go(driver, invoice_page + "?payment=cancelled", "back on the invoice after the decline", "/account/invoices/")
        check('data-payment="declined"' in driver.page_source and "Your card was declined." in driver.page_source,
              "the invoice says the card was declined, and why")
        navigate(driver, press(driver, pay_button, lambda element: element.click(), "clicking Pay again"),
                 "the same Stripe checkout again", "/pay/cs_test_")
    type_card("4242 4242 4242 4242")
    navigate(driver, press(driver, (By.XPATH, "//button[starts-with(normalize-space(), 'Pay')]"),
                           lambda element: element.click(), "paying with the test card"),
             "back on the brand's site after paying", "/account/invoices/")
    check("payment=return" in driver.current_url and base.split("//")[1] in driver.current_url,
          "Stripe brings the customer back to the brand's own invoice page")
    check('data-payment="paid"' in driver.page_source or 'data-payment="processing"' in driver.page_source,
          "the invoice says the card payment went through")
    go(driver, order_page, "the order after paying", "/account/orders/")


def order_and_open_ticket(driver, base, product):
    """The signed-in customer orders `product` on an existing domain, waits until it is active, and opens a
    ticket; returns the service, invoice and ticket addresses."""
    go(driver, base + "/order/%s" % product, "ordering %s" % product)
    choose(driver, (By.CSS_SELECTOR, "input[name=cycle][value=monthly]"))
    fill(driver, (By.ID, "domain"), "visual-%s.example" % product)
    choose(driver, (By.CSS_SELECTOR, "input[name=domain_action][value=existing]"))
    click_to(driver, CONTINUE, "the order form's Continue (%s)" % product, "/review")
    accept_terms(driver)
    click_to(driver, (By.XPATH, "//button[starts-with(normalize-space(), 'Place order')]"), "Place order",
             "/account/orders/")
    pay_by_card(driver, base, driver.current_url)
    ready = wait_until(driver, lambda d: "Your service is ready." in d.page_source
                       and d.execute_script("return document.readyState") == "complete", 90)
    check(ready, "%s becomes active for the visual pass" % product)
    go(driver, base + "/account/services", "the services list")
    service = first_link(driver, "table a[href^='/account/services/']")
    go(driver, base + "/account/invoices", "the invoices list")
    invoice = first_link(driver, "table a[href^='/account/invoices/']")
    go(driver, base + "/account/tickets/new", "a new ticket")
    fill(driver, (By.ID, "subject"), "How do I add a mailbox?")
    fill(driver, (By.ID, "message"), "I would like a mailbox for sales@ on my new plan.")
    click_to(driver, (By.XPATH, "//button[normalize-space()='Send']"), "sending the ticket", "/account/tickets/")
    return service, invoice, driver.current_url


def follow_control_panel(driver, service):
    """Open control panel, as a customer uses it: the button opens a new tab, which moves on by itself to the
    one-time sign-in address and lands in the (sandbox) control panel, signed in."""
    go(driver, service + "?tab=login", "the service's Log in tab", expect=service)
    before = list(driver.window_handles)
    act(driver, (By.XPATH, "//button[@name='open'][@value='home']"), lambda element: element.click(),
        "clicking Open control panel")
    opened = wait_until(driver, lambda d: len(d.window_handles) > len(before), 20)
    check(opened, "Open control panel opens a new tab")
    if not opened:
        return
    driver.switch_to.window(next(handle for handle in driver.window_handles if handle not in before))
    landed_there = wait_until(driver, lambda d: "Signed in as" in d.page_source, 30)
    check(landed_there and "/login/" in driver.current_url,
          "the new tab lands in the control panel, signed in (%s)" % driver.current_url)
    driver.close()
    driver.switch_to.window(before[0])


ARABIC_WIDTHS = (1280, 360)
# A price as ICU writes it in Arabic: the amount (Western or Arabic-Indic digits) first, a no-break space, then the
# currency ("4.99 US$"), never "$4.99".
ARABIC_PRICE = re.compile("[0-9\u0660-\u0669][0-9\u0660-\u0669.,\u066b\u066c]*\u00a0US\\$")


def arabic_pass(port):
    """Globex with Arabic enabled (as the demo sets it up), at 1280 and 360 px: the Arabic home page is right to
    left, its menu sits on the right, nothing scrolls sideways and prices are written the Arabic way; a screenshot
    of each goes to SCREENS."""
    base = "http://globex.localhost:%d" % port
    for width in ARABIC_WIDTHS:
        driver = make_driver(width)
        name = "Globex's Arabic home page at %d px" % width
        go(driver, base + "/ar/", name, expect="/ar/")
        lang, direction, computed = driver.execute_script(
            "return [document.documentElement.lang, document.documentElement.dir, getComputedStyle(document.body).direction]")
        check(lang == "ar" and direction == "rtl" and computed == "rtl",
              "%s: <html lang=\"ar\" dir=\"rtl\"> and the page runs right to left (%s, %s, %s)"
              % (name, lang, direction, computed))
        menu = driver.execute_script(
            "var nav = document.querySelector('.site-nav').getBoundingClientRect();"
            "var items = document.querySelectorAll('.site-nav .menu-bar > li');"
            "var first = items[0].getBoundingClientRect(), last = items[items.length - 1].getBoundingClientRect();"
            "return [nav.left, nav.right, window.innerWidth, first.right, last.right, items.length]")
        left, right, inner, first_right, last_right, items = menu
        # On a wide screen the menu is right of the middle, beside the brand; on a phone it wraps under the brand,
        # from the right edge. Either way its first item is its rightmost.
        check(items >= 4 and ((left + right) / 2 > inner / 2 or right >= inner - 48) and first_right >= right - 2
              and first_right >= last_right,
              "%s: the menu sits on the right and reads from the right (menu %d-%d px of %d, first item ends at %d, "
              "last at %d)" % (name, left, right, inner, first_right, last_right))
        scroll = driver.execute_script("return document.documentElement.scrollWidth")
        check(scroll <= inner, "%s does not scroll sideways (page %d px, window %d px)" % (name, scroll, inner))
        prices = each(driver, (By.CSS_SELECTOR, ".product-card__price strong"), lambda element: element.text)
        check(prices and all(ARABIC_PRICE.search(price.replace(" ", "\u00a0")) for price in prices)
              and not any(re.search(r"\$[0-9]", price) for price in prices),
              "%s: prices are formatted for the Arabic locale: %s" % (name, prices[:3]))
        os.makedirs(SCREENS, exist_ok=True)
        screenshot(driver, os.path.join(SCREENS, "globex-ar-home-%d.png" % width))
        console_clean(driver, name)
        quit_checked(driver, name)


def visual_pass(port, owner_keys, platform_key):
    """Every page type, in both brands, at 1280 and 375 px (storefront, checkout, customer area, staff area and
    console): each is audited and photographed into SCREENS."""
    products = {"acme": "starter-web", "globex": "launch"}
    for slug in ("acme", "globex"):
        base = "http://%s.localhost:%d" % (slug, port)
        product = products[slug]
        review = "/order/%s/review?cycle=monthly&domain=visual.example&domain_action=existing" % product
        driver = make_driver(1280)
        for width in WIDTHS:
            for path, name in (("/", "home"), ("/products/%s" % product, "product"), ("/order/%s" % product, "order"),
                               (review, "order-review"), ("/signup", "signup")):
                audit(driver, base + path, "%s-%s" % (slug, name), width)
            if slug == "globex":
                # Every storefront page again in Arabic, right to left.
                for path, name in (("/", "home"), ("/products/%s" % product, "product"),
                                   ("/order/%s" % product, "order"), (review, "order-review"), ("/signup", "signup"),
                                   ("/login", "login"), ("/help", "help"), ("/news", "news"),
                                   ("/news/arabic-storefront", "news-post"), ("/pages/about", "page")):
                    audit(driver, base + "/ar" + path, "%s-ar-%s" % (slug, name), width)
        quit_checked(driver, "%s storefront pages" % slug)

        driver = make_driver(1280)
        sign_in(driver, base, "/login", "customer@%s.example" % slug, "%s-customer-demo" % slug, "/account")
        service, invoice, ticket = order_and_open_ticket(driver, base, product)
        if service:
            follow_control_panel(driver, service)
        for width in WIDTHS:
            for url, name in ((base + "/account", "dashboard"), (service, "service"), (invoice, "invoice"),
                              (ticket, "ticket")):
                if url:
                    audit(driver, url, "%s-%s" % (slug, name), width)
                    if slug == "globex":
                        # The customer area in Arabic too.
                        audit(driver, base + "/ar" + url[len(base):], "%s-ar-%s" % (slug, name), width)
            if slug == "globex":
                for path, name in (("/account/services", "services"), ("/account/invoices", "invoices"),
                                   ("/account/tickets", "tickets"), ("/account/orders", "orders"),
                                   ("/account/profile", "profile"), ("/account/security", "security")):
                    audit(driver, base + "/ar" + path, "%s-ar-%s" % (slug, name), width)
        quit_checked(driver, "%s customer pages" % slug)

        driver = make_driver(1280)
        key = owner_keys.get(slug)
        if key is None:
            sign_in(driver, base, "/admin/login", "owner@%s.example" % slug, "%s-owner-demo" % slug,
                    "/admin/security/two-factor")
            key = text(driver, (By.CSS_SELECTOR, "code.secret"))
            fill(driver, (By.ID, "code"), totp(key))
            click_to(driver, SUBMIT, "the %s owner confirms two-factor" % slug, "/admin/security/two-factor")
        else:
            sign_in(driver, base, "/admin/login", "owner@%s.example" % slug, "%s-owner-demo" % slug, "/admin",
                    key=key, second_factor="/admin/login/two-factor")
        for width in WIDTHS:
            for path, name in (("/admin", "staff-dashboard"), ("/admin/brand", "brand-studio"),
                               ("/admin/products", "products"), ("/admin/orders", "orders"),
                               ("/admin/customers", "customers"), ("/admin/reports", "reports"),
                               ("/admin/payments", "payments"), ("/admin/style", "style")) + (
                                   (("/admin/invoices/%s" % invoice.rsplit("/", 1)[-1], "invoice-refunds"),)
                                   if invoice else ()):
                audit(driver, base + path, "%s-%s" % (slug, name), width)
        quit_checked(driver, "%s staff pages" % slug)

    driver = make_driver(1280)
    console = "http://platform.localhost:%d" % port
    if platform_key is None:
        # The demo's own platform user, who sets up two-factor on first sign-in.
        sign_in(driver, console, "/login", "ops@platform.example", "platform-console-demo", "/security/two-factor")
        key = text(driver, (By.CSS_SELECTOR, "code.secret"))
        fill(driver, (By.ID, "code"), totp(key))
        click_to(driver, SUBMIT, "the demo platform user confirms two-factor", "/security/two-factor")
    else:
        sign_in(driver, console, "/login", "ops@example.com", "a long platform passphrase", console + "/",
                key=platform_key, second_factor="/login/two-factor")
    for width in WIDTHS:
        audit(driver, console + "/", "console-tenants", width)
    quit_checked(driver, "the console")


if __name__ == "__main__":
    sys.exit(main())
