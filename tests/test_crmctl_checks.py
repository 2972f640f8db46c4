"""The rules `./crmctl test` judges a run by: the server log and translations."""

import os
import sys
import textwrap

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))

from crmctl import checklog, i18n

HEAD = "2026-11-26 19:00:00,000 4242"


def _log(tmp_path, *records):
    path = tmp_path / "odoo.log"
    path.write_text("\n".join(f"{HEAD} {r}" for r in records) + "\n", encoding="utf-8")
    return str(path)


def test_clean_run_counts_tests(tmp_path):
    report = checklog.read(
        _log(
            tmp_path,
            "INFO db odoo.modules.loading: Modules loaded.",
            "INFO db odoo.tests.result: 0 failed, 0 error(s) of 12 tests when loading database 'db'",
        )
    )
    assert (report.tests_run, report.failed, report.errors, report.bad_lines) == (12, 0, 0, [])
    assert report.passed == 12


def test_warning_line_is_reported(tmp_path):
    report = checklog.read(
        _log(
            tmp_path,
            "WARNING db odoo.models: Two fields (a, b) of crm.lead() have the same label: X.",
            "INFO db odoo.tests.result: 0 failed, 0 error(s) of 3 tests when loading database 'db'",
        )
    )
    assert len(report.bad_lines) == 1 and "same label" in report.bad_lines[0]


def test_failures_counted_once(tmp_path):
    report = checklog.read(
        _log(
            tmp_path,
            "ERROR db odoo.addons.crm_pipeline.tests.test_roles: FAIL: TestRoles.test_role_hierarchy",
            "ERROR db odoo.tests.result: 1 failed, 0 error(s) of 6 tests when loading database 'db'",
        )
    )
    assert (report.failed, report.passed, report.bad_lines) == (1, 5, [])


def test_skipped_browser_test_is_caught(tmp_path):
    report = checklog.read(
        _log(
            tmp_path,
            "INFO db odoo.addons.crm_mobile.tests.test_ui: skipped TestMyDay.test_tour : Chrome not found",
            "INFO db odoo.addons.crm_x.tests.test_y: skipped TestY.test_z : needs a payment provider",
            "INFO db odoo.tests.result: 0 failed, 0 error(s) of 2 tests when loading database 'db'",
        )
    )
    assert len(report.skipped) == 2
    assert report.browser_skips == ["TestMyDay.test_tour: Chrome not found"]


def test_unfinished_run_is_a_failure(tmp_path):
    report = checklog.read(_log(tmp_path, "INFO db odoo.modules.loading: loading 1 modules..."))
    assert not report.summary_found and report.bad_lines


def _addon(tmp_path, pot, po):
    addon = tmp_path / "crm_x"
    (addon / "i18n").mkdir(parents=True)
    (addon / "i18n" / "crm_x.pot").write_text(textwrap.dedent(pot), encoding="utf-8")
    if po is not None:
        (addon / "i18n" / "ru.po").write_text(textwrap.dedent(po), encoding="utf-8")
    return str(addon)


POT = """\
    msgid ""
    msgstr ""

    #. module: crm_x
    msgid "Deal"
    msgstr ""

    #. module: crm_x
    msgid ""
    "A long "
    "message"
    msgstr ""
    """


def test_complete_translation_passes(tmp_path):
    po = POT.replace('msgid "Deal"\n    msgstr ""', 'msgid "Deal"\n    msgstr "Сделка"').replace(
        '"message"\n    msgstr ""', '"message"\n    msgstr "Длинное сообщение"'
    )
    assert i18n.check_addon(_addon(tmp_path, POT, po)) == []


def test_missing_and_empty_translations_fail(tmp_path):
    po = POT.replace('msgid "Deal"\n    msgstr ""', 'msgid "Deal"\n    msgstr "Сделка"')
    problems = i18n.check_addon(_addon(tmp_path, POT, po))
    assert len(problems) == 1 and "without a translation" in problems[0] and "A long message" in problems[0]
    assert "ru.po is missing" in i18n.check_addon(_addon(tmp_path / "other", POT, None))[0]
