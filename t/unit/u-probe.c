/* lib/probe_target.c, lib/probe_health.c, lib/icmp_echo.c and
 * lib/probe_metrics.c: the pure parts of lb-probe. */
#include <stdlib.h>
#include <string.h>

#include "icmp_echo.h"
#include "probe_health.h"
#include "probe_metrics.h"
#include "probe_nodes.h"
#include "probe_slices.h"
#include "probe_target.h"
#include "probe_template.h"
#include "tap.h"

static const struct lb_probe_opts defaults = {.interval_ms = 2000, .timeout_ms = 1000,
					      .rise = 2, .fall = 3};

static void good(struct tap *t, const char *text, enum lb_probe_kind kind, const char *host,
		 unsigned port)
{
	struct lb_probe_spec s;
	struct lb_err err = {""};
	int rc = lb_probe_spec_parse(text, &defaults, &s, &err);
	tap_ok(t, rc == 0, "'%s' parses (%s)", text, err.msg);
	if (rc)
		return;
	tap_is_int(t, s.kind, kind, "'%s': kind", text);
	tap_is_str(t, s.host, host, "'%s': host", text);
	tap_is_int(t, s.port, port, "'%s': port", text);
	tap_is_str(t, s.text, text, "'%s': kept as given", text);
	lb_probe_spec_free(&s);
}

static void bad(struct tap *t, const char *text, const char *why)
{
	struct lb_probe_spec s;
	struct lb_err err = {""};
	int rc = lb_probe_spec_parse(text, &defaults, &s, &err);
	tap_ok(t, rc < 0, "'%s' is refused", text);
	tap_ok(t, strstr(err.msg, why) != NULL, "'%s': message says '%s' (%s)", text, why,
	       err.msg);
	if (*text && !strchr(text, '\n'))
		tap_ok(t, strncmp(err.msg, "'", 1) == 0 && strstr(err.msg, text) != NULL,
		       "'%s': message names the target", text);
	if (rc == 0)
		lb_probe_spec_free(&s);
}

static void targets(struct tap *t)
{
	good(t, "tcp://192.0.2.10:80", LB_PROBE_TCP, "192.0.2.10", 80);
	good(t, "tcp://[2001:db8::1]:443", LB_PROBE_TCP, "2001:db8::1", 443);
	good(t, "tcp://node-1.example:65535", LB_PROBE_TCP, "node-1.example", 65535);
	good(t, "icmp://192.0.2.1", LB_PROBE_ICMP, "192.0.2.1", 0);
	good(t, "icmp://2001:db8::1", LB_PROBE_ICMP, "2001:db8::1", 0);
	good(t, "icmp://[2001:db8::1]", LB_PROBE_ICMP, "2001:db8::1", 0);
	good(t, "http://192.0.2.10:10256/healthz", LB_PROBE_HTTP, NULL, 0);
	good(t, "https://[2001:db8::1]/", LB_PROBE_HTTP, NULL, 0);

	struct lb_probe_spec s;
	struct lb_err err;
	tap_ok(t, lb_probe_spec_parse("exec:  test -e /x", &defaults, &s, &err) == 0, "exec parses");
	tap_is_str(t, s.command, "test -e /x", "exec: command without leading blanks");
	tap_is_int(t, s.o.rise, 2, "options start from the defaults");
	lb_probe_spec_free(&s);

	bad(t, "tcp://192.0.2.10", "expected HOST:PORT");
	bad(t, "tcp://192.0.2.10:0", "port 1-65535");
	bad(t, "tcp://192.0.2.10:65536", "port 1-65535");
	bad(t, "tcp://192.0.2.10:http", "port 1-65535");
	bad(t, "tcp://:80", "not a host name");
	bad(t, "tcp://2001:db8::1:80", "brackets");
	bad(t, "tcp://[2001:db8::1:80", "without ']'");
	bad(t, "tcp://a b:80", "not a host name");
	bad(t, "icmp://", "not a host name");
	bad(t, "icmp://192.0.2.1/x", "unexpected '/x'");
	bad(t, "http://", "bad URL");
	bad(t, "https://exa mple/", "bad URL");
	bad(t, "exec:", "needs a command");
	bad(t, "ftp://192.0.2.1/", "unknown target type");
	bad(t, "192.0.2.1:80", "unknown target type");
	bad(t, "", "empty target");
	bad(t, "tcp://192.0.2.1:80\n", "control character");
	char *huge = malloc(LB_PROBE_MAX_TARGET + 10);
	memset(huge, 'a', LB_PROBE_MAX_TARGET + 9);
	huge[LB_PROBE_MAX_TARGET + 9] = '\0';
	tap_ok(t, lb_probe_spec_parse(huge, &defaults, &s, &err) < 0 &&
			  strstr(err.msg, "longer than"),
	       "an overlong target is refused");
	free(huge);
}

