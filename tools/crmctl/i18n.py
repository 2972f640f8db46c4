"""Translation checks: every addon ships ``i18n/<addon>.pot`` and a complete
``i18n/ru.po`` that translates every message of the template."""

import os
import re

_STRING = re.compile(r'^"(.*)"\s*$')
_KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+"(.*)"\s*$')


def parse_po(path):
    """Return ``{msgid: [msgstr, ...]}`` for the entries of a .po/.pot file."""
    entries = {}
    current = {}
    key = None

    def flush():
        if "msgid" in current:
            strs = [v for k, v in sorted(current.items()) if k.startswith("msgstr")]
            entries[current["msgid"]] = strs
        current.clear()

    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            line = raw.strip()
            if not line:
                flush()
                key = None
                continue
            if line.startswith("#"):
                continue
            match = _KEYWORD.match(line)
            if match:
                key = match.group(1)
                if key == "msgid" and "msgid" in current and any(k.startswith("msgstr") for k in current):
                    flush()
                current[key] = match.group(2)
                continue
            match = _STRING.match(line)
            if match and key:
                current[key] += match.group(1)
    flush()
    entries.pop("", None)  # the header
    return entries


def check_addon(addon_dir):
    """Problems with one addon's translations, as readable sentences."""
    name = os.path.basename(addon_dir.rstrip("/"))
    pot = os.path.join(addon_dir, "i18n", f"{name}.pot")
    po = os.path.join(addon_dir, "i18n", "ru.po")
    problems = []
    for path in (pot, po):
        if not os.path.exists(path):
            problems.append(f"{path} is missing")
    if problems:
        return problems
    template = parse_po(pot)
    russian = parse_po(po)
    missing = sorted(set(template) - set(russian))
    empty = sorted(msgid for msgid, strs in russian.items() if not strs or not all(strs))
    if missing:
        problems.append(f"{po}: {len(missing)} message(s) of the .pot are not in ru.po, e.g. {missing[0]!r}")
    if empty:
        problems.append(f"{po}: {len(empty)} message(s) without a translation, e.g. {empty[0]!r}")
    return problems
