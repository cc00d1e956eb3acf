/* Kubernetes label sets and label selectors. Both are packed into a single
 * allocation built once from JSON or text, so matching (done for every
 * Service against every pool) is binary searches over sorted arrays and
 * never allocates. */
#include "labels.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Label syntax, as the API server enforces it (apimachinery
 * validation.IsQualifiedName and IsValidLabelValue): keys are an optional
 * DNS-1123 subdomain prefix and '/', then a name; values are names that may
 * also be empty. */
enum {
	LABEL_NAME_MAX = 63,
	LABEL_PREFIX_MAX = 253,
	QUOTE_MAX = 64, /* how much of an offending input an error shows */
};

/* Errors quote the offending input; it may be long or hold control bytes,
 * so show a bounded, printable rendering. */
struct quoted {
	char s[QUOTE_MAX + 8]; /* room for "..." and the quotes tok_text adds */
};

static struct quoted quote(const char *p, size_t len)
{
	struct quoted q;
	size_t n = len > QUOTE_MAX ? QUOTE_MAX : len, i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		q.s[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (len > n) {
		memcpy(q.s + i, "...", 3);
		i += 3;
	}
	q.s[i] = '\0';
	return q;
}

static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* The name part of a key and a non-empty value share one syntax:
 * ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], at most 63 characters. */
enum name_problem { NAME_OK, NAME_EMPTY, NAME_TOO_LONG, NAME_BAD_CHAR, NAME_BAD_EDGE };

static enum name_problem check_name(const char *s, size_t len)
{
	if (len == 0)
		return NAME_EMPTY;
	if (len > LABEL_NAME_MAX)
		return NAME_TOO_LONG;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!is_alnum(c) && c != '-' && c != '_' && c != '.')
			return NAME_BAD_CHAR;
	}
	if (!is_alnum(s[0]) || !is_alnum(s[len - 1]))
		return NAME_BAD_EDGE;
	return NAME_OK;
}

#define NAME_CHARS "may contain only alphanumeric characters, '-', '_' and '.'"
#define NAME_EDGES "must start and end with an alphanumeric character"

/* RFC 1123 subdomain as Kubernetes checks it (IsDNS1123Subdomain): at most
 * 253 characters, dot-separated labels of [a-z0-9-], each starting and
 * ending alphanumeric. */
