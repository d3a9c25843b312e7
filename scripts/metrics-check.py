#!/usr/bin/env python3
"""Scrapes the demo's /internal/metrics and reads it with Prometheus's own Python text parser (prometheus_client).

Starts `portal demo` on a temporary data folder (127.0.0.1 a trusted proxy, so a request can claim an outside
address), visits two brands' storefronts and a missing page, tries a wrong password until the throttle answers,
then checks that:
- the answer parses as the Prometheus text format, every family with its type;
- requests are counted by route template, method and status class, and timed in a histogram;
- the state gauges are all there (tenant databases, outbox, pipeline jobs, parked orders, breakers, backups,
  throttles, the Argon2 queue);
- no sample names a tenant or a host;
- a visitor from outside gets 404, not the metrics.

Usage: metrics-check.py   (PORTAL_BIN picks the binary)
"""
import shutil
import sys
import tempfile

from prometheus_client.parser import text_string_to_metric_families

import demo_server
from demo_server import Client

FAILURES = []


def check(condition, message):
    print(("ok    " if condition else "FAIL  ") + message)
    if not condition:
        FAILURES.append(message)


def main():
    folder = tempfile.mkdtemp(prefix="portal-metrics-")
    server, port = demo_server.start(folder, arguments=["--trusted-proxy", "127.0.0.1/32"])
    try:
        for host in ("acme.localhost", "globex.localhost"):
            visitor = Client(port, host)
            check(visitor.get("/")[0] == 200, "%s storefront answers 200" % host)
            check(visitor.get("/no-such-page")[0] == 404, "%s missing page answers 404" % host)
        guesser = Client(port, "acme.localhost", address="198.51.100.7")
        guesser.get("/admin/login")
        statuses = [guesser.post("/admin/login", {"email": "owner@acme.example", "password": "wrong-%d" % n})[0]
                    for n in range(7)]
        check(429 in statuses, "wrong passwords end in 429 (%s)" % statuses)

        inside = Client(port, "127.0.0.1")
        status, headers, body = inside.get("/internal/metrics")
        check(status == 200, "/internal/metrics answers 200 on loopback")
        check(headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"), "content type is 0.0.4 text")
        families = {family.name: family for family in text_string_to_metric_families(body)}
        print("      %d families parsed" % len(families))

        expected = {
            "portal_http_requests": "counter",
            "portal_http_request_duration_seconds": "histogram",
            "portal_tenant_databases_open": "gauge",
            "portal_mail_outbox_depth": "gauge",
            "portal_pipeline_jobs": "gauge",
            "portal_pipeline_oldest_waiting_job_age_seconds": "gauge",
            "portal_orders_parked": "gauge",
            "portal_circuit_breakers_open": "gauge",
            "portal_backup_newest_age_seconds": "gauge",
            "portal_backup_stalest_age_seconds": "gauge",
            "portal_login_throttled": "counter",
            "portal_password_hash_queue_depth": "gauge",
            "portal_alerts_open": "gauge",
        }
        for name, kind in expected.items():
            family = families.get(name)
            check(family is not None and family.type == kind, "%s is a %s" % (name, kind))

        requests = families.get("portal_http_requests")
        home = [s for s in (requests.samples if requests else [])
                if s.labels.get("route") == "/" and s.labels.get("method") == "GET"
                and s.labels.get("status_class") == "2xx"]
        check(home and home[0].value >= 2, "both brands' home pages are one series: route \"/\", GET, 2xx")
        check(any(s.labels.get("status_class") == "4xx" for s in (requests.samples if requests else [])),
              "the missing pages are counted as 4xx")
        throttled = families.get("portal_login_throttled")
        check(throttled is not None and throttled.samples[0].value >= 1, "a throttled sign-in is counted")
        jobs = families.get("portal_pipeline_jobs")
        check(jobs is not None and {s.labels.get("state") for s in jobs.samples} >= {"queued", "retrying", "parked"},
              "pipeline jobs by state: queued, retrying, parked")

        labels = {key for family in families.values() for sample in family.samples for key in sample.labels}
        values = {value for family in families.values() for sample in family.samples
                  for value in sample.labels.values()}
        check(not labels & {"tenant", "host", "brand", "slug"}, "no sample has a tenant label (%s)" % sorted(labels))
        check(not any("acme" in value or "globex" in value for value in values), "no label value names a brand")

        outside = Client(port, "acme.localhost", address="203.0.113.5")
        status, _, body = outside.get("/internal/metrics")
        check(status == 404 and "portal_" not in body, "a visitor from outside gets 404")
    finally:
        demo_server.stop(server)
        shutil.rmtree(folder, ignore_errors=True)
    if FAILURES:
        print("%d metrics check(s) failed" % len(FAILURES))
        sys.exit(1)
    print("metrics check passed")


if __name__ == "__main__":
    main()
