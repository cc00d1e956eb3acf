/* lib/manifest.c: YAML (Kubernetes flavour) and JSON manifests. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manifest.h"
#include "tap.h"

struct collected {
	char *text; /* "LINE JSON\n" per object */
	size_t len;
	FILE *f;
	int calls, stop_after;
};

static int collect_fn(void *ctx, json_t *obj, const char *name, unsigned long line)
{
	struct collected *c = ctx;
	char *s = json_dumps(obj, JSON_COMPACT | JSON_ENCODE_ANY);

	(void)name;
	fprintf(c->f, "%lu %s\n", line, s);
	free(s);
	c->calls++;
	return c->stop_after && c->calls == c->stop_after ? 7 : 0;
}

/* Every object of a manifest as text, or "ERR message". */
static char *load(const char *text, const char *name)
{
	struct collected c = {0};
	struct lb_err err = {{0}};

	c.f = open_memstream(&c.text, &c.len);
	int rc = lb_manifest_load_buffer(text, strlen(text), name, collect_fn, &c, &err);
	if (rc < 0)
		fprintf(c.f, "ERR %s", err.msg);
	fclose(c.f);
	/* Drop the final newline so expectations read naturally. */
	if (c.len && c.text[c.len - 1] == '\n')
		c.text[c.len - 1] = '\0';
	return c.text;
}

/* The single document of a YAML text, as compact JSON, or "ERR message". */
static char *yaml1(const char *text)
{
	struct collected c = {0};
	struct lb_err err = {{0}};

	c.f = open_memstream(&c.text, &c.len);
	int rc = lb_yaml_parse(text, strlen(text), "t.yaml", collect_fn, &c, &err);
	if (rc < 0)
		fprintf(c.f, "ERR %s", err.msg);
	fclose(c.f);
	if (c.len && c.text[c.len - 1] == '\n')
		c.text[c.len - 1] = '\0';
	/* Strip the "LINE " prefix of a single document. */
	char *sp = rc == 0 && c.calls == 1 ? strchr(c.text, ' ') : NULL;
	if (sp)
		memmove(c.text, sp + 1, strlen(sp + 1) + 1);
	return c.text;
}

#define IS_LOAD(t, text, want, ...)                                                            \
	do {                                                                                   \
		char *got_ = load(text, "t.yaml");                                             \
		tap_is_str(t, got_, want, __VA_ARGS__);                                        \
		free(got_);                                                                    \
	} while (0)
#define IS_YAML(t, text, want, ...)                                                            \
	do {                                                                                   \
		char *got_ = yaml1(text);                                                      \
		tap_is_str(t, got_, want, __VA_ARGS__);                                        \
		free(got_);                                                                    \
	} while (0)

static int starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static void test_documents(struct tap *t)
{
	IS_LOAD(t,
		"# leading comment\n"
		"---\n"
		"a: 1   # trailing comment\n"
		"---\n"
		"# only a comment\n"
		"---\n"
		"---\n"
		"~\n"
		"---\n"
		"b: [x, 'y']\n"
		"...\n"
		"--- {c: d}\n",
		"3 {\"a\":1}\n10 {\"b\":[\"x\",\"y\"]}\n12 {\"c\":\"d\"}",
		"documents split on ---, empty and null ones skipped, lines of their content");
	IS_LOAD(t, "", "", "empty input has no objects");
	IS_LOAD(t, "# nothing\n\n", "", "comments only: no objects");
	IS_LOAD(t, "- a\n- b\n", "ERR t.yaml:1: document is not a mapping", "sequence document");
	IS_LOAD(t, "a: 1\n---\nfoo\n", "1 {\"a\":1}\nERR t.yaml:3: document is not a mapping",
		"scalar document, after a good one");

	struct collected c = {0};
	struct lb_err err;
	const char *three = "a: 1\n---\nb: 2\n---\nc: 3\n";
	c.f = open_memstream(&c.text, &c.len);
	c.stop_after = 2;
	int rc = lb_manifest_load_buffer(three, strlen(three), "t", collect_fn, &c, &err);
	fclose(c.f);
	free(c.text);
	tap_is_int(t, rc, 7, "a callback's non-zero return is returned");
	tap_is_int(t, c.calls, 2, "and stops the walk");
}

