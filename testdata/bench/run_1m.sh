#!/usr/bin/env bash
# The end-to-end half of `make bench` (issue 11, item 7): `correlare run` over a night of
# 1,000,000 generated enrolments in ten workbooks across the nine partner provinces
# (demo/cmd/gennight, the demo's layouts, repeaters, homonyms and noise), timed with
# /usr/bin/time -v, then the run's stages as its JSON log tells them.
#
# The workbooks are written once under var/bench/1m/data/ (about a minute; reused while the
# generator's rows and seed match); every run starts from an empty warehouse and landing.
# BENCH_ROWS sets the rows (default 1000000; other sizes live under var/bench/night-<rows>/),
# BENCH_SEED the seed (default 1).
set -euo pipefail
cd "$(dirname "$0")/../.."
GO=${GO:-go}
ROWS=${BENCH_ROWS:-1000000}
SEED=${BENCH_SEED:-1}
dir=var/bench/night-$ROWS
[ "$ROWS" = 1000000 ] && dir=var/bench/1m
mkdir -p "$dir" bin

$GO build -tags=duckdb_arrow -o bin/correlare ./cmd/correlare
$GO build -tags=duckdb_arrow -o bin/gennight ./demo/cmd/gennight

stamp="rows=$ROWS seed=$SEED generator=$(sha256sum demo/night.go demo/synthetic.go demo/layout.go demo/noise.go | sha256sum | cut -c1-16)"
if [ ! -f "$dir/data/.stamp" ] || [ "$(cat "$dir/data/.stamp")" != "$stamp" ]; then
	echo "== writing $ROWS enrolments under $dir/data (bin/gennight -rows $ROWS -seed $SEED)"
	rm -rf "$dir/data"
	./bin/gennight -dir "$dir/data" -rows "$ROWS" -seed "$SEED"
	echo "$stamp" >"$dir/data/.stamp"
else
	echo "== reusing $dir/data ($stamp)"
fi

# A fresh start: no warehouse, landing, exports, reports or history from a previous run.
find "$dir" -mindepth 1 -maxdepth 1 ! -name data -exec rm -rf {} +
cp testdata/bench/night.yaml "$dir/night.yaml"

load0=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date -u +%H:%M:%S.%N)
echo "== correlare run over $ROWS enrolments ($(date -u '+%Y-%m-%d %H:%M UTC'), load average $load0)"
set +e
CORRELARE_EXPORT_KEY=correlare-demo-key-not-a-secret-0123456789 \
	/usr/bin/time -v -o "$dir/time.txt" ./bin/correlare run --config "$dir/night.yaml" \
	--log-format json --log-level debug 2>"$dir/run.log"
status=$?
set -e
end=$(date -u +%H:%M:%S.%N)
load1=$(cut -d' ' -f1-3 /proc/loadavg)
# 0: success, 3: published with a stale province.
if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then
	echo "correlare run failed (exit $status); log: $dir/run.log"
	tail -5 "$dir/run.log"
	exit 1
fi

tv() { sed -n "s/^[[:space:]]*$1: //p" "$dir/time.txt"; }
wall=$(tv 'Elapsed (wall clock) time (h:mm:ss or m:ss)')
user=$(tv 'User time (seconds)')
sys=$(tv 'System time (seconds)')
rss=$(tv 'Maximum resident set size (kbytes)')

echo
echo "| correlare run, $ROWS enrolments | |"
echo "|---|---:|"
awk -v wall="$wall" -v user="$user" -v sys="$sys" -v rss="$rss" -v l0="$load0" -v l1="$load1" 'BEGIN {
	n = split(wall, p, ":"); s = 0
	for (i = 1; i <= n; i++) s = s * 60 + p[i]
	printf "| wall time | %.1f s |\n", s
	printf "| CPU time (user + sys) | %.1f s (%.1f + %.1f) |\n", user + sys, user, sys
	printf "| peak RSS | %.2f GiB |\n", rss / 1048576
	printf "| load average before, after | %s; %s |\n", l0, l1
}'

# The stages from the JSON log: clock times of the stage lines, the seconds they carry.
echo
echo "| stage | seconds | from the log |"
echo "|---|---:|---|"
awk -v start="$start" -v end="$end" '
function clock(s,   p) { split(s, p, ":"); return p[1] * 3600 + p[2] * 60 + p[3] }
function num(line, key,   m) {
	if (match(line, "\"" key "\":[0-9.e+-]+")) return substr(line, RSTART + length(key) + 3, RLENGTH - length(key) - 3) + 0
	return -1
}
function at(line,   t) {
	match(line, /"time":"[^"]*"/); t = substr(line, RSTART + 8, RLENGTH - 9)
	sub(/^[^T]*T/, "", t); sub(/Z$/, "", t); t = clock(t)
	if (t < t0) t += 86400
	return t
}
BEGIN { t0 = clock(start); t1 = clock(end); if (t1 < t0) t1 += 86400 }
/"msg":"file loaded"/ { loaded = at($0); files++; rows += num($0, "loaded") }
/"msg":"persons linked"/ { linked = at($0); link = num($0, "seconds") }
/"msg":"exports written"/ { exported = at($0); exports = num($0, "seconds") }
/"msg":"reports written"/ { reported = at($0); rep = num($0, "report_seconds"); fb = num($0, "feedback_seconds"); rv = num($0, "review_seconds"); pg = num($0, "page_seconds") }
/"msg":"warehouse published"/ { published = at($0) }
END {
	printf "| fetch + landing + ingest (%d files, %d rows loaded) | %.1f | start → last \"file loaded\" |\n", files, rows, loaded - t0
	printf "| modules derive + linkage setup | %.1f | → \"persons linked\", less its seconds |\n", linked - loaded - link
	printf "| linkage | %.1f | \"persons linked\" seconds |\n", link
	printf "| run records | %.1f | → export start |\n", exported - exports - linked
	printf "| exports | %.1f | \"exports written\" seconds |\n", exports
	printf "| funder report (indicators) | %.1f | \"reports written\" report_seconds |\n", rep
	printf "| feedback workbooks | %.1f | feedback_seconds |\n", fb
	printf "| review workbook | %.1f | review_seconds |\n", rv
	printf "| report page | %.1f | page_seconds |\n", pg
	# The exports and the reports run at the same time: the outputs end with the later.
	outputs = exported > reported ? exported : reported
	printf "| outputs (exports and reports at the same time) | %.1f | → the later of \"exports written\", \"reports written\" |\n", outputs - (exported - exports)
	printf "| close + publish | %.1f | → \"warehouse published\" |\n", published - outputs
	printf "| latest.json, prune, history, exit | %.1f | → process end |\n", t1 - published
	printf "| **total** | **%.1f** | |\n", t1 - t0
}' "$dir/run.log"
echo "log: $dir/run.log; /usr/bin/time -v: $dir/time.txt"
