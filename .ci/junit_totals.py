"""Print one closing line that totals the JUnit reports CI wrote: ``ci: N passed, N failed, N skipped``.

CI's last tool (schemathesis) closes with a pytest-style line that names no test count, so the run
ends with this plain total of every test case that ran: both pytest passes and the schemathesis run.
Exits non-zero if a report is missing, unreadable or holds a failure, so the total never hides one.
"""
from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def count_cases(report: Path) -> tuple[int, int, int]:
    """Return (passed, failed, skipped) over every <testcase> in one JUnit XML report."""
    passed = failed = skipped = 0
    # The reports are this CI run's own files, written by pytest and schemathesis moments before.
    for case in ET.parse(report).getroot().iter("testcase"):  # noqa: S314
        outcomes = {child.tag for child in case}
        if outcomes & {"failure", "error"}:
            failed += 1
        elif "skipped" in outcomes:
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped


def main(paths: list[str]) -> int:
    if not paths:
        print("junit_totals: no report given", file=sys.stderr)
        return 2
    totals = [0, 0, 0]
    for path in map(Path, paths):
        try:
            counts = count_cases(path)
        except (OSError, ET.ParseError) as error:
            print(f"junit_totals: cannot read {path}: {error}", file=sys.stderr)
            return 2
        print(f"{path}: {counts[0]} passed, {counts[1]} failed, {counts[2]} skipped")
        totals = [total + count for total, count in zip(totals, counts, strict=True)]
    passed, failed, skipped = totals
    print(f"ci: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