static void test_scalars(struct tap *t)
{
	IS_YAML(t, "[\"true\", 'yes', yes, Yes, YES, y, Y, on, On, ON, true, True, TRUE]",
		"[\"true\",\"yes\",true,true,true,true,true,true,true,true,true,true,true]",
		"quoted stay strings, YAML 1.1 true spellings");
	IS_YAML(t, "[no, No, NO, n, N, off, Off, OFF, false, False, FALSE, nO, yES]",
		"[false,false,false,false,false,false,false,false,false,false,false,\"nO\",\"yES\"]",
		"false spellings; mixed case is a string");
	IS_YAML(t, "a: ~\nb: null\nc: Null\nd: NULL\ne:\nf: ''\ng: \"null\"\nh: nULL\n",
		"{\"a\":null,\"b\":null,\"c\":null,\"d\":null,\"e\":null,\"f\":\"\",\"g\":\"null\","
		"\"h\":\"nULL\"}",
		"null spellings and empty values");
	IS_YAML(t, "[0755, 0x1F, 0X1f, -42, +17, 1_000, 0o17, 0b101, 0, -0, 00, -0x10]",
		"[493,31,31,-42,17,1000,15,5,0,0,0,-16]",
		"integers: octal, hex, signs, underscores");
	IS_YAML(t, "[9223372036854775807, -9223372036854775808]",
		"[9223372036854775807,-9223372036854775808]", "int64 limits stay integers");
	IS_YAML(t, "[9223372036854775808, 18446744073709551616]",
		"[9.2233720368547758e18,1.8446744073709552e19]", "beyond int64: reals");
	IS_YAML(t, "[1.5, -.5, +.5, .5, 1e3, 1., 09, 1.5E-1, 1_0.5]",
		"[1.5,-0.5,0.5,0.5,1000.0,1.0,9.0,0.14999999999999999,10.5]", "floats");
	IS_YAML(t,
		"[1.2.3, 0x, 1e400, 192.0.2.10, 10.0.0.0/8, 2001-12-14, yesno, "
		"0xFFFFFFFFFFFFFFFFFFFF, '80', \"0755\", ., -, +, 1e, 0o, 1:2, _1, .5_0]",
		"[\"1.2.3\",\"0x\",\"1e400\",\"192.0.2.10\",\"10.0.0.0/8\",\"2001-12-14\",\"yesno\","
		"\"0xFFFFFFFFFFFFFFFFFFFF\",\"80\",\"0755\",\".\",\"-\",\"+\",\"1e\",\"0o\",\"1:2\","
		"\"_1\",\".5_0\"]",
		"everything else is a string");
	IS_YAML(t, "[!!str 123, !!str true, !!int \"42\", !!bool \"yes\", !!float 1, !!null \"\", "
		   "!custom 12, ! 12, !!float '2.5']",
		"[\"123\",\"true\",42,true,1.0,null,\"12\",\"12\",2.5]", "tags honoured");
	IS_YAML(t, "a: !!str\nb: !!null\nc: !!int 0x10\n", "{\"a\":\"\",\"b\":null,\"c\":16}",
		"tags on empty values");
	IS_YAML(t, "a: 1\nb: !!int abc\n", "ERR t.yaml:2: 'abc' is not a valid !!int", "bad !!int");
	IS_YAML(t, "a: !!bool 1\n", "ERR t.yaml:1: '1' is not a valid !!bool", "bad !!bool");
	IS_YAML(t, "a: !!null x\n", "ERR t.yaml:1: 'x' is not a valid !!null", "bad !!null");
	IS_YAML(t, "a: 1\nb: .inf\n", "ERR t.yaml:2: '.inf': JSON has no infinity or NaN",
		".inf rejected with its line");
	IS_YAML(t, "- -.Inf\n", "ERR t.yaml:1: '-.Inf': JSON has no infinity or NaN", "-.Inf");
	IS_YAML(t, "x: !!float .nan\n", "ERR t.yaml:1: '.nan': JSON has no infinity or NaN",
		".nan");
	IS_YAML(t, "x: '.inf'\n", "{\"x\":\".inf\"}", "quoted .inf is a string");
	IS_YAML(t, "s: |\n  line one\n  line two\nf: >\n  folded\n  text\n",
		"{\"s\":\"line one\\nline two\\n\",\"f\":\"folded text\\n\"}", "block scalars");
	IS_YAML(t, "s: \"tab\\there \\u00e9 \\x41\"\n", "{\"s\":\"tab\\there \xc3\xa9 A\"}",
		"double-quoted escapes");
}

