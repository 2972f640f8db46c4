"""Where things live and how they are set up: the Python environment, the
Odoo 18 source and the browser used by the tours.

Everything shared by all clones on a machine lives under ``$CRMCTL_HOME``
(default ``~/.local/share/crmctl``):

    odoo/            Odoo 18.0 source (unless an ``odoo`` package is importable
                     in the environment, or ``$ODOO_SRC`` points elsewhere)
    venv-pyX.Y/      the Python environment (Odoo's and the project's packages)
    data/            Odoo's filestore and sessions
    pgdata/          a private PostgreSQL cluster, when one had to be created
"""

import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
import urllib.request

from .util import CrmctlError, Step, apt_install, run, say, which

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOME = os.environ.get("CRMCTL_HOME") or os.path.join(
    os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"), "crmctl"
)
WORK = os.path.join(REPO, ".crmctl")  # per-clone logs and scratch files (git-ignored)
ADDONS = ["crm_pipeline", "crm_telephony", "crm_bpm", "crm_analytics", "crm_mobile"]
ERP_APPS = ["sale_management", "stock", "account"]
ODOO_GIT = "https://github.com/odoo/odoo.git"
ODOO_NIGHTLY = "https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz"
SUPPORTED_PYTHONS = ((3, 10), (3, 11), (3, 12))


def ensure_dirs():
    for path in (HOME, WORK, os.path.join(HOME, "data")):
        os.makedirs(path, exist_ok=True)


def _requirements_digest(python):
    digest = hashlib.sha256(python.encode())
    for name in ("requirements-odoo.txt", "requirements.txt"):
        with open(os.path.join(REPO, name), "rb") as fh:
            digest.update(fh.read())
    return digest.hexdigest()


def venv_dir():
    return os.path.join(HOME, "venv-py%d.%d" % sys.version_info[:2])


def venv_python():
    return os.path.join(venv_dir(), "bin", "python")


def ensure_venv():
    """Create the virtual environment and install the pinned packages; a
    second call with unchanged requirement files does nothing."""
    if sys.version_info[:2] not in SUPPORTED_PYTHONS:
        raise CrmctlError(
            "Odoo 18 needs Python 3.10, 3.11 or 3.12; this is %d.%d. "
            "Run crmctl with a supported interpreter, e.g. `python3.12 ./crmctl ...`." % sys.version_info[:2]
        )
    vdir = venv_dir()
    marker = os.path.join(vdir, ".crmctl-requirements")
    wanted = _requirements_digest(sys.executable)
    if os.path.exists(marker) and open(marker).read().strip() == wanted:
        return venv_python()
    log = os.path.join(WORK, "setup-pip.log")
    with Step(f"Setting up the Python environment in {vdir} (pip log: {log})"):
        if not os.path.exists(venv_python()):
            run([sys.executable, "-m", "venv", vdir], log=log)
        run([venv_python(), "-m", "pip", "install", "-q", "--upgrade", "pip", "wheel"], log=log)
        say("installing Odoo's and the project's pinned packages (first time: about a minute)")
        run(
            [
                venv_python(),
                "-m",
                "pip",
                "install",
                "-q",
                "-r",
                os.path.join(REPO, "requirements-odoo.txt"),
                "-r",
                os.path.join(REPO, "requirements.txt"),
            ],
            log=log,
        )
        with open(marker, "w") as fh:
            fh.write(wanted)
    return venv_python()


def _is_odoo18_tree(path):
    release = os.path.join(path, "odoo", "release.py")
    if not os.path.isfile(release):
        return False
    with open(release, encoding="utf-8") as fh:
        text = fh.read()
    return "version_info = (18, 0" in text or "version_info = ('saas~18" in text


