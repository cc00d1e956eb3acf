/* Kubernetes labels and label selectors (metav1.LabelSelector and the
 * string form kubectl -l takes), matched against a compact label set that
 * keeps no JSON around. */
#ifndef LB_LABELS_H
#define LB_LABELS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "err.h"

/* One allocation holding the pairs and their strings; free() it. */
struct lb_labels {
	size_t n;
	const char **kv; /* kv[2i] key, kv[2i+1] value, sorted by key */
};

/* From an object of string values (metadata.labels or spec.selector); NULL
 * or {} gives an empty set. A non-string value is an error naming the key.
 * On success *out is always an allocated set (n == 0 when empty); on error
 * it is NULL. Keys and values are taken as the API server stored them, not
 * re-validated. Every function here accepts a NULL set as the empty set. */
int lb_labels_from_json(const json_t *obj, struct lb_labels **out, struct lb_err *err);
const char *lb_labels_get(const struct lb_labels *l, const char *key);
bool lb_labels_equal(const struct lb_labels *a, const struct lb_labels *b); /* NULL == empty */
/* "k1=v1,k2=v2" in key order (the canonical selector string); "" when empty.
 * Returns the length it needs, like snprintf. */
size_t lb_labels_format(const struct lb_labels *l, char *buf, size_t size);

struct lb_labelsel;

/* metav1.LabelSelector: matchLabels and matchExpressions (In, NotIn, Exists,
 * DoesNotExist). NULL or {} matches everything, as in Kubernetes. Unknown
 * operators, In/NotIn without values, Exists with values, and invalid label
 * keys or values are errors naming the field. */
int lb_labelsel_from_json(const json_t *sel, struct lb_labelsel **out, struct lb_err *err);
/* kubectl's string form: "a=b,c!=d,e in (x,y),f notin (z),g,!h" ("==" too).
 * "" (or NULL) is the empty selector; "e in ()" is refused. Both parsers set
 * *out to an allocated selector on success (empty ones too), NULL on error;
 * a NULL selector is accepted everywhere as the empty one. */
int lb_labelsel_parse(const char *s, struct lb_labelsel **out, struct lb_err *err);
bool lb_labelsel_matches(const struct lb_labelsel *sel, const struct lb_labels *labels);
bool lb_labelsel_is_empty(const struct lb_labelsel *sel);
void lb_labelsel_free(struct lb_labelsel *sel);

#endif