static void test_keys(struct tap *t)
{
	IS_YAML(t, "80: a\ntrue: b\n~: c\n1.5: d\n0x10: e\n\"q\": f\n",
		"{\"80\":\"a\",\"true\":\"b\",\"~\":\"c\",\"1.5\":\"d\",\"0x10\":\"e\",\"q\":\"f\"}",
		"scalar keys are their text");
	IS_YAML(t, "a: 1\nb: 2\na: 3\n", "ERR t.yaml:3: duplicate key 'a'", "duplicate key, line");
	IS_YAML(t, "\"80\": a\n80: b\n", "ERR t.yaml:2: duplicate key '80'",
		"quoted and plain 80 are the same key");
	IS_YAML(t, "x:\n  y: 1\n  z: 2\n  y: 3\n", "ERR t.yaml:4: duplicate key 'y'",
		"nested duplicate");
	IS_YAML(t, "? [a]\n: b\n", "ERR t.yaml:1: mapping key is a sequence, not a scalar",
		"sequence key");
	IS_YAML(t, "{? {a: 1} : b}", "ERR t.yaml:1: mapping key is a mapping, not a scalar",
		"mapping key");
	IS_YAML(t, "x: &m {a: 1}\n*m : 2\n", "ERR t.yaml:2: mapping key *m is not a scalar",
		"aliased mapping as key");
	IS_YAML(t, "&k 80: x\ny: *k\n*k : z\n", "ERR t.yaml:3: duplicate key '80'",
		"aliased scalar key");
	IS_YAML(t, "&k 80: x\ny: *k\n", "{\"80\":\"x\",\"y\":80}", "key anchor used as a value");
	IS_YAML(t, "\"a\\0b\": 1\n", "ERR t.yaml:1: mapping key contains a NUL character",
		"NUL in key");
	IS_YAML(t, "a: \"x\\0y\"\n", "{\"a\":\"x\\u0000y\"}", "NUL in a string value is kept");
}

static void test_styles(struct tap *t)
{
	char *block = yaml1("a:\n  - 1\n  - b: c\n    d: [e]\nf: {g: h}\n");
	char *flow = yaml1("{a: [1, {b: c, d: [e]}], f: {g: h}}");
	tap_is_str(t, block, flow, "block and flow styles give the same value");
	tap_is_str(t, block, "{\"a\":[1,{\"b\":\"c\",\"d\":[\"e\"]}],\"f\":{\"g\":\"h\"}}",
		   "which is right");
	free(block);
	free(flow);
}

static int keep_fn(void *ctx, json_t *obj, const char *name, unsigned long line)
{
	json_t **v = ctx;
	(void)name;
	(void)line;
	*v = json_incref(obj);
	return 0;
}