static void status(struct tap *t)
{
	struct lb_probe_opts o = defaults;
	struct lb_err err;
	tap_ok(t, lb_probe_status_ok(&o, 200) && lb_probe_status_ok(&o, 399) &&
			  !lb_probe_status_ok(&o, 404) && !lb_probe_status_ok(&o, 199),
	       "no codes given: 200-399 count as up");
	tap_ok(t, lb_probe_status_parse("200,204,500-503", &o, &err) == 0, "codes and a range");
	tap_ok(t, lb_probe_status_ok(&o, 204) && lb_probe_status_ok(&o, 501) &&
			  !lb_probe_status_ok(&o, 301) && !lb_probe_status_ok(&o, 504),
	       "exactly the codes given");
	const char *bads[] = {"", "99", "600", "2OO", "300-200", "200,", "200,,204", "-", NULL};
	for (int i = 0; bads[i]; i++)
		tap_ok(t, lb_probe_status_parse(bads[i], &o, &err) < 0, "'%s' is refused", bads[i]);
	tap_ok(t, lb_probe_status_parse("1,2", &o, &err) < 0 && strstr(err.msg, "'1'"),
	       "the message names the bad code (%s)", err.msg);
}

static int line(const char *json, struct lb_probe_spec *s, const char **remove, struct lb_err *err)
{
	json_t *obj = json_loads(json, 0, NULL);
	int rc = lb_probe_line_parse(obj, &defaults, s, remove, err);
	/* remove borrows from obj: copy what the test looks at. */
	static char removed[256];
	if (rc == LB_PROBE_CMD_REMOVE) {
		snprintf(removed, sizeof(removed), "%s", *remove);
		*remove = removed;
	}
	json_decref(obj);
	return rc;
}