static bool is_dns_subdomain(const char *s, size_t len)
{
	if (len == 0 || len > LABEL_PREFIX_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool label_edge = i == 0 || i == len - 1 || s[i - 1] == '.' || s[i + 1] == '.';
		if ((c == '.' || c == '-') && !label_edge)
			continue;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

/* Returns NULL when the key is valid, else what is wrong with it. */
static const char *check_key(const char *s, size_t len)
{
	static const char *const bare[] = {
		[NAME_EMPTY] = "must not be empty",
		[NAME_TOO_LONG] = "must be no more than 63 characters",
		[NAME_BAD_CHAR] = NAME_CHARS " (and one '/' after a DNS subdomain prefix)",
		[NAME_BAD_EDGE] = NAME_EDGES,
	};
	static const char *const after_prefix[] = {
		[NAME_EMPTY] = "name after '/' must not be empty",
		[NAME_TOO_LONG] = "name after '/' must be no more than 63 characters",
		[NAME_BAD_CHAR] = "name after '/' " NAME_CHARS,
		[NAME_BAD_EDGE] = "name after '/' " NAME_EDGES,
	};
	const char *slash = memchr(s, '/', len);

	if (!slash) {
		enum name_problem p = check_name(s, len);
		return p == NAME_OK ? NULL : bare[p];
	}
	size_t prefix_len = (size_t)(slash - s), name_len = len - prefix_len - 1;
	if (prefix_len == 0)
		return "prefix before '/' must not be empty";
	if (prefix_len > LABEL_PREFIX_MAX)
		return "prefix before '/' must be no more than 253 characters";
	if (!is_dns_subdomain(s, prefix_len))
		return "prefix before '/' must be a DNS subdomain: lowercase alphanumeric labels "
		       "separated by '.', with '-' only inside a label";
	if (memchr(slash + 1, '/', name_len))
		return "must contain at most one '/'";
	enum name_problem p = check_name(slash + 1, name_len);
	return p == NAME_OK ? NULL : after_prefix[p];
}

static const char *check_value(const char *s, size_t len)
{
	static const char *const msg[] = {
		[NAME_TOO_LONG] = "must be no more than 63 characters",
		[NAME_BAD_CHAR] = NAME_CHARS,
		[NAME_BAD_EDGE] = NAME_EDGES,
	};
	/* Unlike a key, a label value may be empty. */
	if (len == 0)
		return NULL;
	enum name_problem p = check_name(s, len);
	return p == NAME_OK ? NULL : msg[p];
}

/* ---- label sets ---- */

/* The public header, then the pointer array, then the strings. */
struct labels_block {
	struct lb_labels pub;
	const char *kv[];
};

struct label_src {
	const char *key, *value;
	size_t key_len, value_len;
};

static int cmp_label_src(const void *a, const void *b)
{
	return strcmp(((const struct label_src *)a)->key, ((const struct label_src *)b)->key);
}

int lb_labels_from_json(const json_t *obj, struct lb_labels **out, struct lb_err *err)
{
	struct label_src *src = NULL;
	size_t n = 0, bytes = 0;

	*out = NULL;
	if (obj && !json_is_null(obj)) {
		if (!json_is_object(obj))
			return lb_err_set(err, "labels must be an object, not %s",
					  json_type_name(obj));
		n = json_object_size(obj);
	}
	if (n) {
		src = calloc(n, sizeof(*src));
		if (!src)
			return lb_err_set(err, "out of memory");
		const char *key;
		size_t key_len, i = 0;
		json_t *v;
		json_object_keylen_foreach((json_t *)obj, key, key_len, v)
		{
			if (!json_is_string(v)) {
				struct quoted q = quote(key, key_len);
				free(src);
				return lb_err_set(err, "label '%s': value must be a string, not %s",
						  q.s, json_type_name(v));
			}
			src[i] = (struct label_src){key, json_string_value(v), key_len,
						    json_string_length(v)};
			/* A NUL would silently cut the string short when used in C. */
			if (memchr(key, '\0', key_len) || memchr(src[i].value, '\0', src[i].value_len)) {
				struct quoted q = quote(key, key_len);
				free(src);
				return lb_err_set(err, "label '%s': contains a NUL byte", q.s);
			}
			bytes += key_len + 1 + src[i].value_len + 1;
			i++;
		}
		qsort(src, n, sizeof(*src), cmp_label_src);
	}

	struct labels_block *b = malloc(sizeof(*b) + 2 * n * sizeof(b->kv[0]) + bytes);
	if (!b) {
		free(src);
		return lb_err_set(err, "out of memory");
	}
	char *p = (char *)&b->kv[2 * n];
	for (size_t i = 0; i < n; i++) {
		b->kv[2 * i] = memcpy(p, src[i].key, src[i].key_len + 1);
		p += src[i].key_len + 1;
		b->kv[2 * i + 1] = memcpy(p, src[i].value, src[i].value_len + 1);
		p += src[i].value_len + 1;
	}
	b->pub.n = n;
	b->pub.kv = b->kv;
	free(src);
	*out = &b->pub;
	return 0;
}

const char *lb_labels_get(const struct lb_labels *l, const char *key)
{
	if (!l)
		return NULL;
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(key, l->kv[2 * mid]);
		if (c == 0)
			return l->kv[2 * mid + 1];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

bool lb_labels_equal(const struct lb_labels *a, const struct lb_labels *b)
{
	size_t na = a ? a->n : 0, nb = b ? b->n : 0;

	if (na != nb)
		return false;
	for (size_t i = 0; i < 2 * na; i++)
		if (strcmp(a->kv[i], b->kv[i]))
			return false;
	return true;
}

static void put(char *buf, size_t size, size_t *len, const char *s)
{
	size_t n = strlen(s);
	if (*len < size) {
		size_t room = size - *len;
		memcpy(buf + *len, s, n < room ? n : room);
	}
	*len += n;
}

size_t lb_labels_format(const struct lb_labels *l, char *buf, size_t size)
{
	size_t len = 0;

	for (size_t i = 0; l && i < l->n; i++) {
		if (i)
			put(buf, size, &len, ",");
		put(buf, size, &len, l->kv[2 * i]);
		put(buf, size, &len, "=");
		put(buf, size, &len, l->kv[2 * i + 1]);
	}
	if (size)
		buf[len < size ? len : size - 1] = '\0';
	return len;
}

/* ---- selectors ---- */

/* Equality (=, ==, !=, matchLabels) is In / NotIn with one value, which is
 * exactly how Kubernetes defines it (labels.Requirement). */
enum sel_op { SEL_IN, SEL_NOT_IN, SEL_EXISTS, SEL_DOES_NOT_EXIST };

struct sel_req {
	const char *key;
	const char *const *values; /* sorted by strcmp, no duplicates */
	size_t n_values;
	enum sel_op op;
};

/* Requirements, then every requirement's value pointers, then the strings. */
struct lb_labelsel {
	size_t n;
	struct sel_req req[];
};

/* While building, strings are slices of the input (JSON strings or the
 * selector text); packing copies them once into the final block. */
struct slice {
	const char *p;
	size_t len;
};

struct draft_req {
	enum sel_op op;
	struct slice key;
	struct slice *values;
	size_t n_values, cap;
};

struct draft {
	struct draft_req *req;
	size_t n, cap;
};

static struct draft_req *draft_add(struct draft *d, enum sel_op op, const char *key,
				   size_t key_len)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 8;
		struct draft_req *r = realloc(d->req, cap * sizeof(*r));
		if (!r)
			return NULL;
		d->req = r;
		d->cap = cap;
	}
	struct draft_req *r = &d->req[d->n++];
	*r = (struct draft_req){.op = op, .key = {key, key_len}};
	return r;
}

static int draft_add_value(struct draft_req *r, const char *p, size_t len)
{
	if (r->n_values == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 4;
		struct slice *v = realloc(r->values, cap * sizeof(*v));
		if (!v)
			return -1;
		r->values = v;
		r->cap = cap;
	}
	r->values[r->n_values++] = (struct slice){p, len};
	return 0;
}

static void draft_free(struct draft *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->req[i].values);
	free(d->req);
}

