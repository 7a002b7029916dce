#!/usr/bin/env python3
"""Time pandas.read_excel of the ingest benchmark workbook (issue 11, item 7).

Prints one line "pandas <rows> rows <cpu> cpu-s <rows/cpu-s> rows/cpu-s <seconds> s
<rows/s> rows/s" (wall clock, and this process's CPU time), or
"pandas not installed: skipped" when pandas (or its xlsx engine, openpyxl)
cannot be imported.

    python3 testdata/bench/pandas_read.py var/bench/enrolments_200k_openpyxl.xlsx
"""
import sys
import time

try:
    import openpyxl  # noqa: F401  (read_excel's engine for .xlsx)
    import pandas as pd
except ImportError as e:
    print("pandas not installed: skipped (%s)" % e)
    sys.exit(0)

t0, c0 = time.perf_counter(), time.process_time()
df = pd.read_excel(sys.argv[1], sheet_name="Iscrizioni")
secs, cpu = time.perf_counter() - t0, time.process_time() - c0
n = len(df)
print("pandas %d rows %.2f cpu-s %.0f rows/cpu-s %.2f s %.0f rows/s" % (n, cpu, n / cpu, secs, n / secs))
