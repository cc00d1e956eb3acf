#include <stdio.h>
#include <string.h>

#include "probe_template.h"

static const struct {
	const char *text;
	size_t len;
	enum lb_probe_tmpl_var var;
} vars[] = {
	{"{ip}", 4, LB_PROBE_TMPL_IP},
	{"{addr}", 6, LB_PROBE_TMPL_ADDR},
	{"{port}", 6, LB_PROBE_TMPL_PORT},
	{"{name}", 6, LB_PROBE_TMPL_NAME},
};

static int var_at(const char *p, size_t *len)
{
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		if (!strncmp(p, vars[i].text, vars[i].len)) {
			*len = vars[i].len;
			return (int)vars[i].var;
		}
	}
	return 0;
}

static void list_vars(unsigned mask, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		if (!(mask & vars[i].var) || n >= cap)
			continue;
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", vars[i].text);
	}
}

int lb_probe_template_check(const char *tmpl, unsigned allowed, unsigned need,
			    struct lb_err *err)
{
	unsigned used = 0;
	char names[64];
	for (const char *p = tmpl; (p = strchr(p, '{')); p++) {
		size_t len;
		int var = var_at(p, &len);
		if (!var || !(allowed & (unsigned)var)) {
			list_vars(allowed, names, sizeof(names));
			return lb_err_set(err, "'%s': unknown placeholder (expected %s)", tmpl, names);
		}
		used |= (unsigned)var;
	}
	if (!(used & need)) {
		list_vars(need, names, sizeof(names));
		return lb_err_set(err, "'%s': none of %s in the template", tmpl, names);
	}
	return (int)used;
}

static int put(char *out, size_t *n, size_t cap, const char *s, size_t len)
{
	if (*n + len >= cap)
		return -1;
	memcpy(out + *n, s, len);
	*n += len;
	out[*n] = '\0';
	return 0;
}

int lb_probe_template_fill(const char *tmpl, const struct lb_probe_tmpl_values *v, char *out,
			   size_t cap)
{
	size_t n = 0;
	char num[24];
	if (!cap)
		return -1;
	out[0] = '\0';
	for (const char *p = tmpl; *p;) {
		size_t len;
		int rc;
		switch (var_at(p, &len)) {
		case LB_PROBE_TMPL_IP:
			if (!v->addr)
				return -1;
			if (strchr(v->addr, ':'))
				rc = put(out, &n, cap, "[", 1) | put(out, &n, cap, v->addr, strlen(v->addr)) |
				     put(out, &n, cap, "]", 1);
			else
				rc = put(out, &n, cap, v->addr, strlen(v->addr));
			break;
		case LB_PROBE_TMPL_ADDR:
			if (!v->addr)
				return -1;
			rc = put(out, &n, cap, v->addr, strlen(v->addr));
			break;
		case LB_PROBE_TMPL_PORT:
			snprintf(num, sizeof(num), "%ld", v->port);
			rc = put(out, &n, cap, num, strlen(num));
			break;
		case LB_PROBE_TMPL_NAME:
			if (!v->name)
				return -1;
			rc = put(out, &n, cap, v->name, strlen(v->name));
			break;
		default:
			len = 1;
			rc = put(out, &n, cap, p, 1);
			break;
		}
		if (rc)
			return -1;
		p += len;
	}
	return 0;
}