/* Same order as strcmp on the NUL-terminated copies (validated strings hold
 * no NUL), so the packed arrays can be searched with strcmp. */
static int cmp_slice(const void *a, const void *b)
{
	const struct slice *x = a, *y = b;
	int c = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);
	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static char *copy_slice(char **p, struct slice s)
{
	char *dst = *p;
	memcpy(dst, s.p, s.len);
	dst[s.len] = '\0';
	*p += s.len + 1;
	return dst;
}

static int draft_pack(struct draft *d, struct lb_labelsel **out, struct lb_err *err)
{
	size_t n_ptrs = 0, bytes = 0;

	for (size_t i = 0; i < d->n; i++) {
		struct draft_req *r = &d->req[i];
		if (r->n_values > 1) {
			qsort(r->values, r->n_values, sizeof(r->values[0]), cmp_slice);
			size_t u = 1;
			for (size_t j = 1; j < r->n_values; j++)
				if (cmp_slice(&r->values[j], &r->values[u - 1]))
					r->values[u++] = r->values[j];
			r->n_values = u;
		}
		n_ptrs += r->n_values;
		bytes += r->key.len + 1;
		for (size_t j = 0; j < r->n_values; j++)
			bytes += r->values[j].len + 1;
	}

	size_t head = sizeof(struct lb_labelsel) + d->n * sizeof(struct sel_req);
	struct lb_labelsel *sel = malloc(head + n_ptrs * sizeof(char *) + bytes);
	if (!sel)
		return lb_err_set(err, "out of memory");
	const char **ptrs = (const char **)((char *)sel + head);
	char *str = (char *)(ptrs + n_ptrs);
	sel->n = d->n;
	for (size_t i = 0; i < d->n; i++) {
		struct draft_req *r = &d->req[i];
		struct sel_req *s = &sel->req[i];
		s->op = r->op;
		s->key = copy_slice(&str, r->key);
		s->values = ptrs;
		s->n_values = r->n_values;
		for (size_t j = 0; j < r->n_values; j++)
			*ptrs++ = copy_slice(&str, r->values[j]);
	}
	*out = sel;
	return 0;
}

static int oom(struct lb_err *err)
{
	return lb_err_set(err, "out of memory");
}

