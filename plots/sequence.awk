# sequence.awk — one operation of a kadsim trace.csv as a sequence diagram: gnuplot commands
# (mode = "gp", drawn by plots/sequence.gp) or a Mermaid sequenceDiagram (mode = "md").
# Run by plots/sequence.sh, which passes what ops.csv and run.ini say about the operation:
#   awk -F, -f sequence.awk -v mode=gp -v op=65 [-v o_start_ms=... o_end_ms o_kind o_origin
#       o_hops o_msgs o_timeouts o_success rpc_timeout recursive_timeout latency_constant]
#       trace.csv
# Any of those may be empty: the diagram is then drawn from trace.csv alone.
#
# trace.csv has the sending time of every message, not its arrival (docs/output.md). Arrivals
# are recovered as follows (exact with constant latency or per-pair delays, the defaults):
#   - a delivered request arrives when its reply leaves (a node answers the moment it hears);
#   - a recursive query arrives when its receiver sends its next message of the operation;
#   - any other message (a reply, one to a node that is down) takes the one-way delay measured
#     for the same pair of nodes, else latency_constant, else the median delay of the operation.
# Timeouts: an iterative RPC whose reply did not come back in time times out rpc_timeout after
# it was sent; a recursive attempt of the origin that got no answer, recursive_timeout after.

function dur_ms(s,    n, u) {       # "1s", "250ms", "1min" -> milliseconds ("" stays "")
    if (s == "") return ""
    n = s + 0; u = s; sub(/^[0-9.eE+-]+/, "", u)
    if (u == "ns") return n / 1e6
    if (u == "us") return n / 1e3
    if (u == "ms") return n
    if (u == "s" || u == "") return n * 1e3
    if (u == "min") return n * 6e4
    if (u == "h") return n * 3.6e6
    if (u == "d") return n * 8.64e7
    return n * 1e3
}
function is_reply(i) { return Y[i] ~ /_REPLY$/ }
function pair(a, b) { return a < b ? a SUBSEP b : b SUBSEP a }
function fmt_ms(t) { return t == int(t) ? sprintf("%d", t) : sprintf("%.1f", t) }
# A gnuplot string in double quotes.
function gq(s) { gsub(/"/, "\\\"", s); gsub(/\n/, "\\n", s); return "\"" s "\"" }

BEGIN { FS = ","; MAX_LANES_PX = 1700 }          # widest the lanes of a diagram get
NR == 1 { next }                                          # header
op == "" || op < 0 { op = $2 }                            # no op given: the first one
$2 == op {
    n++; T[n] = $1 + 0; F[n] = $3; D[n] = $4; Y[n] = $5; H[n] = $6; B[n] = $7; S[n] = $8
}

