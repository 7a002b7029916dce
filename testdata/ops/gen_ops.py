#!/usr/bin/env python3
"""Writes the files of the operations campaign (pipeline/campaign_test.go)
from Cremona's demo workbook, with openpyxl (another program than ours):

- CR_header_only.xlsx: the workbook emptied to its header (the modules
  sheet kept): the shrink guard must hold it back;
- CR_shorter.xlsx: the first 150 of the 437 enrolment rows: a shrink of
  66 %, beyond the default guard.max_shrink of 50 %.

Run from this folder: python3 gen_ops.py (needs python3-openpyxl). The
outputs are committed: the tests do not need python.
"""
import openpyxl

SRC = "../demo/CR/CR_CORRELARE_iscrizioni_gen-giu_2013.xlsx"
HEADER_ROW = 3  # title, blank row, header


def keep(rows, out):
    wb = openpyxl.load_workbook(SRC)
    ws = wb["Iscrizioni"]
    first = HEADER_ROW + 1 + rows
    if ws.max_row >= first:
        ws.delete_rows(first, ws.max_row - first + 1)
    wb.save(out)


keep(0, "CR_header_only.xlsx")
keep(150, "CR_shorter.xlsx")