static int match_labels_from_json(const json_t *ml, struct draft *d, struct lb_err *err)
{
	const char *key, *problem;
	size_t key_len;
	json_t *v;

	if (json_is_null(ml))
		return 0;
	if (!json_is_object(ml))
		return lb_err_set(err, "matchLabels: must be an object of strings, not %s",
				  json_type_name(ml));
	json_object_keylen_foreach((json_t *)ml, key, key_len, v)
	{
		struct quoted qk = quote(key, key_len);
		if ((problem = check_key(key, key_len)))
			return lb_err_set(err, "matchLabels: key '%s': %s", qk.s, problem);
		if (!json_is_string(v))
			return lb_err_set(err, "matchLabels.%s: must be a string, not %s", qk.s,
					  json_type_name(v));
		const char *s = json_string_value(v);
		size_t len = json_string_length(v);
		if ((problem = check_value(s, len))) {
			struct quoted qv = quote(s, len);
			return lb_err_set(err, "matchLabels.%s: value '%s': %s", qk.s, qv.s,
					  problem);
		}
		struct draft_req *r = draft_add(d, SEL_IN, key, key_len);
		if (!r || draft_add_value(r, s, len))
			return oom(err);
	}
	return 0;
}

static int parse_operator(const json_t *op, size_t i, enum sel_op *out, struct lb_err *err)
{
	static const struct {
		const char *name;
		enum sel_op op;
	} ops[] = {
		{"In", SEL_IN},
		{"NotIn", SEL_NOT_IN},
		{"Exists", SEL_EXISTS},
		{"DoesNotExist", SEL_DOES_NOT_EXIST},
	};

	if (!op)
		return lb_err_set(err, "matchExpressions[%zu].operator: missing", i);
	if (!json_is_string(op))
		return lb_err_set(err, "matchExpressions[%zu].operator: must be a string, not %s", i,
				  json_type_name(op));
	for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		/* Kubernetes compares operators case-sensitively. */
		if (json_string_length(op) == strlen(ops[k].name) &&
		    !strcmp(json_string_value(op), ops[k].name)) {
			*out = ops[k].op;
			return 0;
		}
	}
	struct quoted q = quote(json_string_value(op), json_string_length(op));
	return lb_err_set(err,
			  "matchExpressions[%zu].operator: '%s' is not In, NotIn, Exists or "
			  "DoesNotExist",
			  i, q.s);
}

static int expression_from_json(const json_t *e, size_t i, struct draft *d, struct lb_err *err)
{
	static const char *const op_names[] = {"In", "NotIn", "Exists", "DoesNotExist"};
	const json_t *key = NULL, *op = NULL, *values = NULL;
	const char *field, *problem;
	size_t field_len;
	json_t *v;

	if (!json_is_object(e))
		return lb_err_set(err, "matchExpressions[%zu]: must be an object, not %s", i,
				  json_type_name(e));
	json_object_keylen_foreach((json_t *)e, field, field_len, v)
	{
		if (!strcmp(field, "key"))
			key = v;
		else if (!strcmp(field, "operator"))
			op = v;
		else if (!strcmp(field, "values"))
			values = v;
		else {
			struct quoted q = quote(field, field_len);
			return lb_err_set(err,
					  "matchExpressions[%zu]: unknown field '%s' (expected key, "
					  "operator, values)",
					  i, q.s);
		}
	}

	if (!key)
		return lb_err_set(err, "matchExpressions[%zu].key: missing", i);
	if (!json_is_string(key))
		return lb_err_set(err, "matchExpressions[%zu].key: must be a string, not %s", i,
				  json_type_name(key));
	const char *k = json_string_value(key);
	size_t k_len = json_string_length(key);
	if ((problem = check_key(k, k_len))) {
		struct quoted q = quote(k, k_len);
		return lb_err_set(err, "matchExpressions[%zu].key: '%s': %s", i, q.s, problem);
	}

	enum sel_op sop = SEL_IN;
	if (parse_operator(op, i, &sop, err))
		return -1;

	if (values && !json_is_null(values) && !json_is_array(values))
		return lb_err_set(err,
				  "matchExpressions[%zu].values: must be an array of strings, not %s",
				  i, json_type_name(values));
	size_t n_values = values ? json_array_size(values) : 0;
	/* metav1 validation: In and NotIn need values, Exists and
	 * DoesNotExist must have none. */
	if ((sop == SEL_IN || sop == SEL_NOT_IN) && n_values == 0)
		return lb_err_set(err, "matchExpressions[%zu].values: must be non-empty for %s", i,
				  op_names[sop]);
	if ((sop == SEL_EXISTS || sop == SEL_DOES_NOT_EXIST) && n_values != 0)
		return lb_err_set(err, "matchExpressions[%zu].values: must be empty for %s", i,
				  op_names[sop]);

	struct draft_req *r = draft_add(d, sop, k, k_len);
	if (!r)
		return oom(err);
	for (size_t j = 0; j < n_values; j++) {
		const json_t *s = json_array_get(values, j);
		if (!json_is_string(s))
			return lb_err_set(err, "matchExpressions[%zu].values[%zu]: must be a string, not %s",
					  i, j, json_type_name(s));
		const char *vs = json_string_value(s);
		size_t vs_len = json_string_length(s);
		if ((problem = check_value(vs, vs_len))) {
			struct quoted q = quote(vs, vs_len);
			return lb_err_set(err, "matchExpressions[%zu].values[%zu]: '%s': %s", i, j,
					  q.s, problem);
		}
		if (draft_add_value(r, vs, vs_len))
			return oom(err);
	}
	return 0;
}