static void test_aliases(struct tap *t)
{
	IS_YAML(t,
		"base: &base\n"
		"  app: web\n"
		"  tier: front\n"
		"lbl: &lbl {x: 1}\n"
		"svc:\n"
		"  <<: *base\n"
		"  tier: back\n"
		"multi:\n"
		"  <<: [*lbl, *base]\n"
		"  x: 2\n"
		"early: {tier: mid, <<: *base}\n"
		"inline: {<<: {a: 1, b: 2}, b: 3}\n"
		"quoted: {\"<<\": {a: 1}}\n"
		"list: [*lbl, *lbl, *base]\n",
		"{\"base\":{\"app\":\"web\",\"tier\":\"front\"},\"lbl\":{\"x\":1},"
		"\"svc\":{\"app\":\"web\",\"tier\":\"back\"},"
		"\"multi\":{\"x\":2,\"app\":\"web\",\"tier\":\"front\"},"
		"\"early\":{\"tier\":\"mid\",\"app\":\"web\"},"
		"\"inline\":{\"a\":1,\"b\":3},"
		"\"quoted\":{\"<<\":{\"a\":1}},"
		"\"list\":[{\"x\":1},{\"x\":1},{\"app\":\"web\",\"tier\":\"front\"}]}",
		"anchors, aliases and merge keys; explicit keys win");
	IS_YAML(t, "a: {<<: {x: 1}, x: 2, x: 3}\n", "ERR t.yaml:1: duplicate key 'x'",
		"an explicit key overrides a merged one only once");
	IS_YAML(t, "a: &a [1]\nb: {<<: *a}\n",
		"ERR t.yaml:2: merge key '<<' takes a mapping or a list of mappings",
		"merge of a sequence");
	IS_YAML(t, "b: {<<: [{a: 1}, 2]}\n",
		"ERR t.yaml:1: merge key '<<' takes a mapping or a list of mappings",
		"merge of a list with a scalar");
	IS_YAML(t, "a: *nope\n", "ERR t.yaml:1: unknown anchor 'nope'", "unknown anchor");
	IS_YAML(t, "a: &a [*a]\n", "ERR t.yaml:1: unknown anchor 'a'",
		"an anchor cannot contain itself");
	IS_LOAD(t, "a: &a {x: 1}\n---\nb: *a\n", "1 {\"a\":{\"x\":1}}\nERR t.yaml:3: unknown anchor 'a'",
		"anchors do not cross documents");
	IS_YAML(t, "a: &x 1\nb: &x 2\nc: *x\n", "{\"a\":1,\"b\":2,\"c\":2}",
		"a redefined anchor means its latest node");

	/* Copies must be independent, so editing one does not edit another. */
	const char *text = "a: &a {x: [1]}\nb: *a\n";
	json_t *doc = NULL;
	struct lb_err err;
	lb_yaml_parse(text, strlen(text), "t", keep_fn, &doc, &err);
	json_t *a = json_object_get(doc, "a"), *b = json_object_get(doc, "b");
	tap_ok(t, a && b && a != b && json_object_get(a, "x") != json_object_get(b, "x"),
	       "an alias is a copy, not the same object");
	json_object_set_new(b, "y", json_true());
	tap_ok(t, !json_object_get(a, "y"), "editing the copy leaves the original");
	json_decref(doc);
}

static char *repeat(const char *head, const char *unit, size_t n, const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	char *s = malloc(hl + ul * n + tl + 1), *p = s;
	memcpy(p, head, hl);
	p += hl;
	for (size_t i = 0; i < n; i++, p += ul)
		memcpy(p, unit, ul);
	memcpy(p, tail, tl + 1);
	return s;
}

static void test_hostile(struct tap *t)
{
	static const char laughs[] = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n"
				     "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
				     "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
				     "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
				     "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
				     "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
				     "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
				     "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
				     "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
	char *got = yaml1(laughs);
	tap_ok(t, strstr(got, "ERR t.yaml:") && strstr(got, "alias bomb"),
	       "billion laughs rejected: %s", got);
	free(got);

	/* Moderate reuse is fine: the first five levels are 9^5 = 59049 leaves. */
	char *ok = strndup(laughs, (size_t)(strstr(laughs, "f:") - laughs));
	got = yaml1(ok);
	tap_ok(t, starts_with(got, "{\"a\":[\"lol\""), "a few levels of aliases are expanded");
	free(got);
	free(ok);

	/* Long keys make copies expensive too. */
	char *key = repeat("a: &a {? ", "k", 100000, " : 1}\nb: [");
	char *keys = repeat(key, "*a,", 2000, "]\n");
	got = yaml1(keys);
	tap_ok(t, strstr(got, "alias bomb") != NULL, "copies of long keys are counted: %.60s", got);
	free(got);
	free(keys);
	free(key);

	char *deep = repeat("", "[", 1000, "");
	got = yaml1(deep);
	tap_is_str(t, got, "ERR t.yaml:1: nesting deeper than 512 levels", "deep nesting");
	free(got);
	free(deep);

	char *inner = repeat("a: &a ", "[", 400, "x");
	char *closed = repeat(inner, "]", 400, "\nb: ");
	char *nested = repeat(closed, "[", 200, "*a");
	char *both = repeat(nested, "]", 200, "\n");
	got = yaml1(both);
	tap_is_str(t, got, "ERR t.yaml:2: nesting deeper than 512 levels",
		   "deep nesting through an alias");
	free(got);
	free(both);
	free(nested);
	free(closed);
	free(inner);

	char *block = repeat("", "- ", 600, "x\n");
	got = yaml1(block);
	tap_ok(t, starts_with(got, "ERR t.yaml:1:"), "deep block nesting: %.60s", got);
	free(got);
	free(block);
}