END {
    if (n == 0) { print "sequence.awk: no message of operation " op " in the trace" > "/dev/stderr"; exit 1 }
    rpc_to = dur_ms(rpc_timeout); if (rpc_to == "") rpc_to = 1000
    rec_to = dur_ms(recursive_timeout); if (rec_to == "") rec_to = 5000
    delay = dur_ms(latency_constant)

    # send order: a stable insertion sort of the row numbers by sending time
    for (i = 1; i <= n; i++) {
        for (j = i; j > 1 && T[ord[j - 1]] > T[i]; j--) ord[j] = ord[j - 1]
        ord[j] = i
    }
    origin = o_origin != "" ? o_origin : F[ord[1]]
    t0 = o_start_ms != "" ? o_start_ms + 0 : T[ord[1]]
    t_end = o_end_ms != "" ? o_end_ms - t0 : ""
    for (i = 1; i <= n; i++) T[i] -= t0

    # recursive as run.ini says (joins stay iterative), or when a node other than the origin
    # sends a query
    recursive = 0
    for (i = 1; i <= n; i++) if (!is_reply(i) && F[i] != origin && Y[i] != "PING") recursive = 1
    if (lookup != "" && o_kind != "") recursive = lookup == "recursive" && o_kind != "join"

    # replies to their requests: the earliest unanswered request the other way
    for (a = 1; a <= n; a++) {
        j = ord[a]; if (!is_reply(j)) continue
        for (b = 1; b <= n; b++) {
            i = ord[b]
            if (!is_reply(i) && !(i in answer) && F[i] == D[j] && D[i] == F[j] \
                && Y[i] "_REPLY" == Y[j] && T[i] <= T[j]) { answer[i] = j; request[j] = i; break }
        }
    }

    # arrivals: exact ones first (they measure the delay of their pair)
    for (i = 1; i <= n; i++) {
        A[i] = ""
        if (S[i] == "lost" || S[i] == "dropped-at-dead-node") continue
        if (i in answer) A[i] = T[answer[i]]
        else if (!is_reply(i)) {                   # a recursive query: its receiver's next send
            for (b = 1; b <= n; b++) { k = ord[b]; if (k != i && F[k] == D[i] && T[k] >= T[i]) { A[i] = T[k]; break } }
        }
        if (A[i] != "") { pd[pair(F[i], D[i])] = A[i] - T[i]; nd++; dl[nd] = A[i] - T[i] }
    }
    if (delay == "" && nd > 0) {                   # the median measured delay
        for (a = 2; a <= nd; a++) { v = dl[a]; for (b = a; b > 1 && dl[b - 1] > v; b--) dl[b] = dl[b - 1]; dl[b] = v }
        delay = dl[int((nd + 1) / 2)]
    }
    if (delay == "") delay = 50
    for (i = 1; i <= n; i++) {
        est[i] = (pair(F[i], D[i]) in pd) ? pd[pair(F[i], D[i])] : delay
        if (A[i] == "" && S[i] != "lost") A[i] = T[i] + est[i]
    }

    # timeouts (not drawn past the end of the operation: its timers were cancelled)
    nt = 0
    if (!recursive) {
        for (i = 1; i <= n; i++) {
            if (is_reply(i) || ((i in answer) && S[answer[i]] == "delivered")) continue
            at = T[i] + rpc_to
            if (t_end == "" || at <= t_end + 1e-6) { nt++; TO_n[nt] = F[i]; TO_t[nt] = at; TO_from[nt] = T[i] }
        }
    } else {
        na = 0
        for (b = 1; b <= n; b++) { i = ord[b]; if (!is_reply(i) && F[i] == origin) { na++; att[na] = i } }
        for (a = 1; a <= na; a++) {
            i = att[a]; next_t = a < na ? T[att[a + 1]] : ""
            answered = 0
            for (k = 1; k <= n; k++)
                if (is_reply(k) && D[k] == origin && S[k] == "delivered" && T[k] >= T[i] \
                    && (next_t == "" || T[k] < next_t)) answered = 1
            at = T[i] + rec_to
            if (!answered && (t_end == "" || at <= t_end + 1e-6)) { nt++; TO_n[nt] = origin; TO_t[nt] = at; TO_from[nt] = T[i] }
        }
    }

    # the bits each node shares with the target (a message to it says), needed by the choice
    # of the node that answered and by the order of the lifelines
    for (b = 1; b <= n; b++) { i = ord[b]; if (B[i] != "" && !(D[i] in bits)) bits[D[i]] = B[i] + 0 }

    # the node that answered: the value's sender for a get, the closest that replied otherwise
    hl = ""; hl_row = ""
    is_get = o_kind == "get"
    if (o_kind == "") for (i = 1; i <= n; i++) if (Y[i] == "FIND_VALUE") is_get = 1
    if (o_success != "0") {
        for (b = 1; b <= n; b++) {
            i = ord[b]
            if (!is_reply(i) || D[i] != origin || S[i] != "delivered") continue
            if (is_get) {
                if (Y[i] != "FIND_VALUE_REPLY") continue
                # the reply that arrived at the end; without ops.csv, the first to arrive
                if (hl_row == "" || (t_end != "" ? (A[i] - t_end) ^ 2 < (A[hl_row] - t_end) ^ 2 : A[i] < A[hl_row])) hl_row = i
            } else if (recursive || hl_row == "" || bits_of(F[i]) > bits_of(F[hl_row])) hl_row = i
        }
        if (hl_row != "") hl = F[hl_row]
    }

    # lifelines: every node, ordered by the bits it shares with the target (far left, close right)
    L = 0
    for (b = 1; b <= n; b++) {
        i = ord[b]
        if (!(F[i] in pos)) { L++; node[L] = F[i]; pos[F[i]] = L }
        if (!(D[i] in pos)) { L++; node[L] = D[i]; pos[D[i]] = L }
    }
    for (a = 2; a <= L; a++) {
        v = node[a]
        for (b = a; b > 1 && bits_of(node[b - 1]) > bits_of(v); b--) node[b] = node[b - 1]
        node[b] = v
    }
    for (a = 1; a <= L; a++) x[node[a]] = a - 1

    # the end of the time axis
    t_max = 0
    for (i = 1; i <= n; i++) { if (T[i] > t_max) t_max = T[i]; if (A[i] != "" && A[i] > t_max) t_max = A[i] }
    for (k = 1; k <= nt; k++) if (TO_t[k] > t_max) t_max = TO_t[k]
    if (t_end != "" && t_end > t_max) t_max = t_end

    mode_name = recursive ? "recursive" : "iterative"
    what = o_kind != "" ? o_kind : (is_get ? "get" : "operation")
    head = sprintf("op %s: %s from node %s, %s", op, what, origin, mode_name)
    facts = sprintf("%d message%s", n, n == 1 ? "" : "s")
    if (o_hops != "") facts = sprintf("%s hop%s, %s", o_hops, o_hops == 1 ? "" : "s", facts)
    if (t_end != "") facts = facts sprintf(", %s ms", fmt_ms(t_end))
    facts = facts sprintf(", %d timeout%s", nt, nt == 1 ? "" : "s")
    if (o_success != "") facts = facts (o_success == 1 ? ", succeeded" : ", FAILED")

    if (mode == "md") mermaid(); else gnuplot()
}

