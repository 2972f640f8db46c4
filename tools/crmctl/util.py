"""Printing, timing and subprocess helpers shared by the crmctl commands."""

import os
import shutil
import subprocess
import sys
import time

_START = time.monotonic()


class CrmctlError(Exception):
    """A failure the user can act on: the message says what to do."""


def _stamp():
    elapsed = int(time.monotonic() - _START)
    return f"[{elapsed // 60:02d}:{elapsed % 60:02d}]"


def say(message):
    print(f"{_stamp()} {message}", flush=True)


def warn(message):
    print(f"{_stamp()} ! {message}", file=sys.stderr, flush=True)


class Step:
    """``with Step("Installing X"):`` prints the step, then its duration."""

    def __init__(self, title):
        self.title = title
        self.started = None

    def __enter__(self):
        self.started = time.monotonic()
        say(f"{self.title} ...")
        return self

    def __exit__(self, exc_type, exc, tb):
        took = time.monotonic() - self.started
        state = "done" if exc_type is None else "FAILED"
        say(f"{self.title}: {state} in {took:.1f}s")
        return False


def run(cmd, *, env=None, cwd=None, log=None, check=True, timeout=None, quiet=False):
    """Run ``cmd``; with ``log`` its output goes to that file instead of the
    terminal. On failure with ``check`` the tail of the log is shown."""
    if not quiet:
        say("$ " + " ".join(str(c) for c in cmd))
    if log:
        with open(log, "ab") as fh:
            proc = subprocess.run(
                cmd, env=env, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, timeout=timeout, check=False
            )
    else:
        proc = subprocess.run(cmd, env=env, cwd=cwd, timeout=timeout, check=False)
    if check and proc.returncode != 0:
        tail = ""
        if log and os.path.exists(log):
            with open(log, encoding="utf-8", errors="replace") as fh:
                tail = "".join(fh.readlines()[-40:])
        raise CrmctlError(
            f"command failed with exit code {proc.returncode}: {' '.join(map(str, cmd))}\n"
            + (f"--- last lines of {log} ---\n{tail}" if tail else "")
        )
    return proc.returncode


def which(*names):
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


def is_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


def apt_install(packages, log):
    """Install Debian packages when we are root on a Debian-like system."""
    if not (is_root() and which("apt-get")):
        return False
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    stamp = "/var/lib/apt/lists"
    fresh = os.path.isdir(stamp) and any(name.endswith("_Packages") for name in os.listdir(stamp))
    if not fresh:
        run(["apt-get", "update", "-qq"], env=env, log=log)
    run(["apt-get", "install", "-y", "-qq", *packages], env=env, log=log)
    return True
