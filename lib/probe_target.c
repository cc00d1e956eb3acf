#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "probe_target.h"

static char *dup_or_null(const char *s, int *failed)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*failed = 1;
	return d;
}

int lb_probe_opts_copy(struct lb_probe_opts *dst, const struct lb_probe_opts *src)
{
	int failed = 0;
	*dst = *src;
	dst->body = dup_or_null(src->body, &failed);
	dst->host_header = dup_or_null(src->host_header, &failed);
	dst->method = dup_or_null(src->method, &failed);
	dst->ca_file = dup_or_null(src->ca_file, &failed);
	dst->cert = dup_or_null(src->cert, &failed);
	dst->key = dup_or_null(src->key, &failed);
	if (failed) {
		lb_probe_opts_free(dst);
		return -1;
	}
	return 0;
}

void lb_probe_opts_free(struct lb_probe_opts *o)
{
	free(o->body);
	free(o->host_header);
	free(o->method);
	free(o->ca_file);
	free(o->cert);
	free(o->key);
	o->body = o->host_header = o->method = o->ca_file = o->cert = o->key = NULL;
}

void lb_probe_spec_free(struct lb_probe_spec *spec)
{
	free(spec->text);
	free(spec->host);
	free(spec->command);
	lb_probe_opts_free(&spec->o);
	memset(spec, 0, sizeof(*spec));
}

static int parse_uint(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	if (len == 0 || len > 10)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

int lb_probe_status_parse(const char *text, struct lb_probe_opts *o, struct lb_err *err)
{
	size_t n = 0;
	const char *p = text;
	if (!*p)
		return lb_err_set(err, "'': no status code");
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *dash = memchr(p, '-', len);
		unsigned long lo, hi;
		int bad = dash ? parse_uint(p, (size_t)(dash - p), 599, &lo) ||
					 parse_uint(dash + 1, len - (size_t)(dash - p) - 1, 599, &hi)
			       : parse_uint(p, len, 599, &lo);
		if (!dash)
			hi = lo;
		/* RFC 9110 §15: status codes are three digits, 100-599. */
		if (bad || lo < 100 || hi < lo)
			return lb_err_set(err, "'%.*s': expected a status code 100-599 or a range of them",
					  (int)len, p);
		if (n == LB_PROBE_MAX_STATUS)
			return lb_err_set(err, "'%s': more than %d status codes or ranges", text,
					  LB_PROBE_MAX_STATUS);
		o->status_lo[n] = (unsigned short)lo;
		o->status_hi[n] = (unsigned short)hi;
		n++;
		if (!end)
			break;
		p = end + 1;
		if (!*p)
			return lb_err_set(err, "'%s': trailing comma", text);
	}
	o->nstatus = n;
	return 0;
}

int lb_probe_status_ok(const struct lb_probe_opts *o, long status)
{
	if (!o->nstatus)
		return status >= 200 && status <= 399;
	for (size_t i = 0; i < o->nstatus; i++) {
		if (status >= o->status_lo[i] && status <= o->status_hi[i])
			return 1;
	}
	return 0;
}

/* Host names (RFC 1123 §2.1), IPv4 literals, and IPv6 literals (inside
 * brackets, or bare where no port follows). */
static int host_ok(const char *h, size_t len, int v6)
{
	if (len == 0 || len > 253)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h[i];
		if (isalnum(c) || c == '.' || c == '-' || (v6 && (c == ':' || c == '%')))
			continue;
		return 0;
	}
	return 1;
}

static int set_host(struct lb_probe_spec *spec, const char *h, size_t len)
{
	spec->host = strndup(h, len);
	return spec->host ? 0 : -1;
}