def _importable_odoo(python):
    """Path of an ``odoo`` package installed in the environment, if any."""
    code = (
        "import odoo.release, os; print(odoo.release.version_info[0], os.path.dirname(os.path.dirname(odoo.__file__)))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env, check=False)
    if proc.returncode == 0:
        major, root = proc.stdout.split(None, 1)
        if major == "18":
            return root.strip()
    return None


def _download_odoo(target):
    """Last resort: fetch the official 18.0 source into ``target``."""
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="odoo-src-", dir=parent)
    log = os.path.join(WORK, "setup-odoo-download.log")
    if which("git"):
        say(f"Odoo 18 not found: cloning branch 18.0 of {ODOO_GIT} (shallow, about 1 GB)")
        try:
            run(["git", "clone", "--depth", "1", "--branch", "18.0", ODOO_GIT, tmp], log=log, timeout=3600)
            os.rename(tmp, target)
            return True
        except (CrmctlError, subprocess.TimeoutExpired) as exc:
            say(f"git clone failed: {str(exc).splitlines()[0]}")
    say(f"Trying the official nightly archive {ODOO_NIGHTLY}")
    try:
        archive = os.path.join(tmp, "odoo.tar.gz")
        urllib.request.urlretrieve(ODOO_NIGHTLY, archive)
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        os.remove(archive)
        (inner,) = [os.path.join(tmp, d) for d in os.listdir(tmp)]
        os.rename(inner, target)
        return True
    except Exception as exc:
        say(f"download failed: {exc}")
        return False


def find_odoo(python):
    """Locate Odoo 18. Returns ``(source_root_or_None, addons_dir)``.

    Order: an importable ``odoo`` package, ``$ODOO_SRC``, ``$CRMCTL_HOME/odoo``,
    then a download of the official source into ``$CRMCTL_HOME/odoo``."""
    root = _importable_odoo(python)
    if root:
        return None, os.path.join(root, "odoo", "addons")
    candidates = []
    if os.environ.get("ODOO_SRC"):
        candidates.append(os.environ["ODOO_SRC"])
    default = os.path.join(HOME, "odoo")
    candidates.append(default)
    for path in candidates:
        if _is_odoo18_tree(path):
            return path, _addons_dir(path)
    if os.environ.get("ODOO_SRC"):
        raise CrmctlError(
            f"$ODOO_SRC={os.environ['ODOO_SRC']} does not hold the Odoo 18.0 source (no odoo/release.py for 18.0)."
        )
    if os.path.exists(default) and os.listdir(default):
        raise CrmctlError(f"{default} exists but is not an Odoo 18.0 source tree; move it away and run again.")
    if os.path.isdir(default):
        os.rmdir(default)
    if _download_odoo(default) and _is_odoo18_tree(default):
        return default, _addons_dir(default)
    raise CrmctlError(
        "Odoo 18 could not be found or downloaded. Do one of:\n"
        f"  - git clone --depth 1 --branch 18.0 {ODOO_GIT} {default}\n"
        f"  - download and unpack {ODOO_NIGHTLY} into {default}\n"
        "  - point ODOO_SRC at an Odoo 18.0 source tree you already have\n"
        "  - pip install Odoo 18 into the environment " + venv_dir() + "\n"
        "then run the same crmctl command again."
    )


def _addons_dir(src):
    # The nightly/packaged layout keeps every addon in odoo/addons; a git
    # checkout keeps the standard ones in addons/ and base in odoo/addons.
    dirs = [os.path.join(src, "odoo", "addons")]
    if os.path.isdir(os.path.join(src, "addons", "web")):
        dirs.insert(0, os.path.join(src, "addons"))
    return ",".join(dirs)


def ensure_chromium():
    """The browser the tours run in; installed from Debian when missing."""
    found = which("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
    if found:
        return found
    log = os.path.join(WORK, "setup-apt.log")
    with Step("Installing Debian's chromium for the browser tests"):
        if not apt_install(["chromium"], log):
            raise CrmctlError(
                "The browser tests need Chromium. Install it (Debian/Ubuntu: `sudo apt-get install chromium`) and run again."
            )
    return which("chromium", "chromium-browser")


class Odoo:
    """How to run Odoo 18 from the project's environment."""

    def __init__(self, python, src, addons_dir):
        self.python = python
        self.src = src
        self.addons_path = ",".join([addons_dir, REPO])
        self.data_dir = os.path.join(HOME, "data")

    def env(self):
        env = dict(os.environ)
        if self.src:
            env["PYTHONPATH"] = self.src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.setdefault("PYTHONUNBUFFERED", "1")
        return env

    def command(self, *args):
        base = [self.python, "-c", "import odoo.cli, sys; sys.argv[0] = 'odoo'; odoo.cli.main()"]
        return base + list(args)

    def server_args(self):
        return [f"--addons-path={self.addons_path}", f"--data-dir={self.data_dir}"]


def setup(need_browser=False):
    """Everything a command needs; idempotent and quick the second time."""
    ensure_dirs()
    python = ensure_venv()
    src, addons = find_odoo(python)
    if need_browser:
        ensure_chromium()
    return Odoo(python, src, addons)
