#!/usr/bin/env bash
# run.sh — replay benchmark: tcpdump, ndpiReader and aisensor (-w 1, -w 2) on
# a generated capture of one traffic shape, interleaved; optionally the
# allocations per packet (malloc probe) and the memory per flow of a 1 M SYN
# flood. A benchmark, not a test: nothing in ctest or CI runs it. See README.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

profile=web
seed=1
size=""
flows=""
reps=3
file=""
do_perf=0
do_alloc=0
do_flood=0
regen=0
only=""

usage() {
	cat <<EOF
usage: tests/bench/run.sh [options]
  -P, --profile NAME  traffic shape of the generated capture (default $profile):
                        web  500M, 40k flows: web TLS/HTTP, 581-byte mean packet
                        sse  420M, 80k flows: DNS, QUIC, streamed (SSE) answers, 350-byte mean packet
                        tls  60M: pcaps/stream-openai-node.pcap (TLS 1.3, streamed answers) copied
                             from distinct clients, read with its key log (decryption) and without
  -s, --seed N        generator seed (default $seed)
  -b, --size SIZE     capture size, K/M/G suffix (default: the profile's)
  -f, --flows N       number of flows (default: the profile's)
  -n, --repeat N      rounds; each round runs every tool once, in rotated order;
                      the median is reported (default $reps)
  -r, --file PCAP     measure this capture instead of generating one
      --regen         regenerate the capture even if it exists
      --only LIST     comma-separated subset of: tcpdump,ndpi,aisensor
      --alloc         also count allocations per packet (LD_PRELOAD malloc probe)
      --flood         also measure bytes per flow on a 1 M distinct-SYN flood
      --perf          also print 'perf stat' counters per tool (one extra run each)
  -h, --help
env: AISENSOR=path/to/aisensor (default: $root/build/aisensor)
EOF
}

while [ $# -gt 0 ]; do
	case "$1" in
	-P | --profile) profile=$2; shift 2 ;;
	-s | --seed) seed=$2; shift 2 ;;
	-b | --size) size=$2; shift 2 ;;
	-f | --flows) flows=$2; shift 2 ;;
	-n | --repeat) reps=$2; shift 2 ;;
	-r | --file) file=$2; shift 2 ;;
	--regen) regen=1; shift ;;
	--only) only=$2; shift 2 ;;
	--alloc) do_alloc=1; shift ;;
	--flood) do_flood=1; shift ;;
	--perf) do_perf=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
	esac
done
case "$reps" in '' | *[!0-9]* | 0) echo "run.sh: --repeat needs a positive integer" >&2; exit 2 ;; esac
case "$profile" in
web) gen_extra="" size=${size:-500M} flows=${flows:-40000} name=bench ;;
sse) gen_extra="-P sse -a 100" size=${size:-420M} flows=${flows:-80000} name=sse ;;
tls) size=${size:-60M} name=tls keylog="$root/pcaps/keylogs/stream-openai-node.keylog" ;;
*) echo "run.sh: unknown profile '$profile' (web, sse, tls)" >&2; exit 2 ;;
esac

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
make -s -C "$here" gen malloc_count.so >&2
gen="$here/gen"
mkdir -p "$here/data"
if [ -z "$file" ] && [ "$profile" = tls ]; then
	file="$here/data/tls.pcap"
	bytes_wanted=$(numfmt --from=iec "$size")
	if [ $regen -eq 1 ] || [ ! -s "$file" ] || [ "$(cat "$file.args" 2>/dev/null)" != "$size" ]; then
		python3 "$here/tls_copies.py" "$root/pcaps/stream-openai-node.pcap" "$file.tmp" "$bytes_wanted" >&2
		mv "$file.tmp" "$file"
		echo "$size" >"$file.args"
	fi
elif [ -z "$file" ]; then
	file="$here/data/$name.pcap"
	args="$gen_extra -s $seed -b $size -f $flows"
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

echo "capture: $file (profile $profile)"
echo "  $packets packets, $bytes bytes of packet data (pcap record lengths), $(stat -c %s "$file") bytes on disk"
echo "  $reps round(s), each tool once per round in rotated order; median wall and cpu; peak RSS is the largest"
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

declare -A walls cpus rss res_wall res_cpu res_rss failed

