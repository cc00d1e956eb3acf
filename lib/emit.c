#include "emit.h"

#include <stdlib.h>
#include <string.h>

#include "ndjson.h"

static const char *const bare_keys[] = {"service", "target", "ip", "ips", "name", NULL};

static int is_bare(const char *key)
{
	for (const char *const *k = bare_keys; *k; k++) {
		if (!strcmp(*k, key))
			return 1;
	}
	return 0;
}

static void print_scalar(FILE *out, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING: {
		const char *s = json_string_value(v);
		if (strpbrk(s, " \t\"") || !*s) {
			fputc('"', out);
			for (; *s; s++) {
				if (*s == '"' || *s == '\\')
					fputc('\\', out);
				fputc(*s, out);
			}
			fputc('"', out);
		} else {
			fputs(s, out);
		}
		break;
	}
	case JSON_INTEGER:
		fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		fprintf(out, "%g", json_real_value(v));
		break;
	case JSON_TRUE:
		fputs("true", out);
		break;
	case JSON_FALSE:
		fputs("false", out);
		break;
	case JSON_NULL:
		fputs("-", out);
		break;
	default: {
		char *s = json_dumps(v, JSON_COMPACT);
		fputs(s ? s : "?", out);
		free(s);
	}
	}
}

static void print_value(FILE *out, const json_t *v)
{
	if (json_is_array(v)) {
		size_t i;
		json_t *e;
		if (!json_array_size(v))
			fputs("-", out);
		json_array_foreach(v, i, e) {
			if (i)
				fputc(',', out);
			print_scalar(out, e);
		}
		return;
	}
	print_scalar(out, v);
}

int lb_emit(FILE *out, const json_t *rec, int json)
{
	if (json)
		return lb_ndjson_write(out, rec);

	const char *type = json_string_value(json_object_get(rec, "type"));
	fputs(type ? type : "-", out);
	const char *key;
	json_t *v;
	/* Identifying values first, bare; then the rest as key=value. */
	for (int pass = 0; pass < 2; pass++) {
		json_object_foreach((json_t *)rec, key, v) {
			if (!strcmp(key, "type") || is_bare(key) != (pass == 0))
				continue;
			fputc(' ', out);
			if (pass)
				fprintf(out, "%s=", key);
			print_value(out, v);
		}
	}
	fputc('\n', out);
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
