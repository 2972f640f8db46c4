"""What the benchmarks that start an Odoo server share: progress lines, percentiles, the server itself.

The benchmarks run as the standard input of ``./crmctl shell``, which exports CRMCTL_REPO; they import this
module with::

    sys.path.insert(0, os.path.join(os.environ.get("CRMCTL_REPO", os.getcwd()), "bench"))
    import benchlib
"""

import hashlib
import hmac
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import psutil

import odoo

HOST = "127.0.0.1"  # the only host a benchmark ever sends a request to
LOG_PROBLEM = re.compile(r"^\S+ \S+ \d+ (WARNING|ERROR|CRITICAL) ")


def say(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def load():
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def cpu_reference():
    """Seconds this machine takes for a fixed pure-Python loop (10 million additions, best of 3): printed with the
    results, so that numbers measured on a slower or busier machine, or on a virtual machine whose host is busy,
    are read as such (bench/README.md records it beside the numbers)."""
    best = float("inf")
    for _attempt in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return best


def percentile(values, q):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(db, log_path, options, db_filter=False):
    """An Odoo server for ``db`` on HOST with the extra command-line ``options``; returns (process, port) once it
    serves /web/login. Without ``db_filter`` it serves the one database given with -d: a request without a
    session is routed to it directly; with --db-filter Odoo lists the databases for each such request (a new
    connection to the "postgres" database and a query on pg_database)."""
    port = free_port()
    cfg = odoo.tools.config
    cmd = [
        sys.executable, "-c", "import odoo.cli, sys; sys.argv[0] = 'odoo'; odoo.cli.main()", "server",
        f"--addons-path={cfg['addons_path']}", f"--data-dir={cfg['data_dir']}", "-d", db,
        f"--http-interface={HOST}", f"--http-port={port}", f"--gevent-port={free_port()}", f"--logfile={log_path}",
        *options,
    ]  # fmt: skip
    if db_filter:
        cmd.append(f"--db-filter=^{re.escape(db)}$")
    server = subprocess.Popen(cmd, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/web/login", timeout=5) as resp:
                if resp.status == 200:
                    return server, port
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    stop_server(server)
    raise RuntimeError(f"the server did not answer within 120 s; see {log_path}")


def stop_server(server):
    server.send_signal(signal.SIGINT)
    try:
        server.wait(60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(10)


def log_problems(log_path):
    """The WARNING, ERROR and CRITICAL lines of a server log."""
    with open(log_path, encoding="utf-8", errors="replace") as fh:
        return [line.rstrip() for line in fh if LOG_PROBLEM.match(line)]


def signed_headers(secret, payload):
    """The generic PBX's signature (crm.pbx._crm_telephony_verify_generic): hex HMAC-SHA256 of
    "<timestamp>.<payload>", the payload being the body of a POST or the raw query string of a GET."""
    timestamp = str(int(time.time()))
    signature = hmac.new(secret.encode(), timestamp.encode() + b"." + payload, hashlib.sha256).hexdigest()
    return {"X-Crm-Timestamp": timestamp, "X-Crm-Signature": signature}


def cpu_seconds(cr, pids, db, backend_names):
    """CPU seconds (user + system) used so far by these Odoo processes, and by the PostgreSQL backends of ``db``
    whose application_name is one of backend_names (Odoo names them "odoo-<pid>"; workers inherit the master's).
    Rolls ``cr`` back, for a fresh statistics snapshot."""
    odoo_cpu = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
            odoo_cpu += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    cr.rollback()
    cr.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND application_name = ANY(%s)",
        (db, list(backend_names)),
    )
    backends = {}
    for (pid,) in cr.fetchall():
        try:
            times = psutil.Process(pid).cpu_times()
            backends[pid] = times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return odoo_cpu, backends


def cpu_used(before, after):
    """(Odoo, PostgreSQL) CPU seconds between two cpu_seconds() snapshots."""
    return after[0] - before[0], sum(cpu - before[1].get(pid, 0.0) for pid, cpu in after[1].items())
