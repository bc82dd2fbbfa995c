#!/usr/bin/python3
"""check.py: reads an .xlsx back with openpyxl and prints it as JSON for
tests/test_xlsx.c: per sheet its name, frozen cell, column widths (by
letter), hidden (grouped) columns (by letter), its print set-up ("print": orientation, paper, fit_to_page,
fit_width, fit_height, title_rows, the footer's right part), the rows given a
height ("heights": {"row number": points}), the cells whose text wraps
("wrapped": ["A2", ...]) and its cells
as rows of [type, value, number_format] (null for an empty cell); types:
"s" text, "n" number, "d" date-time (ISO 8601), "b" boolean. Exit code 3 when openpyxl is missing (install python3-openpyxl).

Usage: /usr/bin/python3 tests/data/xlsx/check.py FILE.xlsx
"""
import datetime
import json
import sys

try:
    import openpyxl
except ImportError:
    print("openpyxl is missing: install python3-openpyxl", file=sys.stderr)
    sys.exit(3)


def cell(c):
    v = c.value
    if v is None:
        return None
    if isinstance(v, bool):
        return ["b", v, c.number_format]
    if isinstance(v, (int, float)):
        return ["n", v, c.number_format]
    if isinstance(v, (datetime.datetime, datetime.date)):
        return ["d", v.isoformat(), c.number_format]
    return ["s", str(v), c.number_format]


def main():
    wb = openpyxl.load_workbook(sys.argv[1])
    out = []
    for ws in wb.worksheets:
        widths = {k: d.width for k, d in ws.column_dimensions.items() if d.width}
        rows = [[cell(c) for c in row] for row in ws.iter_rows()]
        ps = ws.page_setup
        fit = ws.sheet_properties.pageSetUpPr
        prn = {"orientation": ps.orientation, "paper": ps.paperSize,
               "fit_to_page": bool(fit and fit.fitToPage),
               # an absent fitToWidth/fitToHeight means 1 (the OOXML default)
               "fit_width": 1 if ps.fitToWidth is None else int(ps.fitToWidth),
               "fit_height": 1 if ps.fitToHeight is None else int(ps.fitToHeight),
               "title_rows": ws.print_title_rows, "footer": ws.oddFooter.right.text}
        hidden = sorted(k for k, d in ws.column_dimensions.items() if d.hidden)
        heights = {str(k): d.height for k, d in ws.row_dimensions.items() if d.height}
        wrapped = [c.coordinate for row in ws.iter_rows() for c in row
                   if c.value is not None and c.alignment and c.alignment.wrap_text]
        out.append({"name": ws.title, "freeze": ws.freeze_panes, "widths": widths, "rows": rows,
                    "print": prn, "hidden": hidden, "heights": heights, "wrapped": wrapped})
    json.dump({"sheets": out}, sys.stdout, ensure_ascii=False)


main()
