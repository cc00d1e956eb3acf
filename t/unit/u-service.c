/* Reading a Service: timestamps, requests, families, sharing keys. */
#include <stdio.h>
#include <string.h>

#include "service.h"
#include "tap.h"

static void timestamps(struct tap *t)
{
	static const struct {
		const char *text;
		int ok;
		long long at;
	} cases[] = {
		{"2024-01-02T03:04:05Z", 1, 1704164645},
		{"2024-01-02T03:04:05.123456Z", 1, 1704164645},
		{"2024-01-02T03:04:05+02:00", 1, 1704157445},
		{"2024-01-02T03:04:05-01:30", 1, 1704170045},
		{"1970-01-01T00:00:00Z", 1, 0},
		{"2024-01-02 03:04:05Z", 0, 0},
		{"2024-1-02T03:04:05Z", 0, 0},
		{"2024-01-02T03:04:05", 0, 0},
		{"2024-01-02T03:04:05+0200", 0, 0},
		{"2024-13-02T03:04:05Z", 0, 0},
		{"2024-01-02T24:00:00Z", 0, 0},
		{"2024-01-02T03:04:05Zjunk", 0, 0},
		{"", 0, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t at = -1;
		int rc = lb_parse_rfc3339(cases[i].text, &at);
		if (cases[i].ok)
			tap_ok(t, rc == 0 && at == cases[i].at, "'%s' is %lld (got %lld)", cases[i].text,
			       cases[i].at, (long long)at);
		else
			tap_ok(t, rc == -1, "'%s' is refused", cases[i].text);
	}
}

static int parse(const char *json, struct lb_svc_spec *spec, struct lb_err *err)
{
	json_error_t je;
	json_t *obj = json_loads(json, 0, &je);
	int rc = lb_svc_spec_parse(obj, spec, err);
	json_decref(obj);
	return rc;
}

static void requests(struct tap *t)
{
	struct lb_svc_spec spec;
	struct lb_err err = {{0}};

	tap_ok(t, parse("{\"metadata\":{\"name\":\"web\"},\"spec\":{\"type\":\"LoadBalancer\"}}", &spec,
			&err) == 0 &&
		      !strcmp(spec.key, "default/web") && spec.load_balancer && spec.nfamilies == 1 &&
		      spec.families[0] == LB_AF_INET && !spec.invalid[0],
	       "no namespace is 'default'; no families is IPv4");
	lb_svc_spec_release(&spec);

	tap_ok(t, parse("{\"metadata\":{}}", &spec, &err) == -1 && strstr(err.msg, "metadata.name"),
	       "a Service without a name cannot be read: %s", err.msg);

	parse("{\"metadata\":{\"namespace\":\"n\",\"name\":\"x\"},\"spec\":{\"type\":\"LoadBalancer\","
	      "\"clusterIPs\":[\"2001:db8::1\"]}}", &spec, &err);
	tap_ok(t, spec.families[0] == LB_AF_INET6, "the family follows clusterIPs when ipFamilies is absent");
	lb_svc_spec_release(&spec);

	parse("{\"metadata\":{\"namespace\":\"n\",\"name\":\"x\"},\"spec\":{\"type\":\"LoadBalancer\","
	      "\"ports\":[{\"port\":0}]}}", &spec, &err);
	tap_ok(t, !spec.invalid[0], "ports are not read for a Service that does not share");
	lb_svc_spec_release(&spec);

	parse("{\"metadata\":{\"namespace\":\"n\",\"name\":\"x\",\"annotations\":"
	      "{\"metallb.io/allow-shared-ip\":\"k\"}},\"spec\":{\"type\":\"LoadBalancer\","
	      "\"ports\":[{\"port\":70000}]}}", &spec, &err);
	tap_ok(t, strstr(spec.invalid, "between 1 and 65535") != NULL, "a shared Service's bad port: %s",
	       spec.invalid);
	lb_svc_spec_release(&spec);

	parse("{\"metadata\":{\"namespace\":\"n\",\"name\":\"x\",\"annotations\":"
	      "{\"metallb.universe.tf/loadBalancerIPs\":\"192.0.2.1,2001:db8::1\"}},"
	      "\"spec\":{\"type\":\"LoadBalancer\",\"ipFamilyPolicy\":\"RequireDualStack\"}}",
	      &spec, &err);
	tap_ok(t, spec.nwant == 2 && spec.deprecated && !strcmp(spec.deprecated, "loadBalancerIPs") &&
		      spec.nfamilies == 2 && !spec.invalid[0],
	       "the old annotation prefix is read and reported as deprecated");
	lb_svc_spec_release(&spec);

	parse("{\"metadata\":{\"namespace\":\"n\",\"name\":\"x\"},\"spec\":{\"type\":\"LoadBalancer\","
	      "\"ipFamilies\":[\"IPv4\"],\"loadBalancerIP\":\"2001:db8::5\"}}", &spec, &err);
	tap_ok(t, strstr(spec.invalid, "not of the service's IP families") != NULL,
	       "a requested address of another family: %s", spec.invalid);
	lb_svc_spec_release(&spec);

	parse("{\"metadata\":{\"namespace\":\"n\",\"name\":\"x\"},\"spec\":{\"type\":\"LoadBalancer\","
	      "\"externalTrafficPolicy\":\"Local\",\"selector\":{\"b\":\"2\",\"a\":\"1\"}}}", &spec, &err);
	tap_is_str(t, spec.backend_key, "local:a=1,b=2", "Local backends are keyed by the canonical selector");
	lb_svc_spec_release(&spec);

	char long_name[100];
	memset(long_name, 'x', 64);
	long_name[64] = '\0';
	char json[300];
	snprintf(json, sizeof(json), "{\"metadata\":{\"namespace\":\"n\",\"name\":\"%s\"}}", long_name);
	tap_ok(t, parse(json, &spec, &err) == -1 && strstr(err.msg, "not a valid namespace/name"),
	       "an over-long name is refused");
}

int main(void)
{
	struct tap t = {0, 0};
	timestamps(&t);
	requests(&t);
	return tap_done(&t);
}
