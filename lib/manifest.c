#include "manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

/* Deeper than any real manifest, shallow enough that every recursive walk
 * over the result (ours, jansson's, the caller's) is safe. */
#define MAX_DEPTH 512
/* Alias expansion budget, in nodes (plus key bytes / KEY_BYTES_PER_NODE,
 * since copying a mapping copies its keys). A document without aliases
 * has at most about one node per input byte, so 2 per byte covers any of
 * them; aliases may add a million more, in line with go-yaml's own
 * "excessive aliasing" limit, and far below what a "billion laughs"
 * document asks for. The extra is fixed rather than proportional to the
 * input, so a large file cannot buy a proportionally large explosion:
 * a million copied mappings is already ~250 MB. */
#define ALIAS_BUDGET 1000000u
#define BUDGET_PER_INPUT_BYTE 2u
#define KEY_BYTES_PER_NODE 8
#define MAX_FILE (256u << 20)

#define TAG_PREFIX "tag:yaml.org,2002:"

struct anchor {
	char *name;
	json_t *value;     /* NULL for a key whose text has no JSON value (.inf) */
	char *text;        /* scalar text, so the alias can also be a key; else NULL */
	size_t weight;     /* budget an expansion costs */
	unsigned height;   /* levels the value adds below where the alias sits */
};

struct frame {
	json_t *node; /* the object or array being filled */
	char *anchor;
	unsigned long line;
	size_t weight_start;
	unsigned height;
	/* mappings only */
	char *key; /* pending key; NULL while a key is expected */
	unsigned long key_line;
	int key_is_merge;
	json_t *merged; /* keys that came from "<<" and that explicit keys may override */
};

struct loader {
	const char *name, *data;
	size_t len;
	struct lb_err *err;
	yaml_parser_t parser;
	struct frame stack[MAX_DEPTH];
	unsigned depth;
	struct anchor *anchors;
	size_t nanchors, anchors_cap;
	json_t *anchor_index; /* name -> index in anchors */
	json_t *root;
	unsigned long root_line;
	size_t weight, budget;
};

static int fail(struct loader *ld, unsigned long line, const char *fmt, ...) LB_PRINTF(3, 4);

static int fail(struct loader *ld, unsigned long line, const char *fmt, ...)
{
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return lb_err_set(ld->err, "%s:%lu: %s", ld->name, line, what);
}

/* Scalars are shown in messages, but never at any length. */
#define SHOW_MAX 60
#define SHOW(s, n) (int)((n) > SHOW_MAX ? SHOW_MAX : (n)), (s), ((n) > SHOW_MAX ? "..." : "")

static unsigned long line_at(const char *data, size_t len, size_t offset)
{
	unsigned long line = 1;

	if (offset > len)
		offset = len;
	for (size_t i = 0; i < offset; i++)
		line += data[i] == '\n';
	return line;
}

static int parser_failed(struct loader *ld)
{
	const yaml_parser_t *p = &ld->parser;
	const char *problem = p->problem ? p->problem : "invalid YAML";

	if (p->error == YAML_MEMORY_ERROR)
		return lb_err_set(ld->err, "%s: out of memory parsing YAML", ld->name);
	if (p->error == YAML_READER_ERROR) {
		unsigned long line = line_at(ld->data, ld->len, p->problem_offset);
		if (p->problem_value != -1)
			return fail(ld, line, "%s (byte 0x%02x)", problem, (unsigned)p->problem_value & 0xff);
		return fail(ld, line, "%s", problem);
	}
	if (p->context)
		return fail(ld, (unsigned long)p->problem_mark.line + 1, "%s %s at line %lu", problem, p->context,
			    (unsigned long)p->context_mark.line + 1);
	return fail(ld, (unsigned long)p->problem_mark.line + 1, "%s", problem);
}

static int charge(struct loader *ld, size_t weight, unsigned long line)
{
	if (weight > ld->budget - ld->weight)
		return fail(ld, line, "aliases expand to more than %zu nodes (alias bomb?)",
			    ld->budget);
	ld->weight += weight;
	return 0;
}

/* ---- Scalar resolution: YAML 1.1 as go-yaml v2 (and so kubectl) does it. */

enum scalar_kind { S_NULL, S_BOOL, S_INT, S_FLOAT, S_STR, S_UNREPRESENTABLE };

