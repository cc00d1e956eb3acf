#include "pool.h"

#include <stdlib.h>
#include <string.h>

#include "manifest.h"

void lb_pool_def_free(struct lb_pool_def *def)
{
	if (!def)
		return;
	free(def->name);
	free(def->origin);
	free(def->ranges);
	for (size_t i = 0; i < def->nnamespaces; i++)
		free(def->namespaces[i]);
	free(def->namespaces);
	for (size_t i = 0; i < def->nns_selectors; i++)
		lb_labelsel_free(def->ns_selectors[i]);
	free(def->ns_selectors);
	for (size_t i = 0; i < def->nsvc_selectors; i++)
		lb_labelsel_free(def->svc_selectors[i]);
	free(def->svc_selectors);
	json_decref(def->object);
	free(def);
}

static struct lb_pool_def *pool_new(const char *name, const char *origin, struct lb_err *err)
{
	struct lb_pool_def *def = calloc(1, sizeof(*def));
	if (!def || !(def->name = strdup(name)) || !(def->origin = strdup(origin))) {
		lb_pool_def_free(def);
		lb_err_set(err, "out of memory");
		return NULL;
	}
	def->auto_assign = true;
	return def;
}

/* The IPAddressPool form of a pool that came in another form. */
static int synthesize_object(struct lb_pool_def *def, struct lb_err *err)
{
	json_t *addrs = json_array();
	for (size_t i = 0; addrs && i < def->nranges; i++) {
		char buf[LB_RANGE_STRLEN];
		json_array_append_new(addrs, json_string(lb_range_format(&def->ranges[i], buf)));
	}
	def->object = json_pack("{s:s, s:s, s:{s:s}, s:{s:o, s:b, s:b}}", "apiVersion",
				"metallb.io/v1beta1", "kind", "IPAddressPool", "metadata", "name",
				def->name, "spec", "addresses", addrs, "autoAssign", def->auto_assign,
				"avoidBuggyIPs", def->avoid_buggy);
	return def->object ? 0 : lb_err_set(err, "out of memory");
}

static int range_cmp(const void *a, const void *b)
{
	return lb_addr_cmp(&((const struct lb_range *)a)->first, &((const struct lb_range *)b)->first);
}

int lb_pool_check_ranges(const struct lb_pool_def *def, struct lb_err *err)
{
	for (size_t i = 1; i < def->nranges; i++) {
		if (lb_range_overlaps(&def->ranges[i - 1], &def->ranges[i])) {
			char a[LB_RANGE_STRLEN], b[LB_RANGE_STRLEN];
			return lb_err_set(err, "pool '%s': ranges %s and %s overlap", def->name,
					  lb_range_format(&def->ranges[i - 1], a),
					  lb_range_format(&def->ranges[i], b));
		}
	}
	return 0;
}

static int add_range(struct lb_pool_def *def, const char *text, struct lb_err *err)
{
	struct lb_range r;
	struct lb_err rerr;

	if (lb_range_parse(text, &r, &rerr) < 0)
		return lb_err_set(err, "pool '%s': %s", def->name, rerr.msg);
	struct lb_range *grown = realloc(def->ranges, (def->nranges + 1) * sizeof(*grown));
	if (!grown)
		return lb_err_set(err, "out of memory");
	def->ranges = grown;
	def->ranges[def->nranges++] = r;
	return 0;
}

static int finish_ranges(struct lb_pool_def *def, struct lb_err *err)
{
	if (def->nranges == 0)
		return lb_err_set(err, "pool '%s': no addresses", def->name);
	qsort(def->ranges, def->nranges, sizeof(*def->ranges), range_cmp);
	return lb_pool_check_ranges(def, err);
}

/* A boolean field that may be absent; anything but true/false is an error. */
static int get_bool(const json_t *obj, const char *key, bool *out, const char *pool,
		    struct lb_err *err)
{
	const json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return lb_err_set(err, "pool '%s': %s must be true or false", pool, key);
	*out = json_is_true(v);
	return 0;
}

static int add_selectors(const json_t *list, struct lb_labelsel ***out, size_t *n,
			 const char *pool, const char *field, struct lb_err *err)
{
	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return lb_err_set(err, "pool '%s': %s must be a list", pool, field);
	size_t i;
	json_t *sel;
	json_array_foreach(list, i, sel) {
		struct lb_labelsel *s;
		struct lb_err serr;
		if (lb_labelsel_from_json(sel, &s, &serr) < 0)
			return lb_err_set(err, "pool '%s': %s[%zu]: %s", pool, field, i, serr.msg);
		struct lb_labelsel **grown = realloc(*out, (*n + 1) * sizeof(*grown));
		if (!grown) {
			lb_labelsel_free(s);
			return lb_err_set(err, "out of memory");
		}
		*out = grown;
		(*out)[(*n)++] = s;
	}
	return 0;
}

