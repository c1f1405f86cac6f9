"""Every relative link in the README, docs/, charts/ and examples/ Markdown resolves.

A link's file must exist in the repository; a `#fragment` must name a heading of that file
(GitHub's anchor spelling: lower case, punctuation dropped, spaces as `-`). External links
(http, https, mailto) are not fetched.

Run: .venv/bin/python tests/deployment/docs_links_test.py
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
failures = []


def anchors(path):
    found = set()
    in_code = False
    for line in path.read_text().splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if in_code or not line.startswith("#"):
            continue
        title = line.lstrip("#").strip().lower()
        title = re.sub(r"[^\w\- ]", "", title)
        found.add(title.replace(" ", "-"))
    return found


def markdown_files():
    yield ROOT / "README.md"
    for folder in ("docs", "charts", "examples"):
        yield from sorted((ROOT / folder).rglob("*.md"))


def main():
    checked = 0
    for path in markdown_files():
        in_code = False
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if line.lstrip().startswith("```"):
                in_code = not in_code
            if in_code:
                continue
            for target in LINK.findall(line):
                if re.match(r"[a-z]+:", target):
                    continue
                checked += 1
                file_part, _, fragment = target.partition("#")
                resolved = (path.parent / file_part).resolve() if file_part else path
                where = f"{path.relative_to(ROOT)}:{number}: {target}"
                if not resolved.exists():
                    failures.append(f"{where}: no such file")
                elif fragment and resolved.is_file() and fragment not in anchors(resolved):
                    failures.append(f"{where}: no heading #{fragment}")
    print(f"{checked} relative links checked")
    if failures:
        print(f"{len(failures)} broken:", *failures, sep="\n  ")
        sys.exit(1)
    print("docs links: every link resolves")


if __name__ == "__main__":
    main()
