#!/usr/bin/python3
"""An SMTP server for the tests (issue 23): keeps each mail it accepts as a file in a Maildir
(DIR/new/*.eml, the envelope's recipients first as X-Envelope-To lines), and answers as a
real server would to some addresses: reject…@ is refused for good (550), tempfail…@ is
asked to come back later (451) the first time it is tried and accepted after.

    /usr/bin/python3 scripts/smtp-sink.py DIR [PORT]

PORT 0 (the default) takes a free one. Prints PORT=N once listening. Ends when its
standard input closes (the test that started it ended, however it ended) or on a signal.
Debian's aiosmtpd (python3-aiosmtpd), run by Debian's python.
"""
import asyncio
import os
import sys
import threading
import time

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.asked_later = set()
        self.count = 0
        for sub in ("tmp", "new"):
            os.makedirs(os.path.join(folder, sub), exist_ok=True)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 No such mailbox here"
        if local.startswith("tempfail") and address not in self.asked_later:
            self.asked_later.add(address)
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = "%d.%06d.%d.eml" % (time.time_ns(), self.count, os.getpid())
        head = "".join("X-Envelope-To: %s\r\n" % to for to in envelope.rcpt_tos).encode()
        tmp = os.path.join(self.folder, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(head + envelope.original_content)
        # Whole files only: a reader never sees half a mail.
        os.rename(tmp, os.path.join(self.folder, "new", name))
        return "250 2.0.0 Message accepted for delivery"


async def main():
    folder = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    sink = Sink(folder)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(sink, hostname="sink.test", data_size_limit=64 * 1024 * 1024),
        "127.0.0.1",
        port,
    )
    print("PORT=%d" % server.sockets[0].getsockname()[1], flush=True)
    # Standard input closing is the end: read it in a thread until EOF.
    ended = asyncio.Event()
    threading.Thread(
        target=lambda: (sys.stdin.buffer.read(), loop.call_soon_threadsafe(ended.set)),
        daemon=True,
    ).start()
    async with server:
        await ended.wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
