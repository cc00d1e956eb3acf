/* libFuzzer: what lb-probe reads from outside. Lines as a targets file or
 * standard input gives them: a bare target string, or an ADD/REMOVE
 * object, or an lb-watch EndpointSlice or Node event; and, when the first
 * byte is 0, an ICMP packet as a socket delivers it. A parsed target must
 * keep its text and have a host (tcp, icmp), a port (tcp) or a command
 * (exec); a node's target must be a target lb-probe accepts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "icmp_echo.h"
#include "ndjson.h"
#include "probe_nodes.h"
#include "probe_slices.h"
#include "probe_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct lb_probe_spec *s, const char *text)
{
	if (text && strcmp(s->text, text))
		abort();
	switch (s->kind) {
	case LB_PROBE_TCP:
		if (!s->host || !*s->host || !s->port)
			abort();
		break;
	case LB_PROBE_ICMP:
		if (!s->host || !*s->host)
			abort();
		break;
	case LB_PROBE_EXEC:
		if (!s->command || !*s->command)
			abort();
		break;
	case LB_PROBE_HTTP:
		break;
	default:
		abort();
	}
	if (s->o.nstatus > LB_PROBE_MAX_STATUS)
		abort();
	for (size_t i = 0; i < s->o.nstatus; i++) {
		if (s->o.status_lo[i] < 100 || s->o.status_hi[i] > 599 ||
		    s->o.status_lo[i] > s->o.status_hi[i])
			abort();
	}
}

static void icmp(const uint8_t *p, size_t n)
{
	uint16_t id, seq;
	uint64_t cookie;
	for (int mode = 0; mode < 3; mode++)
		lb_icmp_echo_parse(p, n, mode == 2, mode == 0, &id, &seq, &cookie);
	lb_icmp_checksum(p, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct lb_probe_opts defaults = {.interval_ms = 2000, .timeout_ms = 1000,
						      .rise = 2, .fall = 3};
	struct lb_probe_spec spec;
	struct lb_err err;
	if (size && data[0] == 0) {
		icmp(data + 1, size - 1);
		return 0;
	}
	struct lb_ndjson_reader rd;
	lb_ndjson_reader_init(&rd, "fuzz", 1 << 16);
	const uint8_t *p = data, *end = data + size;
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (len && p[0] == '{') {
			lb_ndjson_feed(&rd, p, len, &err);
			lb_ndjson_feed(&rd, "\n", 1, &err);
			json_t *obj;
			while (lb_ndjson_next(&rd, &obj, &err) != LB_NDJSON_AGAIN) {
				const char *remove;
				if (!obj)
					continue;
				/* lb-watch EndpointSlice events go through the template. */
				json_t *list = lb_probe_slice_targets(json_object_get(obj, "object"),
								      "tcp://{ip}:{port}", &err);
				char key[600];
				lb_probe_slice_key(json_object_get(obj, "object"), key, sizeof(key), &err);
				json_decref(list);
				char target[LB_PROBE_MAX_TARGET];
				if (lb_probe_node_target(json_object_get(obj, "object"),
							 "http://{ip}:7473/healthz#{name}", target,
							 sizeof(target), &err) == 1) {
					if (lb_probe_spec_parse(target, &defaults, &spec, &err) < 0)
						abort();
					lb_probe_spec_free(&spec);
				}
				int rc = lb_probe_line_parse(obj, &defaults, &spec, &remove, &err);
				if (rc == LB_PROBE_CMD_ADD) {
					check(&spec, NULL);
					lb_probe_spec_free(&spec);
				} else if (rc == LB_PROBE_CMD_REMOVE && !remove) {
					abort();
				}
				json_decref(obj);
			}
		} else {
			char *text = strndup((const char *)p, len);
			if (text && lb_probe_spec_parse(text, &defaults, &spec, &err) == 0) {
				check(&spec, text);
				lb_probe_spec_free(&spec);
			}
			if (text && lb_probe_status_parse(text, &spec.o, &err) == 0 &&
			    spec.o.nstatus > LB_PROBE_MAX_STATUS)
				abort();
			free(text);
		}
		p += len + (nl ? 1 : 0);
	}
	lb_ndjson_reader_free(&rd);
	return 0;
}
