#!/usr/bin/env python3
"""Real-browser check of the demo: two hosts, two brands, read from two databases.

Starts `portal demo` on a temporary data folder, opens acme.localhost and globex.localhost in headless
Chromium (Debian's chromium + chromium-driver, through Selenium) and checks what a person would see:
different titles and primary colours, a layout that fits a 360 px phone, and a keyboard-reachable
skip link. Run with Debian's python3 (/usr/bin/python3), which sees python3-selenium.
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
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORTAL = os.environ.get("PORTAL_BIN", os.path.join(ROOT, ".build", "debug", "portal"))


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


def make_driver(width):
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=%d,900" % width):
        options.add_argument(argument)
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(service=service, options=options)


def wait_for_url(driver, fragment, timeout=10):
    """Waits for a click's navigation to land (a click returns before the next page has loaded)."""
    try:
        WebDriverWait(driver, timeout).until(lambda d: fragment in d.current_url)
        return True
    except Exception:
        return False


def totp(secret, at=None):
    """RFC 6238 code (SHA-1, 30 s, 6 digits) for a base32 key as shown on the set-up page."""
    key = base64.b32decode(secret.replace(" ", "").upper() + "=" * (-len(secret.replace(" ", "")) % 8))
    counter = int((at or time.time()) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000)


