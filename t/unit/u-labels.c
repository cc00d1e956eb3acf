/* Label sets and selectors: JSON and string forms, Kubernetes matching
 * semantics, validation messages. */
#include <stdlib.h>
#include <string.h>

#include "labels.h"
#include "tap.h"

static struct tap t;

static json_t *load(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);
	if (!j) {
		printf("# bad test JSON %s: %s\n", text, jerr.text);
		abort();
	}
	return j;
}

static struct lb_labels *labels(const char *text)
{
	struct lb_labels *l;
	struct lb_err err = {""};
	json_t *j = text ? load(text) : NULL;
	if (lb_labels_from_json(j, &l, &err)) {
		printf("# labels %s: %s\n", text, err.msg);
		abort();
	}
	json_decref(j);
	return l;
}

/* Parses a selector in JSON form; on failure returns NULL and the message. */
static struct lb_labelsel *sel_json(const char *text, struct lb_err *err)
{
	struct lb_labelsel *sel = (struct lb_labelsel *)1;
	json_t *j = text ? load(text) : NULL;
	err->msg[0] = '\0';
	int rc = lb_labelsel_from_json(j, &sel, err);
	json_decref(j);
	if (rc != 0 && sel != NULL)
		printf("# failed parse left *out set\n");
	return rc ? NULL : sel;
}

static struct lb_labelsel *sel_str(const char *text, struct lb_err *err)
{
	struct lb_labelsel *sel = (struct lb_labelsel *)1;
	err->msg[0] = '\0';
	int rc = lb_labelsel_parse(text, &sel, err);
	if (rc != 0 && sel != NULL)
		printf("# failed parse left *out set\n");
	return rc ? NULL : sel;
}

/* Does the selector (string form when is_json is 0) match the labels? -1 if
 * it did not parse. */
static int match(int is_json, const char *sel_text, const char *labels_json)
{
	struct lb_err err;
	struct lb_labelsel *sel = is_json ? sel_json(sel_text, &err) : sel_str(sel_text, &err);
	if (!sel) {
		printf("# selector %s: %s\n", sel_text, err.msg);
		return -1;
	}
	struct lb_labels *l = labels(labels_json);
	int m = lb_labelsel_matches(sel, l);
	free(l);
	lb_labelsel_free(sel);
	return m;
}