static void lines(struct tap *t)
{
	struct lb_probe_spec s;
	struct lb_err err = {""};
	const char *rm;
	int rc = line("{\"type\":\"ADD\",\"target\":\"http://192.0.2.10/\",\"interval_ms\":500,"
		      "\"timeout_ms\":200,\"rise\":1,\"fall\":5,\"expect_status\":[200,503],"
		      "\"body\":\"ok\",\"host\":\"web.example\",\"method\":\"HEAD\","
		      "\"insecure\":true}",
		      &s, &rm, &err);
	tap_is_int(t, rc, LB_PROBE_CMD_ADD, "ADD with every option (%s)", err.msg);
	if (rc == LB_PROBE_CMD_ADD) {
		tap_ok(t, s.o.interval_ms == 500 && s.o.timeout_ms == 200 && s.o.rise == 1 &&
				  s.o.fall == 5 && s.o.insecure,
		       "numbers and flags taken");
		tap_ok(t, lb_probe_status_ok(&s.o, 503) && !lb_probe_status_ok(&s.o, 204),
		       "expect_status replaces the default");
		tap_is_str(t, s.o.body, "ok", "body");
		tap_is_str(t, s.o.host_header, "web.example", "host");
		tap_is_str(t, s.o.method, "HEAD", "method");
		lb_probe_spec_free(&s);
	}
	rc = line("{\"type\":\"REMOVE\",\"target\":\"tcp://192.0.2.10:80\"}", &s, &rm, &err);
	tap_is_int(t, rc, LB_PROBE_CMD_REMOVE, "REMOVE");
	tap_is_str(t, rm, "tcp://192.0.2.10:80", "REMOVE names its target");

	struct {
		const char *json, *why;
	} bads[] = {
		{"{\"type\":\"ADDED\",\"target\":\"tcp://192.0.2.1:1\"}", "\"ADD\" or \"REMOVE\""},
		{"{\"target\":\"tcp://192.0.2.1:1\"}", "\"ADD\" or \"REMOVE\""},
		{"{\"type\":\"ADD\"}", "expected \"target\""},
		{"{\"type\":\"ADD\",\"target\":7}", "expected \"target\""},
		{"{\"type\":\"ADD\",\"target\":\"tcp://192.0.2.1\"}", "expected HOST:PORT"},
		{"{\"type\":\"ADD\",\"target\":\"tcp://192.0.2.1:1\",\"rise\":0}", "\"rise\""},
		{"{\"type\":\"ADD\",\"target\":\"tcp://192.0.2.1:1\",\"fall\":1.5}", "\"fall\""},
		{"{\"type\":\"ADD\",\"target\":\"tcp://192.0.2.1:1\",\"interval_ms\":-1}", "interval_ms"},
		{"{\"type\":\"ADD\",\"target\":\"tcp://192.0.2.1:1\",\"intervall_ms\":5}", "unknown key"},
		{"{\"type\":\"ADD\",\"target\":\"tcp://192.0.2.1:1\",\"expect_status\":[99]}", "100-599"},
		{"{\"type\":\"ADD\",\"target\":\"tcp://192.0.2.1:1\",\"expect_status\":[]}", "expect_status"},
		{"{\"type\":\"ADD\",\"target\":\"tcp://192.0.2.1:1\",\"insecure\":1}", "true or false"},
		{"{\"type\":\"ADD\",\"target\":\"tcp://192.0.2.1:1\",\"body\":null}", "a string"},
		{"{\"type\":\"REMOVE\",\"target\":\"tcp://192.0.2.1:1\",\"rise\":2}", "only"},
	};
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		err.msg[0] = '\0';
		rc = line(bads[i].json, &s, &rm, &err);
		tap_ok(t, rc < 0 && strstr(err.msg, bads[i].why), "%s refused: %s", bads[i].json,
		       err.msg);
	}
}

static void health(struct tap *t)
{
	struct lb_health h;
	lb_health_init(&h, 2, 3);
	tap_is_int(t, h.state, LB_HEALTH_UNKNOWN, "starts UNKNOWN");
	tap_is_int(t, lb_health_feed(&h, 1), 0, "one success: still UNKNOWN (rise 2)");
	tap_is_int(t, lb_health_feed(&h, 1), 1, "second success: UP");
	tap_is_int(t, h.state, LB_HEALTH_UP, "UP");
	tap_ok(t, !lb_health_feed(&h, 0) && !lb_health_feed(&h, 0), "two failures: still UP");
	tap_is_int(t, lb_health_feed(&h, 1), 0, "a success breaks the run");
	tap_ok(t, !lb_health_feed(&h, 0) && !lb_health_feed(&h, 0), "two failures again: UP");
	tap_is_int(t, lb_health_feed(&h, 0), 1, "third failure in a row: DOWN");
	tap_is_int(t, h.state, LB_HEALTH_DOWN, "DOWN");
	tap_is_int(t, lb_health_feed(&h, 0), 0, "more failures change nothing");
	int flips = 0;
	for (int i = 0; i < 100; i++)
		flips += lb_health_feed(&h, i & 1);
	tap_is_int(t, flips, 0, "alternating results never flap with rise 2");
	tap_is_int(t, h.state, LB_HEALTH_DOWN, "still DOWN");

	lb_health_init(&h, 1, 1);
	tap_ok(t, lb_health_feed(&h, 0) && h.state == LB_HEALTH_DOWN, "rise 1 fall 1: DOWN at once");
	tap_ok(t, lb_health_feed(&h, 1) && h.state == LB_HEALTH_UP, "and UP at once");
	lb_health_init(&h, 0, 0);
	tap_ok(t, lb_health_feed(&h, 1), "rise 0 counts as 1");
	tap_is_str(t, lb_health_name(LB_HEALTH_UNKNOWN), "UNKNOWN", "names");
}

