/* The text lb-bgp-peer takes from ANNOUNCE lines and config files:
 * communities, large communities, durations, BGPPeer and BFDProfile
 * objects. What
 * parses must print back to the same value; nothing may crash or read past
 * its input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bfd_profile.h"
#include "bgp_community.h"
#include "bgp_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                           \
	do {                                                                                  \
		if (!(cond))                                                                  \
			__builtin_trap();                                                     \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct lb_err err;
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;

	uint32_t c;
	if (lb_bgp_community_parse(s, &c, &err) == 0 && strchr(s, ':')) {
		char again[32];
		uint32_t c2;
		snprintf(again, sizeof(again), "%u:%u", c >> 16, c & 0xffff);
		CHECK(lb_bgp_community_parse(again, &c2, &err) == 0 && c2 == c);
	}
	struct lb_bgp_large_community lc, lc2;
	if (lb_bgp_large_community_parse(s, &lc, &err) == 0) {
		char again[40];
		snprintf(again, sizeof(again), "%u:%u:%u", lc.global, lc.local1, lc.local2);
		CHECK(lb_bgp_large_community_parse(again, &lc2, &err) == 0 &&
		      !memcmp(&lc, &lc2, sizeof(lc)));
	}
	unsigned long secs;
	if (lb_bgp_duration_parse(s, &secs, &err) == 0) {
		char again[32];
		unsigned long s2;
		snprintf(again, sizeof(again), "%lus", secs);
		CHECK(lb_bgp_duration_parse(again, &s2, &err) == 0 && s2 == secs);
	}

	json_error_t jerr;
	json_t *obj = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (obj) {
		struct lb_bgp_peer_config pc;
		char name[64];
		memset(&pc, 0, sizeof(pc));
		if (lb_bgp_peer_from_object(obj, &pc, name, sizeof(name), &err) == 0)
			CHECK(pc.local_asn && pc.peer_asn && pc.addr.family &&
			      pc.hold_time != 1 && pc.hold_time != 2);
		struct lb_bfd_profile prof;
		if (lb_bfd_profile_from_object(obj, &prof, name, sizeof(name), &err) == 0)
			CHECK(prof.receive_ms >= 10 && prof.receive_ms <= 60000 &&
			      prof.transmit_ms >= 10 && prof.transmit_ms <= 60000 &&
			      prof.detect_mult >= 2 && prof.min_ttl >= 1 && prof.min_ttl <= 254);
		const char *pname;
		if (lb_bfd_profile_of_peer(obj, &pname, &err) == 0 && pname)
			CHECK(*pname);
		json_t *aliases = json_object();
		lb_bgp_community_aliases_add(aliases, obj, &err);
		json_decref(aliases);
		json_decref(obj);
	}
	free(s);
	return 0;
}
