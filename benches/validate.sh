#!/usr/bin/env bash
# Benchmark `drydock validate` on synthetic sites of growing size.
#
#   benches/validate.sh            # N = 1000 and 10000
#   benches/validate.sh 1000 100000
#
# For every N: generate a site with benches/gen_site.py into a temporary directory
# (removed on exit), in two layouts: "split" (1,000 nodes a file, as gen_site.py writes
# it) and "one" file (the whole site as one multi-document stream, as Deckhand renders a
# site). Check that each validates clean, then time
#   drydock validate -d DIR --format json > /dev/null
# several times. Reports wall time (mean, min) and peak RSS per N and layout, and how the
# time grows relative to the first N (linear growth = the ratio of node counts).
#
# For the one-file layout it also times `drydock design show --format json` (written to
# /dev/null) and, when upstream Airship Drydock is set up (benches/UPSTREAM.md), upstream's
# validation of the same file, reporting how many times faster drydock is.
#
# Environment:
#   RUNS=5          timed runs per N
#   UPSTREAM_RUNS=1 timed runs of upstream Drydock per N (it takes tens of seconds)
#   DRYDOCK_UPSTREAM_PYTHON=...  the Python of a venv with upstream Drydock installed
#   WARMUP=1        untimed runs per N before timing
#   DRYDOCK_BIN=... use this binary instead of building target/release/drydock
#
# Timing uses hyperfine when installed, otherwise GNU time (/usr/bin/time);
# peak RSS always comes from GNU time (`/usr/bin/time -f %M`).
# Debian/Ubuntu: apt-get install hyperfine time
set -euo pipefail
export LC_ALL=C

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${RUNS:-5}
warmup=${WARMUP:-1}

die() { echo "validate.sh: $*" >&2; exit 2; }

sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(1000 10000)
for n in "${sizes[@]}"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "node count must be a positive integer, got '$n'"
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer"
[[ $warmup =~ ^[0-9]+$ ]] || die "WARMUP must be a non-negative integer"
upstream_runs=${UPSTREAM_RUNS:-1}
[[ $upstream_runs =~ ^[1-9][0-9]*$ ]] || die "UPSTREAM_RUNS must be a positive integer"

# --- tools -------------------------------------------------------------------
command -v python3 >/dev/null || die "python3 is needed to generate the sites"
have_hyperfine=0
command -v hyperfine >/dev/null && have_hyperfine=1
have_gnu_time=0
if [[ -x /usr/bin/time ]] && /usr/bin/time --version 2>&1 | grep -q GNU; then
    have_gnu_time=1
fi
if (( !have_hyperfine && !have_gnu_time )); then
    die "neither hyperfine nor GNU time (/usr/bin/time) found; install them with: apt-get install hyperfine time"
fi
(( have_gnu_time )) || echo "note: GNU time not found, peak RSS not measured (apt-get install time)" >&2

upstream_py=${DRYDOCK_UPSTREAM_PYTHON:-}
if [[ -n $upstream_py ]]; then
    "$upstream_py" "$root/benches/upstream_validate.py" --check \
        || die "DRYDOCK_UPSTREAM_PYTHON=$upstream_py cannot import upstream Drydock: see benches/UPSTREAM.md"
else
    echo "note: DRYDOCK_UPSTREAM_PYTHON is not set, so upstream Drydock is not timed (benches/UPSTREAM.md says how to set it up)" >&2
fi

# --- binary ------------------------------------------------------------------
if [[ -n ${DRYDOCK_BIN:-} ]]; then
    bin=$DRYDOCK_BIN