static void test_errors(struct tap *t)
{
	IS_LOAD(t, "a: 1\nb: [1, 2\nc: 3\n",
		"ERR t.yaml:3: did not find expected ',' or ']' while parsing a flow sequence at line 2",
		"syntax error names where and what");
	IS_LOAD(t, "a: 1\n  b: 2\n",
		"ERR t.yaml:2: mapping values are not allowed in this context", "bad indentation");
	IS_LOAD(t, "a: 1\nb: \"x\xff\"\n",
		"ERR t.yaml:2: invalid leading UTF-8 octet (byte 0xff)", "invalid UTF-8");
	IS_LOAD(t, "a: \"unterminated\n",
		"ERR t.yaml:2: found unexpected end of stream while scanning a quoted scalar at line 1",
		"unterminated string");
	IS_LOAD(t, "a:\tb\n\t- c\n", "ERR t.yaml:2: found a tab character that violates indentation "
				    "while scanning a plain scalar at line 1",
		"tab indentation");
}

static void test_lists(struct tap *t)
{
	IS_LOAD(t,
		"apiVersion: v1\n"
		"kind: List\n"
		"items:\n"
		"- apiVersion: v1\n"
		"  kind: Service\n"
		"  metadata: {name: a}\n"
		"- apiVersion: apps/v1\n"
		"  kind: Deployment\n"
		"  metadata: {name: b}\n",
		"1 {\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"a\"}}\n"
		"1 {\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"b\"}}",
		"kind: List expanded into its items");
	IS_LOAD(t,
		"apiVersion: v1\n"
		"kind: ServiceList\n"
		"metadata: {resourceVersion: \"12\"}\n"
		"items:\n"
		"- metadata: {name: a}\n"
		"- metadata: {name: b}\n"
		"  kind: Other\n"
		"  apiVersion: x/v1\n",
		"1 {\"metadata\":{\"name\":\"a\"},\"kind\":\"Service\",\"apiVersion\":\"v1\"}\n"
		"1 {\"metadata\":{\"name\":\"b\"},\"kind\":\"Other\",\"apiVersion\":\"x/v1\"}",
		"typed list: items get the list's kind and apiVersion when missing");
	IS_LOAD(t, "kind: List\nitems: [{metadata: {name: a}}]\n",
		"1 {\"metadata\":{\"name\":\"a\"}}", "kind: List does not invent item kinds");
	IS_LOAD(t, "apiVersion: v1\nkind: List\nitems: []\n", "", "empty List");
	IS_LOAD(t, "apiVersion: v1\nkind: List\nitems:\n", "", "null items");
	IS_LOAD(t, "kind: List\nitems: [a]\n", "ERR t.yaml:1: List item 0 is not a mapping",
		"item not a mapping");
	IS_LOAD(t, "kind: List\nitems: {a: 1}\n", "ERR t.yaml:1: List: items is not a list",
		"items not a list");
	IS_LOAD(t, "kind: Service\nitems: [1]\n", "1 {\"kind\":\"Service\",\"items\":[1]}",
		"other kinds pass through");
	IS_LOAD(t, "a: 1\n---\nkind: ConfigMapList\napiVersion: v1\nitems: [{data: {}}]\n",
		"1 {\"a\":1}\n3 {\"data\":{},\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\"}",
		"list in a later document: its line");
}