median() { # median NUMBER...
	printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

aisensor=${AISENSOR:-$root/build/aisensor}
names=()
if want tcpdump && [ $have_tcpdump -eq 1 ]; then names+=("tcpdump"); fi
if want ndpi && [ $have_ndpi -eq 1 ]; then names+=("ndpiReader"); fi
ai_skipped=""
if want aisensor; then
	if [ -x "$aisensor" ]; then
		names+=("aisensor -w 1" "aisensor -w 2")
		[ -n "${keylog:-}" ] && names+=("aisensor -w 1 no keys")
	else
		ai_skipped="aisensor not found at $aisensor (build it: scripts/build.sh, or set AISENSOR=...); skipped its rows"
		echo "run.sh: $ai_skipped" >&2
	fi
fi

cmd_for() { # cmd_for TOOL [FILE]: sets CMD to the command line of the tool
	local f=${2:-$file}
	case "$1" in
	tcpdump) CMD=(tcpdump -r "$f" -w /dev/null) ;;
	ndpiReader) CMD=(ndpiReader -i "$f" -q) ;;
	"aisensor -w 1") CMD=("$aisensor" -r "$f" -q --inventory /dev/null -w 1 ${keylog:+--keylog "$keylog"}) ;;
	"aisensor -w 2") CMD=("$aisensor" -r "$f" -q --inventory /dev/null -w 2 ${keylog:+--keylog "$keylog"}) ;;
	"aisensor -w 1 no keys") CMD=("$aisensor" -r "$f" -q --inventory /dev/null -w 1) ;;
	esac
}

run_once() { # run_once NAME: one timed run, appended to the tool's lists
	local name=$1
	cmd_for "$name"
	if ! /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "${CMD[@]}" >/dev/null 2>"$tmp/err"; then
		echo "run.sh: $name failed:" >&2
		tail -5 "$tmp/err" >&2
		failed[$name]=1
		return 0
	fi
	local w u s r
	read -r w u s r <"$tmp/time"
	walls[$name]+="$w "
	cpus[$name]+="$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}') "
	[ "$r" -gt "${rss[$name]:-0}" ] && rss[$name]=$r
	return 0
}