static void icmp(struct tap *t)
{
	uint8_t pkt[64], reply[84];
	uint16_t id, seq;
	uint64_t cookie;
	tap_is_int(t, lb_icmp_echo_build(pkt, 8, 0, 1, 2, 3), 0, "too small a buffer");
	size_t n = lb_icmp_echo_build(pkt, sizeof(pkt), 0, 0x1234, 0xabcd, 0x0102030405060708ull);
	tap_is_int(t, n, LB_ICMP_ECHO_LEN, "IPv4 echo request length");
	tap_is_int(t, pkt[0], 8, "type 8");
	tap_is_int(t, lb_icmp_checksum(pkt, n), 0, "checksum verifies to 0");
	tap_ok(t, lb_icmp_echo_parse(pkt, n, 0, 0, &id, &seq, &cookie) < 0,
	       "a request is not a reply");
	/* The reply a raw IPv4 socket gives: 20-byte IP header, then type 0. */
	memset(reply, 0, 20);
	reply[0] = 0x45;
	memcpy(reply + 20, pkt, n);
	reply[20] = 0;
	tap_ok(t, lb_icmp_echo_parse(reply, 20 + n, 0, 1, &id, &seq, &cookie) == 0 &&
			  id == 0x1234 && seq == 0xabcd && cookie == 0x0102030405060708ull,
	       "IPv4 reply after an IP header");
	tap_ok(t, lb_icmp_echo_parse(reply + 20, n, 0, 0, &id, &seq, &cookie) == 0,
	       "IPv4 reply from a datagram socket");
	reply[0] = 0x4f; /* IHL 60 bytes: longer than the packet */
	tap_ok(t, lb_icmp_echo_parse(reply, 20 + n, 0, 1, &id, &seq, &cookie) < 0,
	       "an IP header longer than the packet");
	reply[0] = 0x44;
	tap_ok(t, lb_icmp_echo_parse(reply, 20 + n, 0, 1, &id, &seq, &cookie) < 0, "IHL below 5");
	reply[0] = 0x45;
	for (size_t len = 0; len < 20 + n; len++)
		tap_ok(t, lb_icmp_echo_parse(reply, len, 0, 1, &id, &seq, &cookie) < 0,
		       "truncated to %zu bytes", len);
	n = lb_icmp_echo_build(pkt, sizeof(pkt), 1, 7, 8, 9);
	tap_is_int(t, pkt[0], 128, "ICMPv6 echo request type 128");
	pkt[0] = 129;
	tap_ok(t, lb_icmp_echo_parse(pkt, n, 1, 0, &id, &seq, &cookie) == 0 && id == 7 && seq == 8 &&
			  cookie == 9,
	       "ICMPv6 reply");
	pkt[1] = 1;
	tap_ok(t, lb_icmp_echo_parse(pkt, n, 1, 0, &id, &seq, &cookie) < 0, "code must be 0");
	uint8_t odd[3] = {0xff, 0xff, 0x01};
	tap_is_int(t, lb_icmp_checksum(odd, 3), (uint16_t)~(0xffff + 0x0100 - 0xffff), "odd length");
}

