/* libFuzzer: arbitrary lb-watch event and lb-probe lines into the election
 * of two nodes that see the same lines, as two speakers would. After every
 * line: a WITHDRAW only undoes an earlier ANNOUNCE, no address is
 * announced over layer 2 by both nodes, and the passed-through objects
 * follow ADDED, MODIFIED..., DELETED with no DELETED of what was not
 * passed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elect.h"
#include "ndjson.h"

struct view {
	struct lb_elect *e;
	json_t *have;   /* "via ip interface" -> true, from the lines emitted */
	json_t *passed; /* "kind ns/name" -> true, from the events emitted */
};

static void track_event(struct view *v, const char *type, const json_t *obj)
{
	const json_t *meta = json_object_get(obj, "metadata");
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	const char *name = json_string_value(json_object_get(meta, "name"));
	if (!kind || !name || (strcmp(kind, "BGPPeer") && strcmp(kind, "Community")))
		__builtin_trap();
	char key[1024];
	snprintf(key, sizeof(key), "%s %s/%s", kind, ns ? ns : "", name);
	int known = json_object_get(v->passed, key) != NULL;
	if (!strcmp(type, "ADDED") && !known)
		json_object_set_new(v->passed, key, json_true());
	else if (!strcmp(type, "MODIFIED") && known)
		;
	else if (!strcmp(type, "DELETED") && known)
		json_object_del(v->passed, key);
	else {
		fprintf(stderr, "%s of %s, %s passed before\n", type, key, known ? "" : "not");
		__builtin_trap();
	}
}

static void track(void *ctx, json_t *line)
{
	struct view *v = ctx;
	const char *type = json_string_value(json_object_get(line, "type"));
	const json_t *obj = json_object_get(line, "object");
	if (type && obj) {
		track_event(v, type, obj);
		json_decref(line);
		return;
	}
	const char *ip = json_string_value(json_object_get(line, "ip"));
	const char *via = json_string_value(json_object_get(line, "via"));
	const char *iface = json_string_value(json_object_get(line, "interface"));
	const char *adv = json_string_value(json_object_get(line, "advertisement"));
	if (!type || !ip || !via)
		__builtin_trap();
	char key[1024];
	snprintf(key, sizeof(key), "%s %s %s", via, ip,
		 iface ? iface : adv ? adv : "");
	if (!strcmp(type, "ANNOUNCE")) {
		json_object_set_new(v->have, key, json_true());
	} else if (!strcmp(type, "WITHDRAW")) {
		if (json_object_del(v->have, key) < 0) {
			fprintf(stderr, "WITHDRAW of what was not announced: %s\n", key);
			__builtin_trap();
		}
	} else {
		__builtin_trap();
	}
	json_decref(line);
}

static int l2_ip_in(const json_t *have, const char *key)
{
	/* key is "l2 IP IFACE"; any l2 line for IP in have counts. */
	const char *end = strchr(key + 3, ' ');
	size_t iplen = end ? (size_t)(end - key) : strlen(key);
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)have, k, v) {
		if (!strncmp(k, key, iplen) && (k[iplen] == ' ' || !k[iplen]))
			return 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct view a = {lb_elect_new("node-a"), json_object(), json_object()};
	struct view b = {lb_elect_new("node-b"), json_object(), json_object()};
	struct lb_err err;
	struct lb_ndjson_reader rd;
	lb_ndjson_reader_init(&rd, "fuzz", 1 << 16);
	lb_ndjson_feed(&rd, data, size, &err);
	lb_ndjson_eof(&rd);
	json_t *ev;
	int st, n = 0;
	while ((st = lb_ndjson_next(&rd, &ev, &err)) != LB_NDJSON_AGAIN && n++ < 256) {
		if (st != LB_NDJSON_OBJECT)
			continue;
		lb_elect_handle(a.e, ev, &err);
		lb_elect_handle(b.e, ev, &err);
		json_decref(ev);
		lb_elect_update(a.e, track, &a, &err);
		lb_elect_update(b.e, track, &b, &err);
		const char *k;
		json_t *v;
		json_object_foreach(a.have, k, v) {
			if (!strncmp(k, "l2 ", 3) && l2_ip_in(b.have, k)) {
				fprintf(stderr, "two layer 2 owners: %s\n", k);
				__builtin_trap();
			}
		}
	}
	lb_ndjson_reader_free(&rd);
	lb_elect_free(a.e);
	lb_elect_free(b.e);
	json_decref(a.have);
	json_decref(b.have);
	json_decref(a.passed);
	json_decref(b.passed);
	return 0;
}
