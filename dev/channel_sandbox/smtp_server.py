"""A loopback SMTP submission server for the SMTP channel (reference §3, §10), started with the channel sandbox.

As strict as a submission server: EHLO before AUTH, AUTH PLAIN or LOGIN with the seeded credentials (``535 5.7.8``
otherwise), ``530 5.7.0`` for MAIL before AUTH, MAIL FROM only the seeded address, commands and DATA in CRLF lines
of at most 1000 octets, 7-bit data only (no 8BITMIME is offered), and a message needs its From and Date headers.
It offers no STARTTLS: connect with the security «none», which our transport allows on loopback only.
Accepted messages go to the sandbox's message list as provider ``smtp``. Faults act on the next connection:
``http_500`` greets ``421 4.3.2``, ``rate_limit`` ``421 4.7.0 Too many connections``, ``timeout`` hangs first,
``revoked`` answers every AUTH with 535.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
import secrets
import socket
import socketserver
import threading
import time
from email import policy
from email.parser import BytesParser
from typing import TYPE_CHECKING

from dev.sandbox_http import is_loopback

if TYPE_CHECKING:
    from dev.channel_sandbox.server import ChannelSandbox

NAME = "smtp"
DEFAULT_SMTP = ("sandbox@fastlead.test", "smtp-sandbox-password", "sandbox@fastlead.test")  # user, password, from
UNKNOWN_MAILBOX = "nobody@example.org"  # 550 5.1.1 at RCPT
HOSTNAME = "smtp.sandbox.fastlead.test"
MAX_LINE = 1000  # octets with CRLF (RFC 5321 §4.5.3.1.6)
MAX_SIZE = 1_000_000
MAX_RECIPIENTS = 50
IDLE_SECONDS = 30
ADDRESS = re.compile(r"[^@\s<>]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
PATH = re.compile(r"(?i)(FROM|TO):\s*<([^<>]*)>((?: [A-Z0-9-]+(?:=\S+)?)*)")
FAULTS = {"http_500": "421 4.3.2 Service not available, closing transmission channel",
          "rate_limit": "421 4.7.0 Too many connections, try again later"}


class SmtpSandbox(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sandbox: ChannelSandbox,
                 credentials: tuple[str, str, str] = DEFAULT_SMTP) -> None:
        if not is_loopback(address[0]):
            raise ValueError("SMTP-песочница слушает только loopback: 127.0.0.1, ::1 или localhost.")
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.sandbox = sandbox
        self.username, self.password, self.sender = credentials
        self._queue_ids = itertools.count(1)
        self._ids_lock = threading.Lock()
        super().__init__(address, _Session)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def queue_id(self) -> str:
        with self._ids_lock:
            return f"{next(self._queue_ids):010X}"


class _Abort(Exception):
    """The session ends: the client went away, sent a bare LF or an over-long line."""


class _Session(socketserver.StreamRequestHandler):
    server: SmtpSandbox
    timeout = IDLE_SECONDS

    def handle(self) -> None:
        fault = self.server.sandbox.take_fault(NAME)
        if fault == "timeout":
            time.sleep(self.server.sandbox.timeout_seconds)
            fault = "http_500"
        self.revoked = fault == "revoked"
        self.ehlo = ""
        self.user = ""
        self._reset()
        try:
            if fault in FAULTS:
                self._reply(FAULTS[fault])
                return
            self._reply(f"220 {HOSTNAME} ESMTP Fast Lead sandbox")
            while self._command():
                pass
        except (_Abort, OSError):
            pass  # the client went away

    def _reset(self) -> None:
        self.mail_from: str | None = None
        self.recipients: list[str] = []

    def _reply(self, *lines: str) -> None:
        """One reply; several lines are sent as a multi-line reply (``250-…`` then ``250 …``)."""
        out = [line if i == len(lines) - 1 else line[:3] + "-" + line[4:] for i, line in enumerate(lines)]
        try:
            self.wfile.write("".join(f"{line}\r\n" for line in out).encode())
        except OSError as exc:
            raise _Abort from exc

    def _line(self) -> str:
        raw = self.rfile.readline(MAX_LINE + 1)
        if not raw:
            raise _Abort
        if len(raw) > MAX_LINE or not raw.endswith(b"\r\n"):
            self._reply("500 5.5.2 Line too long or not ended by CRLF")
            raise _Abort
        try:
            return raw[:-2].decode("ascii")
        except UnicodeDecodeError:
            self._reply("500 5.5.2 Error: 8-bit characters in a command")
            raise _Abort from None

    def _command(self) -> bool:
        """Answer one command; False after QUIT."""
        verb, _, argument = self._line().partition(" ")
        verb = verb.upper()
        if verb == "QUIT":
            self._reply("221 2.0.0 Bye")
            return False
        handler = {"EHLO": self._ehlo, "HELO": self._helo, "AUTH": self._auth, "MAIL": self._mail,
                   "RCPT": self._rcpt, "DATA": self._data, "RSET": self._rset, "NOOP": self._noop}.get(verb)
        if handler is None:
            self._reply("502 5.5.2 Error: command not recognized")
        else:
            handler(argument.strip())
        return True

    def _ehlo(self, argument: str) -> None:
        if not argument:
            self._reply("501 5.5.4 Syntax: EHLO hostname")
            return
        self.ehlo = argument
        self._reset()
        self._reply(f"250 {HOSTNAME}", f"250 SIZE {MAX_SIZE}", "250 AUTH PLAIN LOGIN", "250 ENHANCEDSTATUSCODES")

    def _helo(self, argument: str) -> None:
        if not argument:
            self._reply("501 5.5.4 Syntax: HELO hostname")
            return
        self.ehlo = ""  # HELO offers no extensions: AUTH needs EHLO
        self._reset()
        self._reply(f"250 {HOSTNAME}")

    def _rset(self, argument: str) -> None:
        self._reset()
        self._reply("250 2.0.0 Ok")

    def _noop(self, argument: str) -> None:
        self._reply("250 2.0.0 Ok")

    def _auth(self, argument: str) -> None:
        if not self.ehlo:
            self._reply("503 5.5.1 Error: send EHLO first")
            return
        if self.user:
            self._reply("503 5.5.1 Error: already authenticated")
            return
        if self.mail_from is not None:
            self._reply("503 5.5.1 Error: MAIL transaction in progress")
            return
        mechanism, _, initial = argument.partition(" ")
        mechanism = mechanism.upper()
        if mechanism == "PLAIN":
            decoded = self._decode(initial or self._challenge(""))
            parts = decoded.split("\0") if decoded is not None else []
            if len(parts) != 3:
                self._reply("501 5.5.2 Error: malformed PLAIN response")
                return
            user, password = parts[1], parts[2]
        elif mechanism == "LOGIN":
            user_or_none = self._decode(initial or self._challenge("Username:"))
            password_or_none = self._decode(self._challenge("Password:")) if user_or_none is not None else None
            if user_or_none is None or password_or_none is None:
                self._reply("501 5.5.2 Error: malformed LOGIN response")
                return
            user, password = user_or_none, password_or_none
        else:
            self._reply("504 5.5.4 Unrecognized authentication type")
            return
        if (not self.revoked and secrets.compare_digest(user.encode(), self.server.username.encode())
                and secrets.compare_digest(password.encode(), self.server.password.encode())):
            self.user = user
            self._reply("235 2.7.0 Authentication successful")
        else:
            self._reply("535 5.7.8 Error: authentication failed: Authentication credentials invalid")

    def _challenge(self, prompt: str) -> str:
        self._reply("334 " + base64.b64encode(prompt.encode()).decode())
        return self._line()

    @staticmethod
    def _decode(answer: str) -> str | None:
        """A base64 answer to a challenge; None for ``*`` (cancelled) or garbage."""
        try:
            return None if answer == "*" else base64.b64decode(answer, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None

    def _mail(self, argument: str) -> None:
        if not self.ehlo:
            self._reply("503 5.5.1 Error: send HELO/EHLO first")
            return
        if not self.user:
            self._reply("530 5.7.0 Authentication required")
            return
        if self.mail_from is not None:
            self._reply("503 5.5.1 Error: nested MAIL command")
            return
        match = PATH.fullmatch(argument)
        if match is None or match.group(1).upper() != "FROM":
            self._reply("501 5.5.4 Syntax: MAIL FROM:<address>")
            return
        address, options = match.group(2), match.group(3).split()
        for option in options:
            name, _, value = option.partition("=")
            if name.upper() != "SIZE" or not value.isdigit():
                self._reply(f"555 5.5.4 Unsupported option: {name}")
                return
            if int(value) > MAX_SIZE:
                self._reply("552 5.3.4 Message size exceeds fixed limit")
                return
        if address.lower() != self.server.sender.lower():
            self._reply(f"553 5.7.1 <{address}>: Sender address rejected: not owned by user {self.user}")
            return
        self.mail_from = address
        self._reply("250 2.1.0 Ok")

    def _rcpt(self, argument: str) -> None:
        if self.mail_from is None:
            self._reply("503 5.5.1 Error: need MAIL command")
            return
        match = PATH.fullmatch(argument)
        if match is None or match.group(1).upper() != "TO" or match.group(3):
            self._reply("501 5.5.4 Syntax: RCPT TO:<address>")
            return
        address = match.group(2)
        if not ADDRESS.fullmatch(address):
            self._reply(f"501 5.1.3 <{address}>: Bad recipient address syntax")
        elif address.lower() == UNKNOWN_MAILBOX:
            self._reply(f"550 5.1.1 <{address}>: Recipient address rejected: User unknown in virtual mailbox table")
        elif len(self.recipients) >= MAX_RECIPIENTS:
            self._reply("452 4.5.3 Error: too many recipients")
        else:
            self.recipients.append(address)
            self._reply("250 2.1.5 Ok")

    def _data(self, argument: str) -> None:
        if argument:
            self._reply("501 5.5.4 Syntax: DATA")
            return
        if not self.recipients:
            self._reply("503 5.5.1 Error: need RCPT command")
            return
        self._reply("354 End data with <CR><LF>.<CR><LF>")
        lines, size, problem = [], 0, ""
        while True:
            raw = self.rfile.readline(MAX_LINE + 1)
            if not raw:
                raise _Abort
            if raw == b".\r\n":
                break
            if len(raw) > MAX_LINE or not raw.endswith(b"\r\n"):
                problem = problem or "500 5.5.2 Line too long or not ended by CRLF"
            elif not raw.isascii():
                problem = problem or "554 5.6.0 8-bit data without 8BITMIME"
            size += len(raw)
            if size > MAX_SIZE:
                problem = problem or "552 5.3.4 Message size exceeds fixed limit"
            if not problem:
                lines.append(raw[1:] if raw.startswith(b".") else raw)
        if not problem:
            problem = self._accept(b"".join(lines))
        self._reset()
        self._reply(problem)

    def _accept(self, data: bytes) -> str:
        """Record the message; the reply to its DATA."""
        message = BytesParser(policy=policy.default).parsebytes(data)
        if message["From"] is None or message["Date"] is None:
            return "550 5.6.0 Message is missing a required header (From, Date)"
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        queue_id = self.server.queue_id()
        for recipient in self.recipients:
            self.server.sandbox.record({
                "provider": NAME, "id": str(message["Message-ID"] or queue_id).strip(), "to": recipient,
                "from": self.mail_from, "subject": str(message["Subject"] or ""),
                "text": text.replace("\r\n", "\n").removesuffix("\n")})
        return f"250 2.0.0 Ok: queued as {queue_id}"
