#!/usr/bin/env bash
# The ingest half of `make bench` (issue 11, item 7): on one 200,000-row workbook written by
# openpyxl (testdata/bench/gen_200k.py, made here under var/bench/, not committed), in one
# run: our ingest (read + normalise + load, BenchmarkIngest200k) on one core and on two,
# excelize's raw read, pandas.read_excel; then a table with the ratios.
# Without python3 + openpyxl it falls back to the Go-written workbook (demo.Large) and says so.
#
# BENCH_INGEST narrows the one-core sub-benchmarks (default: all of BenchmarkIngest200k).
set -euo pipefail
cd "$(dirname "$0")/../.."
GO=${GO:-go}
E2E=${E2E:-arrow-view} # the loader in use (build tag duckdb_arrow)
ONE=${BENCH_INGEST:-Ingest200k}
out=var/bench
mkdir -p "$out" bin

findpy() { # a python3 that imports $1
	for p in ${PYTHON:-} python3 /usr/bin/python3; do
		if command -v "$p" >/dev/null 2>&1 && "$p" -c "import $1" >/dev/null 2>&1; then
			echo "$p"
			return
		fi
	done
}

xlsx=$out/enrolments_200k_openpyxl.xlsx
py=$(findpy openpyxl)
if [ -n "$py" ]; then
	if [ ! -f "$xlsx" ] || [ testdata/bench/gen_200k.py -nt "$xlsx" ]; then
		echo "writing $xlsx with openpyxl ($py testdata/bench/gen_200k.py)"
		"$py" testdata/bench/gen_200k.py "$xlsx"
	fi
	export CORRELARE_BENCH_XLSX=$PWD/$xlsx
	written="openpyxl (testdata/bench/gen_200k.py)"
else
	echo "python3 with openpyxl not found: falling back to the Go-written workbook (demo.Large)"
	unset CORRELARE_BENCH_XLSX
	written="excelize (demo.Large; no openpyxl here)"
fi

$GO test -tags=duckdb_arrow -c -o bin/pipeline.test ./pipeline/
echo "== ingest, one core (taskset -c 0, GOMAXPROCS=1)"
(cd pipeline && taskset -c 0 env GOMAXPROCS=1 ../bin/pipeline.test -test.run '^$' \
	-test.bench "$ONE" -test.benchtime 1x -test.v) | tee "$out/ingest-1core.txt"
echo "== ingest, two cores (taskset -c 0,1, GOMAXPROCS=2)"
(cd pipeline && taskset -c 0,1 env GOMAXPROCS=2 ../bin/pipeline.test -test.run '^$' \
	-test.bench "Ingest200k/$E2E\$" -test.benchtime 1x -test.v) | tee "$out/ingest-2core.txt"

# The workbook the benchmark read (the fallback's lives under $TMPDIR).
book=$(sed -n 's/.*workbook \(.*\.xlsx\): .*/\1/p' "$out/ingest-1core.txt" | head -1)

echo "== pandas.read_excel, one core (taskset -c 0)"
pypd=$(findpy pandas)
if [ -n "$pypd" ]; then
	taskset -c 0 "$pypd" testdata/bench/pandas_read.py "$book" | tee "$out/pandas.txt"
else
	echo "pandas not installed: skipped" | tee "$out/pandas.txt"
fi

# The figure in unit $3 (rows/s or rows/cpu-s) of sub-benchmark $2 in file $1 ("" when absent).
rate() {
	awk -v name="$2" -v unit="$3" '$1 ~ "^BenchmarkIngest200k/" name "(-[0-9]+)?$" {
		for (i = 2; i <= NF; i++) if ($i == unit) { print $(i-1); exit } }' "$1"
}
pdrate() {
	awk -v unit="$1" '$1 == "pandas" { for (i = 2; i <= NF; i++) if ($i == unit) { print $(i-1); exit } }' "$out/pandas.txt"
}
one=$(rate "$out/ingest-1core.txt" "$E2E" rows/s)
onec=$(rate "$out/ingest-1core.txt" "$E2E" rows/cpu-s)
two=$(rate "$out/ingest-2core.txt" "$E2E" rows/s)
twoc=$(rate "$out/ingest-2core.txt" "$E2E" rows/cpu-s)
exr=$(rate "$out/ingest-1core.txt" excelize-raw rows/s)
exrc=$(rate "$out/ingest-1core.txt" excelize-raw rows/cpu-s)
pd=$(pdrate rows/s)
pdc=$(pdrate rows/cpu-s)

echo
echo "Ingest side by side, one run, $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "workbook: $book, written by $written"
echo "rows/s is the wall clock; rows/cpu-s the process's own CPU time (steadier on a shared machine)"
awk -v one="$one" -v onec="$onec" -v two="$two" -v twoc="$twoc" -v exr="$exr" -v exrc="$exrc" \
	-v pd="$pd" -v pdc="$pdc" 'function f(x,   s) {
	if (x == "") return "–"
	x = int(x + 0.5); s = ""
	while (x >= 1000) { s = sprintf(",%03d", x % 1000) s; x = int(x / 1000) }
	return x s
}
function r(a, b) { return (a == "" || b == "" || b == 0) ? "–" : sprintf("%.2f×", a / b) }
BEGIN {
	print "| | rows/s | rows/cpu-s | ours ÷ excelize (wall, CPU) | ours ÷ pandas (wall, CPU) |"
	print "|---|---:|---:|---:|---:|"
	printf "| ingest (read + normalise + load), 1 core | %s | %s | %s, %s | %s, %s |\n", f(one), f(onec), r(one, exr), r(onec, exrc), r(one, pd), r(onec, pdc)
	printf "| ingest (read + normalise + load), 2 cores | %s | %s | %s, %s | %s, %s |\n", f(two), f(twoc), r(two, exr), r(twoc, exrc), r(two, pd), r(twoc, pdc)
	printf "| excelize raw read (OpenFile + Rows/Columns), 1 core | %s | %s | | |\n", f(exr), f(exrc)
	if (pd == "") printf "| pandas.read_excel, 1 core | skipped (not installed) | | | |\n"
	else printf "| pandas.read_excel, 1 core | %s | %s | | |\n", f(pd), f(pdc)
}'
