#!/usr/bin/env bash
# run.sh — replay benchmark: tcpdump, ndpiReader and aisensor (-w 1, -w 2) on one generated capture.
# A benchmark, not a test: nothing in ctest or CI runs it. See README.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

seed=1
size=500M
flows=40000
reps=3
file=""
do_perf=0
regen=0
only=""

usage() {
	cat <<EOF
usage: tests/bench/run.sh [options]
  -s, --seed N        generator seed (default $seed)
  -b, --size SIZE     capture size, K/M/G suffix (default $size)
  -f, --flows N       number of flows (default $flows)
  -n, --repeat N      runs per tool; the median wall time is reported (default $reps)
  -r, --file PCAP     measure this capture instead of generating one
      --regen         regenerate the capture even if it exists
      --only LIST     comma-separated subset of: tcpdump,ndpi,aisensor
      --perf          also print 'perf stat' counters per tool (one extra run each)
  -h, --help
env: AISENSOR=path/to/aisensor (default: $root/build/aisensor)
EOF
}

while [ $# -gt 0 ]; do
	case "$1" in
	-s | --seed) seed=$2; shift 2 ;;
	-b | --size) size=$2; shift 2 ;;
	-f | --flows) flows=$2; shift 2 ;;
	-n | --repeat) reps=$2; shift 2 ;;
	-r | --file) file=$2; shift 2 ;;
	--regen) regen=1; shift ;;
	--only) only=$2; shift 2 ;;
	--perf) do_perf=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
	esac
done
case "$reps" in '' | *[!0-9]* | 0) echo "run.sh: --repeat needs a positive integer" >&2; exit 2 ;; esac

want() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }

# ---- tools: install what is missing (Debian packages), or say what to install
apt_updated=0
need_pkg() { # need_pkg COMMAND PACKAGE
	if command -v "$1" >/dev/null 2>&1 || [ -x "$1" ]; then
		return 0
	fi
	echo "run.sh: '$1' is missing; installing Debian package '$2'" >&2
	if [ "$(id -u)" -ne 0 ]; then
		echo "run.sh: not root: install it with 'sudo apt-get install -y $2'" >&2
		return 1
	fi
	if [ $apt_updated -eq 0 ]; then
		apt-get update -qq >&2 || true
		apt_updated=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >&2 || {
		echo "run.sh: could not install $2" >&2
		return 1
	}
}

need_pkg /usr/bin/time time || { echo "run.sh: /usr/bin/time is required" >&2; exit 1; }
command -v cc >/dev/null 2>&1 || need_pkg cc gcc || exit 1
command -v make >/dev/null 2>&1 || need_pkg make make || exit 1
have_tcpdump=1 have_ndpi=1
if want tcpdump; then need_pkg tcpdump tcpdump || have_tcpdump=0; fi
if want ndpi; then need_pkg ndpiReader libndpi-bin || have_ndpi=0; fi

# ---- the capture
make -s -C "$here" gen >&2
gen="$here/gen"
if [ -z "$file" ]; then
	mkdir -p "$here/data"
	file="$here/data/bench.pcap"
	args="-s $seed -b $size -f $flows"
	if [ $regen -eq 1 ] || [ ! -s "$file" ] || [ "$(cat "$file.args" 2>/dev/null)" != "$args" ]; then
		echo "run.sh: generating $file ($args)" >&2
		rm -f "$file.args"
		# shellcheck disable=SC2086
		"$gen" $args -o "$file.tmp"
		mv "$file.tmp" "$file"
		echo "$args" >"$file.args"
	fi
fi
[ -r "$file" ] || { echo "run.sh: cannot read $file" >&2; exit 1; }

read -r packets bytes < <("$gen" -c "$file" | sed -E 's/packets=([0-9]+) caplen_bytes=([0-9]+).*/\1 \2/')
cat "$file" >/dev/null # warm the page cache: every tool reads from memory

echo "capture: $file"
echo "  $packets packets, $bytes bytes of packet data (pcap record lengths), $(stat -c %s "$file") bytes on disk"
echo "  $reps run(s) per tool, median wall time; peak RSS is the largest of the runs"
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
ncpu=$(nproc 2>/dev/null || echo 1)
if awk -v l="$load" -v n="$ncpu" 'BEGIN {exit !(l > 0.5 * n)}'; then
	echo "  WARNING: load average $load on $ncpu CPUs: other work is running, wall times will be inflated"
	echo "           (the cpu s column is less affected; rerun on an idle machine for baseline figures)"
fi
echo

# ---- measuring
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

rows=()
declare -A res_pps res_rss