else
    command -v cargo >/dev/null || die "cargo not found (or set DRYDOCK_BIN)"
    echo "building: cargo build --release" >&2
    (cd "$root" && cargo build --release --quiet)
    target=${CARGO_TARGET_DIR:-target}
    [[ $target == /* ]] || target=$root/$target
    bin=$target/release/drydock
fi
[[ -x $bin ]] || die "drydock binary not found at $bin"

# --- scratch space -----------------------------------------------------------
tmp=$(mktemp -d -t drydock-bench.XXXXXX)
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_us() {  # wall clock in microseconds (bash 5 EPOCHREALTIME, else date)
    if [[ -n ${EPOCHREALTIME:-} ]]; then
        local t=$EPOCHREALTIME
        echo "${t/./}"
    else
        date +%s%6N
    fi
}

# Run validate once under GNU time; sets T_WALL (seconds) and T_RSS (KiB).
timed_run() {
    local dir=$1 out=$tmp/time.out t0 t1 rc=0 e m
    t0=$(now_us)
    /usr/bin/time -f '%e %M' -o "$out" "$bin" validate -d "$dir" --format json >/dev/null || rc=$?
    t1=$(now_us)
    if (( rc != 0 )); then
        echo "validate.sh: drydock validate exited $rc during timing" >&2
        exit 1
    fi
    read -r e m < <(tail -n 1 "$out")
    T_RSS=$m
    # microsecond wall clock when it looks sane, GNU time's 10 ms resolution otherwise
    if (( t1 > t0 )); then
        T_WALL=$(awk -v us=$((t1 - t0)) 'BEGIN { printf "%.6f", us / 1e6 }')
    else
        T_WALL=$e
    fi
}

# Runs "$@" once, output discarded; sets T_WALL (seconds) and T_RSS (KiB, or - without
# GNU time).
time_command() {
    local out=$tmp/time.cmd t0 t1 rc=0
    t0=$(now_us)
    if (( have_gnu_time )); then
        /usr/bin/time -f '%M' -o "$out" "$@" >/dev/null || rc=$?
    else
        "$@" >/dev/null || rc=$?
    fi
    t1=$(now_us)
    (( rc == 0 )) || { echo "validate.sh: '$*' exited $rc" >&2; exit 1; }
    T_WALL=$(awk -v us=$((t1 - t0)) 'BEGIN { printf "%.6f", us / 1e6 }')
    T_RSS=-
    (( have_gnu_time )) && T_RSS=$(tail -n 1 "$out")
    return 0
}

# Sets RSS to the max RSS (KiB) over 3 runs, or "-" without GNU time.
measure_rss() {
    local dir=$1 i
    RSS=-
    (( have_gnu_time )) || return 0
    RSS=0
    for i in 1 2 3; do
        timed_run "$dir"
        (( T_RSS > RSS )) && RSS=$T_RSS
    done
    return 0
}

declare -a r_nodes r_layout r_files r_mib r_mean r_min r_rss
declare -a x_lines  # design show and upstream, a line each

tool=$( (( have_hyperfine )) && echo hyperfine || echo "GNU time" )
echo "drydock validate benchmark: ${sizes[*]} nodes, $runs runs each (+$warmup warm-up), timed with $tool" >&2

# The whole site in directory $1 as one stream, in $2/site.yaml.
one_file() {
    python3 - "$1" "$2" <<'EOF'
import os, sys
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
with open(os.path.join(dst, "site.yaml"), "w") as out:
    for name in sorted(os.listdir(src)):
        if not name.endswith(".yaml"):
            continue
        text = open(os.path.join(src, name)).read()
        if not text.startswith("---"):
            out.write("---\n")
        out.write(text if text.endswith("\n") else text + "\n")
EOF
}

for n in "${sizes[@]}"; do
  python3 "$root/benches/gen_site.py" --nodes "$n" --out "$tmp/site-$n" >&2
  one_file "$tmp/site-$n" "$tmp/one-$n"
  for layout in split one; do
    if [[ $layout == split ]]; then dir=$tmp/site-$n; else dir=$tmp/one-$n; fi

    # The site must validate clean, or the numbers mean nothing.
    rc=0
    "$bin" validate -d "$dir" --format json >/dev/null || rc=$?
    if (( rc != 0 )); then
        {
            echo
            echo "FAILED: drydock validate exited $rc on the generated $n-node site (expected 0)."
            echo "First lines of 'drydock validate -d DIR':"
            echo "------------------------------------------------------------------"
        } >&2
        "$bin" validate -d "$dir" 2>&1 | head -n 40 >&2 || true
        exit 1
    fi

    files=$(find "$dir" -name '*.yaml' | wc -l)
    mib=$(du -sk "$dir" | awk '{ printf "%.1f", $1 / 1024 }')

    if (( have_hyperfine )); then
        cmd=$(printf '%q validate -d %q --format json' "$bin" "$dir")
        hyperfine --style none --runs "$runs" --warmup "$warmup" \
            --export-json "$tmp/hyperfine-$n-$layout.json" "$cmd" >/dev/null
        read -r mean min < <(python3 - "$tmp/hyperfine-$n-$layout.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.6f %.6f" % (r["mean"], r["min"]))
EOF
)
    else
        for ((i = 0; i < warmup; i++)); do timed_run "$dir"; done
        : > "$tmp/samples-$n-$layout"
        for ((i = 0; i < runs; i++)); do
            timed_run "$dir"
            echo "$T_WALL" >> "$tmp/samples-$n-$layout"
        done
        read -r mean min < <(awk '{ s += $1; if (NR == 1 || $1 < lo) lo = $1 } END { printf "%.6f %.6f\n", s / NR, lo }' "$tmp/samples-$n-$layout")
    fi
    measure_rss "$dir"
    rss=$RSS

    r_nodes+=("$n"); r_layout+=("$layout"); r_files+=("$files"); r_mib+=("$mib")
    r_mean+=("$mean"); r_min+=("$min"); r_rss+=("$rss")

    if [[ $layout == one ]]; then
        show_wall=0 show_rss=0
        for ((i = 0; i < 3; i++)); do
            time_command "$bin" design show -d "$dir" --format json
            show_wall=$(awk -v a="$show_wall" -v b="$T_WALL" 'BEGIN { printf "%.6f", a + b / 3 }')
            if [[ $T_RSS != - ]] && (( T_RSS > show_rss )); then show_rss=$T_RSS; fi
        done
        x_lines+=("$(printf '%d nodes, one file: design show --format json: mean %.3f s, peak RSS %s MiB' "$n" "$show_wall" \
            "$(awk -v k="$show_rss" 'BEGIN { printf "%.1f", k / 1024 }')")")
        if [[ -n $upstream_py ]]; then
            up_wall=0 up_rss=0
            for ((i = 0; i < upstream_runs; i++)); do
                time_command "$upstream_py" "$root/benches/upstream_validate.py" "$dir"
                up_wall=$(awk -v a="$up_wall" -v b="$T_WALL" -v r="$upstream_runs" 'BEGIN { printf "%.6f", a + b / r }')
                if [[ $T_RSS != - ]] && (( T_RSS > up_rss )); then up_rss=$T_RSS; fi
            done
            "$upstream_py" "$root/benches/upstream_validate.py" "$dir" > "$tmp/upstream.json"
            x_lines+=("$(printf '%d nodes, one file: upstream Drydock: mean %.3f s, peak RSS %s MiB (%s); drydock is %.0fx faster (mean against mean)' \
                "$n" "$up_wall" "$(awk -v k="$up_rss" 'BEGIN { printf "%.1f", k / 1024 }')" "$(cat "$tmp/upstream.json")" \
                "$(awk -v u="$up_wall" -v d="$mean" 'BEGIN { print (d > 0 ? u / d : 0) }')")")
        fi
        echo "  ${x_lines[-1]}" >&2
    fi
    printf '  %d nodes, %s: mean %.3f s, min %.3f s, peak RSS %s\n' "$n" "$layout" "$mean" "$min" \
        "$( [[ $rss == - ]] && echo n/a || awk -v k="$rss" 'BEGIN { printf "%.1f MiB", k / 1024 }')" >&2
  done
  rm -rf "$tmp/site-$n" "$tmp/one-$n"
done

echo
echo "drydock validate -d DIR --format json  ($runs runs, $tool)"
printf '%10s %6s %6s %8s %10s %10s %14s\n' nodes layout files "size MiB" "mean s" "min s" "peak RSS MiB"
for i in "${!r_nodes[@]}"; do
    rss=${r_rss[$i]}
    [[ $rss == - ]] && rss_mib=n/a || rss_mib=$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')
    printf '%10d %6s %6d %8s %10.3f %10.3f %14s\n' "${r_nodes[$i]}" "${r_layout[$i]}" "${r_files[$i]}" \
        "${r_mib[$i]}" "${r_mean[$i]}" "${r_min[$i]}" "$rss_mib"
done
# Growth relative to the first size, layout by layout (results alternate split, one):
# linear scaling means time ratio ~ node ratio.
for ((i = 2; i < ${#r_nodes[@]}; i++)); do
    j=$(( i % 2 ))
    awk -v layout="${r_layout[$i]}" -v n0="${r_nodes[$j]}" -v n1="${r_nodes[$i]}" -v t0="${r_mean[$j]}" -v t1="${r_mean[$i]}" 'BEGIN {
        if (t0 > 0) printf "%s: time(%d)/time(%d) = %.2f  (nodes x%.1f: linear growth means a ratio close to %.1f)\n", layout, n1, n0, t1 / t0, n1 / n0, n1 / n0
        else printf "time(%d)/time(%d) = n/a (time too small to measure)\n", n1, n0
    }'
done
echo
for line in "${x_lines[@]}"; do echo "$line"; done
