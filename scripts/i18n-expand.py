#!/usr/bin/env python3
"""Checks that a template turned into message markers still says exactly what it said.

Usage: scripts/i18n-expand.py --po a.po[,b.po…] [--rev HEAD] TEMPLATE…

Each `[[key]]` of a template is replaced by its message from the PO files (compiled with GNU msgfmt, read with
Python's gettext), HTML-escaped for page and HTML email templates as the portal does; the result is compared,
after HTML entities are decoded on both sides, with the template as it is at REV in git. Exit status 1 on any
difference or unknown key.
"""
import argparse, gettext, html, os, re, subprocess, sys, tempfile, difflib

KEY = re.compile(r"\[\[([a-z0-9._-]+\.[a-z0-9._-]+)\]\]")
TAG = re.compile(r"(\{\{\{?[^}]*\}?\}\})")


def escape(message):
    parts = TAG.split(message)
    return "".join(p if TAG.fullmatch(p) else p.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;") for p in parts)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--po", required=True)
    parser.add_argument("--rev", default="HEAD")
    parser.add_argument("templates", nargs="+")
    args = parser.parse_args()
    messages = {}
    with tempfile.TemporaryDirectory() as scratch:
        for po in args.po.split(","):
            mo = os.path.join(scratch, os.path.basename(po) + ".mo")
            subprocess.run(["msgfmt", "--check", "-o", mo, po], check=True)
            with open(mo, "rb") as f:
                catalog = gettext.GNUTranslations(f)
            messages.update({k: v for k, v in catalog._catalog.items() if isinstance(k, str) and k})
    failed = False
    for path in args.templates:
        source = open(path, encoding="utf-8").read()
        plain = path.endswith(".text.mustache") or path.endswith(".subject.mustache")
        missing = [k for k in KEY.findall(source) if k not in messages]
        if missing:
            print(f"{path}: unknown keys {missing}")
            failed = True
        expanded = KEY.sub(lambda m: messages.get(m.group(1), m.group(0)) if plain else escape(messages.get(m.group(1), m.group(0))), source)
        original = subprocess.run(["git", "show", f"{args.rev}:{path}"], capture_output=True, text=True, check=True).stdout
        if html.unescape(expanded) != html.unescape(original):
            failed = True
            print(f"{path}: differs from {args.rev}")
            sys.stdout.writelines(difflib.unified_diff(html.unescape(original).splitlines(True), html.unescape(expanded).splitlines(True), "before", "after"))
        else:
            print(f"{path}: same text as {args.rev}")
    sys.exit(1 if failed else 0)


main()