/* For test names: TAP lines must not contain line breaks. */
static const char *show(const char *s)
{
	static char buf[4][512];
	static int next;
	char *b = buf[next++ % 4];

	if (!s)
		return "(NULL)";
	snprintf(b, sizeof(buf[0]), "%s", s);
	for (char *p = b; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	return b;
}

#define MATCH_J(sel, lab, want)                                                          \
	tap_is_int(&t, match(1, sel, lab), want, "json %s ~ %s", show(sel), show(lab))
#define MATCH_S(sel, lab, want)                                                          \
	tap_is_int(&t, match(0, sel, lab), want, "str '%s' ~ %s", show(sel), show(lab))

static void json_error_is(const char *sel_text, const char *want)
{
	struct lb_err err;
	struct lb_labelsel *sel = sel_json(sel_text, &err);
	tap_ok(&t, sel == NULL, "json %s is rejected", sel_text);
	lb_labelsel_free(sel);
	tap_is_str(&t, err.msg, want, "  with the message");
}

static void str_error_is(const char *sel_text, const char *want)
{
	struct lb_err err;
	struct lb_labelsel *sel = sel_str(sel_text, &err);
	tap_ok(&t, sel == NULL, "str '%s' is rejected", sel_text);
	lb_labelsel_free(sel);
	tap_is_str(&t, err.msg, want, "  with the message");
}

static void test_labels(void)
{
	struct lb_err err = {""};
	struct lb_labels *l = labels("{\"zone\":\"b\",\"app\":\"web\",\"tier\":\"\"}");
	char buf[64];

	tap_is_int(&t, l->n, 3, "three labels");
	tap_is_str(&t, l->kv[0], "app", "sorted: first key");
	tap_is_str(&t, l->kv[4], "zone", "sorted: last key");
	tap_is_str(&t, lb_labels_get(l, "app"), "web", "get app");
	tap_is_str(&t, lb_labels_get(l, "tier"), "", "get empty value");
	tap_is_str(&t, lb_labels_get(l, "zone"), "b", "get zone");
	tap_ok(&t, lb_labels_get(l, "nope") == NULL, "get missing key");
	tap_ok(&t, lb_labels_get(l, "") == NULL, "get empty key");
	tap_ok(&t, lb_labels_get(NULL, "app") == NULL, "get on NULL set");

	tap_is_int(&t, lb_labels_format(l, buf, sizeof(buf)), 20, "format length");
	tap_is_str(&t, buf, "app=web,tier=,zone=b", "format in key order");
	memset(buf, 'x', sizeof(buf));
	tap_is_int(&t, lb_labels_format(l, buf, 8), 20, "truncated format still reports length");
	tap_is_str(&t, buf, "app=web", "truncated format is terminated");
	tap_is_int(&t, lb_labels_format(l, NULL, 0), 20, "format with no buffer measures");
	buf[0] = 'x';
	tap_is_int(&t, lb_labels_format(NULL, buf, sizeof(buf)), 0, "format NULL set");
	tap_is_str(&t, buf, "", "format NULL set is empty string");

	struct lb_labels *same = labels("{\"tier\":\"\",\"zone\":\"b\",\"app\":\"web\"}");
	struct lb_labels *other = labels("{\"tier\":\"\",\"zone\":\"c\",\"app\":\"web\"}");
	struct lb_labels *fewer = labels("{\"zone\":\"b\",\"app\":\"web\"}");
	struct lb_labels *empty = labels("{}");
	struct lb_labels *null = labels(NULL);
	struct lb_labels *jnull = labels("null");
	tap_ok(&t, lb_labels_equal(l, same), "equal regardless of JSON order");
	tap_ok(&t, !lb_labels_equal(l, other), "a different value is not equal");
	tap_ok(&t, !lb_labels_equal(l, fewer), "a missing key is not equal");
	tap_ok(&t, !lb_labels_equal(fewer, l), "equal is symmetric");
	tap_ok(&t, empty && empty->n == 0, "{} gives an allocated empty set");
	tap_ok(&t, null && null->n == 0, "NULL gives an allocated empty set");
	tap_ok(&t, jnull && jnull->n == 0, "JSON null gives an empty set");
	tap_ok(&t, lb_labels_equal(empty, NULL), "empty equals NULL");
	tap_ok(&t, lb_labels_equal(NULL, NULL), "NULL equals NULL");
	tap_ok(&t, !lb_labels_equal(l, NULL), "non-empty differs from NULL");
	tap_is_int(&t, lb_labels_format(empty, buf, sizeof(buf)), 0, "format empty set");
	tap_is_str(&t, buf, "", "  gives the empty string");
	free(same);
	free(other);
	free(fewer);
	free(empty);
	free(null);
	free(jnull);
	free(l);

	json_t *bad = load("{\"app\":\"web\",\"replicas\":3}");
	l = (struct lb_labels *)1;
	tap_is_int(&t, lb_labels_from_json(bad, &l, &err), -1, "non-string value is an error");
	tap_ok(&t, l == NULL, "  and leaves *out NULL");
	tap_is_str(&t, err.msg, "label 'replicas': value must be a string, not a number",
		   "  naming the key");
	json_decref(bad);
	bad = load("{\"app\":null}");
	lb_labels_from_json(bad, &l, &err);
	tap_is_str(&t, err.msg, "label 'app': value must be a string, not null", "null value");
	json_decref(bad);
	bad = load("[\"app\"]");
	tap_is_int(&t, lb_labels_from_json(bad, &l, &err), -1, "array is an error");
	tap_is_str(&t, err.msg, "labels must be an object, not an array", "  saying so");
	json_decref(bad);

	/* Many keys: lb_labels_get is a binary search, check every position. */
	json_t *big = json_object();
	char k[16], v[16];
	for (int i = 0; i < 100; i++) {
		snprintf(k, sizeof(k), "k%03d", (i * 37) % 100);
		snprintf(v, sizeof(v), "v%d", (i * 37) % 100);
		json_object_set_new(big, k, json_string(v));
	}
	lb_labels_from_json(big, &l, &err);
	int found = 0;
	for (int i = 0; i < 100; i++) {
		snprintf(k, sizeof(k), "k%03d", i);
		snprintf(v, sizeof(v), "v%d", i);
		const char *got = lb_labels_get(l, k);
		found += got && !strcmp(got, v);
	}
	tap_is_int(&t, found, 100, "every one of 100 keys is found");
	tap_ok(&t, !lb_labels_get(l, "k100") && !lb_labels_get(l, "k") && !lb_labels_get(l, "a"),
	       "keys around them are not");
	free(l);
	json_decref(big);
}

static const char *const WEB = "{\"app\":\"web\",\"tier\":\"frontend\",\"zone\":\"a\"}";

static void test_json_selectors(void)
{
	struct lb_err err;

	/* Empty selectors match everything. */
	MATCH_J(NULL, WEB, 1);
	MATCH_J("null", WEB, 1);
	MATCH_J("{}", WEB, 1);
	MATCH_J("{}", "{}", 1);
	MATCH_J("{\"matchLabels\":{},\"matchExpressions\":[]}", WEB, 1);
	MATCH_J("{\"matchLabels\":null,\"matchExpressions\":null}", WEB, 1);
	struct lb_labelsel *s = sel_json("{}", &err);
	tap_ok(&t, s && lb_labelsel_is_empty(s), "{} is empty");
	lb_labelsel_free(s);
	tap_ok(&t, lb_labelsel_is_empty(NULL), "NULL selector is empty");
	tap_ok(&t, lb_labelsel_matches(NULL, NULL), "NULL matches NULL labels");
	s = sel_json("{\"matchLabels\":{\"a\":\"b\"}}", &err);
	tap_ok(&t, s && !lb_labelsel_is_empty(s), "matchLabels is not empty");
	lb_labelsel_free(s);
	lb_labelsel_free(NULL);
	tap_ok(&t, 1, "lb_labelsel_free(NULL) is a no-op");

	/* matchLabels */
	MATCH_J("{\"matchLabels\":{\"app\":\"web\"}}", WEB, 1);
	MATCH_J("{\"matchLabels\":{\"app\":\"db\"}}", WEB, 0);
	MATCH_J("{\"matchLabels\":{\"team\":\"x\"}}", WEB, 0);
	MATCH_J("{\"matchLabels\":{\"app\":\"web\",\"zone\":\"a\"}}", WEB, 1);
	MATCH_J("{\"matchLabels\":{\"app\":\"web\",\"zone\":\"b\"}}", WEB, 0);
	MATCH_J("{\"matchLabels\":{\"app\":\"web\"}}", "{}", 0);
	MATCH_J("{\"matchLabels\":{\"app\":\"web\"}}", NULL, 0);
	MATCH_J("{\"matchLabels\":{\"app\":\"\"}}", "{\"app\":\"\"}", 1);
	MATCH_J("{\"matchLabels\":{\"app\":\"\"}}", "{}", 0);

	/* In */
	MATCH_J("{\"matchExpressions\":[{\"key\":\"zone\",\"operator\":\"In\",\"values\":[\"c\",\"a\",\"b\"]}]}",
		WEB, 1);
	MATCH_J("{\"matchExpressions\":[{\"key\":\"zone\",\"operator\":\"In\",\"values\":[\"c\",\"b\"]}]}",
		WEB, 0);
	MATCH_J("{\"matchExpressions\":[{\"key\":\"rack\",\"operator\":\"In\",\"values\":[\"a\"]}]}",
		WEB, 0);
	MATCH_J("{\"matchExpressions\":[{\"key\":\"zone\",\"operator\":\"In\",\"values\":[\"a\",\"a\"]}]}",
		WEB, 1);
	/* NotIn: matches when the key is absent too. */
	MATCH_J("{\"matchExpressions\":[{\"key\":\"zone\",\"operator\":\"NotIn\",\"values\":[\"b\",\"c\"]}]}",
		WEB, 1);
	MATCH_J("{\"matchExpressions\":[{\"key\":\"zone\",\"operator\":\"NotIn\",\"values\":[\"a\",\"c\"]}]}",
		WEB, 0);
	MATCH_J("{\"matchExpressions\":[{\"key\":\"rack\",\"operator\":\"NotIn\",\"values\":[\"a\"]}]}",
		WEB, 1);
	MATCH_J("{\"matchExpressions\":[{\"key\":\"rack\",\"operator\":\"NotIn\",\"values\":[\"a\"]}]}",
		"{}", 1);
	/* Exists / DoesNotExist */
	MATCH_J("{\"matchExpressions\":[{\"key\":\"tier\",\"operator\":\"Exists\"}]}", WEB, 1);
	MATCH_J("{\"matchExpressions\":[{\"key\":\"tier\",\"operator\":\"Exists\"}]}",
		"{\"tier\":\"\"}", 1);
	MATCH_J("{\"matchExpressions\":[{\"key\":\"rack\",\"operator\":\"Exists\",\"values\":[]}]}",
		WEB, 0);
	MATCH_J("{\"matchExpressions\":[{\"key\":\"rack\",\"operator\":\"DoesNotExist\"}]}", WEB, 1);
	MATCH_J("{\"matchExpressions\":[{\"key\":\"rack\",\"operator\":\"DoesNotExist\"}]}", NULL, 1);
	MATCH_J("{\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"DoesNotExist\",\"values\":null}]}",
		WEB, 0);

	/* AND across matchLabels and every expression. */
	const char *combo = "{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":["
			    "{\"key\":\"zone\",\"operator\":\"In\",\"values\":[\"a\",\"b\"]},"
			    "{\"key\":\"tier\",\"operator\":\"NotIn\",\"values\":[\"backend\"]},"
			    "{\"key\":\"example.com/canary\",\"operator\":\"DoesNotExist\"}]}";
	MATCH_J(combo, WEB, 1);
	MATCH_J(combo, "{\"app\":\"web\",\"zone\":\"b\"}", 1);
	MATCH_J(combo, "{\"app\":\"web\",\"zone\":\"c\"}", 0);
	MATCH_J(combo, "{\"app\":\"db\",\"zone\":\"a\"}", 0);
	MATCH_J(combo, "{\"app\":\"web\",\"zone\":\"a\",\"tier\":\"backend\"}", 0);
	MATCH_J(combo, "{\"app\":\"web\",\"zone\":\"a\",\"example.com/canary\":\"\"}", 0);
	MATCH_J(combo, "{\"zone\":\"a\"}", 0);
	/* Contradictory requirements on one key select nothing. */
	MATCH_J("{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":[{\"key\":\"app\","
		"\"operator\":\"NotIn\",\"values\":[\"web\"]}]}",
		WEB, 0);

	/* Many values: the set is searched by bisection, so try every one. */
	char big[4096] = "{\"matchExpressions\":[{\"key\":\"n\",\"operator\":\"In\",\"values\":[";
	for (int i = 0; i < 50; i++)
		snprintf(big + strlen(big), sizeof(big) - strlen(big), "%s\"v%d\"", i ? "," : "",
			 (i * 13) % 50);
	strcat(big, "]}]}");
	s = sel_json(big, &err);
	int hits = 0;
	for (int i = 0; i < 52; i++) {
		char lj[64];
		snprintf(lj, sizeof(lj), "{\"n\":\"v%d\"}", i);
		struct lb_labels *l = labels(lj);
		hits += lb_labelsel_matches(s, l);
		free(l);
	}
	tap_is_int(&t, hits, 50, "a 50-value In set matches exactly its 50 values");
	lb_labelsel_free(s);

	/* Validation */
	json_error_is("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\",\"values\":[\"x\"]},"
		      "{\"key\":\"b\",\"operator\":\"Foo\"}]}",
		      "matchExpressions[1].operator: 'Foo' is not In, NotIn, Exists or DoesNotExist");
	json_error_is("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"in\",\"values\":[\"x\"]}]}",
		      "matchExpressions[0].operator: 'in' is not In, NotIn, Exists or DoesNotExist");
	json_error_is("{\"matchExpressions\":[{\"key\":\"a\"}]}",
		      "matchExpressions[0].operator: missing");
	json_error_is("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":1}]}",
		      "matchExpressions[0].operator: must be a string, not a number");
	json_error_is("{\"matchExpressions\":[{\"operator\":\"Exists\"}]}",
		      "matchExpressions[0].key: missing");
	json_error_is("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\"}]}",
		      "matchExpressions[0].values: must be non-empty for In");
	json_error_is("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"NotIn\",\"values\":[]}]}",
		      "matchExpressions[0].values: must be non-empty for NotIn");
	json_error_is("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Exists\",\"values\":[\"x\"]}]}",
		      "matchExpressions[0].values: must be empty for Exists");
	json_error_is("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"DoesNotExist\",\"values\":[\"\"]}]}",
		      "matchExpressions[0].values: must be empty for DoesNotExist");
	json_error_is("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\",\"values\":\"x\"}]}",
		      "matchExpressions[0].values: must be an array of strings, not a string");
	json_error_is("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\",\"values\":[\"x\",2]}]}",
		      "matchExpressions[0].values[1]: must be a string, not a number");
	json_error_is("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\",\"values\":[\"x\",\"-y\"]}]}",
		      "matchExpressions[0].values[1]: '-y': must start and end with an alphanumeric "
		      "character");
	json_error_is("{\"matchExpressions\":[{\"key\":\"a b\",\"operator\":\"Exists\"}]}",
		      "matchExpressions[0].key: 'a b': may contain only alphanumeric characters, '-', "
		      "'_' and '.' (and one '/' after a DNS subdomain prefix)");
	json_error_is("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Exists\",\"value\":[]}]}",
		      "matchExpressions[0]: unknown field 'value' (expected key, operator, values)");
	json_error_is("{\"matchExpressions\":[\"a\"]}",
		      "matchExpressions[0]: must be an object, not a string");
	json_error_is("{\"matchExpressions\":{}}", "matchExpressions: must be an array, not an object");
	json_error_is("{\"matchLabels\":{\"app\":1}}", "matchLabels.app: must be a string, not a number");
	json_error_is("{\"matchLabels\":{\"app\":\"web site\"}}",
		      "matchLabels.app: value 'web site': may contain only alphanumeric characters, "
		      "'-', '_' and '.'");
	json_error_is("{\"matchLabels\":{\"-app\":\"web\"}}",
		      "matchLabels: key '-app': must start and end with an alphanumeric character");
	json_error_is("{\"matchLabels\":[]}", "matchLabels: must be an object of strings, not an array");
	json_error_is("{\"matchLabel\":{\"app\":\"web\"}}",
		      "label selector: unknown field 'matchLabel' (expected matchLabels, "
		      "matchExpressions)");
	json_error_is("[]", "label selector must be an object, not an array");
	json_error_is("\"app=web\"", "label selector must be an object, not a string");
}

/* Key and value syntax, through matchLabels. */
static void key_ok(const char *key, int want_ok)
{
	struct lb_err err;
	json_t *sel = json_pack("{s:{s:s}}", "matchLabels", key, "v");
	struct lb_labelsel *s = (struct lb_labelsel *)1;
	int rc = lb_labelsel_from_json(sel, &s, &err);
	tap_is_int(&t, rc == 0, want_ok, "key '%.70s%s' is %s", key, strlen(key) > 70 ? "..." : "",
		   want_ok ? "valid" : "invalid");
	if (rc)
		printf("#   (%s)\n", err.msg);
	lb_labelsel_free(rc ? NULL : s);
	json_decref(sel);
}

static void value_ok(const char *value, int want_ok)
{
	struct lb_err err;
	json_t *sel = json_pack("{s:{s:s}}", "matchLabels", "k", value);
	struct lb_labelsel *s = (struct lb_labelsel *)1;
	int rc = lb_labelsel_from_json(sel, &s, &err);
	tap_is_int(&t, rc == 0, want_ok, "value '%.70s' is %s", value, want_ok ? "valid" : "invalid");
	lb_labelsel_free(rc ? NULL : s);
	json_decref(sel);
}

static void test_syntax(void)
{
	char name63[64], name64[65], prefix253[254], prefix254[255], buf[400];
	struct lb_err err;

	memset(name63, 'a', 63);
	name63[63] = '\0';
	memset(name64, 'a', 64);
	name64[64] = '\0';
	/* 253 = 4 labels of 62 + 4 dots + "a" */
	prefix253[0] = '\0';
	for (int i = 0; i < 4; i++)
		snprintf(prefix253 + strlen(prefix253), sizeof(prefix253) - strlen(prefix253),
			 "%.62s.", name63);
	strcat(prefix253, "a");
	snprintf(prefix254, sizeof(prefix254), "%sb", prefix253);

	key_ok("app", 1);
	key_ok("A", 1);
	key_ok("9", 1);
	key_ok("app.kubernetes.io/name", 1);
	key_ok("node-role.kubernetes.io/control-plane", 1);
	key_ok("a-b_c.d", 1);
	key_ok(name63, 1);
	key_ok(name64, 0);
	key_ok("", 0);
	key_ok("-a", 0);
	key_ok("a_", 0);
	key_ok("a b", 0);
	key_ok("a:b", 0);
	key_ok("/a", 0);
	key_ok("a/", 0);
	key_ok("a/b/c", 0);
	key_ok("Example.com/a", 0);
	key_ok("example..com/a", 0);
	key_ok("-example.com/a", 0);
	key_ok("example-.com/a", 0);
	key_ok("example.com./a", 0);
	key_ok("ex_ample.com/a", 0);
	key_ok("example.com/-a", 0);
	snprintf(buf, sizeof(buf), "%s/%s", prefix253, name63);
	key_ok(buf, 1);
	snprintf(buf, sizeof(buf), "%s/a", prefix254);
	key_ok(buf, 0);
	snprintf(buf, sizeof(buf), "example.com/%s", name64);
	key_ok(buf, 0);

	value_ok("", 1);
	value_ok("web", 1);
	value_ok("v1.2_3-x", 1);
	value_ok(name63, 1);
	value_ok(name64, 0);
	value_ok(".a", 0);
	value_ok("a.", 0);
	value_ok("a/b", 0);
	value_ok("caf\xc3\xa9", 0);

	/* The messages name what is wrong. */
	json_error_is("{\"matchLabels\":{\"Example.com/a\":\"v\"}}",
		      "matchLabels: key 'Example.com/a': prefix before '/' must be a DNS subdomain: "
		      "lowercase alphanumeric labels separated by '.', with '-' only inside a label");
	json_error_is("{\"matchLabels\":{\"a/b/c\":\"v\"}}",
		      "matchLabels: key 'a/b/c': must contain at most one '/'");
	json_error_is("{\"matchLabels\":{\"/a\":\"v\"}}",
		      "matchLabels: key '/a': prefix before '/' must not be empty");
	json_error_is("{\"matchLabels\":{\"a/\":\"v\"}}",
		      "matchLabels: key 'a/': name after '/' must not be empty");
	json_error_is("{\"matchLabels\":{\"\":\"v\"}}", "matchLabels: key '': must not be empty");
	snprintf(buf, sizeof(buf), "{\"matchLabels\":{\"k\":\"%s\"}}", name64);
	json_error_is(buf, "matchLabels.k: value "
			   "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa': "
			   "must be no more than 63 characters");
	snprintf(buf, sizeof(buf), "{\"matchLabels\":{\"k\":\"%s%s\"}}", name64, name64);
	json_error_is(buf, "matchLabels.k: value "
			   "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...': "
			   "must be no more than 63 characters");
	snprintf(buf, sizeof(buf), "{\"matchLabels\":{\"a.b/%s\":\"v\"}}", name64);
	struct lb_labelsel *s = sel_json(buf, &err);
	tap_ok(&t, !s && strstr(err.msg, "name after '/' must be no more than 63 characters"),
	       "long name after a prefix: %s", err.msg);
	snprintf(buf, sizeof(buf), "{\"matchLabels\":{\"%s/a\":\"v\"}}", prefix254);
	s = sel_json(buf, &err);
	tap_ok(&t, !s && strstr(err.msg, "prefix before '/' must be no more than 253 characters"),
	       "long prefix: %s", err.msg);
	/* Control bytes in the input are not copied into messages. */
	json_error_is("{\"matchLabels\":{\"a\\u0001\\nb\":\"v\"}}",
		      "matchLabels: key 'a?\?b': may contain only alphanumeric characters, '-', '_' "
		      "and '.' (and one '/' after a DNS subdomain prefix)");
}

static void test_string_selectors(void)
{
	struct lb_err err;

	MATCH_S("", WEB, 1);
	MATCH_S("   \t ", WEB, 1);
	struct lb_labelsel *s = sel_str(NULL, &err);
	tap_ok(&t, s && lb_labelsel_is_empty(s), "NULL string is the empty selector");
	lb_labelsel_free(s);
	s = sel_str(" ", &err);
	tap_ok(&t, s && lb_labelsel_is_empty(s), "blank string is the empty selector");
	lb_labelsel_free(s);

	MATCH_S("app=web", WEB, 1);
	MATCH_S("app==web", WEB, 1);
	MATCH_S("app=db", WEB, 0);
	MATCH_S("app!=db", WEB, 1);
	MATCH_S("app!=web", WEB, 0);
	MATCH_S("rack!=a", WEB, 1); /* != matches a missing key */
	MATCH_S("rack=a", WEB, 0);
	MATCH_S("tier=", "{\"tier\":\"\"}", 1);
	MATCH_S("tier=", WEB, 0);
	MATCH_S("tier!=", "{}", 1);
	MATCH_S("tier", WEB, 1);
	MATCH_S("rack", WEB, 0);
	MATCH_S("!rack", WEB, 1);
	MATCH_S("!app", WEB, 0);
	MATCH_S("zone in (a,b)", WEB, 1);
	MATCH_S("zone in (b)", WEB, 0);
	MATCH_S("rack in (a)", WEB, 0);
	MATCH_S("zone notin (b,c)", WEB, 1);
	MATCH_S("zone notin (a)", WEB, 0);
	MATCH_S("rack notin (a)", WEB, 1);
	MATCH_S("zone in (a,)", "{\"zone\":\"\"}", 1); /* kubectl: an empty item is "" */
	MATCH_S("zone in (,b)", WEB, 0);
	MATCH_S("in=in", "{\"in\":\"in\"}", -1); /* "in" is a keyword where a key goes */
	MATCH_S("app=in", "{\"app\":\"in\"}", 1);
	MATCH_S("app in (in,notin)", "{\"app\":\"notin\"}", 1);
	MATCH_S("app.kubernetes.io/name=web", "{\"app.kubernetes.io/name\":\"web\"}", 1);

	/* AND, whitespace anywhere between tokens. */
	const char *combo = "app=web, zone in (a, b) ,tier notin(backend),!example.com/canary,zone";
	MATCH_S(combo, WEB, 1);
	MATCH_S(combo, "{\"app\":\"web\",\"zone\":\"b\"}", 1);
	MATCH_S(combo, "{\"app\":\"web\",\"zone\":\"c\"}", 0);
	MATCH_S(combo, "{\"app\":\"web\"}", 0);
	MATCH_S(combo, "{\"app\":\"web\",\"zone\":\"a\",\"tier\":\"backend\"}", 0);
	MATCH_S(combo, "{\"app\":\"web\",\"zone\":\"a\",\"example.com/canary\":\"1\"}", 0);
	MATCH_S("\n app \t== web\r,\tzone\n", WEB, 1);
	MATCH_S(" ! rack , app in ( web ) ", WEB, 1);
	MATCH_S("app=web,app!=web", WEB, 0);

	/* The formatted set parses back into a selector it matches. */
	struct lb_labels *l = labels(WEB);
	char buf[128];
	lb_labels_format(l, buf, sizeof(buf));
	s = sel_str(buf, &err);
	tap_ok(&t, s && lb_labelsel_matches(s, l), "format -> parse round trip matches");
	lb_labelsel_free(s);
	free(l);

	str_error_is("app=web,", "'app=web,': at end: expected a requirement after ','");
	str_error_is(",app", "',app': column 1: expected a label key, found ','");
	str_error_is("app=web,,b", "'app=web,,b': column 9: expected a label key, found ','");
	str_error_is("app web", "'app web': column 5: expected an operator (=, ==, !=, in, notin) "
				"or ',', found 'web'");
	str_error_is("app=web db", "'app=web db': column 9: expected ',' or end of selector, found "
				   "'db'");
	str_error_is("app in x", "'app in x': column 8: expected '(' after 'in', found 'x'");
	str_error_is("app notin", "'app notin': at end: expected '(' after 'notin', found end of "
				  "selector");
	str_error_is("app in ()", "'app in ()': column 9: 'in' needs at least one value");
	str_error_is("app in (a", "'app in (a': at end: expected ',' or ')', found end of selector");
	str_error_is("app in (a b)", "'app in (a b)': column 11: expected ',' or ')', found 'b'");
	str_error_is("app in (a,=)", "'app in (a,=)': column 11: expected a value, ',' or ')', found "
				     "'='");
	str_error_is("app=(x)", "'app=(x)': column 5: expected a value after '=', found '('");
	str_error_is("app==!x", "'app==!x': column 6: expected a value after '==', found '!'");
	str_error_is("app=a=b", "'app=a=b': column 6: expected ',' or end of selector, found '='");
	str_error_is("!app=x", "'!app=x': column 5: expected ',' or end of selector, found '='");
	str_error_is("!", "'!': at end: expected a label key, found end of selector");
	str_error_is("!!a", "'!!a': column 2: expected a label key, found '!'");
	str_error_is("in (a)", "'in (a)': column 1: expected a label key, found 'in'");
	str_error_is("replicas>3", "'replicas>3': column 9: operator '>' is not supported (use =, "
				   "==, !=, in, notin)");
	str_error_is("a b=c", "'a b=c': column 3: expected an operator (=, ==, !=, in, notin) or ',', "
			      "found 'b'");
	str_error_is("Bad_=x", "'Bad_=x': column 1: key 'Bad_': must start and end with an "
			       "alphanumeric character");
	str_error_is("a/b/c", "'a/b/c': column 1: key 'a/b/c': must contain at most one '/'");
	str_error_is("app=-web", "'app=-web': column 5: value '-web': must start and end with an "
				 "alphanumeric character");
	str_error_is("app in (web,x/y)", "'app in (web,x/y)': column 13: value 'x/y': may contain "
					 "only alphanumeric characters, '-', '_' and '.'");
	str_error_is("app=caf\xc3\xa9", "'app=caf?\?': column 5: value 'caf?\?': may contain only "
					"alphanumeric characters, '-', '_' and '.'");
}

int main(void)
{
	test_labels();
	test_json_selectors();
	test_syntax();
	test_string_selectors();
	return tap_done(&t);
}
