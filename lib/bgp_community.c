#include "bgp_community.h"

#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	uint32_t value;
} well_known[] = {
	{"no-export", LB_BGP_COMMUNITY_NO_EXPORT},
	{"no-advertise", LB_BGP_COMMUNITY_NO_ADVERTISE},
	{"no-export-subconfed", LB_BGP_COMMUNITY_NO_EXPORT_SUBCONFED},
	{"local-as", LB_BGP_COMMUNITY_NO_EXPORT_SUBCONFED}, /* Cisco's name for it */
	{"graceful-shutdown", LB_BGP_COMMUNITY_GRACEFUL_SHUTDOWN},
	{"blackhole", LB_BGP_COMMUNITY_BLACKHOLE},
};

/* A decimal number up to max, ending at one of the stop characters. */
static int number(const char **s, uint64_t max, uint32_t *out)
{
	const char *p = *s;
	uint64_t v = 0;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > max)
			return -1;
	}
	*out = (uint32_t)v;
	*s = p;
	return 0;
}

int lb_bgp_community_parse(const char *s, uint32_t *out, struct lb_err *err)
{
	for (size_t i = 0; i < sizeof(well_known) / sizeof(well_known[0]); i++)
		if (!strcasecmp(s, well_known[i].name)) {
			*out = well_known[i].value;
			return 0;
		}
	const char *p = s;
	uint32_t hi, lo;
	/* RFC 1997 §Introduction: two 16-bit halves, conventionally AS:value. */
	if (number(&p, UINT16_MAX, &hi) < 0 || *p++ != ':' || number(&p, UINT16_MAX, &lo) < 0 ||
	    *p)
		return lb_err_set(err, "'%s': not a community (ASN:VALUE, each 0-65535, or a "
				       "well-known name such as no-export)", s);
	*out = hi << 16 | lo;
	return 0;
}

int lb_bgp_large_community_parse(const char *s, struct lb_bgp_large_community *out,
				 struct lb_err *err)
{
	const char *p = s;
	/* RFC 8092 §3: three 4-octet fields. */
	if (number(&p, UINT32_MAX, &out->global) < 0 || *p++ != ':' ||
	    number(&p, UINT32_MAX, &out->local1) < 0 || *p++ != ':' ||
	    number(&p, UINT32_MAX, &out->local2) < 0 || *p)
		return lb_err_set(err, "'%s': not a large community (GLOBAL:LOCAL1:LOCAL2, each "
				       "0-4294967295)", s);
	return 0;
}
