#!/bin/sh
# validate.sh SRCDIR OUTDIR — the full validation suite (`make validate`): runs every validation
# program with --full, keeps each log and data file in OUTDIR, runs the p2psim-1024 scenario for
# the published-measurement comparison, draws the plots, and exits non-zero if any check failed.
# Simulations run at nice 10: the machine may be shared.
set -u
srcdir=$1
out=$2
mkdir -p "$out"
status=0
start=$(date +%s)
for prog in val_ks val_conservation val_durability val_lookup; do
    t0=$(date +%s)
    nice -n 10 "validate/$prog" --full -o "$out" >"$out/$prog.txt" 2>&1 || status=1
    cat "$out/$prog.txt"
    echo "   ($prog: $(( $(date +%s) - t0 )) s)"
done

# 6. The p2psim set-up of Li et al. (INFOCOM 2005): figures to compare by order of magnitude.
echo "== 6. scenarios/p2psim-1024.ini (Li et al., INFOCOM 2005 set-up)"
if nice -n 10 ./kadsim -q -f --no-plots -o "$out/p2psim-1024" "$srcdir/scenarios/p2psim-1024.ini"
then
    grep -E '^(nodes_alive_mean|lookup_success_rate|lookup_correct_rate|hops_mean|latency_ms_(mean|p50|p90)|messages_per_lookup|timeouts_per_lookup|bytes_per_node_per_s),' \
        "$out/p2psim-1024/summary.csv" | sed 's/^/     /'
else
    echo "FAIL kadsim scenarios/p2psim-1024.ini"
    status=1
fi

if command -v gnuplot >/dev/null 2>&1; then
    for gp in hops durability; do
        gnuplot -e "dir='$out'" "$srcdir/validate/$gp.gp" || status=1
    done
    echo "plots: $out/hops_vs_n.png $out/hops_vs_k_b.png $out/durability.png"
fi
echo "== make validate: $(( $(date +%s) - start )) s, $( [ $status = 0 ] && echo 'all checks passed' || echo 'FAILED' )"
exit $status
