#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe_metrics.h"

size_t lb_probe_metrics_escape(char *out, size_t cap, const char *s)
{
	size_t n = 0;
	if (!cap)
		return 0;
	for (; *s; s++) {
		const char *rep = NULL;
		char one[2] = {*s, '\0'};
		if (*s == '\\')
			rep = "\\\\";
		else if (*s == '"')
			rep = "\\\"";
		else if (*s == '\n')
			rep = "\\n";
		else
			rep = one;
		size_t len = strlen(rep);
		if (n + len >= cap)
			break;
		memcpy(out + n, rep, len);
		n += len;
	}
	out[n] = '\0';
	return n;
}

static const char *kind_name(enum lb_probe_kind k)
{
	switch (k) {
	case LB_PROBE_TCP:
		return "tcp";
	case LB_PROBE_HTTP:
		return "http";
	case LB_PROBE_ICMP:
		return "icmp";
	case LB_PROBE_EXEC:
		return "exec";
	}
	return "?";
}

struct family {
	const char *name, *type, *help;
};

static const struct family families[] = {
	{"lbkit_probe_up", "gauge", "1 when the target is UP, 0 when DOWN (absent before its first verdict)"},
	{"lbkit_probe_last_check_success", "gauge", "1 when the last check succeeded"},
	{"lbkit_probe_rtt_seconds", "gauge", "round-trip time of the last check that measured one"},
	{"lbkit_probe_checks_total", "counter", "checks done"},
	{"lbkit_probe_failures_total", "counter", "checks failed"},
	{"lbkit_probe_transitions_total", "counter", "changes between UP and DOWN (and the first verdict)"},
};

struct ctx {
	FILE *f;
	size_t family;
};

static void one(void *vctx, const struct lb_probe_status *st)
{
	struct ctx *c = vctx;
	char label[2 * 4096 + 64];
	lb_probe_metrics_escape(label, sizeof(label), st->target);
	const char *name = families[c->family].name;
	const char *fmt = "%s{target=\"%s\",type=\"%s\"} ";
	switch (c->family) {
	case 0:
		if (st->state == LB_HEALTH_UNKNOWN)
			return;
		fprintf(c->f, fmt, name, label, kind_name(st->kind));
		fprintf(c->f, "%d\n", st->state == LB_HEALTH_UP);
		break;
	case 1:
		if (!st->have_result)
			return;
		fprintf(c->f, fmt, name, label, kind_name(st->kind));
		fprintf(c->f, "%d\n", st->last_ok);
		break;
	case 2:
		if (!st->have_result || st->last_rtt_ms < 0)
			return;
		fprintf(c->f, fmt, name, label, kind_name(st->kind));
		fprintf(c->f, "%.6f\n", st->last_rtt_ms / 1000.0);
		break;
	default:
		fprintf(c->f, fmt, name, label, kind_name(st->kind));
		fprintf(c->f, "%lu\n", c->family == 3 ? st->checks
				       : c->family == 4 ? st->failures
							: st->transitions);
	}
}

char *lb_probe_metrics_format(const struct lb_probe *p, size_t *len)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	if (!f)
		return NULL;
	struct ctx c = {f, 0};
	for (c.family = 0; c.family < sizeof(families) / sizeof(families[0]); c.family++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", families[c.family].name,
			families[c.family].help, families[c.family].name, families[c.family].type);
		lb_probe_each(p, one, &c);
	}
	/* The checker's own health: a probe that falls behind checks less
	 * often than asked, which per-target figures do not show. */
	struct lb_probe_stats st;
	lb_probe_get_stats(p, &st);
	const struct {
		const char *name, *type, *help;
		unsigned long value;
	} own[] = {
		{"lbkit_probe_checks_started_total", "counter", "checks started, all targets",
		 st.checks},
		{"lbkit_probe_checks_late_total", "counter",
		 "checks started more than 100 ms after they were due", st.late},
		{"lbkit_probe_checks_in_flight", "gauge", "checks started and not yet finished",
		 (unsigned long)st.in_flight},
		{"lbkit_probe_falling_behind", "gauge",
		 "1 while due checks wait for running ones because lb-probe cannot keep up",
		 (unsigned long)st.holding},
	};
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %lu\n", own[i].name, own[i].help,
			own[i].name, own[i].type, own[i].name, own[i].value);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	*len = size;
	return text;
}
