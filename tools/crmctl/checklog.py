"""Reading Odoo's server log the way OCA's checklog does.

A run fails on any ERROR, CRITICAL or WARNING record, except the few listed
in ``checklog-ignore.txt`` (each with the reason it is harmless), on any
failed or errored test, and on any skipped browser test.
"""

import os
import re
from dataclasses import dataclass, field

RECORD = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) (?P<logger>[\w.]+): (?P<msg>.*)$"
)
SUMMARY = re.compile(r"(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<run>\d+) tests when loading database")
TEST_OUTCOME = re.compile(r"^(FAIL|ERROR): \S")
SKIPPED = re.compile(r"^skipped (?P<test>\S+) : (?P<reason>.*)$")
BROWSER_SKIP = re.compile(r"chrom|websocket|devtools|browser", re.IGNORECASE)
IGNORE_FILE = os.path.join(os.path.dirname(__file__), "checklog-ignore.txt")


def _ignore_patterns():
    patterns = []
    with open(IGNORE_FILE, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line and not line.startswith("#"):
                patterns.append(re.compile(line))
    return patterns


@dataclass
class LogReport:
    tests_run: int = 0
    failed: int = 0
    errors: int = 0
    skipped: list = field(default_factory=list)
    browser_skips: list = field(default_factory=list)
    bad_lines: list = field(default_factory=list)
    failures: list = field(default_factory=list)  # each: the FAIL/ERROR record and its traceback
    summary_found: bool = False

    @property
    def passed(self):
        return self.tests_run - self.failed - self.errors - len(self.skipped)


def read(path, expect_tests=True, expected=()):
    """``expected``: more patterns accepted in this log only."""
    report = LogReport()
    ignore = _ignore_patterns() + [re.compile(p) for p in expected]
    capturing = None  # the failure whose traceback lines follow
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.rstrip("\n")
            match = RECORD.match(line)
            if not match:
                if capturing is not None and len(capturing) < 80:
                    capturing.append(line)
                continue
            capturing = None
            msg = match["msg"]
            summary = SUMMARY.search(msg)
            if summary:
                report.summary_found = True
                report.tests_run = int(summary["run"])
                report.failed = int(summary["failed"])
                report.errors = int(summary["errors"])
            skipped = SKIPPED.match(msg)
            if skipped:
                report.skipped.append(skipped["test"])
                if BROWSER_SKIP.search(skipped["reason"]):
                    report.browser_skips.append(f"{skipped['test']}: {skipped['reason']}")
            if match["level"] in ("WARNING", "ERROR", "CRITICAL"):
                if TEST_OUTCOME.match(msg):
                    capturing = [line]
                    report.failures.append(capturing)
                    continue
                if summary and match["level"] == "ERROR":
                    continue  # failed tests: counted from the summary already
                if not any(p.search(line) for p in ignore):
                    report.bad_lines.append(line)
    if expect_tests and not report.summary_found:
        report.bad_lines.append(f"no test summary in {path}: the run did not finish")
    return report