static int is_word(const char *s, size_t n, const char *const *words, size_t nwords)
{
	for (size_t i = 0; i < nwords; i++)
		if (strlen(words[i]) == n && !memcmp(s, words[i], n))
			return 1;
	return 0;
}

#define N_WORDS(a) (sizeof(a) / sizeof((a)[0]))
static const char *const true_words[] = {"y",    "Y",    "yes", "Yes", "YES", "true",
					 "True", "TRUE", "on",  "On",  "ON"};
static const char *const false_words[] = {"n",     "N",     "no",  "No",  "NO", "false",
					  "False", "FALSE", "off", "Off", "OFF"};
static const char *const null_words[] = {"~", "null", "Null", "NULL"};
static const char *const special_floats[] = {".nan",  ".NaN",  ".NAN",  ".inf",  ".Inf",
					     ".INF",  "+.inf", "+.Inf", "+.INF", "-.inf",
					     "-.Inf", "-.INF"};

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? : go-yaml's float syntax. */
static int is_float_syntax(const char *s, size_t n)
{
	size_t i = 0, digits = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
		if (!digits)
			return 0;
	} else {
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
		if (!digits)
			return 0;
		if (i < n && s[i] == '.')
			for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
				;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (digits = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
		if (!digits)
			return 0;
	}
	return i == n;
}

/* Go's strconv.ParseInt(s, 0, 64) syntax: sign, then 0x / 0o / 0b / 0
 * (octal) prefixes or decimal. Returns 0 if s is not an integer at all. */
static int parse_int(const char *s, size_t n, int *neg, uint64_t *mag, int *overflow,
		     int *decimal)
{
	size_t i = 0;
	unsigned base = 10;

	*neg = *overflow = 0;
	*decimal = 1;
	*mag = 0;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		*neg = s[i++] == '-';
	if (i == n)
		return 0;
	if (s[i] == '0' && i + 1 < n) {
		*decimal = 0;
		char p = s[i + 1];
		if (p == 'x' || p == 'X')
			base = 16, i += 2;
		else if (p == 'o' || p == 'O')
			base = 8, i += 2;
		else if (p == 'b' || p == 'B')
			base = 2, i += 2;
		else
			base = 8, i += 1;
		if (i == n)
			return 0;
	}
	for (; i < n; i++) {
		unsigned d;
		char c = s[i];
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a') + 10;
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A') + 10;
		else
			return 0;
		if (d >= base)
			return 0;
		if (*mag > (UINT64_MAX - d) / base)
			*overflow = 1;
		else
			*mag = *mag * base + d;
	}
	return 1;
}

/* s is NUL-terminated and has float syntax. */
static enum scalar_kind float_value(const char *s, json_t **out)
{
	double d = strtod(s, NULL);

	if (isinf(d))
		return S_STR; /* Go's ParseFloat fails, so go-yaml keeps the string */
	*out = json_real(d);
	return S_FLOAT;
}

/* The value a plain scalar stands for; *out is set for every kind but STR
 * and UNREPRESENTABLE. */
static enum scalar_kind resolve_plain(const char *s, size_t n, json_t **out)
{
	*out = NULL;
	if (n == 0 || is_word(s, n, null_words, N_WORDS(null_words))) {
		*out = json_null();
		return S_NULL;
	}
	if (is_word(s, n, true_words, N_WORDS(true_words))) {
		*out = json_true();
		return S_BOOL;
	}
	if (is_word(s, n, false_words, N_WORDS(false_words))) {
		*out = json_false();
		return S_BOOL;
	}
	if (is_word(s, n, special_floats, N_WORDS(special_floats)))
		return S_UNREPRESENTABLE;
	if (s[0] == '.') {
		if (!is_float_syntax(s, n))
			return S_STR;
		char *copy = strndup(s, n);
		enum scalar_kind kind = copy ? float_value(copy, out) : S_STR;
		free(copy);
		return kind;
	}
	if (!(s[0] == '+' || s[0] == '-' || (s[0] >= '0' && s[0] <= '9')))
		return S_STR;