static int parse_allocation(struct lb_pool_def *def, const json_t *alloc, struct lb_err *err)
{
	if (!alloc || json_is_null(alloc))
		return 0;
	if (!json_is_object(alloc))
		return lb_err_set(err, "pool '%s': serviceAllocation must be an object", def->name);
	def->has_allocation = true;

	const json_t *prio = json_object_get(alloc, "priority");
	if (prio && !json_is_null(prio)) {
		if (!json_is_integer(prio) || json_integer_value(prio) < 0 ||
		    json_integer_value(prio) > 1000000000)
			return lb_err_set(err, "pool '%s': serviceAllocation.priority must be a "
					  "non-negative integer", def->name);
		def->priority = (int)json_integer_value(prio);
	}
	const json_t *nss = json_object_get(alloc, "namespaces");
	if (nss && !json_is_null(nss)) {
		if (!json_is_array(nss))
			return lb_err_set(err, "pool '%s': serviceAllocation.namespaces must be a list",
					  def->name);
		def->namespaces = calloc(json_array_size(nss) + 1, sizeof(char *));
		if (!def->namespaces)
			return lb_err_set(err, "out of memory");
		size_t i;
		json_t *ns;
		json_array_foreach(nss, i, ns) {
			if (!json_is_string(ns) || !json_string_length(ns))
				return lb_err_set(err, "pool '%s': serviceAllocation.namespaces[%zu] "
						  "must be a namespace name", def->name, i);
			if (!(def->namespaces[def->nnamespaces] = strdup(json_string_value(ns))))
				return lb_err_set(err, "out of memory");
			def->nnamespaces++;
		}
	}
	if (add_selectors(json_object_get(alloc, "namespaceSelectors"), &def->ns_selectors,
			  &def->nns_selectors, def->name, "serviceAllocation.namespaceSelectors", err) < 0)
		return -1;
	return add_selectors(json_object_get(alloc, "serviceSelectors"), &def->svc_selectors,
			     &def->nsvc_selectors, def->name, "serviceAllocation.serviceSelectors", err);
}

int lb_pool_from_ipaddresspool(const json_t *obj, struct lb_pool_def **out, struct lb_err *err)
{
	const json_t *meta = json_object_get(obj, "metadata");
	const char *name = json_string_value(json_object_get(meta, "name"));
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	char origin[300];

	if (!name || !*name)
		return lb_err_set(err, "IPAddressPool without metadata.name");
	snprintf(origin, sizeof(origin), "IPAddressPool %s%s%s", ns ? ns : "", ns ? "/" : "", name);
	struct lb_pool_def *def = pool_new(name, origin, err);
	if (!def)
		return -1;

	const json_t *spec = json_object_get(obj, "spec");
	const json_t *addrs = json_object_get(spec, "addresses");
	if (!json_is_array(addrs)) {
		lb_err_set(err, "pool '%s': spec.addresses must be a list", name);
		goto fail;
	}
	size_t i;
	json_t *a;
	json_array_foreach(addrs, i, a) {
		if (!json_is_string(a)) {
			lb_err_set(err, "pool '%s': spec.addresses[%zu] is not a string", name, i);
			goto fail;
		}
		if (add_range(def, json_string_value(a), err) < 0)
			goto fail;
	}
	if (get_bool(spec, "autoAssign", &def->auto_assign, name, err) < 0 ||
	    get_bool(spec, "avoidBuggyIPs", &def->avoid_buggy, name, err) < 0 ||
	    parse_allocation(def, json_object_get(spec, "serviceAllocation"), err) < 0 ||
	    finish_ranges(def, err) < 0)
		goto fail;
	def->object = json_pack("{s:s, s:s, s:{s:s}, s:O}", "apiVersion", "metallb.io/v1beta1",
				"kind", "IPAddressPool", "metadata", "name", name, "spec", spec);
	if (!def->object) {
		lb_err_set(err, "out of memory");
		goto fail;
	}
	*out = def;
	return 0;
fail:
	lb_pool_def_free(def);
	return -1;
}

struct legacy_ctx {
	const json_t *config;
};

static int keep_config(void *ctx, json_t *doc, const char *name, unsigned long line)
{
	(void)name;
	(void)line;
	struct legacy_ctx *lc = ctx;
	if (lc->config)
		return 1; /* one document only */
	lc->config = json_incref(doc);
	return 0;
}

