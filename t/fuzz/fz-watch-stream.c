/* libFuzzer target for the watch-stream path: lib/watch_stream.c (line
 * framing across arbitrary read boundaries, event decoding), then what
 * lb-watch does with each event (trim, key, store), and the Status-body
 * reader for error responses. The first byte picks the read size. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "k8s_watch.h"
#include "watch_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_event(void *ctx, const struct lb_watch_event *we, json_t *ev)
{
	json_t *store = ctx;
	char key[800];
	(void)ev;
	if (we->type == LB_WATCH_ERROR)
		return we->code == 410;
	if (we->type == LB_WATCH_BOOKMARK)
		return 0;
	/* Decoded events promise these; break loudly if they lie. */
	if (!we->kind || !we->name || !we->rv || !we->ns)
		__builtin_trap();
	lb_watch_object_trim(we->object);
	if (lb_watch_object_key(we->object, key, sizeof(key)) == 0)
		lb_watch_store_apply(store, we->type, we->object);
	return 0;
}

static void on_bad(void *ctx, const char *msg)
{
	(void)ctx;
	if (!msg || !*msg)
		__builtin_trap();
}

static void on_diff(void *ctx, enum lb_watch_type type, json_t *obj)
{
	(void)ctx;
	/* Everything stored vanishes from an empty re-list. */
	if (type != LB_WATCH_DELETED || !json_is_object(obj))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lb_watch_stream s;
	struct lb_err err;
	char msg[300];

	if (size < 1)
		return 0;
	size_t step = (size_t)data[0] % 64 + 1;
	data++;
	size--;
	json_t *store = json_object();
	lb_watch_stream_init(&s, "fuzz");
	s.on_event = on_event;
	s.on_bad = on_bad;
	s.ctx = store;
	for (size_t off = 0; off < size; off += step) {
		size_t n = size - off < step ? size - off : step;
		if (lb_watch_stream_feed(&s, data + off, n, &err) != 0)
			break;
	}
	lb_watch_stream_free(&s);
	/* A re-list against what the stream built. */
	json_t *fresh = json_object();
	lb_watch_store_replace(store, fresh, NULL, on_diff, NULL);
	json_decref(fresh);
	json_decref(store);
	lb_k8s_status_message((const char *)data, size, 500, msg, sizeof(msg));
	return 0;
}