	/* go-yaml drops every '_' before trying numbers ("1_000" is 1000). */
	char *plain = malloc(n + 1);
	size_t m = 0;
	if (!plain)
		return S_STR;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '_')
			plain[m++] = s[i];
	plain[m] = '\0';

	enum scalar_kind kind = S_STR;
	int neg, overflow, decimal;
	uint64_t mag;
	if (parse_int(plain, m, &neg, &mag, &overflow, &decimal) && !overflow &&
	    mag <= (uint64_t)INT64_MAX + neg) {
		*out = json_integer(neg ? (json_int_t)(0 - mag) : (json_int_t)mag);
		kind = S_INT;
	} else if (parse_int(plain, m, &neg, &mag, &overflow, &decimal) && !overflow && !neg) {
		/* Fits uint64 (go-yaml's uint64), not JSON's int64. */
		*out = json_real((double)mag);
		kind = S_INT;
	} else if (is_float_syntax(plain, m)) {
		kind = float_value(plain, out);
	}
	free(plain);
	return kind;
}

static const char *tag_suffix(const char *tag)
{
	size_t n = strlen(TAG_PREFIX);
	return strncmp(tag, TAG_PREFIX, n) ? NULL : tag + n;
}

/* Every quoted scalar is a string; a plain one is resolved; a standard tag
 * forces a type the text must fit; any other tag leaves the text a string. */
static json_t *scalar_value(struct loader *ld, const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	const char *tag = (const char *)ev->data.scalar.tag;
	const char *type = tag ? tag_suffix(tag) : NULL;
	unsigned long line = ev->start_mark.line + 1;
	json_t *v = NULL;
	enum scalar_kind kind;

	if (!type || !strcmp(type, "str")) {
		if (tag || !ev->data.scalar.plain_implicit)
			goto string;
		kind = resolve_plain(s, n, &v);
	} else if (!strcmp(type, "null") || !strcmp(type, "bool") || !strcmp(type, "int") ||
		   !strcmp(type, "float")) {
		kind = resolve_plain(s, n, &v);
		int fits = (!strcmp(type, "null") && kind == S_NULL) ||
			   (!strcmp(type, "bool") && kind == S_BOOL) ||
			   (!strcmp(type, "int") && kind == S_INT) ||
			   (!strcmp(type, "float") &&
			    (kind == S_INT || kind == S_FLOAT || kind == S_UNREPRESENTABLE));
		if (!fits) {
			json_decref(v);
			fail(ld, line, "'%.*s%s' is not a valid !!%s", SHOW(s, n), type);
			return NULL;
		}
		if (!strcmp(type, "float") && json_is_integer(v)) {
			json_t *r = json_real((double)json_integer_value(v));
			json_decref(v);
			v = r;
		}
	} else {
		goto string;
	}
	if (kind == S_UNREPRESENTABLE) {
		fail(ld, line, "'%.*s%s': JSON has no infinity or NaN", SHOW(s, n));
		return NULL;
	}
	if (kind != S_STR) {
		if (!v)
			fail(ld, line, "out of memory");
		return v;
	}
string:
	v = json_stringn(s, n);
	if (!v)
		fail(ld, line, "out of memory or invalid UTF-8 in '%.*s%s'", SHOW(s, n));
	return v;
}

/* ---- Anchors and aliases */

static void anchor_clear(struct anchor *a)
{
	free(a->name);
	free(a->text);
	json_decref(a->value);
	memset(a, 0, sizeof(*a));
}

static void anchors_reset(struct loader *ld)
{
	for (size_t i = 0; i < ld->nanchors; i++)
		anchor_clear(&ld->anchors[i]);
	ld->nanchors = 0;
	json_object_clear(ld->anchor_index);
}

/* A later anchor of the same name replaces the earlier one (YAML 1.2 §3.2.2.2). */
static int anchor_define(struct loader *ld, const char *name, json_t *value, const char *text,
			 size_t textlen, size_t weight, unsigned height, unsigned long line)
{
	struct anchor a = {.weight = weight, .height = height};
	json_t *idx = json_object_get(ld->anchor_index, name);
	size_t slot;

	a.name = strdup(name);
	a.text = text ? strndup(text, textlen) : NULL;
	if (!a.name || (text && !a.text))
		goto oom;
	a.value = json_incref(value);
	if (idx) {
		slot = (size_t)json_integer_value(idx);
		anchor_clear(&ld->anchors[slot]);
	} else {
		if (ld->nanchors == ld->anchors_cap) {
			size_t cap = ld->anchors_cap ? 2 * ld->anchors_cap : 16;
			struct anchor *grown = realloc(ld->anchors, cap * sizeof(*grown));
			if (!grown)
				goto oom;
			ld->anchors = grown;
			ld->anchors_cap = cap;
		}
		slot = ld->nanchors;
		if (json_object_set_new(ld->anchor_index, name, json_integer((json_int_t)slot)))
			goto oom;
		ld->nanchors++;
	}
	ld->anchors[slot] = a;
	return 0;
oom:
	anchor_clear(&a);
	return fail(ld, line, "out of memory");
}