median() { # median NUMBER...
	printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

# measure NAME CMD...: runs CMD $reps times under /usr/bin/time -v
measure() {
	local name=$1
	shift
	local walls=() cpus=() rss_max=0 i
	for ((i = 0; i < reps; i++)); do
		if ! /usr/bin/time -v -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err"; then
			echo "run.sh: $name failed:" >&2
			tail -5 "$tmp/err" >&2
			tail -3 "$tmp/time" >&2 || true
			rows+=("$(printf '%-22s %s' "$name" "FAILED")")
			return 0
		fi
		local w u s r
		w=$(awk -F': ' '/Elapsed \(wall clock\)/ {
			n = split($2, p, ":"); t = 0; for (k = 1; k <= n; k++) t = t * 60 + p[k]; print t }' "$tmp/time")
		u=$(awk -F': ' '/User time/ {print $2}' "$tmp/time")
		s=$(awk -F': ' '/System time/ {print $2}' "$tmp/time")
		r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time")
		walls+=("$w")
		cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}')")
		[ "$r" -gt "$rss_max" ] && rss_max=$r
	done
	local wall cpu
	wall=$(median "${walls[@]}")
	cpu=$(median "${cpus[@]}")
	local line
	line=$(awk -v n="$name" -v w="$wall" -v c="$cpu" -v p="$packets" -v b="$bytes" -v r="$rss_max" 'BEGIN {
		if (w <= 0) w = 0.005
		printf "%-22s %8.2f %8.2f %12.0f %8.3f %10.1f", n, w, c, p / w, b * 8 / w / 1e9, r / 1024 }')
	rows+=("$line")
	res_pps[$name]=$(awk -v w="$wall" -v p="$packets" 'BEGIN {if (w <= 0) w = 0.005; printf "%.0f", p / w}')
	res_rss[$name]=$rss_max
	echo "  done: $line" >&2
}

perf_stat() { # perf_stat NAME CMD...
	local name=$1
	shift
	if ! perf stat -x, -e task-clock,instructions,cycles,cache-misses,page-faults -o "$tmp/perf" "$@" >/dev/null 2>&1; then
		echo "  $name: perf stat failed"
		return 0
	fi
	awk -F, -v n="$name" -v p="$packets" '
		/^#/ || NF < 3 { next }
		{ ev = $3; v = $1
		  if (v ~ /not supported|not counted/) { printf "  %-22s %-14s not supported here\n", n, ev; next }
		  extra = (ev == "instructions" || ev == "cycles") ? sprintf(" (%.0f per packet)", v / p) : ""
		  printf "  %-22s %-14s %s%s\n", n, ev, v, extra }' "$tmp/perf"
}

aisensor=${AISENSOR:-$root/build/aisensor}
names=()
if want tcpdump && [ $have_tcpdump -eq 1 ]; then names+=("tcpdump"); fi
if want ndpi && [ $have_ndpi -eq 1 ]; then names+=("ndpiReader"); fi
ai_skipped=""
if want aisensor; then
	if [ -x "$aisensor" ]; then
		names+=("aisensor -w 1" "aisensor -w 2")
	else
		ai_skipped="aisensor not found at $aisensor (build it: cmake -S . -B build && make -C build aisensor, or set AISENSOR=...); skipped its rows"
		echo "run.sh: $ai_skipped" >&2
	fi
fi

cmd_for() { # sets CMD to the command line of tool $1
	case "$1" in
	tcpdump) CMD=(tcpdump -r "$file" -w /dev/null) ;;
	ndpiReader) CMD=(ndpiReader -i "$file" -q) ;;
	"aisensor -w 1") CMD=("$aisensor" -r "$file" -q --inventory /dev/null -w 1) ;;
	"aisensor -w 2") CMD=("$aisensor" -r "$file" -q --inventory /dev/null -w 2) ;;
	esac
}

for name in "${names[@]}"; do
	cmd_for "$name"
	measure "$name" "${CMD[@]}"
done

echo
printf '%-22s %8s %8s %12s %8s %10s\n' "tool" "wall s" "cpu s" "packets/s" "Gbps" "RSS MiB"
printf '%s\n' "${rows[@]}"
[ -n "$ai_skipped" ] && echo "(${ai_skipped})"

# the sensor's targets against the baseline
if [ -n "${res_pps[ndpiReader]:-}" ] && [ -n "${res_pps[aisensor -w 1]:-}" ]; then
	echo
	awk -v a="${res_pps[aisensor -w 1]}" -v n="${res_pps[ndpiReader]}" 'BEGIN {
		printf "target: aisensor -w 1 packets/s >= 2 x ndpiReader: %.2fx  %s\n", a / n, (a >= 2 * n) ? "MET" : "NOT MET" }'
	awk -v a="${res_rss[aisensor -w 1]}" -v n="${res_rss[ndpiReader]}" 'BEGIN {
		printf "target: aisensor -w 1 peak RSS < ndpiReader:       %.1f vs %.1f MiB  %s\n", a / 1024, n / 1024, (a < n) ? "MET" : "NOT MET" }'
fi

if [ $do_perf -eq 1 ]; then
	echo
	if ! command -v perf >/dev/null 2>&1; then
		echo "perf: not installed (Debian: linux-perf)"
	else
		echo "perf stat (one run each; hardware counters are often unavailable in VMs):"
		for name in "${names[@]}"; do
			cmd_for "$name"
			perf_stat "$name" "${CMD[@]}"
		done
	fi
fi