static void legacy_pool(const json_t *p, size_t idx, const char *cmname, lb_pool_fn fn, void *ctx)
{
	struct lb_err err = {{0}};
	struct lb_pool_def *def = NULL;
	const char *name = json_string_value(json_object_get(p, "name"));
	char origin[300];

	if (!json_is_object(p) || !name || !*name) {
		lb_err_set(&err, "ConfigMap %s: address-pools[%zu] has no name", cmname, idx);
		fn(ctx, NULL, &err);
		return;
	}
	snprintf(origin, sizeof(origin), "ConfigMap %s address-pools[%zu]", cmname, idx);
	if (!(def = pool_new(name, origin, &err)))
		goto fail;
	const json_t *addrs = json_object_get(p, "addresses");
	if (!json_is_array(addrs)) {
		lb_err_set(&err, "pool '%s': addresses must be a list", name);
		goto fail;
	}
	size_t i;
	json_t *a;
	json_array_foreach(addrs, i, a) {
		if (!json_is_string(a)) {
			lb_err_set(&err, "pool '%s': addresses[%zu] is not a string", name, i);
			goto fail;
		}
		if (add_range(def, json_string_value(a), &err) < 0)
			goto fail;
	}
	if (get_bool(p, "auto-assign", &def->auto_assign, name, &err) < 0 ||
	    get_bool(p, "avoid-buggy-ips", &def->avoid_buggy, name, &err) < 0 ||
	    finish_ranges(def, &err) < 0 || synthesize_object(def, &err) < 0)
		goto fail;
	fn(ctx, def, NULL);
	return;
fail:
	lb_pool_def_free(def);
	lb_err_prefix(&err, "ConfigMap %s", cmname);
	fn(ctx, NULL, &err);
}

int lb_pool_from_configmap(const json_t *obj, lb_pool_fn fn, void *ctx, struct lb_err *err)
{
	const json_t *meta = json_object_get(obj, "metadata");
	const char *name = json_string_value(json_object_get(meta, "name"));
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	const char *text = json_string_value(json_object_get(json_object_get(obj, "data"), "config"));
	char cmname[300];

	snprintf(cmname, sizeof(cmname), "%s/%s", ns ? ns : "default", name ? name : "?");
	if (!text)
		return lb_err_set(err, "ConfigMap %s has no data.config", cmname);

	struct legacy_ctx lc = {NULL};
	char docname[320];
	snprintf(docname, sizeof(docname), "ConfigMap %s data.config", cmname);
	if (lb_yaml_parse(text, strlen(text), docname, keep_config, &lc, err) < 0) {
		json_decref((json_t *)lc.config);
		return -1;
	}
	const json_t *pools = json_object_get(lc.config, "address-pools");
	if (pools && !json_is_array(pools)) {
		json_decref((json_t *)lc.config);
		return lb_err_set(err, "%s: address-pools must be a list", docname);
	}
	size_t i;
	json_t *p;
	json_array_foreach(pools, i, p)
		legacy_pool(p, i, cmname, fn, ctx);
	json_decref((json_t *)lc.config);
	return 0;
}

int lb_pool_from_spec(const char *spec, struct lb_pool_def **out, struct lb_err *err)
{
	const char *eq = strchr(spec, '=');
	const char *list_text = eq ? eq + 1 : spec;
	char name[254] = "default";

	if (eq) {
		size_t nlen = (size_t)(eq - spec);
		if (!nlen)
			return lb_err_set(err, "'%s': empty pool name before '='", spec);
		if (nlen >= sizeof(name))
			return lb_err_set(err, "'%s': pool name too long", spec);
		memcpy(name, spec, nlen);
		name[nlen] = '\0';
	}
	if (!*list_text)
		return lb_err_set(err, "'%s': expected [NAME=]RANGE[,RANGE...]", spec);

	char origin[300];
	snprintf(origin, sizeof(origin), "--pool %s", name);
	struct lb_pool_def *def = pool_new(name, origin, err);
	if (!def)
		return -1;
	char *list = strdup(list_text), *save = NULL;
	if (!list) {
		lb_pool_def_free(def);
		return lb_err_set(err, "out of memory");
	}
	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		char *end = tok + strlen(tok);
		while (end > tok && end[-1] == ' ')
			*--end = '\0';
		if (add_range(def, tok, err) < 0)
			goto fail;
	}
	if (finish_ranges(def, err) < 0 || synthesize_object(def, err) < 0)
		goto fail;
	free(list);
	*out = def;
	return 0;
fail:
	free(list);
	lb_pool_def_free(def);
	return -1;
}

void lb_pool_list_add(struct lb_pool_list *l, struct lb_pool_def *def)
{
	struct lb_pool_def **grown = realloc(l->defs, (l->n + 1) * sizeof(*grown));
	if (!grown) {
		lb_errorx(l->log, "pool %s: out of memory", def->name);
		lb_pool_def_free(def);
		l->bad++;
		return;
	}
	l->defs = grown;
	l->defs[l->n++] = def;
}

void lb_pool_list_collect(void *list, struct lb_pool_def *def, const struct lb_err *err)
{
	struct lb_pool_list *l = list;
	if (def) {
		lb_pool_list_add(l, def);
		return;
	}
	lb_errorx(l->log, "%s", err->msg);
	l->bad++;
}

void lb_pool_list_free(struct lb_pool_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		lb_pool_def_free(l->defs[i]);
	free(l->defs);
	l->defs = NULL;
	l->n = 0;
}
