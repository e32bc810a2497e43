#!/usr/bin/env bash
# report.sh — the audit report at scale (not a test): a generated capture of
# about 10,000 agents (many client hosts, a third of the flows AI), replayed
# N rounds with --inventory alone and with --inventory --report; prints the
# page's size, what the report adds to the run (median wall and CPU seconds,
# peak RSS), and with chromium how long a headless browser takes to load
# and draw the page, with its console messages.
#
#   tests/bench/report.sh            # 3 rounds
#   tests/bench/report.sh -n 5
#   AISENSOR=/path/to/aisensor tests/bench/report.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
N=3
while getopts n: o; do
	case $o in
	n) N=$OPTARG ;;
	*) echo "usage: $0 [-n ROUNDS]" >&2; exit 2 ;;
	esac
done
BIN=${AISENSOR:-build/aisensor}
[ -x "$BIN" ] || { echo "report.sh: $BIN not built (scripts/build.sh)" >&2; exit 1; }
make -s -C tests/bench gen
mkdir -p tests/bench/data
CAP=tests/bench/data/agents10k.pcap
GEN_ARGS="-s 1 -H 120000 -a 300 -f 80000 -b 120M -P sse"
if [ ! -f "$CAP" ] || [ "$(cat "$CAP.args" 2>/dev/null)" != "$GEN_ARGS" ]; then
	# shellcheck disable=SC2086 # the options are words
	tests/bench/gen $GEN_ARGS -o "$CAP" >/dev/null 2>&1
	echo "$GEN_ARGS" >"$CAP.args"
fi
cat "$CAP" >/dev/null # from the page cache, every round
OUT=$(mktemp -d /tmp/aisensor-report-bench.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
ncpu=$(nproc 2>/dev/null || echo 1)
echo "capture: $CAP (gen $GEN_ARGS); $N round(s), median; load average $load on $ncpu CPUs"
if awk -v l="$load" -v n="$ncpu" 'BEGIN {exit !(l > 0.5 * n)}'; then
	echo "  WARNING: other work is running: wall times are inflated (cpu s less so)"
fi

# run NAME ARGS...: one round, its "wall cpu rss_kib" appended to $OUT/NAME
run() {
	local name=$1
	shift
	/usr/bin/time -f "%e %U %S %M" -o "$OUT/t" "$BIN" -q -r "$CAP" "$@"
	awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$OUT/t" >>"$OUT/$name"
}
for _ in $(seq "$N"); do
	run inventory --inventory "$OUT/inv.json"
	run report --inventory "$OUT/inv.json" --report "$OUT/report.html"
done
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
agents=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["agents"]))' "$OUT/inv.json")
printf '\n%d agents; inventory %d bytes; report %d bytes (%d gzipped)\n\n' "$agents" "$(stat -c %s "$OUT/inv.json")" \
	"$(stat -c %s "$OUT/report.html")" "$(gzip -c "$OUT/report.html" | wc -c)"
printf '%-34s %8s %8s %9s\n' run "wall s" "cpu s" "RSS MiB"
for name in inventory report; do
	w=$(cut -d' ' -f1 "$OUT/$name" | median)
	c=$(cut -d' ' -f2 "$OUT/$name" | median)
	r=$(cut -d' ' -f3 "$OUT/$name" | sort -n | tail -1)
	label=$([ $name = inventory ] && echo "--inventory" || echo "--inventory --report")
	printf '%-34s %8.2f %8.2f %9.1f\n' "$label" "$w" "$c" "$(awk -v k="$r" 'BEGIN {print k / 1024}')"
	eval "w_$name=$w c_$name=$c"
done
# shellcheck disable=SC2154 # set by eval above
printf '%-34s %8.2f %8.2f\n' "the report's share" "$(awk -v a="$w_report" -v b="$w_inventory" 'BEGIN {print a - b}')" \
	"$(awk -v a="$c_report" -v b="$c_inventory" 'BEGIN {print a - b}')"

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$browser" ]; then
	echo
	for _ in $(seq "$N"); do
		start=$(date +%s.%N)
		"$browser" --headless --disable-gpu --no-sandbox --hide-scrollbars --user-data-dir="$OUT/profile" \
			--enable-logging=stderr --v=0 --window-size=1400,2000 --screenshot="$OUT/report.png" \
			"file://$OUT/report.html" >/dev/null 2>"$OUT/chromium.err"
		awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.2f\n", e - s}' >>"$OUT/chromium.times"
	done
	printf 'headless Chromium, load and screenshot: %.2f s median (an empty page: ' "$(median <"$OUT/chromium.times")"
	echo '<!DOCTYPE html><p>.' >"$OUT/empty.html"
	start=$(date +%s.%N)
	"$browser" --headless --disable-gpu --no-sandbox --user-data-dir="$OUT/profile" --screenshot="$OUT/e.png" \
		"file://$OUT/empty.html" >/dev/null 2>&1
	awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.2f s)", e - s}'
	printf ', %d console messages\n' "$(grep -c ':CONSOLE' "$OUT/chromium.err" || true)"
fi