function bits_of(v) { return (v in bits) ? bits[v] : -1 }
function bits_word(b) { return b (b == 1 ? " bit" : " bits") }

function node_label(v,    s) {
    s = "node " v
    if (v == origin) s = s " (origin)"
    return s
}

# ---- gnuplot ------------------------------------------------------------------------------
# Time runs down. A stretch where nothing happens for longer than two typical delays (the wait
# for a timeout) is shortened to that and shaded, so that the messages stay readable; the tics
# give the real times. Margins are fixed in pixels, so an arrow's angle on the image is known
# and its label follows it.

# The vertical position of time t: real time, with the long idle stretches compressed.
function vis(t,    k) {
    if (t <= ev[1]) return t
    for (k = 1; k < nev && ev[k + 1] < t; k++) ;
    if (k >= nev) return V[nev] + (t - ev[nev])
    return V[k] + (t - ev[k]) * SC[k]
}
function add_time(t) { if (t != "") { nev++; ev[nev] = t + 0 } }
function sy(px) { return 1 - px / Hh }            # screen y of a point px below the top

function gnuplot(    W, pw, ph, i, a, k, v, x1, x2, y1, y2, ang, lc, dt, lbl, mx, my, pad, obj, c,
                     cap, g, span, lm, rm, tm, bm, key, grp, best, tics, last, hs, lx, f) {
    # the times where something happens, sorted, without repeats
    nev = 0
    for (i = 1; i <= n; i++) { add_time(T[i]); add_time(A[i]); if (S[i] == "lost") add_time(T[i] + est[i] / 2) }
    for (k = 1; k <= nt; k++) { add_time(TO_t[k]); add_time(TO_from[k]) }
    add_time(t_end)
    for (a = 2; a <= nev; a++) { v = ev[a]; for (k = a; k > 1 && ev[k - 1] > v; k--) ev[k] = ev[k - 1]; ev[k] = v }
    k = 1
    for (a = 2; a <= nev; a++) if (ev[a] - ev[k] > 1e-6) ev[++k] = ev[a]
    nev = k
    cap = 2 * delay; if (cap <= 0) cap = 1
    V[1] = ev[1]
    for (k = 1; k < nev; k++) {
        g = ev[k + 1] - ev[k]
        SC[k] = g > cap ? cap / g : 1
        V[k + 1] = V[k] + g * SC[k]
    }
    span = V[nev] - V[1]; pad = delay * 0.25 + span * 0.03
    # the image: 120 px per lifeline, about 110 px per typical delay; a lookup that meets 25
    # nodes would be 3,000 px wide, so lanes narrow down to 64 px to keep it under ~1,900 px,
    # and then the lifeline labels alternate between two rows so that they do not overlap
    lane = (L + 0.4) * 120 > MAX_LANES_PX ? MAX_LANES_PX / (L + 0.4) : 120
    if (lane < 64) lane = 64
    narrow = lane < 100; stagger = narrow ? 34 : 0; small = narrow ? " font ',8'" : " font ',9'"
    lpad = 90 / lane; if (lpad < 0.9) lpad = 0.9   # room for "2 timeouts" left of the first lifeline
    W = int(lane * (L - 0.5 + lpad) + 180); if (W < 880) W = 880   # the legend needs 880
    ph = (span + 2 * pad) * 110 / delay; if (ph < 260) ph = 260; if (ph > 2400) ph = 2400
    Hh = int(ph + 160 + stagger + 80)
    lm = 110 / W; rm = 1 - 60 / W; tm = sy(160 + stagger); bm = 80 / Hh
    pw = W * (rm - lm)
    print "sequence_W = " W "; sequence_H = " Hh
    print "set style textbox opaque noborder margins 1,1"
    printf "set lmargin at screen %g; set rmargin at screen %g\n", lm, rm
    printf "set tmargin at screen %g; set bmargin at screen %g\n", tm, bm
    printf "set xrange [%g:%g]\n", -lpad, L - 0.5
    printf "set yrange [%g:%g]\n", V[nev] + pad, V[1] - pad
    print "unset xtics; set border 2; set grid ytics lc rgb '#eeeeee'"
    print "set ylabel 'simulated time since the operation began (ms)'"
    # tics at the times where something happens, at least 16 px apart
    tics = ""; last = ""
    for (k = 1; k <= nev; k++) {
        if (last != "" && (V[k] - last) * ph / (span + 2 * pad) < 16) continue
        tics = tics (tics == "" ? "" : ", ") sprintf("\"%s\" %g", fmt_ms(ev[k]), V[k]); last = V[k]
    }
    print "set ytics nomirror (" tics ")"
    # the compressed stretches
    obj = 100
    for (k = 1; k < nev; k++) {
        if (SC[k] >= 1) continue
        printf "set object %d rect from %g,%g to %g,%g fc rgb '#f3f3f3' fs solid 1 noborder back\n", ++obj, -lpad, V[k] + cap * 0.2, L - 0.5, V[k + 1] - cap * 0.2
        printf "set label %s at %g,%g center font ',9' tc rgb '#888888' back\n", gq(sprintf("%s ms later (shortened)", fmt_ms(ev[k + 1] - ev[k]))), (L - 1.4) / 2, (V[k] + V[k + 1]) / 2
    }
    printf "set label %s at screen 0.5, screen %g center font ',13'\n", gq(head), sy(22)
    printf "set label %s at screen 0.5, screen %g center font ',11'\n", gq(facts), sy(46)
    printf "set label %s at screen 0.5, screen %g center font ',9' tc rgb '#555555'\n", gq("← farther from the target (XOR distance)                closer →"), sy(70)
    # lifelines and their headers
    for (a = 1; a <= L; a++) {
        v = node[a]
        c = v == hl ? "'#e6a100' lw 4" : "'#9e9e9e' lw 1 dt 3"
        printf "set arrow from %d,%g to %d,%g nohead back lc rgb %s\n", a - 1, V[1] - pad, a - 1, V[nev] + pad, c
        lbl = node_label(v) "\n" (bits_of(v) >= 0 ? bits_word(bits_of(v)) " shared" : "")
        row = narrow && a % 2 == 0 ? stagger : 0
        if (v == hl) {
            lbl = lbl "\nANSWERED"
            printf "set object %d rect center first %d, screen %g size first 0.92, screen %g fc rgb '#ffe082' fs solid 1 noborder\n", ++obj, a - 1, sy(114 + row), 52 / Hh
        }
        printf "set label %s at first %d, screen %g center front%s\n", gq(lbl), a - 1, sy(99 + row), narrow ? small : ""
    }
    # messages sent together (same type, time and sender, or same receiver for replies) share
    # one label, on the longest arrow
    for (i = 1; i <= n; i++) {
        key = Y[i] SUBSEP T[i] SUBSEP (is_reply(i) ? "to" D[i] : "from" F[i]) SUBSEP S[i] SUBSEP (i == hl_row)
        grp[i] = key; cnt[key]++
        if (!(key in longest) || abs(x[D[i]] - x[F[i]]) > abs(x[D[longest[key]]] - x[F[longest[key]]])) longest[key] = i
    }
    hs = 9 / W                                     # arrow heads of 9 px
    for (k = 1; k <= n; k++) {
        i = ord[k]
        x1 = x[F[i]]; x2 = x[D[i]]; y1 = T[i]; y2 = A[i]
        lc = is_reply(i) ? "'#2ca02c'" : "'#1f77b4'"; dt = 1
        lbl = Y[i]
        if (i == hl_row && is_get) lbl = lbl " (the value)"
        if (S[i] == "timed-out") { lc = "'#ff7f0e'"; lbl = lbl " (late)" }
        if (S[i] == "after-end") lbl = lbl " (after the end)"
        if (S[i] == "lost") {                      # vanishes half way: dashed, a cross
            x2 = x1 + (x2 - x1) * 0.5; y2 = y1 + est[i] * 0.5; lc = "'#d62728'"; dt = 2
            lbl = lbl " (lost)"
        }
        if (S[i] == "dropped-at-dead-node") { lc = "'#d62728'"; lbl = lbl " (node down)" }
        y1 = vis(y1); y2 = vis(y2)
        printf "set arrow from %g,%g to %g,%g head filled size screen %g,20 lw 1.5 dt %d lc rgb %s front\n", x1, y1, x2, y2, hs, dt, lc
        if (S[i] == "lost" || S[i] == "dropped-at-dead-node")
            printf "set label '' at %g,%g point pt 2 ps 2 lw 2 lc rgb '#d62728' front\n", x2, y2
        if (longest[grp[i]] != i) continue
        if (cnt[grp[i]] > 1) lbl = lbl " ×" cnt[grp[i]]
        ang = atan2(-(y2 - y1) / (span + 2 * pad) * ph, (x2 - x1) / (L - 0.5 + lpad) * pw) * 57.29578
        if (ang > 90) ang -= 180
        if (ang < -90) ang += 180
        f = i == hl_row ? 0.25 : 0.5               # along the arrow, above it; the answer's
        mx = x1 + (x2 - x1) * f; my = y1 + (y2 - y1) * f   # near its sender, clear of the rest
        printf "set label %s at %g,%g center rotate by %.1f offset %.2f,%.2f boxed%s tc rgb %s front\n", gq(lbl), mx, my, ang, -0.6 * sin(ang / 57.29578), 0.6 * cos(ang / 57.29578), small, lc
    }
    # timeouts: the wait on the sender's lifeline, then a bar (one per node and time)
    for (k = 1; k <= nt; k++) tcnt[TO_n[k] SUBSEP TO_t[k]]++
    for (k = 1; k <= nt; k++) {
        x1 = x[TO_n[k]]
        printf "set arrow from %g,%g to %g,%g nohead lw 2 dt 3 lc rgb '#d62728' front\n", x1 - 0.06, vis(TO_from[k]), x1 - 0.06, vis(TO_t[k])
        key = TO_n[k] SUBSEP TO_t[k]
        if (tdone[key]++) continue
        printf "set arrow from %g,%g to %g,%g nohead lw 4 lc rgb '#d62728' front\n", x1 - 0.16, vis(TO_t[k]), x1 + 0.16, vis(TO_t[k])
        lbl = tcnt[key] > 1 ? tcnt[key] " timeouts" : "timeout"
        printf "set label '%s' at %g,%g right offset -0.3,0 font ',9' tc rgb '#d62728' front\n", lbl, x1 - 0.16, vis(TO_t[k])
    }
    if (t_end != "")
        printf "set arrow from %g,%g to %g,%g nohead lc rgb '#555555' dt 4 back\nset label 'end' at %g,%g left offset 0.3,0 font ',9' tc rgb '#555555'\n", -lpad, vis(t_end), L - 0.5, vis(t_end), L - 0.5, vis(t_end)
    # the legend, under the plot
    lx = 60
    lx = legend(lx, W, "'#1f77b4'", 1, "request", hs)
    lx = legend(lx, W, "'#2ca02c'", 1, "reply", hs)
    lx = legend(lx, W, "'#ff7f0e'", 1, "reply after its timeout", hs)
    lx = legend(lx, W, "'#d62728'", 2, "lost (× where it vanished)", hs)
    printf "set arrow from screen %g,%g to screen %g,%g nohead lw 4 lc rgb '#d62728'\n", lx / W, 30 / Hh, (lx + 30) / W, 30 / Hh
    printf "set label 'timeout' at screen %g,%g left font ',9'\n", (lx + 36) / W, 30 / Hh
}

