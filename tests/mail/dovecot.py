"""A throwaway Dovecot IMAP server on loopback for the e-mail channel's tests (issue 20).

Its own configuration in a temporary directory: plaintext login allowed on loopback, one passwd-file user, a Maildir
under the same directory; run in the foreground (``dovecot -c CONF -F``) and stopped at the end. Mail is delivered by
writing files into the Maildir's ``new/`` (what an MTA's local delivery does), so no SMTP server is needed for the
inbound side.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)
USER, PASSWORD = "guichet", "secret-imap"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CONF = """\
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {login_user}
default_internal_group = {login_group}
default_login_user = {login_user}
mail_location = maildir:{base}/Maildir
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = 0
first_valid_gid = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/home
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
"""


class Dovecot:
    def __init__(self, base: Path) -> None:
        self.own_base = os.getuid() == 0
        if self.own_base:
            # as root, dovecot's processes run as an unprivileged user who must reach every parent directory, and
            # pytest's tmp_path is private (0700): a directory of our own under /tmp, removed at stop
            import tempfile

            base = Path(tempfile.mkdtemp(prefix="guichet-dovecot-"))
            os.chmod(base, 0o755)
        self.base = Path(base)
        self.port = free_port()
        self.user, self.password = USER, PASSWORD
        self.proc: subprocess.Popen | None = None
        self.maildir = self.base / "Maildir"

    def start(self) -> "Dovecot":
        import grp
        import pwd

        for sub in ("run", "state", "home", "Maildir/new", "Maildir/cur", "Maildir/tmp"):
            (self.base / sub).mkdir(parents=True, exist_ok=True)
        uid, gid = os.getuid(), os.getgid()
        user = pwd.getpwuid(uid).pw_name
        group = grp.getgrgid(gid).gr_name
        (self.base / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{self.base}/home::\n")
        conf = self.base / "dovecot.conf"
        # dovecot's login and internal processes refuse to run as root: when the tests run as root (CI, this machine),
        # they run as an unprivileged system user; the mail processes keep our uid (the Maildir is ours)
        login_user, login_group = user, group
        if uid == 0:
            for candidate in ("dovenull", "nobody"):
                try:
                    entry = pwd.getpwnam(candidate)
                except KeyError:
                    continue
                login_user, login_group = candidate, grp.getgrgid(entry.pw_gid).gr_name
                break
            # nor may the mail processes run as root: the mailbox belongs to that user
            uid, gid = pwd.getpwnam(login_user).pw_uid, pwd.getpwnam(login_user).pw_gid
        self.owner = (uid, gid)
        (self.base / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{self.base}/home::\n")
        conf.write_text(CONF.format(base=self.base, port=self.port, uid=uid, gid=gid, login_user=login_user,
                                    login_group=login_group))
        os.chmod(self.base, 0o755)
        for sub in ("home", "Maildir", "Maildir/new", "Maildir/cur", "Maildir/tmp"):
            os.chown(self.base / sub, uid, gid)
        self.proc = subprocess.Popen([DOVECOT, "-c", str(conf), "-F"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.proc.stderr.read().decode(errors='replace')[:2000]}"
                                   f"{self.log()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("dovecot did not start: " + self.log()[-2000:])

    def log(self) -> str:
        try:
            return (self.base / "dovecot.log").read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None
        if self.own_base:
            shutil.rmtree(self.base, ignore_errors=True)

    def deliver(self, raw: bytes) -> Path:
        """Deliver one message the way a local MTA does: write in ``tmp/``, rename into ``new/``."""
        name = f"{time.time():.6f}.{uuid.uuid4().hex}.guichet-test"
        tmp = self.maildir / "tmp" / name
        tmp.write_bytes(raw)
        os.chown(tmp, *self.owner)
        target = self.maildir / "new" / name
        os.rename(tmp, target)
        return target

    def settings(self, **extra: object) -> dict[str, object]:
        return dict(imap_host="127.0.0.1", imap_port=self.port, imap_user=self.user, imap_password=self.password,
                    imap_tls="none", imap_folder="INBOX", **extra)

    def __enter__(self) -> "Dovecot":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