static void test_json(struct tap *t)
{
	IS_LOAD(t, "{\"kind\":\"Service\",\"spec\":{\"ports\":[{\"port\":80}]}}",
		"1 {\"kind\":\"Service\",\"spec\":{\"ports\":[{\"port\":80}]}}", "one JSON object");
	IS_LOAD(t, "\xef\xbb\xbf\n  {\"a\":1}\n{\"b\":2} {\"c\":3}\n\n{\"d\":\n4}\n",
		"2 {\"a\":1}\n3 {\"b\":2}\n3 {\"c\":3}\n5 {\"d\":4}",
		"concatenated JSON values, BOM, their lines");
	IS_LOAD(t, "{\"kind\":\"List\",\"items\":[{\"a\":1},{\"b\":2}]}", "1 {\"a\":1}\n1 {\"b\":2}",
		"JSON List expanded");
	IS_LOAD(t, "{\"a\":1}\n\n{\"b\":}", "1 {\"a\":1}\nERR t.yaml:3: unexpected token near '}'",
		"JSON syntax error with line");
	IS_LOAD(t, "{\"a\":1,\"a\":2}", "ERR t.yaml:1: duplicate key 'a'",
		"JSON duplicate key (refused by the YAML reading too)");
	IS_LOAD(t, "[{\"a\":1}]", "ERR t.yaml:1: document is not a mapping", "JSON array");
	IS_LOAD(t, "{\"a\":1} 5", "1 {\"a\":1}\nERR t.yaml:1: document is not a mapping",
		"JSON scalar after an object");
	IS_LOAD(t, "{\"a\":\"\xff\"}", "ERR t.yaml:1: invalid leading UTF-8 octet (byte 0xff)",
		"JSON invalid UTF-8");
	/* kubectl refuses this; a YAML flow mapping is valid YAML, so read it. */
	IS_LOAD(t, "{a: 1}", "1 {\"a\":1}", "starts like JSON but is YAML flow style: read as YAML");
	IS_LOAD(t, "[{kind: A}, {kind: B}]", "ERR t.yaml:1: document is not a mapping",
		"a YAML flow sequence is a document, not a list of objects");
}

static const char metallb[] = "# MetalLB configuration\n"
			      "apiVersion: metallb.io/v1beta1\n"
			      "kind: IPAddressPool\n"
			      "metadata:\n"
			      "  name: production\n"
			      "  namespace: metallb-system\n"
			      "spec:\n"
			      "  addresses:\n"
			      "  - 192.0.2.0/28\n"
			      "  - 198.51.100.10-198.51.100.20\n"
			      "  - 2001:db8::/120\n"
			      "  autoAssign: false\n"
			      "  avoidBuggyIPs: yes\n"
			      "  serviceAllocation:\n"
			      "    priority: 50\n"
			      "    namespaces: [web]\n"
			      "---\n"
			      "apiVersion: v1\n"
			      "kind: Service\n"
			      "metadata:\n"
			      "  name: web\n"
			      "  namespace: web\n"
			      "  annotations:\n"
			      "    metallb.universe.tf/address-pool: production\n"
			      "    metallb.universe.tf/loadBalancerIPs: 192.0.2.10\n"
			      "    metallb.universe.tf/allow-shared-ip: \"true\"\n"
			      "  labels: {app: web, version: \"1.0\"}\n"
			      "spec:\n"
			      "  type: LoadBalancer\n"
			      "  externalTrafficPolicy: Local\n"
			      "  ipFamilyPolicy: PreferDualStack\n"
			      "  selector:\n"
			      "    app: web\n"
			      "  ports:\n"
			      "  - name: http\n"
			      "    port: 80\n"
			      "    targetPort: 8080\n"
			      "    protocol: TCP\n"
			      "  - name: https\n"
			      "    port: 443\n"
			      "    targetPort: https\n";

