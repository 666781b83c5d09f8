#!/bin/sh
# Predicted speed-up of one simulation over T threads, from bench/pdes_model's replay of the
# real event stream and bench/pdes_barrier's measured synchronisation costs (docs/scale.md,
# "One simulation over many cores"). The model, per window of the lookahead L:
#   time(T) = critical path (the coordinator's serial events + the busiest partition, in the
#             measured ns of each event)
#           + windows x barrier(T)           barrier(T) = b x log2(T), b measured between 2 cores
#                                            (a tree or dissemination barrier: log2 T rounds)
#           + cross-partition events x c / T c measured: one 32-byte event written by one core
#                                            and read by another, spread over the T partitions
#   speed-up(T) = sequential time (every event's ns) / time(T)
# Each CSV's node count is read from its name (pdes-N.csv). With --extrapolate, the sizes given
# are fitted and the model is carried to a larger run whose totals come from a sequential
# measurement (docs/scale.md): the busiest partition's excess over the mean, (rho - 1), is
# fitted as a power of the events per window, the serial share scales as nodes / events, and the
# window count is the largest size's (it saturates at about duration / L).
#   bench/pdes_predict.sh --barrier BARRIER.csv [--lookahead MS]
#       [--extrapolate NODES,EVENTS,MESSAGES,CPU_S] pdes-N.csv...
set -eu
lookahead=10
barrier=
extra=
while [ $# -gt 0 ]; do
    case $1 in
        --lookahead) lookahead=$2; shift 2 ;;
        --barrier) barrier=$2; shift 2 ;;
        --extrapolate) extra=$2; shift 2 ;;
        --) shift; break ;;
        -*) echo "usage: pdes_predict.sh --barrier FILE [--lookahead MS] [--extrapolate N,EVENTS,MESSAGES,CPU_S] CSV..." >&2
            exit 2 ;;
        *) break ;;
    esac
done
[ -n "$barrier" ] && [ $# -gt 0 ] || { echo "pdes_predict.sh: --barrier FILE and CSV files needed" >&2; exit 2; }

# b: the median ns of a meeting without events; c: 2 x the extra ns per meeting with K events,
# divided by K (bench/pdes_barrier goes through two meetings per window).
costs=$(awk -F, 'NR > 1 && $3 == 0 { b = $4 } NR > 1 && $3 > 0 { k = $3; m = $4 }
    END { if (b == "") exit 1; c = (k > 0 && m > b) ? 2 * (m - b) / k : 0; print b, c }' "$barrier") \
    || { echo "pdes_predict.sh: no row with events = 0 in $barrier" >&2; exit 1; }
for f in "$@"; do
    n=$(basename "$f" .csv); n=${n#pdes-}
    awk -F, -v n="$n" -v L="$lookahead" 'NR > 1 && $1 == L { print n "," $0 }' "$f"
done | sort -t, -k1,1n -k3,3n | awk -F, -v costs="$costs" -v extra="$extra" -v L="$lookahead" '
function log2(x) { return log(x) / log(2) }
BEGIN {
    split(costs, bc, " "); b = bc[1]; c = bc[2]
    printf "# lookahead %s ms; barrier %.0f ns x log2(T); %.1f ns per event crossing partitions\n", L, b, c
    printf "%-9s %3s %9s %9s %8s %10s %8s %8s %8s\n", "nodes", "T", "windows", "ev/window", "cross%", \
        "idle/win_us", "serial%", "rho", "speedup"
}
{
    N = $1; T = $3; ev = $4; win = $5; ser_ns = $9; crit = $10; tot = $8; idle = $11
    msgs = $12; cross = $13 + $14; viol = $15
    bar = T > 1 ? b * log2(T) : 0
    t = crit + win * bar + cross * c / T
    sp = tot / t
    rho = T > 1 ? (crit - ser_ns) / ((tot - ser_ns) / T) : 1
    printf "%-9d %3d %9d %9.1f %8.2f %10.2f %8.3f %8.3f %8.2f%s\n", N, T, win, ev / win, \
        100 * $13 / msgs, idle / win / T / 1000, 100 * ser_ns / tot, rho, sp, (viol > 0 ? " (lookahead violated)" : "")
    # for the extrapolation: per T, the points (log events per window, log(rho - 1))
    if (T > 1 && rho > 1) { k = ++np[T]; x[T, k] = log(ev / win); y[T, k] = log(rho - 1) }
    last_n = N; last_win[T] = win; last_ser[T] = ser_ns / tot; last_ev = ev; cfrac[T] = $13 / msgs
    if (!(T in seen)) { seen[T] = 1; order[++nt] = T }
}
END {
    if (extra == "") exit 0
    split(extra, e, ","); EN = e[1]; EE = e[2]; EM = e[3]; ECPU = e[4]
    printf "# extrapolated to %d nodes: %d events, %d messages, %.1f s sequential (measured); fit of rho - 1 over %d sizes\n", \
        EN, EE, EM, ECPU, np[order[2]]
    printf "%-9s %3s %9s %9s %8s %8s %10s %8s\n", "nodes", "T", "windows", "ev/window", "serial%", "rho", "minutes", "speedup"
    for (i = 1; i <= nt; i++) {
        T = order[i]; W = last_win[T]; epw = EE / W
        fs = last_ser[T] * (EN / last_n) * (last_ev / EE)
        if (T == 1) { rho = 1 } else {
            m = np[T]; sx = sy = sxx = sxy = 0
            for (k = 1; k <= m; k++) { sx += x[T, k]; sy += y[T, k]; sxx += x[T, k]^2; sxy += x[T, k] * y[T, k] }
            s = m > 1 ? (m * sxy - sx * sy) / (m * sxx - sx * sx) : -0.5
            a = (sy - s * sx) / m
            rho = 1 + exp(a + s * log(epw))
        }
        bar = T > 1 ? b * log2(T) : 0
        tns = ECPU * 1e9
        t = tns * (fs + (1 - fs) * rho / T) + W * bar + EM * cfrac[T] * c / T
        printf "%-9d %3d %9d %9.1f %8.3f %8.3f %10.1f %8.2f\n", EN, T, W, epw, 100 * fs, rho, t / 6e10, tns / t
    }
}'