static void metrics(struct tap *t)
{
	char out[64];
	lb_probe_metrics_escape(out, sizeof(out), "exec:echo \"a\\b\"\n");
	tap_is_str(t, out, "exec:echo \\\"a\\\\b\\\"\\n", "label values escaped");
	lb_probe_metrics_escape(out, 5, "abcdefgh");
	tap_is_str(t, out, "abcd", "cut to the buffer");
	lb_probe_metrics_escape(out, 3, "a\"b");
	tap_is_str(t, out, "a", "an escape is never cut in half");
}

static char *joined(json_t *list)
{
	static char buf[1024];
	size_t i, n = 0;
	json_t *v;
	buf[0] = '\0';
	json_array_foreach(list, i, v)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " " : "", json_string_value(v));
	return buf;
}

static void slices(struct tap *t)
{
	struct lb_err err = {""};
	json_t *s = json_loads(
		"{\"kind\":\"EndpointSlice\",\"metadata\":{\"namespace\":\"ns\",\"name\":\"web-x\"},"
		"\"endpoints\":[{\"addresses\":[\"192.0.2.12\"]},"
		"{\"addresses\":[\"192.0.2.11\"],\"conditions\":{\"ready\":false}},"
		"{\"addresses\":[\"192.0.2.13\"],\"conditions\":{\"terminating\":true}},"
		"{\"addresses\":[\"2001:db8::1\",\"192.0.2.12\"]},{\"addresses\":[7]}],"
		"\"ports\":[{\"port\":80},{\"port\":443},{\"name\":\"all\"},{\"port\":70000}]}",
		0, NULL);
	char key[64];
	tap_ok(t, lb_probe_slice_key(s, key, sizeof(key), &err) == 0, "slice key");
	tap_is_str(t, key, "ns/web-x", "namespace/name");
	json_t *l = lb_probe_slice_targets(s, "tcp://{ip}:{port}", &err);
	tap_is_str(t, l ? joined(l) : NULL,
		   "tcp://192.0.2.11:443 tcp://192.0.2.11:80 tcp://192.0.2.12:443 tcp://192.0.2.12:80 "
		   "tcp://[2001:db8::1]:443 tcp://[2001:db8::1]:80",
		   "per address and port, sorted, unique, IPv6 in brackets, terminating left out");
	json_decref(l);
	l = lb_probe_slice_targets(s, "icmp://{addr}", &err);
	tap_is_str(t, l ? joined(l) : NULL, "icmp://192.0.2.11 icmp://192.0.2.12 icmp://2001:db8::1",
		   "without {port}: once per address");
	json_decref(l);
	json_object_set_new(s, "endpoints", json_string("x"));
	tap_ok(t, lb_probe_slice_targets(s, "icmp://{addr}", &err) == NULL, "endpoints not a list");
	json_object_del(s, "endpoints");
	l = lb_probe_slice_targets(s, "icmp://{addr}", &err);
	tap_ok(t, l && json_array_size(l) == 0, "no endpoints: no targets");
	json_decref(l);
	json_object_del(s, "metadata");
	tap_ok(t, lb_probe_slice_key(s, key, sizeof(key), &err) < 0, "no metadata: no key");
	json_decref(s);
	tap_ok(t, lb_probe_slice_template_ok("http://{ip}:{port}/healthz", &err) == 0, "template ok");
	tap_ok(t, lb_probe_slice_template_ok("tcp://{host}:80", &err) < 0, "unknown placeholder");
	tap_ok(t, lb_probe_slice_template_ok("tcp://192.0.2.1:{port}", &err) < 0, "no address");
}