static struct anchor *anchor_find(struct loader *ld, const char *name)
{
	json_t *idx = json_object_get(ld->anchor_index, name);
	return idx ? &ld->anchors[json_integer_value(idx)] : NULL;
}

/* Containers are copied, scalars shared: an alias repeats structure, and
 * the copies must be independent objects for the caller to edit. */
static json_t *copy_containers(json_t *v)
{
	json_t *copy;

	if (json_is_object(v)) {
		const char *key;
		json_t *child;
		copy = json_object();
		if (!copy)
			return NULL;
		json_object_foreach(v, key, child) {
			if (json_object_set_new_nocheck(copy, key, copy_containers(child))) {
				json_decref(copy);
				return NULL;
			}
		}
		return copy;
	}
	if (json_is_array(v)) {
		size_t i;
		json_t *child;
		copy = json_array();
		if (!copy)
			return NULL;
		json_array_foreach(v, i, child) {
			if (json_array_append_new(copy, copy_containers(child))) {
				json_decref(copy);
				return NULL;
			}
		}
		return copy;
	}
	return json_incref(v);
}

/* ---- Building values */

static int set_key(struct loader *ld, struct frame *f, json_t *value)
{
	if (json_object_get(f->node, f->key)) {
		/* Explicit keys override merged ones, wherever "<<" stands. */
		if (!f->merged || json_object_del(f->merged, f->key)) {
			json_decref(value);
			return fail(ld, f->key_line, "duplicate key '%.*s%s'",
				    SHOW(f->key, strlen(f->key)));
		}
	}
	if (json_object_set_new_nocheck(f->node, f->key, value))
		return fail(ld, f->key_line, "out of memory");
	return 0;
}

static int merge_one(struct loader *ld, struct frame *f, json_t *src)
{
	const char *key;
	json_t *value;

	if (!f->merged && !(f->merged = json_object()))
		return fail(ld, f->key_line, "out of memory");
	json_object_foreach(src, key, value) {
		/* Explicit keys and earlier merged mappings win (YAML merge key spec). */
		if (json_object_get(f->node, key))
			continue;
		if (json_object_set_nocheck(f->node, key, value) ||
		    json_object_set_nocheck(f->merged, key, json_null()))
			return fail(ld, f->key_line, "out of memory");
	}
	return 0;
}

/* "<<: *base" or "<<: [*a, *b]" (https://yaml.org/type/merge.html). */
static int merge(struct loader *ld, struct frame *f, json_t *src)
{
	int rc = 0;

	if (json_is_object(src)) {
		rc = merge_one(ld, f, src);
	} else if (json_is_array(src)) {
		size_t i;
		json_t *m;
		json_array_foreach(src, i, m) {
			if (!json_is_object(m)) {
				rc = fail(ld, f->key_line,
					  "merge key '<<' takes a mapping or a list of mappings");
				break;
			}
			if ((rc = merge_one(ld, f, m)) < 0)
				break;
		}
	} else {
		rc = fail(ld, f->key_line, "merge key '<<' takes a mapping or a list of mappings");
	}
	json_decref(src);
	return rc;
}

/* A finished value goes to its parent (or becomes the document root). */
static int attach(struct loader *ld, json_t *value, unsigned height)
{
	if (ld->depth == 0) {
		ld->root = value;
		return 0;
	}
	struct frame *f = &ld->stack[ld->depth - 1];
	if (f->height < height + 1)
		f->height = height + 1;
	if (json_is_array(f->node)) {
		if (json_array_append_new(f->node, value))
			return fail(ld, f->line, "out of memory");
		return 0;
	}
	int rc = f->key_is_merge ? merge(ld, f, value) : set_key(ld, f, value);
	free(f->key);
	f->key = NULL;
	return rc;
}

