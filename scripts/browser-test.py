#!/usr/bin/env python3
"""Real-browser check of the demo: two hosts, two brands, read from two databases.

Starts `portal demo` on a temporary data folder, opens acme.localhost and globex.localhost in headless
Chromium (Debian's chromium + chromium-driver, through Selenium) and checks what a person would see:
different titles and primary colours, a layout that fits a 360 px phone (the customer and staff areas a
375 px one), and a keyboard-reachable skip link. Every page the browser opens is checked: it lands where it
should, with the HTTP status it should have (Navigation Timing), not on the error page, and with nothing in
the browser console (errors, Content Security Policy refusals). Run with Debian's python3 (/usr/bin/python3),
which sees python3-selenium.
"""
import base64
import hashlib
import hmac
import json
import os
import struct
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import html5lib
from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORTAL = os.environ.get("PORTAL_BIN", os.path.join(ROOT, ".build", "debug", "portal"))
RESULTS = {"passed": 0, "failed": 0}

# Runs in every document before its own scripts: keeps the Content Security Policy violations the page reports.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (event) {
  window.__cspViolations.push('securitypolicyviolation: ' + event.effectiveDirective + ' refused '
    + (event.blockedURI || 'inline') + ' (' + (event.sourceFile || document.URL) + ':' + event.lineNumber + ')'
    + (event.disposition === 'report' ? ' [report only]' : ''));
}, true);
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


def check(condition, label):
    if condition:
        RESULTS["passed"] += 1
        print("  ok   %s" % label)
    else:
        RESULTS["failed"] += 1
        print("  FAIL %s" % label)
    return bool(condition)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_health(port, process, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
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
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_window_size(width, 900)  # headless Chromium starts no narrower than 500 px whatever --window-size says
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CSP_LISTENER})
    return driver


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
        problems += driver.execute_script(
            "var seen = window.__cspViolations || []; window.__cspViolations = []; return seen;") or []
    except WebDriverException:
        pass
    return problems


def leftovers(driver):
    """Console problems of the page the browser is about to leave, each named by that page."""
    url = driver.current_url
    return ["on %s: %s" % (url, problem) for problem in browser_problems(driver)]


def console_clean(driver, label, earlier=(), excuse_url=None):
    problems = list(earlier) + browser_problems(driver, excuse_url)
    return check(not problems, "%s: no browser console errors or CSP violations%s"
                 % (label, "".join("\n         - %s" % problem for problem in problems)))


def landed(driver, label, expect=None, status=200, earlier=(), timeout=15):
    """Checks the page the browser is on after a navigation: loaded, at a URL containing `expect`, with the
    expected HTTP status (200 means any status below 400), the error template only when an error status is
    expected (a 422 is a form shown again with its problems, not an error page), and a clean console."""
    try:
        WebDriverWait(driver, timeout).until(lambda d: d.execute_script("return document.readyState") == "complete")
        if expect:
            WebDriverWait(driver, timeout).until(lambda d: expect in d.current_url)
    except TimeoutException:
        pass
    url = driver.current_url
    state = driver.execute_script(PAGE_STATE)
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


def go(driver, url, label=None, expect=None, status=200):
    """Opens a URL and checks where the browser lands (by default, on that URL)."""
    earlier = leftovers(driver)
    driver.get(url)
    return landed(driver, label or url, url if expect is None else expect, status, earlier)


def follow(driver, action, label, expect=None, status=200, timeout=20):
    """Does something that loads a new page (a click, Enter in a form) and checks where the browser lands."""
    earlier = leftovers(driver)
    old = driver.find_element(By.TAG_NAME, "html")
    action()
    try:
        WebDriverWait(driver, timeout).until(expected_conditions.staleness_of(old))
    except TimeoutException:
        check(False, "%s: no new page within %d s (still on %s)" % (label, timeout, driver.current_url))
        console_clean(driver, label, earlier)
        return False
    return landed(driver, label, expect, status, earlier)


