/* libFuzzer target for lib/manifest.c: any bytes as a manifest file. */
#include <stdint.h>
#include <stdlib.h>

#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_object(void *ctx, json_t *obj, const char *name, unsigned long line)
{
	(void)ctx;
	(void)name;
	/* Every object handed out is a mapping that serialises again. */
	if (!json_is_object(obj) || line == 0)
		__builtin_trap();
	char *s = json_dumps(obj, JSON_COMPACT);
	if (!s)
		__builtin_trap();
	free(s);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lb_err err;

	lb_manifest_load_buffer((const char *)data, size, "<fuzz>", check_object, NULL, &err);
	return 0;
}