static int expecting_key(const struct loader *ld)
{
	const struct frame *f = ld->depth ? &ld->stack[ld->depth - 1] : NULL;
	return f && json_is_object(f->node) && !f->key;
}

/* Keys are taken as their text, as JSON needs strings ("80: x" has key "80"). */
static int take_key(struct loader *ld, const char *text, size_t n, int is_merge,
		    unsigned long line)
{
	struct frame *f = &ld->stack[ld->depth - 1];

	if (memchr(text, '\0', n))
		return fail(ld, line, "mapping key contains a NUL character");
	if (charge(ld, 1 + n / KEY_BYTES_PER_NODE, line) < 0)
		return -1;
	f->key = strndup(text, n);
	if (!f->key)
		return fail(ld, line, "out of memory");
	f->key_line = line;
	f->key_is_merge = is_merge;
	return 0;
}

static int on_scalar(struct loader *ld, const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	const char *anchor = (const char *)ev->data.scalar.anchor;
	const char *tag = (const char *)ev->data.scalar.tag;
	unsigned long line = ev->start_mark.line + 1;

	if (expecting_key(ld)) {
		int is_merge = n == 2 && !memcmp(s, "<<", 2) &&
			       ((!tag && ev->data.scalar.plain_implicit) ||
				(tag && !strcmp(tag, TAG_PREFIX "merge")));
		if (take_key(ld, s, n, is_merge, line) < 0)
			return -1;
		if (anchor) {
			/* The same node may be aliased later as a value. */
			struct lb_err quiet;
			struct lb_err *saved = ld->err;
			ld->err = &quiet;
			json_t *v = scalar_value(ld, ev);
			ld->err = saved;
			int rc = anchor_define(ld, anchor, v, s, n, 1, 1, line);
			json_decref(v);
			return rc;
		}
		return 0;
	}
	if (ld->depth == 0)
		ld->root_line = line;
	if (charge(ld, 1, line) < 0)
		return -1;
	json_t *v = scalar_value(ld, ev);
	if (!v)
		return -1;
	if (anchor && anchor_define(ld, anchor, v, s, n, 1, 1, line) < 0) {
		json_decref(v);
		return -1;
	}
	return attach(ld, v, 1);
}

static int on_alias(struct loader *ld, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	unsigned long line = ev->start_mark.line + 1;
	struct anchor *a = anchor_find(ld, name);

	if (!a)
		return fail(ld, line, "unknown anchor '%.*s%s'", SHOW(name, strlen(name)));
	if (expecting_key(ld)) {
		if (!a->text)
			return fail(ld, line, "mapping key *%.*s%s is not a scalar",
				    SHOW(name, strlen(name)));
		return take_key(ld, a->text, strlen(a->text), 0, line);
	}
	if (!a->value)
		return fail(ld, line, "alias *%.*s%s names a key with no JSON value",
			    SHOW(name, strlen(name)));
	if (ld->depth + a->height > MAX_DEPTH)
		return fail(ld, line, "nesting deeper than %d levels", MAX_DEPTH);
	if (ld->depth == 0)
		ld->root_line = line;
	if (charge(ld, a->weight, line) < 0)
		return -1;
	json_t *copy = copy_containers(a->value);
	if (!copy)
		return fail(ld, line, "out of memory");
	return attach(ld, copy, a->height);
}

static int on_start(struct loader *ld, const yaml_event_t *ev, int mapping)
{
	unsigned long line = ev->start_mark.line + 1;
	const yaml_char_t *anchor =
		mapping ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;

	if (expecting_key(ld))
		return fail(ld, line, "mapping key is a %s, not a scalar",
			    mapping ? "mapping" : "sequence");
	if (ld->depth == MAX_DEPTH)
		return fail(ld, line, "nesting deeper than %d levels", MAX_DEPTH);
	if (ld->depth == 0)
		ld->root_line = line;
	if (charge(ld, 1, line) < 0)
		return -1;
	struct frame *f = &ld->stack[ld->depth];
	memset(f, 0, sizeof(*f));
	f->node = mapping ? json_object() : json_array();
	f->anchor = anchor ? strdup((const char *)anchor) : NULL;
	f->line = line;
	f->weight_start = ld->weight - 1;
	f->height = 1;
	ld->depth++;
	if (!f->node || (anchor && !f->anchor))
		return fail(ld, line, "out of memory");
	return 0;
}

