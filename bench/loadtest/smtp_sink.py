"""An SMTP server on loopback for the load run (aiosmtpd) that appends each message's Message-ID to a file.

Run as its own process so the runner can stop it (an SMTP outage) and start it again.
"""
from __future__ import annotations

import signal
import sys
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, path: str):
        self.out = open(path, "a", buffering=1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.out.write(f"{message['Message-ID']}\n")
        return "250 Message accepted for delivery"


def main(port: int, path: str) -> None:
    controller = Controller(Sink(path), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
