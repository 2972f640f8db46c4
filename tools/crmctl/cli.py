"""The crmctl commands: demo, test, install, shell, lint, setup."""

import argparse
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
import xml.etree.ElementTree as ET

from . import ami, checklog, env, i18n, pg, readme
from .util import CrmctlError, Step, run, say, warn

DB_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,62}$")
DEMO_MARKER = "crm_pipeline.demo_dataset"


def _db_name(value):
    if not DB_NAME.match(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a valid database name (letters, digits, _ . -)")
    return value


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_busy(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _prepare(need_browser=False):
    odoo = env.setup(need_browser=need_browser)
    pg.ensure_postgres()
    return odoo


def _installed_modules(db):
    out = pg.query(db, "select name from ir_module_module where state = 'installed'")
    return set(out.split())


def _log(name):
    path = os.path.join(env.WORK, name)
    if os.path.exists(path):
        os.remove(path)
    return path


def _check_install_log(path):
    report = checklog.read(path, expect_tests=False)
    if report.bad_lines:
        warn(f"{len(report.bad_lines)} warning/error line(s) in {path}:")
        for line in report.bad_lines[:30]:
            print("   " + line)
        raise CrmctlError("the installation logged warnings or errors (see above)")


def _install(odoo, db, addons, *, odoo_demo, language=None):
    """Install ``addons`` (and Odoo's Sales, Inventory and Invoicing) into
    ``db``, creating it when absent; upgrade the ones already installed."""
    exists = pg.database_exists(db)
    installed = _installed_modules(db) if exists else set()
    to_install = [m for m in env.ERP_APPS + addons if m not in installed]
    to_update = [m for m in addons if m in installed]
    log = _log(f"install-{db}.log")
    args = odoo.server_args() + ["-d", db, "--stop-after-init", "--no-http", f"--logfile={log}"]
    if to_install:
        args.append("--init=" + ",".join(to_install))
    if to_update:
        args.append("--update=" + ",".join(to_update))
    if not exists and not odoo_demo:
        args.append("--without-demo=all")
    if language:
        args.append(f"--load-language={language}")
    what = ("creating database %s and " % db if not exists else "") + "installing " + ", ".join(to_install + to_update)
    with Step(what[0].upper() + what[1:] + f" (log: {log}; a few minutes on a new database)"):
        run(odoo.command(*args), env=odoo.env(), check=False, quiet=True)
    _check_install_log(log)
    missing = [m for m in env.ERP_APPS + addons if m not in _installed_modules(db)]
    if missing:
        raise CrmctlError(f"not installed after the run: {', '.join(missing)}; see {log}")


# ---------------------------------------------------------------- commands


def cmd_setup(_args):
    odoo = _prepare(need_browser=True)
    say(f"Odoo 18: {odoo.src or 'installed package'}; addons path: {odoo.addons_path}")
    say(f"Python environment: {env.venv_dir()}")
    return 0


def cmd_install(args):
    odoo = _prepare()
    addons = args.addons.split(",") if args.addons else env.ADDONS
    unknown = [a for a in addons if a not in env.ADDONS]
    if unknown:
        raise CrmctlError(f"unknown addon(s): {', '.join(unknown)}; ours are {', '.join(env.ADDONS)}")
    _install(odoo, args.db, addons, odoo_demo=args.odoo_demo)
    say(f"Database {args.db}: {', '.join(addons)} installed and up to date.")
    return 0


def cmd_shell(args):
    odoo = _prepare()
    if not pg.database_exists(args.db):
        raise CrmctlError(f"database {args.db} does not exist; create it with `./crmctl install --db {args.db}`")
    cmd = odoo.command("shell", *odoo.server_args(), "-d", args.db, "--no-http", "--log-level=warn")
    shell_env = odoo.env()
    shell_env["CRMCTL_REPO"] = env.REPO  # where a script on stdin finds the repository (bench/benchlib.py)
    os.execve(cmd[0], cmd, shell_env)


def _demo_ready(db):
    if not pg.database_exists(db):
        return None
    try:
        return pg.query(db, f"select value from ir_config_parameter where key = '{DEMO_MARKER}'") or None
    except CrmctlError:
        return None


def cmd_demo(args):
    odoo = _prepare()
    db = args.db
    if _port_busy(args.port):
        raise CrmctlError(f"port {args.port} is already in use; stop what serves it or pass --port")
    ready = _demo_ready(db)
    if ready:
        say(f"Reusing database {db} (demo dataset: {ready}).")
    else:
        _install(odoo, db, env.ADDONS, odoo_demo=False, language="ru_RU")
        with Step(f"Generating the {args.size} demo dataset (deterministic, seed {args.seed})"):
            script = (
                "env['crm.demo.generator'].with_context(crm_demo_commit=True)"
                f".generate(size={args.size!r}, seed={args.seed})\n"
                f"env['ir.config_parameter'].sudo().set_param({DEMO_MARKER!r}, {args.size!r})\n"
                "env.cr.commit()\n"
            )
            cmd = odoo.command("shell", *odoo.server_args(), "-d", db, "--no-http", "--log-level=warn")
            proc = subprocess.run(cmd, input=script, text=True, env=odoo.env(), check=False)
            if proc.returncode != 0 or not _demo_ready(db):
                raise CrmctlError(
                    "the demo data generator failed (see above); the database was left without the dataset"
                )
    url = f"http://localhost:{args.port}"
    print(
        f"\n  CRM demo is at {url}  (database {db})\n"
        "  Logins (password = login):\n"
        "    admin      / admin     CRM administrator\n"
        "    head       / head      head of sales\n"
        "    sales1..9  / sales1..  salespeople\n"
        "    marketer   / marketer  marketer\n"
        "  Stop with Ctrl-C.\n",
        flush=True,
    )
    cmd = odoo.command(
        *odoo.server_args(), "-d", db, f"--db-filter=^{re.escape(db)}$", f"--http-port={args.port}", "--log-level=warn"
    )
    os.execve(cmd[0], cmd, odoo.env())


# ------------------------------------------------------------------ tests


def _run_odoo_tests(odoo, db, tags, addons, reuse_db=False):
    log = _log(f"test-odoo-{db}.log")
    test_tags = ",".join(tags) if tags else ",".join("/" + a for a in addons)
    if reuse_db and pg.database_exists(db):
        # A developer's quick loop: upgrade our addons in the kept database
        # (their at_install tests run again) instead of building a new one.
        modules = ["--init=" + ",".join(addons), "--update=" + ",".join(addons)]
    else:
        pg.drop_database(db)
        # Like a company's ERP: Sales, Inventory and Invoicing, then our addons.
        modules = ["--init=" + ",".join(env.ERP_APPS + addons)]
    args = odoo.server_args() + [
        "-d",
        db,
        *modules,
        "--test-enable",
        f"--test-tags={test_tags}",
        "--stop-after-init",
        f"--http-port={_free_port()}",
        f"--logfile={log}",
    ]
    with Step(f"Installing the addons and running their Odoo tests (log: {log}; about 15 minutes)"):
        run(odoo.command(*args), env=odoo.env(), check=False, quiet=True)
    return checklog.read(log), log


def _wait_http(url, proc, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise CrmctlError(f"the server exited with code {proc.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise CrmctlError(f"the server did not answer {url} within {timeout}s")


# The end-to-end tests check that forbidden RPC calls are refused; the server
# logs each refusal as a warning, which is what it should do.
E2E_EXPECTED_LOG = (
    r" WARNING \S+ odoo\.http: Uh-oh! Looks like you have stumbled upon some top-secret records\.",
    r" WARNING \S+ odoo\.http: You are not allowed to (access|modify|create) '[^']+' \([\w.]+\) records\.",
    r" WARNING \S+ odoo\.http: The deal “[^”]+” cannot move to the stage “[^”]+”:",
    r" WARNING \S+ odoo\.http: This lead has already been taken by ",
    # crm_telephony: a refused (unsigned, forged, replayed) PBX request is worth a warning.
    r" WARNING \S+ odoo\.addons\.crm_telephony\.controllers\.main: PBX request refused \((401|403) /crm_telephony/(webhook|route)\) ",
)


def _run_pytest(odoo, db):
    port = _free_port()
    log = _log(f"test-server-{db}.log")
    junit = _log(f"test-e2e-{db}.xml")
    args = odoo.server_args() + ["-d", db, f"--db-filter=^{re.escape(db)}$", f"--http-port={port}", f"--logfile={log}"]
    server = subprocess.Popen(odoo.command(*args), env=odoo.env())
    try:
        url = f"http://127.0.0.1:{port}"
        with Step(f"Starting a server on {url} for the end-to-end tests"):
            _wait_http(url + "/web/login", server)
        test_env = dict(os.environ, CRM_URL=url, CRM_DB=db, CRM_ADMIN_LOGIN="admin", CRM_ADMIN_PASSWORD="admin")
        with Step("Running pytest over tests/ against the server"):
            run(
                [
                    odoo.python,
                    "-m",
                    "pytest",
                    os.path.join(env.REPO, "tests"),
                    "-q",
                    f"--junitxml={junit}",
                    "-p",
                    "no:cacheprovider",
                ],
                env=test_env,
                cwd=env.REPO,
                check=False,
            )
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    if os.path.exists(junit):
        root = ET.parse(junit).getroot()
        suites = [root] if root.tag == "testsuite" else list(root)
        for suite in suites:
            for key in counts:
                counts[key] += int(suite.get(key, 0))
    else:
        counts["errors"] = 1
    return counts, checklog.read(log, expect_tests=False, expected=E2E_EXPECTED_LOG), log


def _run_linters(odoo):
    bindir = os.path.dirname(odoo.python)
    paths = [*env.ADDONS, "tests", "tools", "bench"]
    paths = [p for p in paths if os.path.exists(os.path.join(env.REPO, p))]
    checks = {
        "ruff check": [os.path.join(bindir, "ruff"), "check", *paths],
        "ruff format": [os.path.join(bindir, "ruff"), "format", "--check", *paths],
        "pylint-odoo": [
            os.path.join(bindir, "pylint"),
            "--rcfile=.pylintrc-mandatory",
            *env.ADDONS,
        ],
    }
    results = {}
    for name, cmd in checks.items():
        with Step(f"Lint: {name}"):
            results[name] = run(cmd, cwd=env.REPO, check=False) == 0
    with Step("Lint: README.rst generated from readme/"):
        stale = [a for a in env.ADDONS if not readme.is_fresh(os.path.join(env.REPO, a))]
        if stale:
            warn(f"README.rst out of date in {', '.join(stale)}: run `./crmctl readme`")
        results["readme"] = not stale
    with Step("Lint: README.rst renders without docutils messages (Odoo logs each as a warning)"):
        script = (
            "import sys, docutils.core\n"
            "for path in sys.argv[1:]:\n"
            "    with open(path, encoding='utf-8') as fh:\n"
            "        docutils.core.publish_string(fh.read(), writer_name='html', settings_overrides="
            "{'halt_level': 2, 'report_level': 5, 'file_insertion_enabled': False})\n"
        )
        paths = [os.path.join(env.REPO, a, "README.rst") for a in env.ADDONS]
        results["readme-rst"] = run([odoo.python, "-c", script, *paths], cwd=env.REPO, check=False) == 0
    with Step("Lint: complete Russian translations"):
        problems = [p for addon in env.ADDONS for p in i18n.check_addon(os.path.join(env.REPO, addon))]
        for problem in problems:
            warn(problem)
        results["translations"] = not problems
    return results


def cmd_test(args):
    started = time.monotonic()
    odoo = _prepare(need_browser=True)
    say(f"Set-up took {time.monotonic() - started:.1f}s")
    passed = failed = skipped = 0
    problems = []
    db = args.db

    addons = args.addons.split(",") if args.addons else env.ADDONS
    report, log = _run_odoo_tests(odoo, db, args.tags, addons, reuse_db=args.reuse_db)
    passed += max(report.passed, 0)
    failed += report.failed + report.errors
    skipped += len(report.skipped)
    say(
        f"Odoo tests: {report.tests_run} run, {report.failed} failed, {report.errors} errors, {len(report.skipped)} skipped"
    )
    if report.failed or report.errors:
        details = "\n\n".join("\n".join(lines) for lines in report.failures[:10])
        problems.append(f"failed Odoo tests (full log: {log}):\n{details}")
    if report.browser_skips:
        failed += len(report.browser_skips)
        problems.append("browser tests were skipped: " + "; ".join(report.browser_skips))
    if report.bad_lines:
        failed += 1
        problems.append(
            f"{len(report.bad_lines)} ERROR/WARNING line(s) in {log}:\n    " + "\n    ".join(report.bad_lines[:40])
        )
    else:
        passed += 1  # the log check itself

    if not args.no_e2e and report.summary_found:
        counts, server_report, server_log = _run_pytest(odoo, db)
        e2e_failed = counts["failures"] + counts["errors"]
        passed += counts["tests"] - e2e_failed - counts["skipped"]
        failed += e2e_failed
        skipped += counts["skipped"]
        if e2e_failed:
            problems.append("failed end-to-end tests (pytest output above)")
        if counts["tests"] == 0:
            failed += 1
            problems.append("pytest ran no test")
        if server_report.bad_lines:
            failed += 1
            problems.append(
                f"{len(server_report.bad_lines)} ERROR/WARNING line(s) in {server_log}:\n    "
                + "\n    ".join(server_report.bad_lines[:40])
            )
        else:
            passed += 1

    if not args.no_lint:
        for name, ok in _run_linters(odoo).items():
            if ok:
                passed += 1
            else:
                failed += 1
                problems.append(f"lint: {name} failed (output above)")

    if not (args.keep_db or args.reuse_db):
        pg.drop_database(db)
    say(f"Total time {time.monotonic() - started:.0f}s")
    for problem in problems:
        warn(problem)
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""), flush=True)
    return 1 if failed else 0


def cmd_pot(args):
    """Regenerate each addon's i18n/<addon>.pot with Odoo's own exporter."""
    odoo = _prepare()
    addons = args.addons.split(",") if args.addons else env.ADDONS
    _install(odoo, args.db, addons, odoo_demo=False)
    for addon in addons:
        target = os.path.join(env.REPO, addon, "i18n", f"{addon}.pot")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        log = _log(f"pot-{addon}.log")
        cmd = odoo.command(
            *odoo.server_args(),
            "-d",
            args.db,
            f"--i18n-export={target}",
            f"--modules={addon}",
            "--stop-after-init",
            "--no-http",
            f"--logfile={log}",
        )
        run(cmd, env=odoo.env(), quiet=True)
        problems = i18n.check_addon(os.path.join(env.REPO, addon))
        say(f"{target} written; " + ("; ".join(problems) if problems else "ru.po is complete"))
    return 0


def cmd_readme(_args):
    for addon in env.ADDONS:
        readme.write(os.path.join(env.REPO, addon))
        say(f"{addon}/README.rst written")
    return 0


def cmd_lint(_args):
    odoo = env.setup()
    results = _run_linters(odoo)
    return 0 if all(results.values()) else 1


# ------------------------------------------------------------------- main


def build_parser():
    parser = argparse.ArgumentParser(prog="crmctl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="set up and serve the demo CRM at http://localhost:8069")
    demo.add_argument("--db", type=_db_name, default="crm_demo")
    demo.add_argument("--port", type=int, default=8069)
    demo.add_argument("--size", choices=("small", "medium", "large"), default="small")
    demo.add_argument("--seed", type=int, default=42)
    demo.set_defaults(func=cmd_demo)

    test = sub.add_parser("test", help="run every test: Odoo's runner, pytest end-to-end, linters")
    test.add_argument("--db", type=_db_name, default="crmctl_test")
    test.add_argument("--tags", action="append", help="Odoo test tags instead of all of ours (repeatable)")
    test.add_argument("--addons", help="comma-separated subset of our addons to install and test (default: all five)")
    test.add_argument("--keep-db", action="store_true", help="keep the test database afterwards")
    test.add_argument(
        "--reuse-db",
        action="store_true",
        help="upgrade the addons in an existing test database instead of building a new one (implies --keep-db)",
    )
    test.add_argument("--no-e2e", action="store_true", help="skip the pytest end-to-end tests")
    test.add_argument("--no-lint", action="store_true", help="skip the linters")
    test.set_defaults(func=cmd_test)

    install = sub.add_parser("install", help="install or upgrade the addons into a database")
    install.add_argument("--db", type=_db_name, required=True)
    install.add_argument("--addons", help="comma-separated subset of our addons (default: all five)")
    install.add_argument("--odoo-demo", action="store_true", help="load Odoo's demo data when creating the database")
    install.set_defaults(func=cmd_install)

    shell = sub.add_parser("shell", help="an Odoo shell on a database (a script may come on standard input)")
    shell.add_argument("--db", type=_db_name, required=True)
    shell.set_defaults(func=cmd_shell)

    lint = sub.add_parser("lint", help="run ruff and pylint-odoo")
    lint.set_defaults(func=cmd_lint)

    pot = sub.add_parser("pot", help="regenerate the addons' .pot files and report what ru.po lacks")
    pot.add_argument("--db", type=_db_name, default="crmctl_i18n")
    pot.add_argument("--addons", help="comma-separated subset of our addons (default: all five)")
    pot.set_defaults(func=cmd_pot)

    readme_ = sub.add_parser("readme", help="regenerate each addon's README.rst from its readme/ fragments")
    readme_.set_defaults(func=cmd_readme)

    setup = sub.add_parser("setup", help="only set up the environment (Python, Odoo, PostgreSQL, Chromium)")
    setup.set_defaults(func=cmd_setup)

    ami.add_parser(sub)  # the Asterisk AMI connector
    return parser


def main(argv):
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CrmctlError as exc:
        warn(str(exc))
        return 2
    except KeyboardInterrupt:
        warn("interrupted")
        return 130
