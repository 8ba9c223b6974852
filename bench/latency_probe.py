#!/usr/bin/python3
"""End-of-DATA latency probe for the relay benchmark.

One SMTP client that sends messages back to back, each on its own connection
exactly like smtp-source without -d (greeting, EHLO, MAIL, RCPT, DATA, body,
".", QUIT), and times the interval from writing the final "." line to reading
the 250 reply. It runs beside the smtp-source load, so it measures what a
client sees while the server is busy. Standard library only (Debian python3).

Used as a module by relay_measure.py; run alone it prints the latencies:
    latency_probe.py HOST:PORT [--messages N] [--size BYTES]
"""

import argparse
import socket
import threading
import time


class ProbeError(Exception):
    """The server did not answer as a relay that accepts the message."""


def _body(size):
    """`size` bytes of body in short text lines, like smtp-source -l."""
    line = b"La de da de da 1.\r\n"
    body = line * (size // len(line))
    rest = size - len(body)
    if rest >= 3:
        body += b"x" * (rest - 2) + b"\r\n"
    return body


class Probe:
    """One message at a time, at most one per `interval` seconds; stop() ends
    it after the current message so every message it counted got its 250."""

    def __init__(self, host, port, sender, recipient, size, interval=0.0, timeout=60.0):
        self.host = host
        self.port = port
        self.sender = sender
        self.recipient = recipient
        self.body = _body(size)
        self.interval = interval  # minimum seconds from one message's start to the next
        self.timeout = timeout
        self.latencies = []  # seconds, one per message that got 250 after "."
        self.error = None
        self._stop = threading.Event()
        self._seq = 0

    def stop(self):
        self._stop.set()

    def run(self):
        try:
            while not self._stop.is_set():
                began = time.perf_counter()
                self.latencies.append(self._one_message())
                pause = self.interval - (time.perf_counter() - began)
                if pause > 0:
                    self._stop.wait(pause)
        except (OSError, ProbeError) as e:
            self.error = f"{type(e).__name__}: {e}"

    def run_count(self, messages):
        for _ in range(messages):
            self.latencies.append(self._one_message())

    def _one_message(self):
        self._seq += 1
        with socket.create_connection((self.host, self.port), timeout=self.timeout) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            reader = sock.makefile("rb")
            self._expect(reader, 220, "greeting")
            self._command(sock, reader, b"EHLO probe.bench.test", 250)
            self._command(sock, reader, b"MAIL FROM:<" + self.sender.encode() + b">", 250)
            self._command(sock, reader, b"RCPT TO:<" + self.recipient.encode() + b">", 250)
            self._command(sock, reader, b"DATA", 354)
            headers = (
                f"From: <{self.sender}>\r\nTo: <{self.recipient}>\r\n"
                f"Subject: latency probe {self._seq}\r\n"
                f"Message-Id: <probe.{time.time_ns()}.{self._seq}@bench.test>\r\n\r\n"
            ).encode()
            sock.sendall(headers + self.body)
            start = time.perf_counter()
            sock.sendall(b".\r\n")
            self._expect(reader, 250, "end of DATA")
            elapsed = time.perf_counter() - start
            self._command(sock, reader, b"QUIT", 221)
            return elapsed

    def _command(self, sock, reader, line, code):
        sock.sendall(line + b"\r\n")
        self._expect(reader, code, line.split(b" ")[0].decode())

    @staticmethod
    def _expect(reader, code, what):
        while True:
            line = reader.readline(2048)
            if not line:
                raise ProbeError(f"connection closed waiting for {what} reply")
            if len(line) < 4 or not line[:3].isdigit():
                raise ProbeError(f"malformed reply to {what}: {line!r}")
            if line[3:4] != b"-":
                break
        if int(line[:3]) != code:
            raise ProbeError(f"{what}: expected {code}, got {line.strip()!r}")


def percentile(values, fraction):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-int(fraction * 1000) * len(ordered) // 1000))
    return ordered[min(rank, len(ordered)) - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("server", help="HOST:PORT")
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--from", dest="sender", default="sender@bench.test")
    parser.add_argument("--to", dest="recipient", default="user@bench.test")
    args = parser.parse_args()
    host, _, port = args.server.rpartition(":")
    probe = Probe(host, int(port), args.sender, args.recipient, args.size)
    probe.run_count(args.messages)
    lat = probe.latencies
    print(f"messages={len(lat)} p50={percentile(lat, 0.5) * 1e3:.2f}ms p99={percentile(lat, 0.99) * 1e3:.2f}ms")


if __name__ == "__main__":
    main()
