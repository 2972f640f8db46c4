"""PostgreSQL for crmctl.

1. When PGHOST, PGPORT or PGUSER is set, that server is used as it is.
2. Otherwise a server that already answers on the default socket for the
   current user is used.
3. Otherwise, as root on Debian: the distribution's cluster is started with
   ``pg_ctlcluster`` (PostgreSQL is installed with apt when missing) and a
   role named after the current user is created.
4. Otherwise, as an ordinary user: a private cluster is created with
   ``initdb`` under ``$CRMCTL_HOME/pgdata`` and started on a socket there.
"""

import getpass
import glob
import os
import subprocess
import time

from .env import HOME, WORK
from .util import CrmctlError, Step, apt_install, is_root, run, say, which

PRIVATE_PORT = "5439"


def _psql(sql, dbname="postgres", env=None):
    return subprocess.run(
        ["psql", "-X", "-At", "-d", dbname, "-c", sql],
        capture_output=True,
        text=True,
        env=env or os.environ,
        check=False,
    )


def _answers(env=None):
    return which("psql") and _psql("select 1", env=env).returncode == 0


def _debian_cluster():
    if not which("pg_lsclusters"):
        return None
    out = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=False).stdout
    rows = [line.split() for line in out.splitlines() if line.strip()]
    return rows[0] if rows else None


def _ensure_debian_server():
    log = os.path.join(WORK, "setup-apt.log")
    cluster = _debian_cluster()
    if cluster is None:
        with Step("Installing Debian's PostgreSQL server"):
            apt_install(["postgresql", "postgresql-contrib"], log)
        cluster = _debian_cluster()
        if cluster is None:
            raise CrmctlError("PostgreSQL was installed but no cluster exists; run `pg_createcluster 15 main`.")
    version, name, _port, status = cluster[:4]
    if status != "online":
        with Step(f"Starting PostgreSQL cluster {version}/{name}"):
            run(["pg_ctlcluster", version, name, "start"], log=log)
    user = getpass.getuser()
    if user == "postgres":
        raise CrmctlError("Odoo refuses to connect as the postgres superuser: run crmctl as another user.")
    exists = subprocess.run(
        [
            "runuser",
            "-u",
            "postgres",
            "--",
            "psql",
            "-X",
            "-At",
            "-c",
            f"select 1 from pg_roles where rolname = '{user}'",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if exists != "1":
        say(f"creating PostgreSQL role {user!r}")
        run(["runuser", "-u", "postgres", "--", "createuser", "--superuser", user], log=log)


def _ensure_private_server():
    bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    initdb = os.path.join(bindirs[-1], "initdb") if bindirs else which("initdb")
    if not initdb or not os.path.exists(initdb):
        raise CrmctlError(
            "No PostgreSQL server is reachable and none is installed. Either point PGHOST/PGPORT/PGUSER at a server, "
            "or install PostgreSQL (Debian/Ubuntu: `sudo apt-get install postgresql`) and run again."
        )
    pg_ctl = os.path.join(os.path.dirname(initdb), "pg_ctl")
    data = os.path.join(HOME, "pgdata")
    sock = os.path.join(HOME, "pgsock")
    os.makedirs(sock, exist_ok=True)
    log = os.path.join(WORK, "setup-postgres.log")
    if not os.path.exists(os.path.join(data, "PG_VERSION")):
        with Step(f"Creating a private PostgreSQL cluster in {data}"):
            run([initdb, "-D", data, "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"], log=log)
    os.environ.update(PGHOST=sock, PGPORT=PRIVATE_PORT)
    if not _answers():
        with Step("Starting the private PostgreSQL cluster"):
            opts = f"-k {sock} -p {PRIVATE_PORT} -c listen_addresses=''"
            run([pg_ctl, "-D", data, "-l", os.path.join(HOME, "postgres.log"), "-o", opts, "-w", "start"], log=log)


def ensure_postgres():
    """Make a PostgreSQL server reachable through the libpq environment."""
    if any(os.environ.get(k) for k in ("PGHOST", "PGPORT", "PGUSER")):
        if os.environ.get("PGUSER") == "postgres":
            raise CrmctlError("Odoo refuses to connect as the postgres superuser: set PGUSER to another role.")
        if not _answers():
            raise CrmctlError(
                "PGHOST/PGPORT/PGUSER point at a PostgreSQL server that does not answer: "
                + _psql("select 1").stderr.strip()
            )
        return
    if _answers():
        return
    if is_root() and which("apt-get"):
        _ensure_debian_server()
    else:
        _ensure_private_server()
    for _ in range(30):
        if _answers():
            return
        time.sleep(1)
    raise CrmctlError("PostgreSQL did not start; see the logs in " + WORK)


def database_exists(name):
    proc = _psql(f"select 1 from pg_database where datname = '{name}'")
    return proc.stdout.strip() == "1"


def drop_database(name):
    if database_exists(name):
        run(["dropdb", "--force", name], quiet=True)


def query(dbname, sql):
    proc = _psql(sql, dbname=dbname)
    if proc.returncode != 0:
        raise CrmctlError(proc.stderr.strip())
    return proc.stdout.strip()
