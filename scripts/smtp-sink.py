#!/usr/bin/env python3
"""A real SMTP server on loopback for the mail tests (Debian's python3-aiosmtpd; run with /usr/bin/python3).

Every accepted message is written to OUT_DIR as NNNN.eml with NNNN.json beside it (envelope sender and
recipients). Recipients whose local part starts with "tempfail" get "421" the first time and are accepted after;
those starting with "reject" always get "550". Prints "READY <port>" once it listens, and stops on SIGTERM.
"""
import argparse
import asyncio
import json
import os
import signal
import socket
import threading

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.count = 0
        self.tempfailed = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 Mailbox unavailable"
        if local.startswith("tempfail") and address not in self.tempfailed:
            self.tempfailed.add(address)
            return "421 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            name = "%04d" % self.count
        with open(os.path.join(self.out_dir, name + ".eml"), "wb") as handle:
            handle.write(envelope.original_content or envelope.content)
        with open(os.path.join(self.out_dir, name + ".json"), "w") as handle:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, handle)
        return "250 2.0.0 Message accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out_dir")
    arguments = parser.parse_args()
    # The listening socket is bound here and handed to the server as it is, so the port printed is the port served:
    # no window in which a parallel test could take it.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    handler = Sink(arguments.out_dir)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(loop.create_server(lambda: SMTP(handler, hostname="127.0.0.1"), sock=listener))
    print("READY %d" % port, flush=True)
    # Every message is on disk once accepted, so stopping is immediate and never waits on open sessions. A parent's
    # worker thread may have started us with SIGTERM blocked; unblock it, or the signal would wait for ever.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))
    loop.run_forever()


if __name__ == "__main__":
    main()