/* HOST:PORT or [V6]:PORT (with_port), HOST, V6 or [V6] (without). */
static int parse_hostport(const char *text, const char *p, int with_port,
			  struct lb_probe_spec *spec, struct lb_err *err)
{
	const char *host = p, *rest;
	size_t hlen;
	int v6 = 0;
	if (*p == '[') {
		const char *close = strchr(p, ']');
		if (!close)
			return lb_err_set(err, "'%s': '[' without ']'", text);
		host = p + 1;
		hlen = (size_t)(close - host);
		rest = close + 1;
		v6 = 1;
	} else if (with_port) {
		rest = strrchr(p, ':');
		if (!rest)
			return lb_err_set(err, "'%s': expected HOST:PORT", text);
		hlen = (size_t)(rest - p);
		if (memchr(p, ':', hlen))
			return lb_err_set(err, "'%s': an IPv6 address goes in brackets, [ADDR]:PORT",
					  text);
	} else {
		hlen = strcspn(p, "/");
		rest = p + hlen;
		v6 = memchr(p, ':', hlen) != NULL;
	}
	if (!host_ok(host, hlen, v6))
		return lb_err_set(err, "'%s': '%.*s' is not a host name or address", text,
				  (int)(hlen > 64 ? 64 : hlen), host);
	if (with_port) {
		unsigned long port;
		if (*rest != ':' || parse_uint(rest + 1, strlen(rest + 1), 65535, &port) || !port)
			return lb_err_set(err, "'%s': expected a port 1-65535 after the host", text);
		spec->port = (unsigned short)port;
	} else if (*rest && strcmp(rest, "/")) {
		return lb_err_set(err, "'%s': unexpected '%s' after the host", text, rest);
	}
	if (set_host(spec, host, hlen) < 0)
		return lb_err_set(err, "out of memory");
	return 0;
}

static int parse_url(const char *text, struct lb_err *err)
{
	CURLU *u = curl_url();
	char *host = NULL;
	if (!u)
		return lb_err_set(err, "out of memory");
	CURLUcode rc = curl_url_set(u, CURLUPART_URL, text, 0);
	if (rc == CURLUE_OK)
		rc = curl_url_get(u, CURLUPART_HOST, &host, 0);
	curl_free(host);
	curl_url_cleanup(u);
	if (rc != CURLUE_OK)
		return lb_err_set(err, "'%s': bad URL: %s", text, curl_url_strerror(rc));
	return 0;
}

int lb_probe_spec_parse(const char *text, const struct lb_probe_opts *defaults,
			struct lb_probe_spec *spec, struct lb_err *err)
{
	memset(spec, 0, sizeof(*spec));
	size_t len = strnlen(text, LB_PROBE_MAX_TARGET + 1);
	if (len == 0)
		return lb_err_set(err, "empty target");
	if (len > LB_PROBE_MAX_TARGET)
		return lb_err_set(err, "'%.40s…': target longer than %d bytes", text,
				  LB_PROBE_MAX_TARGET);
	for (size_t i = 0; i < len; i++) {
		/* Targets name output lines and metrics labels: keep them printable. */
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			return lb_err_set(err, "'%.*s': control character in target", (int)i, text);
	}
	int rc;
	if (!strncmp(text, "tcp://", 6)) {
		spec->kind = LB_PROBE_TCP;
		rc = parse_hostport(text, text + 6, 1, spec, err);
	} else if (!strncmp(text, "icmp://", 7)) {
		spec->kind = LB_PROBE_ICMP;
		rc = parse_hostport(text, text + 7, 0, spec, err);
	} else if (!strncmp(text, "http://", 7) || !strncmp(text, "https://", 8)) {
		spec->kind = LB_PROBE_HTTP;
		rc = parse_url(text, err);
	} else if (!strncmp(text, "exec:", 5)) {
		spec->kind = LB_PROBE_EXEC;
		const char *cmd = text + 5;
		while (*cmd == ' ')
			cmd++;
		if (!*cmd)
			rc = lb_err_set(err, "'%s': exec: needs a command", text);
		else if (!(spec->command = strdup(cmd)))
			rc = lb_err_set(err, "out of memory");
		else
			rc = 0;
	} else {
		rc = lb_err_set(err, "'%s': unknown target type (expected tcp://HOST:PORT, http://, "
				     "https://, icmp://HOST or exec:COMMAND)", text);
	}
	if (rc == 0 && !(spec->text = strdup(text)))
		rc = lb_err_set(err, "out of memory");
	if (rc == 0 && lb_probe_opts_copy(&spec->o, defaults) < 0)
		rc = lb_err_set(err, "out of memory");
	if (rc < 0) {
		free(spec->text);
		free(spec->host);
		free(spec->command);
		memset(spec, 0, sizeof(*spec));
	}
	return rc;
}