static void templates(struct tap *t)
{
	struct lb_err err = {""};
	unsigned all = LB_PROBE_TMPL_IP | LB_PROBE_TMPL_ADDR | LB_PROBE_TMPL_PORT |
		       LB_PROBE_TMPL_NAME;
	tap_is_int(t, lb_probe_template_check("tcp://{ip}:{port}", all, all, &err),
		   LB_PROBE_TMPL_IP | LB_PROBE_TMPL_PORT, "placeholders used");
	tap_ok(t, lb_probe_template_check("tcp://{name}:80", LB_PROBE_TMPL_IP, LB_PROBE_TMPL_IP,
					  &err) < 0 && strstr(err.msg, "unknown placeholder") &&
			  strstr(err.msg, "expected {ip}"),
	       "a placeholder not allowed here: %s", err.msg);
	tap_ok(t, lb_probe_template_check("tcp://{ip", all, all, &err) < 0, "unclosed brace");
	tap_ok(t, lb_probe_template_check("tcp://x:{port}", all, LB_PROBE_TMPL_IP, &err) < 0 &&
			  strstr(err.msg, "none of {ip}"),
	       "a needed placeholder missing: %s", err.msg);
	char out[48];
	struct lb_probe_tmpl_values v = {"2001:db8::1", 443, "n1"};
	tap_ok(t, lb_probe_template_fill("{ip}|{addr}|{port}|{name}", &v, out, sizeof(out)) == 0 &&
			  !strcmp(out, "[2001:db8::1]|2001:db8::1|443|n1"),
	       "every placeholder filled: %s", out);
	tap_ok(t, lb_probe_template_fill("{ip}{ip}{ip}", &v, out, 39) < 0,
	       "a result longer than the buffer is refused");
	tap_ok(t, lb_probe_template_fill("{ip}{ip}", &v, out, 27) == 0 && strlen(out) == 26,
	       "a result that just fits");
	v.addr = NULL;
	tap_ok(t, lb_probe_template_fill("tcp://{ip}:1", &v, out, sizeof(out)) < 0,
	       "a missing value is refused");
	tap_ok(t, lb_probe_template_fill("x", &v, out, 0) < 0, "no room at all");
}

static json_t *node(const char *name, const char *addresses)
{
	char text[1024];
	snprintf(text, sizeof(text),
		 "{\"kind\":\"Node\",\"metadata\":{\"name\":\"%s\"},"
		 "\"status\":{\"addresses\":[%s]}}",
		 name, addresses);
	json_t *n = json_loads(text, 0, NULL);
	if (!n)
		abort();
	return n;
}

static void node_target_is(struct tap *t, const char *name, const char *addresses,
			   const char *tmpl, int want_rc, const char *want, const char *what)
{
	struct lb_err err = {""};
	char out[128] = "";
	json_t *n = node(name, addresses);
	int rc = lb_probe_node_target(n, tmpl, out, sizeof(out), &err);
	tap_is_int(t, rc, want_rc, "%s: return (%s)", what, err.msg);
	if (want_rc == 1)
		tap_is_str(t, out, want, "%s", what);
	else if (want_rc < 0)
		tap_ok(t, strstr(err.msg, want) != NULL, "%s: message '%s'", what, err.msg);
	json_decref(n);
}