static int realistic_fn(void *ctx, json_t *obj, const char *name, unsigned long line)
{
	json_t **docs = ctx;
	(void)name;
	json_array_append_new(docs[0], json_pack("{s:O, s:i}", "obj", obj, "line", (int)line));
	return 0;
}

static void test_realistic(struct tap *t)
{
	json_t *docs = json_array();
	struct lb_err err;
	char path[] = "/tmp/u-manifest-XXXXXX";
	int fd = mkstemp(path);

	tap_ok(t, fd >= 0 && write(fd, metallb, sizeof(metallb) - 1) == sizeof(metallb) - 1,
	       "temporary file written");
	close(fd);
	int rc = lb_manifest_load_file(path, realistic_fn, &docs, &err);
	unlink(path);
	tap_is_int(t, rc, 0, "MetalLB pool and Service load");
	tap_is_int(t, json_array_size(docs), 2, "two objects");

	json_t *pool = json_object_get(json_array_get(docs, 0), "obj");
	json_t *svc = json_object_get(json_array_get(docs, 1), "obj");
	tap_is_int(t, json_integer_value(json_object_get(json_array_get(docs, 0), "line")), 2,
		   "pool starts at line 2");
	tap_is_int(t, json_integer_value(json_object_get(json_array_get(docs, 1), "line")), 18,
		   "Service starts at line 18");
	json_t *addrs = json_object_get(json_object_get(pool, "spec"), "addresses");
	tap_is_int(t, json_array_size(addrs), 3, "three address ranges");
	tap_is_str(t, json_string_value(json_array_get(addrs, 2)), "2001:db8::/120",
		   "IPv6 CIDR stays a string");
	tap_ok(t, json_is_false(json_object_get(json_object_get(pool, "spec"), "autoAssign")),
	       "autoAssign: false is a boolean");
	tap_ok(t, json_is_true(json_object_get(json_object_get(pool, "spec"), "avoidBuggyIPs")),
	       "yes is true");
	json_t *ann = json_object_get(json_object_get(svc, "metadata"), "annotations");
	tap_is_str(t, json_string_value(json_object_get(ann, "metallb.universe.tf/loadBalancerIPs")),
		   "192.0.2.10", "IP annotation is a string");
	tap_is_str(t, json_string_value(json_object_get(ann, "metallb.universe.tf/allow-shared-ip")),
		   "true", "quoted \"true\" annotation stays a string");
	tap_is_str(t,
		   json_string_value(json_object_get(
			   json_object_get(json_object_get(svc, "metadata"), "labels"), "version")),
		   "1.0", "quoted version label stays a string");
	json_t *ports = json_object_get(json_object_get(svc, "spec"), "ports");
	json_t *p0 = json_array_get(ports, 0), *p1 = json_array_get(ports, 1);
	tap_ok(t, json_is_integer(json_object_get(p0, "port")) &&
			  json_integer_value(json_object_get(p0, "port")) == 80,
	       "port 80 is an integer");
	tap_ok(t, json_integer_value(json_object_get(p0, "targetPort")) == 8080,
	       "numeric targetPort is an integer");
	tap_is_str(t, json_string_value(json_object_get(p1, "targetPort")), "https",
		   "named targetPort is a string");
	json_decref(docs);

	rc = lb_manifest_load_file("/nonexistent/pools.yaml", realistic_fn, &docs, &err);
	tap_is_int(t, rc, -1, "missing file");
	tap_is_str(t, err.msg, "/nonexistent/pools.yaml: No such file or directory",
		   "names path and reason");
	rc = lb_manifest_load_file("/tmp", realistic_fn, &docs, &err);
	tap_is_str(t, err.msg, "/tmp: Is a directory", "directory");
}

int main(void)
{
	struct tap t = {0};

	test_documents(&t);
	test_scalars(&t);
	test_keys(&t);
	test_styles(&t);
	test_aliases(&t);
	test_hostile(&t);
	test_errors(&t);
	test_lists(&t);
	test_json(&t);
	test_realistic(&t);
	return tap_done(&t);
}
