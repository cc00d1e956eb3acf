/* MetalLB BFDProfile objects: defaults, bounds of its CRD, types. */
#include <string.h>

#include "bfd_profile.h"
#include "tap.h"

static int parse(const char *text, struct lb_bfd_profile *p, char *name, struct lb_err *err)
{
	json_error_t je;
	json_t *obj = json_loads(text, 0, &je);
	if (!obj)
		return lb_err_set(err, "test JSON: %s", je.text);
	int rc = lb_bfd_profile_from_object(obj, p, name, 64, err);
	json_decref(obj);
	return rc;
}

#define OBJ(spec) "{\"kind\":\"BFDProfile\",\"metadata\":{\"name\":\"fast\"},\"spec\":" spec "}"

int main(void)
{
	struct tap t = {0, 0};
	struct lb_err err;
	struct lb_bfd_profile p, q;
	char name[64];

	tap_ok(&t, parse(OBJ("{}"), &p, name, &err) == 0 && !strcmp(name, "fast"), "empty spec");
	tap_ok(&t, p.receive_ms == 300 && p.transmit_ms == 300 && p.detect_mult == 3 &&
		       p.min_ttl == 254 && !p.echo && !p.passive,
	       "MetalLB's defaults: 300 ms, x3, minimum TTL 254, not passive, no echo");
	tap_ok(&t, parse("{\"kind\":\"BFDProfile\",\"metadata\":{\"name\":\"n\"}}", &p, name, &err) == 0 &&
		       p.receive_ms == 300,
	       "no spec at all: defaults");
	tap_ok(&t, parse(OBJ("{\"receiveInterval\":10,\"transmitInterval\":60000,"
			     "\"detectMultiplier\":255,\"minimumTtl\":1,\"echoMode\":true,"
			     "\"echoInterval\":50,\"passiveMode\":true}"),
			 &p, name, &err) == 0,
	       "every field at a bound");
	tap_ok(&t, p.receive_ms == 10 && p.transmit_ms == 60000 && p.detect_mult == 255 &&
		       p.min_ttl == 1 && p.echo && p.passive,
	       "values taken");
	static const struct {
		const char *spec, *want;
	} bad[] = {
		{OBJ("{\"receiveInterval\":9}"), "spec.receiveInterval: not an integer from 10 to 60000"},
		{OBJ("{\"receiveInterval\":60001}"), "spec.receiveInterval"},
		{OBJ("{\"transmitInterval\":9}"), "spec.transmitInterval"},
		{OBJ("{\"transmitInterval\":60001}"), "spec.transmitInterval"},
		{OBJ("{\"detectMultiplier\":1}"), "spec.detectMultiplier: not an integer from 2 to 255"},
		{OBJ("{\"detectMultiplier\":256}"), "spec.detectMultiplier"},
		{OBJ("{\"minimumTtl\":0}"), "spec.minimumTtl: not an integer from 1 to 254"},
		{OBJ("{\"minimumTtl\":255}"), "spec.minimumTtl"},
		{OBJ("{\"echoInterval\":9}"), "spec.echoInterval"},
		{OBJ("{\"receiveInterval\":\"300\"}"), "spec.receiveInterval"},
		{OBJ("{\"receiveInterval\":300.5}"), "spec.receiveInterval"},
		{OBJ("{\"receiveInterval\":-300}"), "spec.receiveInterval"},
		{OBJ("{\"receiveInterval\":9223372036854775807}"), "spec.receiveInterval"},
		{OBJ("{\"passiveMode\":\"true\"}"), "spec.passiveMode: not a boolean"},
		{OBJ("{\"echoMode\":1}"), "spec.echoMode: not a boolean"},
		{OBJ("[]"), "spec is not an object"},
		{"{\"kind\":\"BGPPeer\",\"metadata\":{\"name\":\"x\"}}", "not a BFDProfile"},
		{"{\"kind\":\"BFDProfile\",\"metadata\":{}}", "without metadata.name"},
		{"{\"kind\":\"BFDProfile\",\"metadata\":{\"name\":\"\"}}", "without metadata.name"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		int rc = parse(bad[i].spec, &q, name, &err);
		tap_ok(&t, rc < 0 && strstr(err.msg, bad[i].want), "refused: %s -> %s", bad[i].spec,
		       err.msg);
	}
	tap_ok(&t, parse(OBJ("{\"minimumTtl\":300}"), &q, name, &err) < 0 &&
		       !strncmp(err.msg, "BFDProfile fast:", 16),
	       "the message names the profile: %s", err.msg);
	lb_bfd_profile_defaults(&p);
	lb_bfd_profile_defaults(&q);
	tap_ok(&t, lb_bfd_profile_equal(&p, &q), "equal");
	q.passive = true;
	tap_ok(&t, !lb_bfd_profile_equal(&p, &q), "passive differs");
	q = p;
	q.min_ttl = 10;
	tap_ok(&t, !lb_bfd_profile_equal(&p, &q), "minimum TTL differs");

	const char *pn = "x";
	json_t *peer = json_pack("{s:s, s:{s:s}, s:{s:s}}", "kind", "BGPPeer", "metadata", "name",
				 "tor", "spec", "bfdProfile", "fast");
	tap_ok(&t, lb_bfd_profile_of_peer(peer, &pn, &err) == 0 && pn && !strcmp(pn, "fast"),
	       "BGPPeer spec.bfdProfile read");
	json_object_del(json_object_get(peer, "spec"), "bfdProfile");
	tap_ok(&t, lb_bfd_profile_of_peer(peer, &pn, &err) == 0 && !pn, "absent: NULL");
	json_object_set_new(json_object_get(peer, "spec"), "bfdProfile", json_integer(3));
	tap_ok(&t, lb_bfd_profile_of_peer(peer, &pn, &err) < 0 && strstr(err.msg, "BGPPeer tor"),
	       "not a string: refused: %s", err.msg);
	json_object_set_new(json_object_get(peer, "spec"), "bfdProfile", json_string(""));
	tap_ok(&t, lb_bfd_profile_of_peer(peer, &pn, &err) < 0, "empty: refused");
	json_decref(peer);
	return tap_done(&t);
}
