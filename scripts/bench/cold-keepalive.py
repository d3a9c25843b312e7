#!/usr/bin/env python3
"""First requests to cold tenants over keep-alive connections: every benchmark tenant's home page (b00001 …)
requested exactly once, over CONNECTIONS persistent HTTP/1.1 connections (as the proxy in front of the portal keeps
them), so the figure is the server's cost of a first request rather than the client's cost of a new connection per
host (curl's, in the warm-up). Standard library only.

Usage: cold-keepalive.py PORT TENANTS [CONNECTIONS] [BASE_DOMAIN]
Prints one line: the rate, how many answers were not 200, and the 99th percentile; exits 1 unless every tenant
answered 200.
"""
import asyncio
import sys
import time


async def worker(port, hosts, statuses, latencies):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while hosts:
            host = hosts.pop()
            started = time.monotonic()
            writer.write(f"GET / HTTP/1.1\r\nHost: {host}\r\nAccept: text/html\r\n\r\n".encode())
            await writer.drain()
            status_line = await reader.readline()
            length = 0
            chunked = False
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
                elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
                    chunked = True
            if chunked:
                while True:
                    size = int((await reader.readline()).split(b";")[0], 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            else:
                await reader.readexactly(length)
            latencies.append(time.monotonic() - started)
            statuses.append(int(status_line.split()[1]))
    finally:
        writer.close()


async def main():
    port = int(sys.argv[1])
    tenants = int(sys.argv[2])
    connections = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    base = sys.argv[4] if len(sys.argv) > 4 else "localhost"
    hosts = [f"b{number:05d}.{base}" for number in range(tenants, 0, -1)]
    statuses, latencies = [], []
    started = time.monotonic()
    await asyncio.gather(*(worker(port, hosts, statuses, latencies) for _ in range(connections)))
    seconds = time.monotonic() - started
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0
    failed = sum(1 for status in statuses if status != 200)
    print(f"{len(statuses)} tenants, {len(statuses) / seconds:.0f} first requests/s, {failed} not 200, "
          f"p99 {p99:.1f} ms")
    if failed or len(statuses) != tenants:
        sys.exit(1)


asyncio.run(main())
