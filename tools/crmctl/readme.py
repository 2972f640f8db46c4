"""Each addon's README.rst, generated from its readme/*.md fragments the way
OCA's oca-gen-addon-readme lays it out (Odoo's Apps page and PyPI show the
.rst). Only the Markdown the fragments use is converted: headings,
paragraphs, bullet lists, fenced code blocks, inline code, links."""

import ast
import os
import re

SECTIONS = (("DESCRIPTION.md", None), ("CONFIGURE.md", "Configuration"), ("USAGE.md", "Usage"))
_LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")
_CODE = re.compile(r"(?<!`)`([^`]+)`(?!`)")
_AUTOLINK = re.compile(r"<(https?://[^>]+)>")


def _inline(text):
    text = _CODE.sub(r"``\1``", text)
    text = _LINK.sub(r"`\1 <\2>`_", text)
    return _AUTOLINK.sub(r"\1", text)


def _heading(title, char):
    return [title, char * len(title), ""]


def md_to_rst(markdown):
    out = []
    lines = markdown.splitlines()
    item_depth = None  # indentation of the last list item, None outside lists
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = re.match(r"^(\s*)```", line)
        if fence:
            indent = fence.group(1)
            out += [indent + "::", ""]
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                out.append(indent + "    " + lines[i][len(indent) :] if lines[i].strip() else "")
                i += 1
            out.append("")
            i += 1
            continue
        heading = re.match(r"^(#{1,3})\s+(.*)$", line)
        if heading:
            out += _heading(heading.group(2).strip(), "~-^"[len(heading.group(1)) - 1])
        elif re.match(r"^\s*- ", line):
            # a list item; RST wants blank lines around nested lists
            depth = len(line) - len(line.lstrip())
            if item_depth is not None and depth != item_depth and out[-1].strip():
                out.append("")
            item_depth = depth
            out.append(_inline(line))
        elif line.strip() and item_depth is not None and line.startswith(" "):
            out.append(_inline(line))  # continuation of a list item
        else:
            if line.strip() and item_depth is not None and out[-1].strip():
                out.append("")
            if line.strip():
                item_depth = None
            out.append(_inline(line))
        i += 1
    return "\n".join(out).strip() + "\n"


def render(addon_dir):
    with open(os.path.join(addon_dir, "__manifest__.py"), encoding="utf-8") as fh:
        manifest = ast.literal_eval(fh.read())
    parts = ["=" * len(manifest["name"]), manifest["name"], "=" * len(manifest["name"]), ""]
    parts += [
        "..",
        "   This file is generated from readme/*.md by `./crmctl readme`; edit those instead.",
        "",
        f"**{manifest['summary']}**",
        "",
        f"Version {manifest['version']}, license {manifest['license']}.",
        "",
        "**Table of contents**",
        "",
        ".. contents::",
        "   :local:",
        "",
    ]
    for filename, title in SECTIONS:
        path = os.path.join(addon_dir, "readme", filename)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as fh:
            body = md_to_rst(fh.read())
        if title:
            parts += _heading(title, "=")
        parts += [body]
    parts += _heading("Credits", "=") + _heading("Authors", "-")
    parts += [f"* {manifest['author']}", ""]
    parts += _heading("Maintainers", "-")
    parts += [f"This addon is part of `CRM for Odoo <{manifest['website']}>`_.", ""]
    return "\n".join(parts)


def target(addon_dir):
    return os.path.join(addon_dir, "README.rst")


def is_fresh(addon_dir):
    path = target(addon_dir)
    if not os.path.exists(path):
        return False
    with open(path, encoding="utf-8") as fh:
        return fh.read() == render(addon_dir)


def write(addon_dir):
    with open(target(addon_dir), "w", encoding="utf-8") as fh:
        fh.write(render(addon_dir))