function abs(v) { return v < 0 ? -v : v }

# One entry of the legend at lx pixels from the left; returns where the next one goes.
function legend(lx, W, lc, dt, text, hs) {
    printf "set arrow from screen %g,%g to screen %g,%g head filled size screen %g,20 lw 1.5 dt %d lc rgb %s\n", lx / W, 30 / Hh, (lx + 30) / W, 30 / Hh, hs, dt, lc
    printf "set label %s at screen %g,%g left font ',9'\n", gq(text), (lx + 36) / W, 30 / Hh
    return lx + 36 + 6.5 * length(text) + 30
}

# ---- Mermaid ------------------------------------------------------------------------------
function mermaid(    a, k, i, v, arrow, text, e, ne, et, ek, tt) {
    print "# " head
    print ""
    print facts ". Lifelines from the node farthest from the target (left) to the closest"
    print "(right), with the bits each shares with it; times are milliseconds since the operation"
    print "began (sent → arrived)."
    print ""
    print "```mermaid"
    print "sequenceDiagram"
    for (a = 1; a <= L; a++) {
        v = node[a]
        text = node_label(v) (bits_of(v) >= 0 ? ", " bits_word(bits_of(v)) : "") (v == hl ? " ★ answered" : "")
        printf "    participant N%s as %s\n", v, text
    }
    # messages and timeouts, in order of time
    ne = 0
    for (k = 1; k <= n; k++) { ne++; et[ne] = T[ord[k]]; ek[ne] = ord[k] }
    for (k = 1; k <= nt; k++) { ne++; et[ne] = TO_t[k]; ek[ne] = -k }
    for (a = 2; a <= ne; a++) {
        tt = et[a]; v = ek[a]
        # a timeout comes before what is sent at the same moment (the retry it causes)
        for (k = a; k > 1 && (et[k - 1] > tt || (et[k - 1] == tt && ek[k - 1] > 0 && v < 0)); k--) { et[k] = et[k - 1]; ek[k] = ek[k - 1] }
        et[k] = tt; ek[k] = v
    }
    for (e = 1; e <= ne; e++) {
        if (ek[e] < 0) {
            k = -ek[e]
            printf "    Note over N%s: timeout at %s ms (no answer since %s ms)\n", TO_n[k], fmt_ms(TO_t[k]), fmt_ms(TO_from[k])
            continue
        }
        i = ek[e]
        arrow = is_reply(i) ? "-->>" : "->>"
        text = Y[i]
        if (S[i] == "lost") { arrow = is_reply(i) ? "--x" : "-x"; text = text " LOST (" fmt_ms(T[i]) " ms)" }
        else if (S[i] == "dropped-at-dead-node") { arrow = is_reply(i) ? "--x" : "-x"; text = text " to a node that is down (" fmt_ms(T[i]) " ms)" }
        else {
            if (i == hl_row && is_get) text = text " with the value"
            if (S[i] == "timed-out") text = text ", after its timeout"
            if (S[i] == "after-end") text = text ", after the operation ended"
            text = text " (" fmt_ms(T[i]) " → " fmt_ms(A[i]) " ms)"
        }
        if (i == hl_row) print "    rect rgb(255, 224, 130)"
        printf "    N%s%sN%s: %s\n", F[i], arrow, D[i], text
        if (i == hl_row) print "    end"
    }
    print "```"
}