def main():
    passed, failed = 0, 0

    def check(condition, label):
        nonlocal passed, failed
        if condition:
            passed += 1
            print("  ok   %s" % label)
        else:
            failed += 1
            print("  FAIL %s" % label)

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
        for url, host in (("/", "acme"), ("/", "globex"), ("/no-such-page", "acme"), ("/", "nobody"),
                          ("/products/starter-web", "acme"), ("/category/web-hosting", "acme"), ("/order/starter-web", "acme"),
                          ("/order/starter-web/review?cycle=monthly&domain=a.example&domain_action=existing", "acme"),
                          ("/products/domains", "acme")):
            request = urllib.request.Request("http://127.0.0.1:%d%s" % (port, url),
                                             headers={"Host": "%s.localhost" % host})
            try:
                page = urllib.request.urlopen(request, timeout=5).read().decode()
            except urllib.error.HTTPError as answer:
                page = answer.read().decode()
            try:
                html5lib.HTMLParser(strict=True).parse(page)
                check(True, "%s.localhost%s is valid HTML5" % (host, url))
            except html5lib.html5parser.ParseError as error:
                check(False, "%s.localhost%s is valid HTML5: %s" % (host, url, error))
        driver = make_driver(1200)
        seen = {}
        for slug in ("acme", "globex"):
            driver.get("http://%s.localhost:%d/" % (slug, port))
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
        driver.quit()

        # Sign in as the demo customer: the __Host- Secure session cookie must work on http://*.localhost.
        driver = make_driver(1200)
        driver.get("http://acme.localhost:%d/login" % port)
        driver.find_element(By.ID, "email").send_keys("customer@acme.example")
        driver.find_element(By.ID, "password").send_keys("acme-customer-demo")
        driver.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
        check(wait_for_url(driver, "/account") and driver.current_url.endswith("/account"),
              "the demo customer signs in and lands on /account")
        check("Hello, Demo Customer" in driver.page_source, "the account page greets the customer")
        driver.get("http://globex.localhost:%d/account" % port)
        check("/login" in driver.current_url, "the acme session is not a session on globex")
        driver.get("http://acme.localhost:%d/account" % port)
        driver.find_element(By.CSS_SELECTOR, "nav form button").click()
        wait_for_url(driver, "acme.localhost:%d/" % port)
        WebDriverWait(driver, 10).until(lambda d: "/account" not in d.current_url)
        driver.get("http://acme.localhost:%d/account" % port)
        check("/login" in driver.current_url, "after signing out, /account asks to sign in again")

        # The demo owner must enrol a second factor first: the QR code is drawn on the page.
        driver.get("http://acme.localhost:%d/admin/login" % port)
        driver.find_element(By.ID, "email").send_keys("owner@acme.example")
        driver.find_element(By.ID, "password").send_keys("acme-owner-demo")
        driver.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
        check(wait_for_url(driver, "/admin/security/two-factor"), "staff are sent to two-factor set-up")
        check(len(driver.find_elements(By.CSS_SELECTOR, "figure.qr svg")) == 1, "the set-up page shows a QR code")
        key = driver.find_element(By.CSS_SELECTOR, "code.secret").text
        driver.find_element(By.ID, "code").send_keys(totp(key))
        driver.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
        WebDriverWait(driver, 10).until(lambda d: "recovery" in d.page_source.lower())

        # The staff dashboard: figures and two server-drawn charts, each with a table of the same figures.
        driver.get("http://acme.localhost:%d/admin" % port)
        charts = driver.find_elements(By.CSS_SELECTOR, "svg.chart[role=img]")
        check(len(charts) == 2 and all(c.is_displayed() and c.size["width"] > 200 for c in charts),
              "the staff dashboard draws its two charts as SVG")
        check(len(driver.find_elements(By.CSS_SELECTOR, ".figures .figure")) == 6, "the dashboard shows its six figures")
        check(len(driver.find_elements(By.CSS_SELECTOR, "figure.chart-figure details table")) == 2,
              "each chart has a table of the same figures")
        driver.get("http://acme.localhost:%d/admin/customers" % port)
        check("Customers" in driver.title, "the owner opens the customer list")

        # The demo brands are wired to the in-process WHMCS and WHM simulators: the owner's test button proves it.
        driver.get("http://acme.localhost:%d/admin/integrations" % port)
        check("Billing and hosting connections" in driver.page_source, "the owner opens the connections page")
        check(driver.find_element(By.ID, "whmcs-secret").get_attribute("value") == "",
              "the stored WHMCS secret is not put back into the page")
        driver.find_element(By.XPATH, "//button[normalize-space()='Test connection']").click()
        WebDriverWait(driver, 20).until(lambda d: "Connection test" in d.page_source)
        results = [item.text for item in driver.find_elements(By.CSS_SELECTOR, ".checks li")]
        check(len(results) == 4 and all("Connected" in text for text in results)
              and [text.split(":")[0] for text in results] == ["WHMCS", "WHM", "20i", "TheSSLStore"],
              "Test connection reaches the sandbox WHMCS, WHM, 20i and TheSSLStore: %s" % results)

        # The public domain search, without JavaScript: type a name, press Enter, see each ending with its price.
        driver.get("http://acme.localhost:%d/domains/search" % port)
        box = driver.find_element(By.ID, "q")
        check(driver.find_element(By.CSS_SELECTOR, "label[for=q]").text != "", "the domain search field has a label")
        box.send_keys("browsercheck\n")
        WebDriverWait(driver, 20).until(lambda d: "browsercheck.com" in d.page_source)
        rows = driver.find_elements(By.CSS_SELECTOR, "table.table tbody tr")
        check(len(rows) >= 2 and all("Available" in row.text for row in rows),
              "domain search lists the name in every ending the brand sells: %s" % [row.text for row in rows])
        link = driver.find_element(By.LINK_TEXT, "Register browsercheck.com")
        check("/order/domains?domain=browsercheck.com&domain_action=register" in link.get_attribute("href"),
              "a result links into checkout: %s" % link.get_attribute("href"))

        # Brand studio: change the primary colour, save the draft, publish, and see it on the storefront.
        driver.get("http://acme.localhost:%d/admin/brand" % port)
        pickers = driver.find_elements(By.CSS_SELECTOR, "input.colour-picker")
        check(len(pickers) == 5 and all(p.is_displayed() for p in pickers),
              "the colour pickers appear when scripts run (progressive enhancement)")
        primary = driver.find_element(By.ID, "primary-color")
        primary.clear()
        primary.send_keys("#5b21b6")
        swatch = driver.find_element(By.CSS_SELECTOR, ".swatch__button").value_of_css_property("background-color")
        check(swatch in ("rgba(91, 33, 182, 1)", "rgb(91, 33, 182)"), "the colour preview updates while typing (%s)" % swatch)
        driver.find_element(By.XPATH, "//button[normalize-space()='Save draft']").click()
        WebDriverWait(driver, 10).until(lambda d: "Draft saved" in d.page_source)
        driver.get("http://acme.localhost:%d/" % port)
        header = driver.find_element(By.CSS_SELECTOR, ".site-header").value_of_css_property("background-color")
        check(header not in ("rgba(91, 33, 182, 1)", "rgb(91, 33, 182)"), "the draft is not live before publishing")
        driver.get("http://acme.localhost:%d/admin/brand" % port)
        driver.find_element(By.XPATH, "//button[normalize-space()='Publish']").click()
        WebDriverWait(driver, 10).until(lambda d: "Published" in d.page_source)
        driver.get("http://acme.localhost:%d/" % port)
        header = driver.find_element(By.CSS_SELECTOR, ".site-header").value_of_css_property("background-color")
        check(header in ("rgba(91, 33, 182, 1)", "rgb(91, 33, 182)"),
              "after publishing, the storefront header has the new primary colour (%s)" % header)

        # Custom domains: a bad name is refused beside the field; a good one waits for its DNS records.
        driver.get("http://acme.localhost:%d/admin/domains" % port)
        driver.find_element(By.ID, "domain-hostname").send_keys("not a domain")
        driver.find_element(By.XPATH, "//button[normalize-space()='Add the domain']").click()
        WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "domain-hostname-error"))
        check(driver.find_element(By.ID, "domain-hostname").get_attribute("aria-invalid") == "true",
              "a bad domain is refused beside its labelled field")
        field = driver.find_element(By.ID, "domain-hostname")
        field.clear()
        field.send_keys("shop.acme-browser.example")
        driver.find_element(By.XPATH, "//button[normalize-space()='Add the domain']").click()
        WebDriverWait(driver, 10).until(lambda d: "Waiting for DNS verification" in d.page_source)
        check("_portal-verify.shop.acme-browser.example" in driver.page_source,
              "a new domain shows the TXT record that proves it")
        driver.quit()

        # Platform console: a platform user (invited from the CLI, with two-factor) onboards a brand in the wizard.
        invite = subprocess.run(
            [PORTAL, "platform", "add-user", "--email", "ops@example.com", "--data-dir", data_dir],
            capture_output=True, text=True, env=dict(os.environ, PORTAL_PORT=str(port)), timeout=60,
        )
        link = next((word for word in invite.stdout.split() if "/accept-invite?token=" in word), None)
        check(link is not None, "portal platform add-user prints a set-up link")
        driver = make_driver(1200)
        console = "http://platform.localhost:%d" % port
        driver.get(link)
        driver.find_element(By.ID, "name").send_keys("Ops")
        driver.find_element(By.ID, "password").send_keys("a long platform passphrase")
        driver.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
        WebDriverWait(driver, 10).until(lambda d: "/accept-invite" not in d.current_url)
        driver.get(console + "/login")
        driver.find_element(By.ID, "email").send_keys("ops@example.com")
        driver.find_element(By.ID, "password").send_keys("a long platform passphrase")
        driver.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
        check(wait_for_url(driver, "/security/two-factor"), "platform users must enrol two-factor")
        key = driver.find_element(By.CSS_SELECTOR, "code.secret").text
        driver.find_element(By.ID, "code").send_keys(totp(key))
        driver.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
        WebDriverWait(driver, 10).until(lambda d: "recovery" in d.page_source.lower())
        driver.get(console + "/")
        driver.find_element(By.LINK_TEXT, "New tenant").click()
        wait_for_url(driver, "/onboarding")
        driver.find_element(By.ID, "slug").send_keys("Not A Slug")
        driver.find_element(By.ID, "name").send_keys("Initech Hosting")
        driver.find_element(By.XPATH, "//button[normalize-space()='Continue']").click()
        WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "slug-error"))
        check(driver.find_element(By.ID, "slug").get_attribute("aria-invalid") == "true",
              "the wizard refuses a bad slug beside its labelled field")
        field = driver.find_element(By.ID, "slug")
        field.clear()
        field.send_keys("initech")
        driver.find_element(By.XPATH, "//button[normalize-space()='Continue']").click()
        wait_for_url(driver, "/domains")
        check(driver.find_element(By.CSS_SELECTOR, ".wizard-steps li[aria-current=step]").text.startswith("2."),
              "the step list marks the current step")
        driver.find_element(By.ID, "domains").send_keys("portal.initech-browser.example")
        driver.find_element(By.XPATH, "//button[normalize-space()='Continue']").click()
        wait_for_url(driver, "/owner")
        driver.find_element(By.ID, "owner-email").send_keys("owner@initech-browser.example")
        driver.find_element(By.XPATH, "//button[normalize-space()='Continue']").click()
        wait_for_url(driver, "/connection")
        driver.find_element(By.CSS_SELECTOR, "input[name=mode][value=sandbox]").click()
        driver.find_element(By.XPATH, "//button[normalize-space()='Continue']").click()
        wait_for_url(driver, "/mapping")
        groups = driver.find_elements(By.CSS_SELECTOR, "input[name=whmcs_group]")
        check(len(groups) >= 3, "the mapping step offers WHMCS's client groups (%d)" % len(groups))
        driver.find_element(By.XPATH, "//label[contains(., 'New brand (sandbox)')]/input").click()
        driver.find_element(By.CSS_SELECTOR, "input[name=reseller][value=new]").click()
        driver.find_element(By.ID, "reseller-user").send_keys("rinitechb")
        driver.find_element(By.ID, "nameservers").send_keys("ns1.initech-browser.example\nns2.initech-browser.example")
        driver.find_element(By.XPATH, "//button[normalize-space()='Continue']").click()
        wait_for_url(driver, "/review")
        problems = [element.text for element in driver.find_elements(By.CSS_SELECTOR, ".field__error")]
        check("new: rinitechb" in driver.page_source, "the review lists the new reseller %s" % (problems or ""))
        driver.find_element(By.XPATH, "//button[normalize-space()='Create the tenant']").click()
        wait_for_url(driver, "/tenants/initech?done=created")
        check("The owner has been sent an invitation" in driver.page_source, "the wizard creates the brand")
        request = urllib.request.Request("http://127.0.0.1:%d/" % port, headers={"Host": "initech.localhost"})
        check(urllib.request.urlopen(request, timeout=5).status == 200, "the new brand serves on its platform address")
        driver.quit()

        # A new customer signs up from the review page, confirms the address, orders shared hosting, sees it active.
        driver = make_driver(1200)
        base = "http://acme.localhost:%d" % port
        driver.get(base + "/products/starter-web")
        check("Starter Web" in driver.title and driver.find_elements(By.CSS_SELECTOR, "link[rel=canonical]"),
              "the product page has its title and a canonical link")
        driver.find_element(By.LINK_TEXT, "Order Starter Web").click()
        wait_for_url(driver, "/order/starter-web")
        driver.find_element(By.CSS_SELECTOR, "input[name=cycle][value=monthly]").click()
        driver.find_element(By.ID, "domain").send_keys("browser-journey.example")
        driver.find_element(By.CSS_SELECTOR, "input[name=domain_action][value=existing]").click()
        driver.find_element(By.XPATH, "//button[normalize-space()='Continue']").click()
        wait_for_url(driver, "/review")
        check("£2.99" in driver.page_source, "the review shows the price")
        driver.find_element(By.LINK_TEXT, "Create an account").click()
        wait_for_url(driver, "/signup")
        driver.find_element(By.ID, "name").send_keys("Browser Buyer")
        driver.find_element(By.ID, "email").send_keys("buyer@example.com")
        driver.find_element(By.ID, "password").send_keys("a browser bought this")
        driver.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
        WebDriverWait(driver, 10).until(lambda d: "Check your inbox" in d.page_source)
        sign_in = driver.find_element(By.LINK_TEXT, "Go to sign in").get_attribute("href")
        database = sqlite3.connect(os.path.join(data_dir, "acme", "tenant.sqlite"))
        body = database.execute(
            "SELECT text_body FROM mail_outbox WHERE to_address = 'buyer@example.com' ORDER BY id DESC LIMIT 1").fetchone()[0]
        database.close()
        link = next(word for word in body.split() if "/verify-email?token=" in word)
        driver.get(link)
        check("Email address confirmed" in driver.page_source, "the emailed link confirms the address")
        driver.get(sign_in)
        driver.find_element(By.ID, "email").send_keys("buyer@example.com")
        driver.find_element(By.ID, "password").send_keys("a browser bought this")
        driver.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
        check(wait_for_url(driver, "/order/starter-web/review"), "signing in returns to the order review")
        for field, value in (("first-name", "Browser"), ("last-name", "Buyer"), ("address1", "1 Chromium Way"),
                             ("city", "London"), ("state", "London"), ("postcode", "N1 9GU"), ("country", "GB"),
                             ("phone", "+44 20 7946 0999")):
            element = driver.find_element(By.ID, field)
            element.clear()
            element.send_keys(value)
        driver.find_element(By.XPATH, "//button[starts-with(normalize-space(), 'Place order')]").click()
        check(wait_for_url(driver, "/account/orders/"), "placing the order opens the order page")
        try:
            WebDriverWait(driver, 40).until(lambda d: "Your service is ready." in d.page_source)
            ready = True
        except Exception:
            ready = False
        check(ready, "the order page refreshes by itself until the hosting is active")
        check("ns1.acme.example" in driver.page_source, "the active order shows the brand's nameservers")
        driver.quit()

        driver = make_driver(360)
        for slug, path in (("acme", "/"), ("globex", "/"), ("acme", "/products/starter-web"),
                           ("acme", "/order/starter-web/review?cycle=monthly&domain=a.example&domain_action=existing")):
            driver.get("http://%s.localhost:%d%s" % (slug, port, path))
            overflow = driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            check(overflow <= 0, "%s%s fits a 360 px wide screen without sideways scrolling" % (slug, path))
    except Exception as error:  # report, then fail the run
        failed += 1
        print("  FAIL %s" % error)
    finally:
        if driver is not None:
            driver.quit()
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
        if failed:
            print(open(os.path.join(data_dir, "server.log")).read()[-3000:])
        shutil.rmtree(data_dir, ignore_errors=True)

    print("browser: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