static int selector_from_json(const json_t *sel, struct draft *d, struct lb_err *err)
{
	const char *field;
	size_t field_len;
	json_t *v;

	if (!sel || json_is_null(sel))
		return 0;
	if (!json_is_object(sel))
		return lb_err_set(err, "label selector must be an object, not %s",
				  json_type_name(sel));
	json_object_keylen_foreach((json_t *)sel, field, field_len, v)
	{
		if (!strcmp(field, "matchLabels")) {
			if (match_labels_from_json(v, d, err))
				return -1;
		} else if (!strcmp(field, "matchExpressions")) {
			if (json_is_null(v))
				continue;
			if (!json_is_array(v))
				return lb_err_set(err, "matchExpressions: must be an array, not %s",
						  json_type_name(v));
			for (size_t i = 0; i < json_array_size(v); i++)
				if (expression_from_json(json_array_get(v, i), i, d, err))
					return -1;
		} else {
			/* A typo such as "matchLabel" would otherwise widen the
			 * selector to everything. */
			struct quoted q = quote(field, field_len);
			return lb_err_set(err,
					  "label selector: unknown field '%s' (expected matchLabels, "
					  "matchExpressions)",
					  q.s);
		}
	}
	return 0;
}

int lb_labelsel_from_json(const json_t *sel, struct lb_labelsel **out, struct lb_err *err)
{
	struct draft d = {0};

	*out = NULL;
	int rc = selector_from_json(sel, &d, err);
	if (rc == 0)
		rc = draft_pack(&d, out, err);
	draft_free(&d);
	return rc;
}

/* ---- the string form (labels.Parse in apimachinery, what kubectl -l takes) ---- */

enum tok_type {
	TOK_END,
	TOK_IDENT,
	TOK_COMMA,
	TOK_OPEN,
	TOK_CLOSE,
	TOK_BANG,
	TOK_EQ,     /* = */
	TOK_EQEQ,   /* == */
	TOK_NE,     /* != */
	TOK_CMP,    /* < or >: Gt/Lt, which node affinity has but selectors here do not */
};

struct token {
	enum tok_type type;
	const char *p;
	size_t len, pos;
};