/* ---- ADD / REMOVE lines ------------------------------------------------------ */

static int get_uint(const json_t *v, const char *key, unsigned min, unsigned max, unsigned *out,
		    struct lb_err *err)
{
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return lb_err_set(err, "\"%s\": expected an integer %u-%u", key, min, max);
	*out = (unsigned)json_integer_value(v);
	return 0;
}

static int get_str(const json_t *v, const char *key, char **out, struct lb_err *err)
{
	if (!json_is_string(v))
		return lb_err_set(err, "\"%s\": expected a string", key);
	char *d = strdup(json_string_value(v));
	if (!d)
		return lb_err_set(err, "out of memory");
	free(*out);
	*out = d;
	return 0;
}

static int get_status(const json_t *v, struct lb_probe_opts *o, struct lb_err *err)
{
	if (json_is_string(v))
		return lb_probe_status_parse(json_string_value(v), o, err);
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > LB_PROBE_MAX_STATUS)
		return lb_err_set(err, "\"expect_status\": expected a string like \"200,300-399\" or "
				       "an array of 1-%d codes", LB_PROBE_MAX_STATUS);
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) {
		if (!json_is_integer(e) || json_integer_value(e) < 100 || json_integer_value(e) > 599)
			return lb_err_set(err, "\"expect_status\": expected codes 100-599");
		o->status_lo[i] = o->status_hi[i] = (unsigned short)json_integer_value(e);
	}
	o->nstatus = json_array_size(v);
	return 0;
}

static int apply_key(struct lb_probe_spec *spec, const char *key, const json_t *v,
		     struct lb_err *err)
{
	struct lb_probe_opts *o = &spec->o;
	if (!strcmp(key, "interval_ms"))
		return get_uint(v, key, 10, 86400000, &o->interval_ms, err);
	if (!strcmp(key, "timeout_ms"))
		return get_uint(v, key, 1, 86400000, &o->timeout_ms, err);
	if (!strcmp(key, "rise"))
		return get_uint(v, key, 1, 1000, &o->rise, err);
	if (!strcmp(key, "fall"))
		return get_uint(v, key, 1, 1000, &o->fall, err);
	if (!strcmp(key, "expect_status"))
		return get_status(v, o, err);
	if (!strcmp(key, "body"))
		return get_str(v, key, &o->body, err);
	if (!strcmp(key, "host"))
		return get_str(v, key, &o->host_header, err);
	if (!strcmp(key, "method"))
		return get_str(v, key, &o->method, err);
	if (!strcmp(key, "insecure")) {
		if (!json_is_boolean(v))
			return lb_err_set(err, "\"insecure\": expected true or false");
		o->insecure = json_is_true(v);
		return 0;
	}
	return lb_err_set(err, "\"%s\": unknown key", key);
}

int lb_probe_line_parse(const json_t *obj, const struct lb_probe_opts *defaults,
			struct lb_probe_spec *spec, const char **remove, struct lb_err *err)
{
	const char *type = json_string_value(json_object_get(obj, "type"));
	const char *target = json_string_value(json_object_get(obj, "target"));
	*remove = NULL;
	if (!type || (strcmp(type, "ADD") && strcmp(type, "REMOVE")))
		return lb_err_set(err, "expected \"type\":\"ADD\" or \"REMOVE\"");
	if (!target)
		return lb_err_set(err, "%s: expected \"target\" with a string", type);
	if (!strcmp(type, "REMOVE")) {
		if (json_object_size(obj) != 2)
			return lb_err_set(err, "REMOVE takes only \"type\" and \"target\"");
		*remove = target;
		return LB_PROBE_CMD_REMOVE;
	}
	if (lb_probe_spec_parse(target, defaults, spec, err) < 0)
		return -1;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		if (!strcmp(key, "type") || !strcmp(key, "target"))
			continue;
		if (apply_key(spec, key, v, err) < 0) {
			lb_err_prefix(err, "'%s'", spec->text);
			lb_probe_spec_free(spec);
			return -1;
		}
	}
	return LB_PROBE_CMD_ADD;
}