# Interleaved: a slow minute of the machine hits every tool alike.
n=${#names[@]}
for ((round = 0; round < reps; round++)); do
	for ((k = 0; k < n; k++)); do
		run_once "${names[(k + round) % n]}"
	done
	echo "  round $((round + 1)) of $reps done" >&2
done

rows=()
for name in "${names[@]}"; do
	if [ -n "${failed[$name]:-}" ]; then
		rows+=("$(printf '%-22s %s' "$name" "FAILED")")
		continue
	fi
	# shellcheck disable=SC2086
	res_wall[$name]=$(median ${walls[$name]})
	# shellcheck disable=SC2086
	res_cpu[$name]=$(median ${cpus[$name]})
	res_rss[$name]=${rss[$name]}
	rows+=("$(awk -v n="$name" -v w="${res_wall[$name]}" -v c="${res_cpu[$name]}" -v p="$packets" -v b="$bytes" \
		-v r="${rss[$name]}" 'BEGIN {
		if (w <= 0) w = 0.005
		printf "%-22s %8.2f %8.2f %12.0f %8.3f %10.1f", n, w, c, p / w, b * 8 / w / 1e9, r / 1024 }')")
done

printf '%-22s %8s %8s %12s %8s %10s\n' "tool" "wall s" "cpu s" "packets/s" "Gbps" "RSS MiB"
printf '%s\n' "${rows[@]}"
[ -n "$ai_skipped" ] && echo "(${ai_skipped})"

verdict() { awk -v ok="$1" 'BEGIN {print ok ? "MET" : "NOT MET"}'; }

# the sensor's targets against the baseline
a1=${res_wall[aisensor -w 1]:-} a2=${res_wall[aisensor -w 2]:-} nd=${res_wall[ndpiReader]:-}
if [ "$profile" = tls ]; then # the targets are for reading without keys; here the rows compare with and without
	a1="" a2=""
	with=${res_wall[aisensor -w 1]:-0} without=${res_wall[aisensor -w 1 no keys]:-0}
	mbs_with=$(awk -v b="$bytes" -v w="$with" 'BEGIN { if (w > 0) printf "%.0f", b / w / 1e6; else print "?" }')
	mbs_without=$(awk -v b="$bytes" -v w="$without" 'BEGIN { if (w > 0) printf "%.0f", b / w / 1e6; else print "?" }')
	echo
	echo "decryption: aisensor -w 1 reads ${mbs_with} MB/s of packet data with the key log, ${mbs_without} MB/s without"
fi
if [ -n "$nd" ] && [ -n "$a1" ]; then
	echo
	r=$(awk -v a="$a1" -v n="$nd" 'BEGIN {printf "%.2f", a / n}')
	echo "target: aisensor -w 1 wall <= 0.5 x ndpiReader's:   ${r}x  $(verdict "$(awk -v r="$r" 'BEGIN {print r <= 0.5}')")"
	echo "target: aisensor -w 1 peak RSS < ndpiReader's:      $(awk -v a="${res_rss[aisensor -w 1]}" \
		-v n="${res_rss[ndpiReader]}" 'BEGIN {printf "%.1f vs %.1f MiB", a / 1024, n / 1024}')  $(verdict \
		"$(awk -v a="${res_rss[aisensor -w 1]}" -v n="${res_rss[ndpiReader]}" 'BEGIN {print a < n}')")"
fi
if [ -n "$a1" ] && [ -n "$a2" ]; then
	r=$(awk -v a="$a2" -v b="$a1" 'BEGIN {printf "%.2f", a / b}')
	echo "target: aisensor -w 2 wall <= 0.6 x -w 1's:         ${r}x  $(verdict "$(awk -v r="$r" 'BEGIN {print r <= 0.6}')")" \
		"(needs CPUs for the reader, 2 workers and the aggregator: $ncpu here)"
fi

# ---- allocations per packet: every thread, through the malloc probe
if [ $do_alloc -eq 1 ]; then
	echo
	echo "allocations (malloc, calloc, realloc, posix_memalign; every thread):"
	for name in "${names[@]}"; do
		[ "$name" = tcpdump ] && continue
		cmd_for "$name"
		LD_PRELOAD="$here/malloc_count.so" "${CMD[@]}" >/dev/null 2>"$tmp/alloc" || true
		allocs=$(sed -n 's/^malloc_count: \([0-9]*\) allocations.*/\1/p' "$tmp/alloc" | tail -1)
		[ -n "$allocs" ] || { echo "  $name: the probe printed nothing"; continue; }
		per=$(awk -v a="$allocs" -v p="$packets" 'BEGIN {printf "%.2f", a / p}')
		extra=""
		[[ "$name" == aisensor* ]] && extra="  target <= 1 per packet: $(verdict "$(awk -v r="$per" 'BEGIN {print r <= 1}')")"
		printf '  %-22s %12s allocations, %s per packet%s\n' "$name" "$allocs" "$per" "$extra"
	done
fi

# ---- memory per flow: 1 M distinct SYNs at the default flow cap (1 M)
if [ $do_flood -eq 1 ] && [ -x "$aisensor" ]; then
	flood="$here/data/flood.pcap" one="$here/data/flood-1.pcap"
	[ -s "$flood" ] || { echo "run.sh: generating $flood" >&2; python3 "$here/flood.py" 1000000 "$flood"; }
	[ -s "$one" ] || python3 "$here/flood.py" 1 "$one"
	cat "$flood" >/dev/null
	echo
	echo "SYN flood: 1000000 distinct flows, default flow cap; (peak RSS - one-packet run's RSS) / flows:"
	for w in 1 2; do
		base=$(/usr/bin/time -f '%M' "$aisensor" -r "$one" -q --inventory /dev/null -w $w 2>&1 >/dev/null | tail -1)
		read -r peak wall < <(/usr/bin/time -f '%M %e' "$aisensor" -r "$flood" -q --inventory /dev/null -w $w 2>&1 \
			>/dev/null | tail -1)
		per=$(awk -v p="$peak" -v b="$base" 'BEGIN {printf "%.0f", (p - b) * 1024 / 1000000}')
		printf '  aisensor -w %s  peak %7.1f MiB, one packet %5.1f MiB, %s bytes per flow, %s s  target <= 400: %s\n' \
			"$w" "$(awk -v k="$peak" 'BEGIN {print k / 1024}')" "$(awk -v k="$base" 'BEGIN {print k / 1024}')" \
			"$per" "$wall" "$(verdict "$(awk -v r="$per" 'BEGIN {print r <= 400}')")"
	done
	if [ $have_ndpi -eq 1 ] && want ndpi; then
		peak=$(/usr/bin/time -f '%M' ndpiReader -i "$flood" -q 2>&1 >/dev/null | tail -1)
		base=$(/usr/bin/time -f '%M' ndpiReader -i "$one" -q 2>&1 >/dev/null | tail -1)
		printf '  ndpiReader     peak %7.1f MiB, one packet %5.1f MiB, %s bytes per flow\n' \
			"$(awk -v k="$peak" 'BEGIN {print k / 1024}')" "$(awk -v k="$base" 'BEGIN {print k / 1024}')" \
			"$(awk -v p="$peak" -v b="$base" 'BEGIN {printf "%.0f", (p - b) * 1024 / 1000000}')"
	fi
fi

if [ $do_perf -eq 1 ]; then
	echo
	if ! command -v perf >/dev/null 2>&1; then
		echo "perf: not installed (Debian: linux-perf)"
	else
		echo "perf stat (one run each; hardware counters are often unavailable in VMs):"
		for name in "${names[@]}"; do
			cmd_for "$name"
			if ! perf stat -x, -e task-clock,instructions,cycles,cache-misses,page-faults -o "$tmp/perf" \
				"${CMD[@]}" >/dev/null 2>&1; then
				echo "  $name: perf stat failed"
				continue
			fi
			awk -F, -v n="$name" -v p="$packets" '
				/^#/ || NF < 3 { next }
				{ ev = $3; v = $1
				  if (v ~ /not supported|not counted/) { printf "  %-22s %-14s not supported here\n", n, ev; next }
				  extra = (ev == "instructions" || ev == "cycles") ? sprintf(" (%.0f per packet)", v / p) : ""
				  printf "  %-22s %-14s %s%s\n", n, ev, v, extra }' "$tmp/perf"
		done
	fi
fi