static void frame_free(struct frame *f)
{
	json_decref(f->node);
	json_decref(f->merged);
	free(f->anchor);
	free(f->key);
	memset(f, 0, sizeof(*f));
}

static int on_end(struct loader *ld)
{
	struct frame *f = &ld->stack[ld->depth - 1];
	json_t *node = json_incref(f->node);
	unsigned height = f->height;
	int rc = 0;

	if (f->anchor)
		rc = anchor_define(ld, f->anchor, node, NULL, 0, ld->weight - f->weight_start,
				   height, f->line);
	frame_free(f);
	ld->depth--;
	if (rc < 0) {
		json_decref(node);
		return -1;
	}
	return attach(ld, node, height);
}

int lb_yaml_parse(const char *data, size_t len, const char *name, lb_manifest_fn fn, void *ctx,
		  struct lb_err *err)
{
	struct loader *ld = calloc(1, sizeof(*ld));
	int rc = 0, done = 0;

	if (!ld || !(ld->anchor_index = json_object())) {
		free(ld);
		return lb_err_set(err, "%s: out of memory", name);
	}
	ld->name = name;
	ld->data = data;
	ld->len = len;
	ld->err = err;
	ld->budget = len < (SIZE_MAX - ALIAS_BUDGET) / BUDGET_PER_INPUT_BYTE
			     ? ALIAS_BUDGET + len * BUDGET_PER_INPUT_BYTE
			     : SIZE_MAX;
	if (!yaml_parser_initialize(&ld->parser)) {
		json_decref(ld->anchor_index);
		free(ld);
		return lb_err_set(err, "%s: out of memory", name);
	}
	yaml_parser_set_input_string(&ld->parser, (const unsigned char *)data, len);

	while (!done && rc == 0) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&ld->parser, &ev)) {
			rc = parser_failed(ld);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			ld->root = NULL;
			ld->root_line = ev.start_mark.line + 1;
			break;
		case YAML_DOCUMENT_END_EVENT:
			/* Anchors are local to their document (YAML 1.2 §7.1). */
			anchors_reset(ld);
			if (ld->root && !json_is_null(ld->root))
				rc = fn(ctx, ld->root, name, ld->root_line);
			json_decref(ld->root);
			ld->root = NULL;
			break;
		case YAML_SCALAR_EVENT:
			rc = on_scalar(ld, &ev);
			break;
		case YAML_ALIAS_EVENT:
			rc = on_alias(ld, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			rc = on_start(ld, &ev, 0);
			break;
		case YAML_MAPPING_START_EVENT:
			rc = on_start(ld, &ev, 1);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			rc = on_end(ld);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}

	while (ld->depth)
		frame_free(&ld->stack[--ld->depth]);
	json_decref(ld->root);
	anchors_reset(ld);
	free(ld->anchors);
	json_decref(ld->anchor_index);
	yaml_parser_delete(&ld->parser);
	free(ld);
	return rc;
}

/* ---- Manifests */

struct manifest_walk {
	lb_manifest_fn fn;
	void *ctx;
	struct lb_err *err;
};

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* kubectl flattens List kinds (kind: List, and typed lists such as
 * ServiceList as the API returns them) into their items. Items of typed
 * lists carry no kind/apiVersion of their own, so they get the list's. */
static int emit_document(void *arg, json_t *doc, const char *name, unsigned long line)
{
	struct manifest_walk *w = arg;

	if (!json_is_object(doc))
		return lb_err_set(w->err, "%s:%lu: document is not a mapping", name, line);
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	json_t *items = json_object_get(doc, "items");
	if (!kind || !ends_with(kind, "List") || !items)
		return w->fn(w->ctx, doc, name, line);
	if (json_is_null(items))
		return 0;
	if (!json_is_array(items))
		return lb_err_set(w->err, "%s:%lu: %s: items is not a list", name, line, kind);

	int typed = strcmp(kind, "List") != 0;
	json_t *api_version = json_object_get(doc, "apiVersion");
	json_t *item_kind = typed ? json_stringn(kind, strlen(kind) - 4) : NULL;
	size_t i;
	json_t *item;
	int rc = 0;

	json_array_foreach(items, i, item) {
		if (!json_is_object(item)) {
			rc = lb_err_set(w->err, "%s:%lu: %s item %zu is not a mapping", name, line,
					kind, i);
			break;
		}
		if (typed && !json_object_get(item, "kind"))
			json_object_set(item, "kind", item_kind);
		if (typed && json_is_string(api_version) && !json_object_get(item, "apiVersion"))
			json_object_set(item, "apiVersion", api_version);
		if ((rc = w->fn(w->ctx, item, name, line)) != 0)
			break;
	}
	json_decref(item_kind);
	return rc;
}

