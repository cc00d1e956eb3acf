/* What lb-probe checks, parsed from a target string (an argument or a line
 * of a targets file) or from an ADD/REMOVE line on stdin. Pure code: no
 * I/O, no name resolution, so the fuzzer drives it directly. */
#ifndef LB_PROBE_TARGET_H
#define LB_PROBE_TARGET_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"

enum lb_probe_kind {
	LB_PROBE_TCP = 1,
	LB_PROBE_HTTP,  /* http:// and https:// */
	LB_PROBE_ICMP,
	LB_PROBE_EXEC,
};

#define LB_PROBE_MAX_STATUS 16
#define LB_PROBE_MAX_TARGET 4096

/* The knobs a target may carry; the command line gives the defaults and an
 * ADD line may override them for its target. */
struct lb_probe_opts {
	unsigned interval_ms, timeout_ms;
	unsigned rise, fall;
	/* HTTP: expected status codes (none given: 200-399), body substring,
	 * Host header, method, TLS. */
	unsigned short status_lo[LB_PROBE_MAX_STATUS], status_hi[LB_PROBE_MAX_STATUS];
	size_t nstatus;
	char *body;
	char *host_header;
	char *method;
	int insecure;
	char *ca_file, *cert, *key;
};

struct lb_probe_spec {
	enum lb_probe_kind kind;
	char *text;    /* the target as given: its name in every output line */
	char *host;    /* tcp, icmp: without brackets */
	unsigned short port; /* tcp */
	char *command; /* exec */
	struct lb_probe_opts o;
};

/* Parses tcp://HOST:PORT, http(s)://…, icmp://HOST or exec:COMMAND into
 * spec, whose options start as a copy of defaults. Returns -1 with a
 * message naming the target. */
int lb_probe_spec_parse(const char *text, const struct lb_probe_opts *defaults,
			struct lb_probe_spec *spec, struct lb_err *err);
void lb_probe_spec_free(struct lb_probe_spec *spec);

/* Deep copy of options (strings duplicated); -1 when memory runs out. */
int lb_probe_opts_copy(struct lb_probe_opts *dst, const struct lb_probe_opts *src);
void lb_probe_opts_free(struct lb_probe_opts *o);

/* "200,204,300-399" into o->status ranges (replacing any). */
int lb_probe_status_parse(const char *text, struct lb_probe_opts *o, struct lb_err *err);
int lb_probe_status_ok(const struct lb_probe_opts *o, long status);

/* The stdin line format (lb-probe(1)):
 *   {"type":"ADD","target":"tcp://192.0.2.10:80","interval_ms":1000,…}
 *   {"type":"REMOVE","target":"tcp://192.0.2.10:80"}
 * ADD fills *spec (caller frees it), REMOVE sets *remove to the target
 * (borrowed from obj). Unknown keys are refused, so a typo is not silently
 * a default. */
enum lb_probe_cmd { LB_PROBE_CMD_ADD = 1, LB_PROBE_CMD_REMOVE };
int lb_probe_line_parse(const json_t *obj, const struct lb_probe_opts *defaults,
			struct lb_probe_spec *spec, const char **remove, struct lb_err *err);

#endif