static void nodes(struct tap *t)
{
	struct lb_err err = {""};
	const char *tmpl = "http://{ip}:7473/healthz";
	node_target_is(t, "n1",
		       "{\"type\":\"Hostname\",\"address\":\"n1\"},"
		       "{\"type\":\"ExternalIP\",\"address\":\"203.0.113.1\"},"
		       "{\"type\":\"InternalIP\",\"address\":\"192.0.2.21\"},"
		       "{\"type\":\"InternalIP\",\"address\":\"192.0.2.22\"}",
		       tmpl, 1, "http://192.0.2.21:7473/healthz", "the first InternalIP, not an ExternalIP");
	node_target_is(t, "n1",
		       "{\"type\":\"ExternalIP\",\"address\":\"203.0.113.1\"},"
		       "{\"type\":\"ExternalIP\",\"address\":\"203.0.113.2\"}",
		       tmpl, 1, "http://203.0.113.1:7473/healthz", "no InternalIP: the first ExternalIP");
	node_target_is(t, "n1", "{\"type\":\"InternalIP\",\"address\":\"2001:db8::21\"}",
		       tmpl, 1, "http://[2001:db8::21]:7473/healthz", "IPv6 in brackets for {ip}");
	node_target_is(t, "n1", "{\"type\":\"InternalIP\",\"address\":\"2001:db8::21\"}",
		       "icmp://{addr}", 1, "icmp://2001:db8::21", "IPv6 bare for {addr}");
	node_target_is(t, "node-1.example", "{\"type\":\"InternalIP\",\"address\":\"192.0.2.21\"}",
		       "tcp://{addr}:22#{name}", 1, "tcp://192.0.2.21:22#node-1.example", "{name}");
	node_target_is(t, "n1",
		       "{\"type\":\"InternalIP\",\"address\":\"bad/addr\"},"
		       "{\"type\":\"InternalIP\"},{\"type\":\"InternalIP\",\"address\":7},"
		       "{\"type\":\"InternalIP\",\"address\":\"192.0.2.23\"}",
		       tmpl, 1, "http://192.0.2.23:7473/healthz", "entries that are no IP are passed over");
	node_target_is(t, "n1", "{\"type\":\"Hostname\",\"address\":\"n1\"}", tmpl, 0, NULL,
		       "no InternalIP or ExternalIP: no target yet");
	node_target_is(t, "n1", "", "http://{name}:7473/", 1, "http://n1:7473/",
		       "{name} alone needs no address");
	node_target_is(t, "N1;rm", "", tmpl, -1, "RFC 1123", "a name that is not a DNS subdomain");
	node_target_is(t, "-n1", "", tmpl, -1, "RFC 1123", "a name starting with '-'");
	node_target_is(t, "n1", "{\"type\":\"InternalIP\",\"address\":\"192.0.2.21\"}",
		       "{ip}{ip}{ip}{ip}{ip}{ip}{ip}{ip}{ip}{ip}{ip}{ip}{ip}", -1, "longer than",
		       "a target too long for the buffer");
	json_t *n = json_loads("{\"kind\":\"Service\",\"metadata\":{\"name\":\"a\"}}", 0, NULL);
	tap_ok(t, lb_probe_node_name(n, &err) == NULL && strstr(err.msg, "not a Node"),
	       "another kind is refused: %s", err.msg);
	json_decref(n);
	n = json_loads("{\"kind\":\"Node\",\"metadata\":{}}", 0, NULL);
	tap_ok(t, lb_probe_node_name(n, &err) == NULL && strstr(err.msg, "metadata.name"),
	       "no name is refused: %s", err.msg);
	json_decref(n);
	n = json_loads("{\"kind\":\"Node\",\"metadata\":{\"name\":\"n\"},\"status\":{\"addresses\":{}}}",
		       0, NULL);
	tap_ok(t, lb_probe_node_addr(n) == NULL, "addresses not a list: no address");
	json_decref(n);
	tap_ok(t, lb_probe_node_template_ok("http://{ip}:7473/healthz", &err) == 0, "node template ok");
	tap_ok(t, lb_probe_node_template_ok("http://{name}/", &err) == 0, "{name} alone is a template");
	tap_ok(t, lb_probe_node_template_ok("tcp://{ip}:{port}", &err) < 0, "no {port} for nodes");
	tap_ok(t, lb_probe_node_template_ok("tcp://192.0.2.1:80", &err) < 0,
	       "a template without placeholders would make one target of every node");
}

int main(void)
{
	struct tap t = {0, 0};
	targets(&t);
	status(&t);
	lines(&t);
	health(&t);
	icmp(&t);
	metrics(&t);
	slices(&t);
	templates(&t);
	nodes(&t);
	return tap_done(&t);
}
