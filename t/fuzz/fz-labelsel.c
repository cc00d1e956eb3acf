/* Label selectors from untrusted text: the input is tried as kubectl's
 * string form and, when it is JSON, as a metav1.LabelSelector and as a label
 * set. Whatever parses is matched against fixed label sets; nothing may
 * crash, leak or read out of bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "labels.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fixed_sets[] = {
	"{}",
	"{\"app\":\"web\"}",
	"{\"app\":\"web\",\"tier\":\"\",\"zone\":\"a\",\"example.com/canary\":\"1\"}",
	"{\"a\":\"b\",\"in\":\"notin\",\"x\":\"y\",\"z\":\"\"}",
};

/* Only these characters survive lb_labels_format -> lb_labelsel_parse
 * unchanged (no separators, operators or spaces inside keys or values). */
static bool plain(const char *s)
{
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./", *s))
			return false;
	return true;
}

static void match_all(const struct lb_labelsel *sel, const struct lb_labels *extra)
{
	struct lb_err err;

	for (size_t i = 0; i < sizeof(fixed_sets) / sizeof(fixed_sets[0]); i++) {
		json_t *j = json_loads(fixed_sets[i], 0, NULL);
		struct lb_labels *l;
		if (!j || lb_labels_from_json(j, &l, &err))
			abort();
		bool m = lb_labelsel_matches(sel, l);
		/* An empty selector matches every set. */
		if (lb_labelsel_is_empty(sel) && !m)
			abort();
		free(l);
		json_decref(j);
	}
	if (extra)
		(void)lb_labelsel_matches(sel, extra);
	(void)lb_labelsel_matches(sel, NULL);
}

/* A label set written as a selector must select itself. */
static void check_round_trip(const struct lb_labels *l)
{
	struct lb_labelsel *sel;
	struct lb_err err;

	for (size_t i = 0; i < 2 * l->n; i++)
		if (!plain(l->kv[i]))
			return;
	size_t need = lb_labels_format(l, NULL, 0);
	char *buf = malloc(need + 1);
	if (!buf)
		return;
	if (lb_labels_format(l, buf, need + 1) != need || strlen(buf) != need)
		abort();
	if (lb_labelsel_parse(buf, &sel, &err) == 0) {
		if (!lb_labelsel_matches(sel, l))
			abort();
		lb_labelsel_free(sel);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lb_labelsel *sel;
	struct lb_labels *labels = NULL;
	struct lb_err err;

	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (j && lb_labels_from_json(j, &labels, &err) == 0) {
		if (!lb_labels_equal(labels, labels))
			abort();
		check_round_trip(labels);
	}

	if (lb_labelsel_parse(s, &sel, &err) == 0) {
		match_all(sel, labels);
		lb_labelsel_free(sel);
	} else if (sel != NULL || !err.msg[0]) {
		abort();
	}

	if (j) {
		if (lb_labelsel_from_json(j, &sel, &err) == 0) {
			match_all(sel, labels);
			lb_labelsel_free(sel);
		} else if (sel != NULL || !err.msg[0]) {
			abort();
		}
		json_decref(j);
	}
	free(labels);
	free(s);
	return 0;
}
