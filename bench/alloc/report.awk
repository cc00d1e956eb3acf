# Turns bench-alloc "result" lines into the tables, ratios and target lines
# of bench/alloc/run. Of repeated runs of one measurement, the fastest counts
# (its memory figures with it): the others were slowed by something else.

$1 == "result" {
	delete r
	for (i = 2; i <= NF; i++) {
		eq = index($i, "=")
		r[substr($i, 1, eq - 1)] = substr($i, eq + 1)
	}
	id = r["kind"] SUBSEP r["family"] SUBSEP r["n"]
	if (id in total && total[id] <= r["total_s"] + 0)
		next
	for (k in r)
		val[id, k] = r[k]
	total[id] = r["total_s"] + 0
}

function get(kind, fam, n, k) { return val[kind, fam, n, k] }
function have(kind, fam, n) { return (kind SUBSEP fam SUBSEP n) in total }
function mib(kb) { return sprintf("%.1f MiB", kb / 1024) }
function secs(s) { return s < 1 ? sprintf("%.1f ms", s * 1000) : sprintf("%.2f s", s) }
function us(ns) { return sprintf("%.2f us", ns / 1000) }
function verdict(ok, what) {
	printf "%s  %s\n", ok ? "PASS" : "FAIL", what
	if (!ok)
		fails++
}

END {
	split("10000 100000 1000000", sizes, " ")
	printf "\nlbkit allocator benchmark: best of %d runs per row, each run a fresh process (%d s in all)\n", reps, elapsed

	print "\n1. Assign N Services one at a time after SYNCED (lb_alloc_set_service, engine calls only)"
	printf "%-6s %9s %10s %10s %14s %10s %10s %9s\n", "family", "services", "total", "per op",
	       "worst batch/op", "peak RSS", "bytes/asg", "heap/asg"
	for (f = 4; f <= 6; f += 2)
		for (j = 1; j <= 3; j++) {
			n = sizes[j]
			if (!have("assign", f, n))
				continue
			printf "IPv%-3d %9d %10s %10s %14s %10s %10.0f %9.0f\n", f, n,
			       secs(get("assign", f, n, "total_s")), us(get("assign", f, n, "per_op_ns")),
			       us(get("assign", f, n, "worst_batch_op_ns")), mib(get("assign", f, n, "peak_rss_kb")),
			       get("assign", f, n, "bytes_per"), get("assign", f, n, "heap_bytes_per")
		}
	print "  bytes/asg: (VmRSS after - VmRSS before) / N; heap/asg: the same from malloc's own count."
	print "  worst batch/op: the slowest batch of 1000 calls, per call (hash-table growth lands there)."

	print "\n2. Re-sync after a restart: 100000 Services holding addresses, fed before SYNCED"
	n = 100000
	if (have("resync", 4, n))
		printf "engine:   lb_alloc_synced %s (feeding the Services before it: %s), %d lines printed, peak RSS %s\n",
		       secs(get("resync", 4, n, "total_s")), secs(get("resync", 4, n, "feed_s")),
		       get("resync", 4, n, "lines"), mib(get("resync", 4, n, "peak_rss_kb"))
	if (have("binary", 4, n))
		printf "lb-alloc: end to end %s (user %s s, sys %s s), 0 lines printed, max RSS %s, %d bytes on stderr\n",
		       secs(get("binary", 4, n, "total_s")), get("binary", 4, n, "user_s"),
		       get("binary", 4, n, "sys_s"), mib(get("binary", 4, n, "maxrss_kb")),
		       get("binary", 4, n, "stderr_bytes")

	print "\n3. MetalLB-style linear scan (model) vs lbkit, filling the same pool"
	printf "%-6s %9s %14s %12s %12s %12s\n", "family", "services", "model total", "model/op",
	       "lbkit total", "lbkit/model"
	for (f = 4; f <= 6; f += 2) {
		for (j = 1; j <= 2; j++) {
			n = sizes[j]
			if (!have("model", f, n) || !have("assign", f, n))
				continue
			m = get("model", f, n, "total_s")
			printf "IPv%-3d %9d %14s %12s %12s %12.3g\n", f, n, secs(m),
			       us(get("model", f, n, "per_op_ns")), secs(get("assign", f, n, "total_s")),
			       get("assign", f, n, "total_s") / m
		}
		if (have("model", f, 100000) && have("assign", f, 1000000)) {
			m = get("model", f, 100000, "total_s") * 100
			printf "IPv%-3d %9d %14s %12s %12s %12.3g  (model not run: extrapolated as N^2 from 100000)\n",
			       f, 1000000, sprintf("~%.0f min", m / 60), us(m * 1e9 / 1000000),
			       secs(get("assign", f, 1000000, "total_s")), get("assign", f, 1000000, "total_s") / m
		}
	}
	print "  The model only hashes integers and parses no Service; lbkit's time includes reading"
	print "  the Service object. MetalLB itself formats and map-looks-up a string per candidate."

	print "\n4. Targets"
	for (f = 4; f <= 6; f += 2) {
		for (j = 1; j <= 2; j++) {
			a = sizes[j]; b = sizes[j + 1]
			if (!have("assign", f, a) || !have("assign", f, b))
				continue
			x = get("assign", f, b, "total_s") / get("assign", f, a, "total_s")
			verdict(x <= 12, sprintf("IPv%d growth %d -> %d services: %.1fx the time (target <= ~12x)",
						 f, a, b, x))
		}
	}
	if (have("resync", 4, 100000)) {
		t = get("resync", 4, 100000, "total_s")
		verdict(t < 0.5, sprintf("re-sync of 100000 Services (engine): %s (target < 0.5 s)", secs(t)))
	}
	for (f = 4; f <= 6; f += 2) {
		worst = 0
		for (j = 1; j <= 3; j++)
			if (have("assign", f, sizes[j]) && get("assign", f, sizes[j], "bytes_per") > worst) {
				worst = get("assign", f, sizes[j], "bytes_per")
				at = sizes[j]
			}
		if (worst > 0)
			verdict(worst < 200, sprintf("IPv%d memory: at most %.0f bytes per assignment (at %d; target < 200)",
						     f, worst, at))
	}
	printf "%d target(s) missed\n", fails
}
