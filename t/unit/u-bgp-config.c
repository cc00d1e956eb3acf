/* MetalLB BGPPeer and Community objects to peer configurations. */
#include <string.h>

#include "bgp_config.h"
#include "tap.h"

static json_t *obj(const char *text)
{
	json_error_t e;
	return json_loads(text, 0, &e);
}

int main(void)
{
	struct tap t = {0, 0};
	struct lb_err err;
	unsigned long s;

	tap_ok(&t, lb_bgp_duration_parse("90s", &s, &err) == 0 && s == 90, "90s");
	tap_ok(&t, lb_bgp_duration_parse("1m30s", &s, &err) == 0 && s == 90, "1m30s");
	tap_ok(&t, lb_bgp_duration_parse("1h", &s, &err) == 0 && s == 3600, "1h");
	tap_ok(&t, lb_bgp_duration_parse("2500ms", &s, &err) == 0 && s == 2, "2500ms rounds down");
	tap_ok(&t, lb_bgp_duration_parse("0s", &s, &err) == 0 && s == 0, "0s");
	tap_ok(&t, lb_bgp_duration_parse("90", &s, &err) < 0, "a number without a unit is refused");
	tap_ok(&t, lb_bgp_duration_parse("", &s, &err) < 0, "empty");
	tap_ok(&t, lb_bgp_duration_parse("s", &s, &err) < 0, "a unit without a number");
	tap_ok(&t, lb_bgp_duration_parse("-5s", &s, &err) < 0, "negative");
	tap_ok(&t, lb_bgp_duration_parse("99999999999999s", &s, &err) < 0, "overlong");
	tap_ok(&t, lb_bgp_duration_parse("0100010000m", &s, &err) == 0 && s == 6000600000ul,
	       "a long total in minutes (fuzzer find) parses...");
	tap_ok(&t, lb_bgp_duration_parse("6000600000s", &s, &err) == 0 && s == 6000600000ul,
	       "...and its seconds read back the same");
	tap_ok(&t, lb_bgp_duration_parse("999999999999h", &s, &err) < 0, "a total past the bound");

	struct lb_bgp_peer_config pc;
	char name[64];
	json_t *o = obj("{\"kind\":\"BGPPeer\",\"metadata\":{\"name\":\"r1\"},\"spec\":{\"myASN\":4200000001,"
			"\"peerASN\":64500,\"peerAddress\":\"192.0.2.1\",\"peerPort\":1179,"
			"\"sourceAddress\":\"192.0.2.2\",\"routerID\":\"192.0.2.9\",\"holdTime\":\"30s\","
			"\"password\":\"k\",\"ebgpMultiHop\":true}}");
	memset(&pc, 0, sizeof(pc));
	pc.hold_time = 90;
	tap_ok(&t, lb_bgp_peer_from_object(o, &pc, name, sizeof(name), &err) == 0, "a full BGPPeer");
	tap_ok(&t, !strcmp(name, "r1") && pc.local_asn == 4200000001u && pc.peer_asn == 64500 &&
		       pc.port == 1179 && pc.hold_time == 30 && pc.ttl == 255 &&
		       pc.router_id == (192u << 24 | 2u << 8 | 9) && pc.source.family == LB_AF_INET &&
		       pc.md5_password && !strcmp(pc.md5_password, "k"),
	       "every field read");
	json_decref(o);

	o = obj("{\"kind\":\"BGPPeer\",\"metadata\":{\"name\":\"r2\"},\"spec\":{\"myASN\":64501,"
		"\"peerASN\":64500,\"peerAddress\":\"192.0.2.1\"}}");
	memset(&pc, 0, sizeof(pc));
	pc.hold_time = 90;
	tap_ok(&t, lb_bgp_peer_from_object(o, &pc, name, sizeof(name), &err) == 0 && pc.hold_time == 90 &&
		       pc.port == 0 && !pc.md5_password,
	       "defaults stay where the spec is silent");
	json_decref(o);

	static const char *const bad[][2] = {
		{"{\"kind\":\"BGPPeer\",\"metadata\":{\"name\":\"b\"},\"spec\":{\"peerASN\":1,\"peerAddress\":\"192.0.2.1\"}}",
		 "spec.myASN is required"},
		{"{\"kind\":\"BGPPeer\",\"metadata\":{\"name\":\"b\"},\"spec\":{\"myASN\":1,\"peerASN\":1}}",
		 "spec.peerAddress is required"},
		{"{\"kind\":\"BGPPeer\",\"metadata\":{\"name\":\"b\"},\"spec\":{\"myASN\":1,\"peerASN\":1,\"peerAddress\":\"x\"}}",
		 "spec.peerAddress"},
		{"{\"kind\":\"BGPPeer\",\"metadata\":{\"name\":\"b\"},\"spec\":{\"myASN\":1,\"peerASN\":1,\"peerAddress\":\"192.0.2.1\",\"holdTime\":\"1s\"}}",
		 "must be 0 or from 3s"},
		{"{\"kind\":\"BGPPeer\",\"metadata\":{\"name\":\"b\"},\"spec\":{\"myASN\":1,\"peerASN\":1,\"peerAddress\":\"192.0.2.1\",\"peerPort\":70000}}",
		 "not a port"},
		{"{\"kind\":\"BGPPeer\",\"metadata\":{\"name\":\"b\"},\"spec\":{\"myASN\":1,\"peerASN\":1,\"peerAddress\":\"2001:db8::1\"}}",
		 "needs spec.routerID"},
		{"{\"kind\":\"BGPPeer\",\"metadata\":{\"name\":\"b\"},\"spec\":{\"myASN\":1,\"peerASN\":1,\"peerAddress\":\"192.0.2.1\",\"sourceAddress\":\"2001:db8::2\"}}",
		 "differ in family"},
		{"{\"kind\":\"BGPPeer\",\"metadata\":{\"name\":\"b\"},\"spec\":{\"myASN\":-1,\"peerASN\":1,\"peerAddress\":\"192.0.2.1\"}}",
		 "spec.myASN: not an integer"},
		{"{\"kind\":\"BGPPeer\",\"metadata\":{\"name\":\"b\"},\"spec\":{\"myASN\":1,\"peerASN\":1,\"peerAddress\":\"192.0.2.1\",\"ebgpMultiHop\":\"yes\"}}",
		 "not a boolean"},
		{"{\"kind\":\"BGPPeer\",\"spec\":{}}", "without metadata.name"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = obj(bad[i][0]);
		memset(&pc, 0, sizeof(pc));
		err.msg[0] = 0;
		tap_ok(&t, lb_bgp_peer_from_object(o, &pc, name, sizeof(name), &err) < 0 &&
			       strstr(err.msg, bad[i][1]),
		       "refused: %s (%s)", bad[i][1], err.msg);
		json_decref(o);
	}

	json_t *aliases = json_object();
	o = obj("{\"kind\":\"Community\",\"metadata\":{\"name\":\"c\"},\"spec\":{\"communities\":"
		"[{\"name\":\"a\",\"value\":\"1:2\"},{\"name\":\"l\",\"value\":\"large:1:2:3\"}]}}");
	tap_ok(&t, lb_bgp_community_aliases_add(aliases, o, &err) == 0 &&
		       !strcmp(json_string_value(json_object_get(aliases, "a")), "1:2") &&
		       !strcmp(json_string_value(json_object_get(aliases, "l")), "large:1:2:3"),
	       "Community names and values");
	json_decref(o);
	o = obj("{\"kind\":\"Community\",\"metadata\":{\"name\":\"c\"},\"spec\":{\"communities\":[{\"name\":\"a\"}]}}");
	tap_ok(&t, lb_bgp_community_aliases_add(aliases, o, &err) < 0, "an entry without value is refused");
	json_decref(o);
	json_decref(aliases);
	return tap_done(&t);
}