static int is_json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The first value is not JSON after all: a YAML flow mapping or sequence
 * ("{kind: Service, …}") starts the same way. */
#define LOAD_JSON_NOT_JSON 2

/* A stream of JSON values one after another, as kubectl accepts. */
static int load_json(const char *data, size_t len, const char *name, struct manifest_walk *w)
{
	size_t off = 0, counted = 0;
	unsigned long line = 1;

	for (;;) {
		while (off < len && is_json_space(data[off]))
			off++;
		if (off == len)
			return 0;
		for (; counted < off; counted++)
			line += data[counted] == '\n';

		json_error_t jerr;
		json_t *v = json_loadb(data + off, len - off,
				       JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES |
					       JSON_DECODE_ANY,
				       &jerr);
		if (!v && off == 0)
			return LOAD_JSON_NOT_JSON;
		if (!v)
			return lb_err_set(w->err, "%s:%lu: %s", name,
					  line + (unsigned long)(jerr.line > 0 ? jerr.line - 1 : 0),
					  jerr.text);
		int rc = emit_document(w, v, name, line);
		json_decref(v);
		if (rc)
			return rc;
		if (jerr.position <= 0 || (size_t)jerr.position > len - off)
			return lb_err_set(w->err, "%s:%lu: cannot find the end of this JSON value",
					  name, line);
		off += (size_t)jerr.position;
	}
}

int lb_manifest_load_buffer(const char *data, size_t len, const char *name, lb_manifest_fn fn,
			    void *ctx, struct lb_err *err)
{
	struct manifest_walk w = {fn, ctx, err};
	size_t i = 0;

	/* kubectl's rule: JSON if it starts like JSON, YAML otherwise; and YAML
	 * after all when the first value is not valid JSON. */
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		i = 3;
	size_t start = i;
	while (i < len && is_json_space(data[i]))
		i++;
	if (i < len && (data[i] == '{' || data[i] == '[')) {
		int rc = load_json(data + start, len - start, name, &w);
		if (rc != LOAD_JSON_NOT_JSON)
			return rc;
	}
	return lb_yaml_parse(data, len, name, emit_document, &w, err);
}

static int read_all(const char *path, char **out, size_t *outlen, struct lb_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t cap, len = 0;
	char *buf = NULL;

	if (fd < 0)
		return lb_err_set(err, "%s: %s", path, strerror(errno));
	cap = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
			      (uint64_t)st.st_size < MAX_FILE
		      ? (size_t)st.st_size + 1
		      : 65536;
	for (;;) {
		if (len == cap || !buf) {
			if (len == cap)
				cap *= 2;
			if (cap > MAX_FILE + 1) {
				free(buf);
				close(fd);
				return lb_err_set(err, "%s: larger than %u MiB", path, MAX_FILE >> 20);
			}
			char *grown = realloc(buf, cap);
			if (!grown) {
				free(buf);
				close(fd);
				return lb_err_set(err, "%s: out of memory", path);
			}
			buf = grown;
		}
		ssize_t got = read(fd, buf + len, cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int saved = errno;
			free(buf);
			close(fd);
			return lb_err_set(err, "%s: %s", path, strerror(saved));
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	*out = buf;
	*outlen = len;
	return 0;
}

int lb_manifest_load_file(const char *path, lb_manifest_fn fn, void *ctx, struct lb_err *err)
{
	char *data = NULL;
	size_t len = 0;

	if (read_all(path, &data, &len, err) < 0)
		return -1;
	int rc = lb_manifest_load_buffer(data, len, path, fn, ctx, err);
	free(data);
	return rc;
}
