#include "emit.h"

#include <stdlib.h>
#include <ctype.h>
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

static void print_value(FILE *out, const json_t *v);

/* A cell's text: like print_value, into a string. */
static char *cell_text(const json_t *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	if (!v)
		fputs("-", f);
	else if (json_is_string(v))
		fputs(json_string_length(v) ? json_string_value(v) : "-", f); /* aligned: no quotes */
	else
		print_value(f, v);
	fclose(f);
	return buf;
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

void lb_table_init(struct lb_table *t)
{
	t->rows = json_array();
}

void lb_table_add(struct lb_table *t, json_t *rec)
{
	json_array_append_new(t->rows, rec);
}

int lb_table_print(FILE *out, struct lb_table *t)
{
	json_t *cols = json_array();
	size_t i, c;
	json_t *row, *col;
	const char *key;
	json_t *v;

	json_array_foreach(t->rows, i, row) {
		json_object_foreach(row, key, v) {
			int seen = 0;
			json_array_foreach(cols, c, col)
				seen |= !strcmp(json_string_value(col), key);
			if (!seen)
				json_array_append_new(cols, json_string(key));
		}
	}
	size_t ncols = json_array_size(cols), nrows = json_array_size(t->rows);
	char **cells = calloc((nrows + 1) * (ncols ? ncols : 1), sizeof(*cells));
	size_t *width = calloc(ncols ? ncols : 1, sizeof(*width));
	int rc = cells && width ? 0 : -1;
	for (c = 0; rc == 0 && c < ncols; c++) {
		const char *name = json_string_value(json_array_get(cols, c));
		char *head = strdup(name);
		for (char *p = head; p && *p; p++)
			*p = (char)toupper((unsigned char)*p);
		cells[c] = head;
		for (i = 0; i <= nrows; i++) {
			if (i)
				cells[i * ncols + c] = cell_text(json_object_get(json_array_get(t->rows, i - 1), name));
			size_t w = cells[i * ncols + c] ? strlen(cells[i * ncols + c]) : 0;
			if (w > width[c])
				width[c] = w;
		}
	}
	for (i = 0; rc == 0 && i <= nrows && ncols; i++) {
		for (c = 0; c < ncols; c++) {
			const char *text = cells[i * ncols + c] ? cells[i * ncols + c] : "?";
			if (c + 1 < ncols)
				fprintf(out, "%-*s  ", (int)width[c], text);
			else
				fprintf(out, "%s\n", text);
		}
	}
	for (i = 0; cells && i < (nrows + 1) * ncols; i++)
		free(cells[i]);
	free(cells);
	free(width);
	json_decref(cols);
	json_array_clear(t->rows);
	if (fflush(out) != 0 || ferror(out))
		rc = -1;
	return rc;
}