def click_to(driver, locator, label, expect=None, status=200):
    """Clicks the element `locator` finds and checks where the browser lands. ChromeDriver now and then loses a node
    it has just found ("does not belong to the document"): if the page has not changed, it finds and clicks again."""
    def click():
        page = driver.find_element(By.TAG_NAME, "html")
        try:
            driver.find_element(*locator).click()
        except WebDriverException as error:
            time.sleep(0.5)
            if expected_conditions.staleness_of(page)(driver):
                return
            print("       (clicked again after: %s)" % (error.msg or type(error).__name__))
            driver.find_element(*locator).click()
    return follow(driver, click, label, expect, status)


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


def main():
    data_dir = tempfile.mkdtemp(prefix="portal-browser-")
    port = free_port()
    log = open(os.path.join(data_dir, "server.log"), "w")
    server = subprocess.Popen(
        [PORTAL, "demo", "--data-dir", data_dir, "--port", str(port), "--assets-dir", os.path.join(ROOT, "assets")],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    driver = None
    try:
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
        driver = make_driver(1200)
        seen = {}
        for slug in ("acme", "globex"):
            go(driver, "http://%s.localhost:%d/" % (slug, port), "%s home page" % slug)
            title = driver.title
            primary = driver.execute_script(
                "return getComputedStyle(document.documentElement).getPropertyValue('--brand-primary').trim()")
            header = driver.execute_script(
                "return getComputedStyle(document.querySelector('.site-header')).backgroundColor")
            cards = len(driver.find_elements(By.CSS_SELECTOR, ".product-card"))
            seen[slug] = (title, primary, header)
            print("  %s: title=%r primary=%s header=%s products=%d" % (slug, title, primary, header, cards))
            check(cards >= 4, "%s shows its products" % slug)
            body = driver.find_element(By.TAG_NAME, "body")
            body.send_keys(Keys.TAB)
            focused = driver.switch_to.active_element
            check(focused.get_attribute("class") == "skip-link", "%s: Tab reaches the skip link first" % slug)
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
        driver.find_element(By.ID, "email").send_keys("customer@acme.example")
        driver.find_element(By.ID, "password").send_keys("acme-customer-demo")
        click_to(driver, (By.CSS_SELECTOR, "form.form button[type=submit]"),
                 "the demo customer signs in", "/account")
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
        click_to(driver, (By.CSS_SELECTOR, "nav form button"), "signing out",
                 "acme.localhost:%d/" % port)
        check("/account" not in driver.current_url, "signing out leaves the customer area")
        go(driver, acme + "/account", "/account after signing out", "/login")
        check("/login" in driver.current_url, "after signing out, /account asks to sign in again")

        # The demo owner must enrol a second factor first: the QR code is drawn on the page.
        go(driver, acme + "/admin/login", "the staff sign-in page")
        driver.find_element(By.ID, "email").send_keys("owner@acme.example")
        driver.find_element(By.ID, "password").send_keys("acme-owner-demo")
        click_to(driver, (By.CSS_SELECTOR, "form.form button[type=submit]"),
                 "the demo owner signs in", "/admin/security/two-factor")
        check("/admin/security/two-factor" in driver.current_url, "staff are sent to two-factor set-up")
        check(len(driver.find_elements(By.CSS_SELECTOR, "figure.qr svg")) == 1, "the set-up page shows a QR code")
        key = driver.find_element(By.CSS_SELECTOR, "code.secret").text
        driver.find_element(By.ID, "code").send_keys(totp(key))
        click_to(driver, (By.CSS_SELECTOR, "form.form button[type=submit]"),
                 "the owner confirms two-factor", "/admin/security/two-factor")
        WebDriverWait(driver, 10).until(lambda d: "recovery" in d.page_source.lower())

        # The staff dashboard: figures and two server-drawn charts, each with a table of the same figures.
        go(driver, acme + "/admin", "the staff dashboard")
        charts = driver.find_elements(By.CSS_SELECTOR, "svg.chart[role=img]")
        check(len(charts) == 2 and all(c.is_displayed() and c.size["width"] > 200 for c in charts),
              "the staff dashboard draws its two charts as SVG")
        check(len(driver.find_elements(By.CSS_SELECTOR, ".figures .figure")) == 6, "the dashboard shows its six figures")
        check(len(driver.find_elements(By.CSS_SELECTOR, "figure.chart-figure details table")) == 2,
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
        check(driver.find_element(By.ID, "whmcs-secret").get_attribute("value") == "",
              "the stored WHMCS secret is not put back into the page")
        click_to(driver, (By.XPATH, "//button[normalize-space()='Test connection']"),
                 "Test connection", "/admin/integrations")
        WebDriverWait(driver, 20).until(lambda d: "Connection test" in d.page_source)
        results = [item.text for item in driver.find_elements(By.CSS_SELECTOR, ".checks li")]
        check(len(results) == 4 and all("Connected" in text for text in results)
              and [text.split(":")[0] for text in results] == ["WHMCS", "WHM", "20i", "TheSSLStore"],
              "Test connection reaches the sandbox WHMCS, WHM, 20i and TheSSLStore: %s" % results)

        # The public domain search, without JavaScript: type a name, press Enter, see each ending with its price.
        go(driver, acme + "/domains/search", "the domain search")
        box = driver.find_element(By.ID, "q")
        check(driver.find_element(By.CSS_SELECTOR, "label[for=q]").text != "", "the domain search field has a label")
        follow(driver, lambda: box.send_keys("browsercheck\n"), "searching for browsercheck", "q=browsercheck")
        WebDriverWait(driver, 20).until(lambda d: "browsercheck.com" in d.page_source)
        rows = driver.find_elements(By.CSS_SELECTOR, "table.table tbody tr")
        check(len(rows) >= 2 and all("Available" in row.text for row in rows),
              "domain search lists the name in every ending the brand sells: %s" % [row.text for row in rows])
        link = driver.find_element(By.LINK_TEXT, "Register browsercheck.com")
        check("/order/domains?domain=browsercheck.com&domain_action=register" in link.get_attribute("href"),
              "a result links into checkout: %s" % link.get_attribute("href"))

        # Brand studio: change the primary colour, save the draft, publish, and see it on the storefront.
        go(driver, acme + "/admin/brand", "the brand studio")
        pickers = driver.find_elements(By.CSS_SELECTOR, "input.colour-picker")
        check(len(pickers) == 5 and all(p.is_displayed() for p in pickers),
              "the colour pickers appear when scripts run (progressive enhancement)")
        primary = driver.find_element(By.ID, "primary-color")
        primary.clear()
        primary.send_keys("#5b21b6")
        swatch = driver.find_element(By.CSS_SELECTOR, ".swatch__button").value_of_css_property("background-color")
        check(swatch in ("rgba(91, 33, 182, 1)", "rgb(91, 33, 182)"), "the colour preview updates while typing (%s)" % swatch)
        console_clean(driver, "the brand studio's live preview")
        click_to(driver, (By.XPATH, "//button[normalize-space()='Save draft']"),
                 "Save draft", "/admin/brand")
        WebDriverWait(driver, 10).until(lambda d: "Draft saved" in d.page_source)
        go(driver, acme + "/", "the acme home page with a draft brand")
        header = driver.find_element(By.CSS_SELECTOR, ".site-header").value_of_css_property("background-color")
        check(header not in ("rgba(91, 33, 182, 1)", "rgb(91, 33, 182)"), "the draft is not live before publishing")
        go(driver, acme + "/admin/brand", "the brand studio")
        click_to(driver, (By.XPATH, "//button[normalize-space()='Publish']"),
                 "Publish", "/admin/brand")
        WebDriverWait(driver, 10).until(lambda d: "Published" in d.page_source)
        go(driver, acme + "/", "the acme home page after publishing")
        header = driver.find_element(By.CSS_SELECTOR, ".site-header").value_of_css_property("background-color")
        check(header in ("rgba(91, 33, 182, 1)", "rgb(91, 33, 182)"),
              "after publishing, the storefront header has the new primary colour (%s)" % header)

        # Custom domains: a bad name is refused beside the field; a good one waits for its DNS records.
        go(driver, acme + "/admin/domains", "the custom domains page")
        driver.find_element(By.ID, "domain-hostname").send_keys("not a domain")
        click_to(driver, (By.XPATH, "//button[normalize-space()='Add the domain']"),
                 "adding a bad domain (422, the form again)", "/admin/domains", status=422)
        WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "domain-hostname-error"))
        check(driver.find_element(By.ID, "domain-hostname").get_attribute("aria-invalid") == "true",
              "a bad domain is refused beside its labelled field")
        field = driver.find_element(By.ID, "domain-hostname")
        field.clear()
        field.send_keys("shop.acme-browser.example")
        click_to(driver, (By.XPATH, "//button[normalize-space()='Add the domain']"),
                 "adding shop.acme-browser.example", "/admin/domains")
        WebDriverWait(driver, 10).until(lambda d: "Waiting for DNS verification" in d.page_source)
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
        driver.find_element(By.ID, "name").send_keys("Ops")
        driver.find_element(By.ID, "password").send_keys("a long platform passphrase")
        click_to(driver, (By.CSS_SELECTOR, "form.form button[type=submit]"),
                 "accepting the invitation", console)
        check("/accept-invite" not in driver.current_url, "accepting the invitation leaves the invitation page")
        go(driver, console + "/login", "the platform sign-in page")
        driver.find_element(By.ID, "email").send_keys("ops@example.com")
        driver.find_element(By.ID, "password").send_keys("a long platform passphrase")
        click_to(driver, (By.CSS_SELECTOR, "form.form button[type=submit]"),
                 "the platform user signs in", "/security/two-factor")
        check("/security/two-factor" in driver.current_url, "platform users must enrol two-factor")
        key = driver.find_element(By.CSS_SELECTOR, "code.secret").text
        driver.find_element(By.ID, "code").send_keys(totp(key))
        click_to(driver, (By.CSS_SELECTOR, "form.form button[type=submit]"),
                 "the platform user confirms two-factor", "/security/two-factor")
        WebDriverWait(driver, 10).until(lambda d: "recovery" in d.page_source.lower())
        go(driver, console + "/", "the platform console")
        click_to(driver, (By.LINK_TEXT, "New tenant"), "New tenant", "/onboarding")
        driver.find_element(By.ID, "slug").send_keys("Not A Slug")
        driver.find_element(By.ID, "name").send_keys("Initech Hosting")
        click_to(driver, (By.XPATH, "//button[normalize-space()='Continue']"),
                 "the wizard with a bad slug (422, the form again)", "/onboarding", status=422)
        WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "slug-error"))
        check(driver.find_element(By.ID, "slug").get_attribute("aria-invalid") == "true",
              "the wizard refuses a bad slug beside its labelled field")
        field = driver.find_element(By.ID, "slug")
        field.clear()
        field.send_keys("initech")
        click_to(driver, (By.XPATH, "//button[normalize-space()='Continue']"),
                 "wizard step 1 (brand)", "/domains")
        check(driver.find_element(By.CSS_SELECTOR, ".wizard-steps li[aria-current=step]").text.startswith("2."),
              "the step list marks the current step")
        driver.find_element(By.ID, "domains").send_keys("portal.initech-browser.example")
        click_to(driver, (By.XPATH, "//button[normalize-space()='Continue']"),
                 "wizard step 2 (domains)", "/owner")
        driver.find_element(By.ID, "owner-email").send_keys("owner@initech-browser.example")
        click_to(driver, (By.XPATH, "//button[normalize-space()='Continue']"),
                 "wizard step 3 (owner)", "/connection")
        driver.find_element(By.CSS_SELECTOR, "input[name=mode][value=sandbox]").click()
        click_to(driver, (By.XPATH, "//button[normalize-space()='Continue']"),
                 "wizard step 4 (connection)", "/mapping")
        groups = driver.find_elements(By.CSS_SELECTOR, "input[name=whmcs_group]")
        check(len(groups) >= 3, "the mapping step offers WHMCS's client groups (%d)" % len(groups))
        driver.find_element(By.XPATH, "//label[contains(., 'New brand (sandbox)')]/input").click()
        driver.find_element(By.CSS_SELECTOR, "input[name=reseller][value=new]").click()
        driver.find_element(By.ID, "reseller-user").send_keys("rinitechb")
        driver.find_element(By.ID, "nameservers").send_keys("ns1.initech-browser.example\nns2.initech-browser.example")
        click_to(driver, (By.XPATH, "//button[normalize-space()='Continue']"),
                 "wizard step 5 (mapping)", "/review")
        problems = [element.text for element in driver.find_elements(By.CSS_SELECTOR, ".field__error")]
        check("new: rinitechb" in driver.page_source, "the review lists the new reseller %s" % (problems or ""))
        click_to(driver, (By.XPATH, "//button[normalize-space()='Create the tenant']"),
                 "Create the tenant", "/tenants/initech?done=created")
        check("The owner has been sent an invitation" in driver.page_source, "the wizard creates the brand")
        request = urllib.request.Request("http://127.0.0.1:%d/" % port, headers={"Host": "initech.localhost"})
        check(urllib.request.urlopen(request, timeout=5).status == 200, "the new brand serves on its platform address")
        quit_checked(driver, "the platform console")

        # A new customer signs up from the review page, confirms the address, orders shared hosting, sees it active.
        driver = make_driver(1200)
        base = "http://acme.localhost:%d" % port
        go(driver, base + "/products/starter-web", "the Starter Web product page")
        check("Starter Web" in driver.title and driver.find_elements(By.CSS_SELECTOR, "link[rel=canonical]"),
              "the product page has its title and a canonical link")
        click_to(driver, (By.LINK_TEXT, "Order Starter Web"), "Order Starter Web", "/order/starter-web")
        driver.find_element(By.CSS_SELECTOR, "input[name=cycle][value=monthly]").click()
        driver.find_element(By.ID, "domain").send_keys("browser-journey.example")
        driver.find_element(By.CSS_SELECTOR, "input[name=domain_action][value=existing]").click()
        click_to(driver, (By.XPATH, "//button[normalize-space()='Continue']"),
                 "the order form's Continue", "/review")
        check("£2.99" in driver.page_source, "the review shows the price")
        click_to(driver, (By.LINK_TEXT, "Create an account"), "Create an account", "/signup")
        driver.find_element(By.ID, "name").send_keys("Browser Buyer")
        driver.find_element(By.ID, "email").send_keys("buyer@example.com")
        driver.find_element(By.ID, "password").send_keys("a browser bought this")
        click_to(driver, (By.CSS_SELECTOR, "form.form button[type=submit]"),
                 "signing up", "/signup")
        WebDriverWait(driver, 10).until(lambda d: "Check your inbox" in d.page_source)
        sign_in = driver.find_element(By.LINK_TEXT, "Go to sign in").get_attribute("href")
        database = sqlite3.connect(os.path.join(data_dir, "acme", "tenant.sqlite"))
        body = database.execute(
            "SELECT text_body FROM mail_outbox WHERE to_address = 'buyer@example.com' ORDER BY id DESC LIMIT 1").fetchone()[0]
        database.close()
        link = next(word for word in body.split() if "/verify-email?token=" in word)
        go(driver, link, "the emailed confirmation link", "/verify-email")
        check("Email address confirmed" in driver.page_source, "the emailed link confirms the address")
        go(driver, sign_in, "the sign-in link after signing up", "/login")
        driver.find_element(By.ID, "email").send_keys("buyer@example.com")
        driver.find_element(By.ID, "password").send_keys("a browser bought this")
        click_to(driver, (By.CSS_SELECTOR, "form.form button[type=submit]"),
                 "the new customer signs in", "/order/starter-web/review")
        check("/order/starter-web/review" in driver.current_url, "signing in returns to the order review")
        for field, value in (("first-name", "Browser"), ("last-name", "Buyer"), ("address1", "1 Chromium Way"),
                             ("city", "London"), ("state", "London"), ("postcode", "N1 9GU"), ("country", "GB"),
                             ("phone", "+44 20 7946 0999")):
            element = driver.find_element(By.ID, field)
            element.clear()
            element.send_keys(value)
        click_to(driver, (By.XPATH, "//button[starts-with(normalize-space(), 'Place order')]"),
                 "Place order", "/account/orders/")
        check("/account/orders/" in driver.current_url, "placing the order opens the order page")
        try:
            WebDriverWait(driver, 40).until(lambda d: "Your service is ready." in d.page_source)
            ready = True
        except Exception:
            ready = False
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
    except Exception as error:  # report, then fail the run
        check(False, "%s: %s" % (type(error).__name__, error))
    finally:
        if driver is not None:
            try:
                driver.quit()
            except WebDriverException:
                pass
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
        if RESULTS["failed"]:
            print(open(os.path.join(data_dir, "server.log")).read()[-3000:])
        shutil.rmtree(data_dir, ignore_errors=True)

    print("browser: %d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]))
    return 1 if RESULTS["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
