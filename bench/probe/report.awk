# bench/probe/report.awk: the side-by-side table from run's result lines.
{
	name = $1
	names[++n] = name
	for (i = 2; i <= NF; i++) {
		split($i, kv, "=")
		v[name, kv[1]] = kv[2]
	}
}
function ontime(name, kind) {
	if (v[name, kind "_gaps"] == 0)
		return 0
	return 100 * (1 - v[name, kind "_late"] / v[name, kind "_gaps"])
}
# The share of the checks due in the servers' counting window (one per
# target and interval) that they saw: a checker that falls behind spends
# less CPU.
function done(name, kind,    window) {
	window = v[name, kind "_window"] ? v[name, kind "_window"] : v[name, "secs"]
	if (!v[name, "n"] || !window)
		return 0
	return 100 * v[name, kind "_checks"] / (v[name, "n"] * window)
}
function row(label, fmt, a, b) {
	if (n > 1)
		printf "%-34s %12" fmt " %12" fmt " %8.2f\n", label, a, b, (b ? a / b : 0)
	else
		printf "%-34s %12" fmt "\n", label, a
}
# HAProxy's TCP checks reset the handshake before the server accepts (it
# holds back the last ACK), so the servers cannot see them: not a figure.
function row_seen(label, fmt, a, b, seen) {
	if (n > 1 && !seen)
		printf "%-34s %12" fmt " %12s %8s\n", label, a, "unseen", "-"
	else
		row(label, fmt, a, b)
}
# kinds (-v kinds=http+tcp|http|tcp): which kinds of check ran.
END {
	a = names[1]; b = names[2]
	secs = v[a, "secs"]
	if (kinds == "")
		kinds = "http+tcp"
	http = kinds ~ /http/
	tcp = kinds ~ /tcp/
	due = v[a, "n"] * secs * (http + tcp)
	if (n > 1)
		printf "%-34s %12s %12s %8s\n", "", a, b, "ratio"
	else
		printf "%-34s %12s\n", "", a
	row("CPU seconds in " secs " s", ".2f", v[a, "cpu_s"], v[b, "cpu_s"])
	row("CPU, % of one core", ".1f", 100 * v[a, "cpu_s"] / secs, 100 * v[b, "cpu_s"] / secs)
	# Per check due: the cost of one check when both keep up (see the
	# 95% rule below); a checker that falls behind looks cheaper.
	row("CPU per check due, us", ".1f", 1e6 * v[a, "cpu_s"] / due, 1e6 * v[b, "cpu_s"] / due)
	if (http) {
		row("HTTP checks seen", "d", v[a, "http_checks"], v[b, "http_checks"])
		row("HTTP checks seen, % of due", ".1f", done(a, "http"), done(b, "http"))
	}
	# A handful can complete before HAProxy's reset: still unseen.
	tcp_seen = done(b, "tcp") >= 1
	if (tcp) {
		row_seen("TCP checks seen", "d", v[a, "tcp_checks"], v[b, "tcp_checks"], tcp_seen)
		row_seen("TCP checks seen, % of due", ".1f", done(a, "tcp"), done(b, "tcp"), tcp_seen)
	}
	if (http)
		row("HTTP checks on time, %", ".2f", ontime(a, "http"), ontime(b, "http"))
	if (tcp)
		row_seen("TCP checks on time, %", ".2f", ontime(a, "tcp"), ontime(b, "tcp"), tcp_seen)
	row("peak RSS, MiB", ".1f", v[a, "rss_kib"] / 1024, v[b, "rss_kib"] / 1024)
	row("false DOWN transitions", "d", v[a, "downs"], v[b, "downs"])
	# HAProxy's TCP checks are unseen: its HTTP share stands for both, and
	# alone they are taken as done.
	behind = (http && done(a, "http") < 95) || (tcp && done(a, "tcp") < 95) ||
		 (n > 1 && http && done(b, "http") < 95)
	if (n > 1 && behind)
		printf "target: no more CPU than %s: not comparable (a checker did less than 95%% of its checks)\n", b
	else if (n > 1)
		printf "target: no more CPU than %s: %s\n", b, (v[a, "cpu_s"] <= v[b, "cpu_s"] ? "PASS" : "FAIL")
	printf "target: 99%% of checks on time: %s\n",
		(((!http || ontime(a, "http") >= 99) && (!tcp || ontime(a, "tcp") >= 99)) ? "PASS" : "FAIL")
}