struct parser {
	const char *s;
	size_t len, pos;
	struct token cur;
	struct lb_err *err;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* The characters that end an identifier, as in the apimachinery lexer. */
static bool is_special(char c)
{
	return c == '!' || c == '=' || c == '(' || c == ')' || c == ',' || c == '<' || c == '>';
}

static void advance(struct parser *ps)
{
	while (ps->pos < ps->len && is_space(ps->s[ps->pos]))
		ps->pos++;
	struct token t = {TOK_END, ps->s + ps->pos, 0, ps->pos};
	if (ps->pos < ps->len) {
		char c = ps->s[ps->pos];
		char next = ps->pos + 1 < ps->len ? ps->s[ps->pos + 1] : '\0';
		t.len = 1;
		switch (c) {
		case ',':
			t.type = TOK_COMMA;
			break;
		case '(':
			t.type = TOK_OPEN;
			break;
		case ')':
			t.type = TOK_CLOSE;
			break;
		case '<':
		case '>':
			t.type = TOK_CMP;
			break;
		case '!':
			t.type = next == '=' ? TOK_NE : TOK_BANG;
			t.len = next == '=' ? 2 : 1;
			break;
		case '=':
			t.type = next == '=' ? TOK_EQEQ : TOK_EQ;
			t.len = next == '=' ? 2 : 1;
			break;
		default:
			t.type = TOK_IDENT;
			while (ps->pos + t.len < ps->len && !is_space(ps->s[ps->pos + t.len]) &&
			       !is_special(ps->s[ps->pos + t.len]))
				t.len++;
		}
	}
	ps->pos += t.len;
	ps->cur = t;
}

static bool tok_is(const struct token *t, const char *word)
{
	return t->type == TOK_IDENT && t->len == strlen(word) && !memcmp(t->p, word, t->len);
}

static bool tok_is_keyword(const struct token *t)
{
	return tok_is(t, "in") || tok_is(t, "notin");
}

/* Every error names the selector, the column (1-based) and the problem. */
static int parse_error(struct parser *ps, const struct token *at, const char *fmt, ...)
	LB_PRINTF(3, 4);
static int parse_error(struct parser *ps, const struct token *at, const char *fmt, ...)
{
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	struct quoted q = quote(ps->s, ps->len);
	if (at->type == TOK_END)
		return lb_err_set(ps->err, "'%s': at end: %s", q.s, what);
	return lb_err_set(ps->err, "'%s': column %zu: %s", q.s, at->pos + 1, what);
}

static struct quoted tok_text(const struct token *t)
{
	if (t->type == TOK_END) {
		struct quoted q = {"end of selector"};
		return q;
	}
	struct quoted q = quote(t->p, t->len);
	/* Wrap in quotes here so "end of selector" reads unquoted. */
	struct quoted w;
	snprintf(w.s, sizeof(w.s), "'%s'", q.s);
	return w;
}

static int parse_key(struct parser *ps, struct slice *key)
{
	const char *problem;

	if (ps->cur.type != TOK_IDENT || tok_is_keyword(&ps->cur))
		return parse_error(ps, &ps->cur, "expected a label key, found %s",
				   tok_text(&ps->cur).s);
	if ((problem = check_key(ps->cur.p, ps->cur.len)))
		return parse_error(ps, &ps->cur, "key %s: %s", tok_text(&ps->cur).s, problem);
	*key = (struct slice){ps->cur.p, ps->cur.len};
	advance(ps);
	return 0;
}

static int add_value(struct parser *ps, struct draft_req *r, const struct token *at,
		     const char *p, size_t len)
{
	const char *problem = check_value(p, len);
	if (problem)
		return parse_error(ps, at, "value %s: %s", tok_text(at).s, problem);
	if (draft_add_value(r, p, len))
		return oom(ps->err);
	return 0;
}

/* "(v1, v2, ...)": as in kubectl an empty item ("(a,)") is the empty
 * value, but "()" is refused, since In and NotIn need a value. */
static int parse_value_list(struct parser *ps, struct draft_req *r, const struct token *op)
{
	if (ps->cur.type != TOK_OPEN)
		return parse_error(ps, &ps->cur, "expected '(' after %s, found %s",
				   tok_text(op).s, tok_text(&ps->cur).s);
	advance(ps);
	if (ps->cur.type == TOK_CLOSE)
		return parse_error(ps, &ps->cur, "%s needs at least one value", tok_text(op).s);
	for (;;) {
		struct token at = ps->cur;
		if (at.type == TOK_IDENT) {
			if (add_value(ps, r, &at, at.p, at.len))
				return -1;
			advance(ps);
		} else if (at.type == TOK_COMMA || at.type == TOK_CLOSE) {
			if (add_value(ps, r, &at, "", 0))
				return -1;
		} else {
			return parse_error(ps, &at, "expected a value, ',' or ')', found %s",
					   tok_text(&at).s);
		}
		if (ps->cur.type == TOK_CLOSE) {
			advance(ps);
			return 0;
		}
		if (ps->cur.type != TOK_COMMA)
			return parse_error(ps, &ps->cur, "expected ',' or ')', found %s",
					   tok_text(&ps->cur).s);
		advance(ps);
	}
}

static int parse_requirement(struct parser *ps, struct draft *d)
{
	struct slice key;
	struct draft_req *r;

	if (ps->cur.type == TOK_BANG) {
		advance(ps);
		if (parse_key(ps, &key))
			return -1;
		if (!draft_add(d, SEL_DOES_NOT_EXIST, key.p, key.len))
			return oom(ps->err);
		return 0;
	}
	if (parse_key(ps, &key))
		return -1;

	struct token op = ps->cur;
	switch (op.type) {
	case TOK_END:
	case TOK_COMMA:
		if (!draft_add(d, SEL_EXISTS, key.p, key.len))
			return oom(ps->err);
		return 0;
	case TOK_EQ:
	case TOK_EQEQ:
	case TOK_NE:
		/* "a!=b" also matches objects without a, as in Kubernetes. */
		if (!(r = draft_add(d, op.type == TOK_NE ? SEL_NOT_IN : SEL_IN, key.p, key.len)))
			return oom(ps->err);
		advance(ps);
		/* "a=" selects the empty value, as kubectl does. */
		if (ps->cur.type == TOK_END || ps->cur.type == TOK_COMMA)
			return add_value(ps, r, &ps->cur, "", 0);
		if (ps->cur.type != TOK_IDENT)
			return parse_error(ps, &ps->cur, "expected a value after %s, found %s",
					   tok_text(&op).s, tok_text(&ps->cur).s);
		if (add_value(ps, r, &ps->cur, ps->cur.p, ps->cur.len))
			return -1;
		advance(ps);
		return 0;
	case TOK_CMP:
		return parse_error(ps, &op, "operator %s is not supported (use =, ==, !=, in, notin)",
				   tok_text(&op).s);
	default:
		break;
	}
	if (tok_is(&op, "in") || tok_is(&op, "notin")) {
		if (!(r = draft_add(d, tok_is(&op, "in") ? SEL_IN : SEL_NOT_IN, key.p, key.len)))
			return oom(ps->err);
		advance(ps);
		return parse_value_list(ps, r, &op);
	}
	return parse_error(ps, &op, "expected an operator (=, ==, !=, in, notin) or ',', found %s",
			   tok_text(&op).s);
}

static int parse_selector(struct parser *ps, struct draft *d)
{
	advance(ps);
	if (ps->cur.type == TOK_END)
		return 0;
	for (;;) {
		if (parse_requirement(ps, d))
			return -1;
		if (ps->cur.type == TOK_END)
			return 0;
		if (ps->cur.type != TOK_COMMA)
			return parse_error(ps, &ps->cur, "expected ',' or end of selector, found %s",
					   tok_text(&ps->cur).s);
		advance(ps);
		/* A trailing comma is an error in kubectl as well. */
		if (ps->cur.type == TOK_END)
			return parse_error(ps, &ps->cur, "expected a requirement after ','");
	}
}

int lb_labelsel_parse(const char *s, struct lb_labelsel **out, struct lb_err *err)
{
	struct parser ps = {.s = s ? s : "", .len = s ? strlen(s) : 0, .err = err};
	struct draft d = {0};

	*out = NULL;
	int rc = parse_selector(&ps, &d);
	if (rc == 0)
		rc = draft_pack(&d, out, err);
	draft_free(&d);
	return rc;
}

/* ---- matching ---- */

static bool has_value(const struct sel_req *r, const char *v)
{
	size_t lo = 0, hi = r->n_values;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(v, r->values[mid]);
		if (c == 0)
			return true;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

bool lb_labelsel_matches(const struct lb_labelsel *sel, const struct lb_labels *labels)
{
	for (size_t i = 0; sel && i < sel->n; i++) {
		const struct sel_req *r = &sel->req[i];
		const char *v = lb_labels_get(labels, r->key);
		bool ok = false;
		switch (r->op) {
		case SEL_IN:
			ok = v && has_value(r, v);
			break;
		case SEL_NOT_IN:
			ok = !v || !has_value(r, v);
			break;
		case SEL_EXISTS:
			ok = v != NULL;
			break;
		case SEL_DOES_NOT_EXIST:
			ok = v == NULL;
			break;
		}
		if (!ok)
			return false;
	}
	return true;
}

bool lb_labelsel_is_empty(const struct lb_labelsel *sel)
{
	return !sel || sel->n == 0;
}

void lb_labelsel_free(struct lb_labelsel *sel)
{
	free(sel);
}
