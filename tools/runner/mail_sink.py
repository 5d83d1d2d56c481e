"""A local mail server for the demo: every mail Odoo sends is kept, as
received, in OUT/<date>-<customer>.eml (attachments included), where any mail
program can open it.  Nothing is relayed anywhere.

Run by the virtualenv's Python (it needs aiosmtpd):
    python mail_sink.py --out out/mails [--port 0]
It prints `LISTENING <host> <port>`, then `MAIL <path>\t<attachments>` per
mail.  The runner drives it with `MailSink` below (standard library only:
this file is also imported by the runner's own Python).
"""

# A command-line program: it talks to its caller with print().
# pylint: disable=print-used

import argparse
import asyncio
import contextlib
import datetime
import re
import subprocess
import sys
import threading
import unicodedata
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

HOST = "127.0.0.1"
START_TIMEOUT = 30


# ---- the server (virtualenv's Python) ----
def file_stem(message):
    """`<date>-<customer>` of a parsed mail: its Date header's day and the
    first recipient's name (or address), folded to plain ASCII."""
    try:
        day = parsedate_to_datetime(str(message["Date"])).date()
    except (TypeError, ValueError):
        day = datetime.date.today()
    recipients = getaddresses([str(value) for value in message.get_all("To", [])])
    name, address = recipients[0] if recipients else ("", "")
    return f"{day.isoformat()}-{slug(name or address.split('@')[0]) or 'unknown'}"


def slug(text):
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60]


def save(content, out_dir):
    """Write one received mail; return (path, number of attachments)."""
    message = BytesParser(policy=policy.default).parsebytes(content)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = file_stem(message)
    for index in range(1, 10000):
        path = out_dir / (f"{stem}.eml" if index == 1 else f"{stem}-{index}.eml")
        try:
            with open(path, "xb") as out:
                out.write(content)
        except FileExistsError:
            continue
        return path, sum(1 for _part in message.iter_attachments())
    raise OSError(f"too many mails named {stem}")


class Handler:
    """aiosmtpd handler: keep the DATA of every transaction."""

    def __init__(self, out_dir):
        self.out_dir = Path(out_dir)

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 (aiosmtpd's name)
        path, attachments = save(envelope.original_content or envelope.content, self.out_dir)
        print(f"MAIL {path}\t{attachments}", flush=True)
        return "250 Message accepted for delivery"


async def serve(out_dir, port=0, host=HOST):
    from aiosmtpd.smtp import SMTP  # noqa: PLC0415 - only in the virtualenv

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(Handler(out_dir), hostname="dunning-mail-sink", enable_SMTPUTF8=True), host, port
    )
    print(f"LISTENING {host} {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--out", required=True, help="folder for the .eml files")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(Path(args.out), args.port))


# ---- the runner's side (any Python) ----
class MailSink:
    """Start the server in a process of `python` (which has aiosmtpd) for the
    time of a `with` block; `port`, `mails` [(path, attachments)] and
    `count` tell what it has received."""

    def __init__(self, python, out_dir, on_mail=None):
        self.command = [str(python), str(Path(__file__).resolve()), "--out", str(out_dir)]
        self.on_mail = on_mail
        self.port = None
        self.mails = []
        self._proc = None
        self._reader = None

    @property
    def count(self):
        return len(self.mails)

    def __enter__(self):
        self._proc = subprocess.Popen(
            self.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True
        )
        started = threading.Event()
        first = []

        def read():
            for line in self._proc.stdout:
                line = line.rstrip("\n")
                if line.startswith("LISTENING ") and not started.is_set():
                    first.append(line)
                    started.set()
                elif line.startswith("MAIL "):
                    path, _tab, attachments = line[5:].partition("\t")
                    self.mails.append((Path(path), int(attachments or 0)))
                    if self.on_mail:
                        self.on_mail(Path(path), int(attachments or 0))
                elif started.is_set():
                    print(f"[mail server] {line}", flush=True)  # a fault of the server: never hidden
                else:
                    first.append(line)
            started.set()

        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()
        if not started.wait(START_TIMEOUT) or not first or not first[-1].startswith("LISTENING "):
            self.__exit__(None, None, None)
            raise RuntimeError("the local mail server did not start:\n" + "\n".join(first))
        self.port = int(first[-1].split()[2])
        return self

    def __exit__(self, *_exc):
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._reader:
            self._reader.join(10)
        if self._proc:
            self._proc.stdout.close()


if __name__ == "__main__":
    sys.exit(main())
