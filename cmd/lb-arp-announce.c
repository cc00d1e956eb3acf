/* lb-arp-announce: layer-2 announcement of LoadBalancer addresses.
 *
 * Serving: answers ARP requests and IPv6 Neighbor Solicitations for the
 * VIPs it owns with the interface's MAC, and announces each VIP it acquires
 * (gratuitous ARP, unsolicited NA). Capture is libpcap with a kernel BPF
 * filter, injection on the capture's own packet socket (pcap_inject: one
 * send(2) of a frame built on the stack, no per-packet lookup or
 * allocation); frames are parsed and built by lib/arp_frame.
 * --probe is an iputils-arping work-alike, --monitor a conflict watcher. */
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/capability.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "addr.h"
#include "arp_claims.h"
#include "arp_frame.h"
#include "arp_probe.h"
#include "cli.h"
#include "emit.h"
#include "exitcode.h"
#include "hset.h"
#include "line_input.h"
#include "ndjson.h"
#include "output.h"
#include "sig.h"

#define MAX_IFACES 16
/* Malformed frames are logged one by one up to this many per interface,
 * then every 1000th, so a flood cannot flood the log too. */
#define MALFORMED_LOG_LIMIT 10

enum {
	OPT_IFACE = 1,
	OPT_SHORT_I,
};

struct opts {
	struct {
		const char *arg;
		int short_i;
	} ifargs[2 * MAX_IFACES];
	size_t nifargs;
	const char *ifnames[MAX_IFACES];
	size_t nifnames;
	int force;
	int garp_count;
	int garp_interval_ms;
	int refresh_s;
	int sched_fifo;
	int busy_poll_us;
	/* --probe */
	char *probe;
	int count;
	int deadline;
	int first;
	int interval_s;
	char *source;
	int dad;
	int unsolicited;
	int unsolicited_reply;
	int broadcast_only;
	/* --monitor */
	int monitor;
	int window_s;
};

struct run;

struct iface {
	char name[IF_NAMESIZE];
	unsigned index;
	uint8_t mac[LB_ETH_ALEN];
	pcap_t *pcap;
	int fd;
	int mcast_fd; /* joins the VIPs' solicited-node groups */
	struct lb_hset vips;
	unsigned long frames, malformed, answered, sent, send_errors;
	struct run *r;
};

struct vip {
	struct lb_addr addr;
	struct iface *ifc;
	int announce_left;
	uint64_t next_ms; /* next announcement; 0: none due */
};

struct run {
	struct lb_cli cli;
	struct opts o;
	struct iface ifs[MAX_IFACES];
	size_t nifs;
	/* The earliest announcement due (0: none), so that the VIP table is
	 * walked when one is due, not on every packet. */
	uint64_t next_due;
	/* --busy-poll's budget: microseconds spun in the current second. */
	uint64_t spin_window_us, spun_us;
	int json;
	int output_failed;
	/* --probe */
	struct lb_arp_probe probe;
	struct timeval last_sent;
	/* --monitor */
	struct lb_prefix *watch;
	size_t nwatch;
	struct lb_arp_claims *claims;
	int claims_full;
};

/* ---- small helpers ----------------------------------------------------------- */

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t addr_hash_entry(const void *e)
{
	return lb_addr_hash(e); /* struct vip starts with the address */
}

static uint64_t addr_hash_key(const void *k)
{
	return lb_addr_hash(k);
}

static int addr_matches(const void *e, const void *k)
{
	return lb_addr_eq(e, k);
}

static const struct lb_hset_ops addr_ops = {addr_hash_entry, addr_hash_key, addr_matches};

static void emit(struct run *r, json_t *rec)
{
	lb_output_record(stdout, rec, r->json, &r->output_failed, &r->cli.log);
}

static json_t *mac_json(const uint8_t mac[LB_ETH_ALEN])
{
	char buf[18];
	return json_string(lb_arp_frame_format_mac(mac, false, buf));
}

static json_t *addr_json(const struct lb_addr *a)
{
	char buf[LB_ADDR_STRLEN];
	return json_string(lb_addr_format(a, buf));
}

/* -i, -I and --interface as given, in order: what -i means is known only
 * once every option is read (with --probe it is arping's interval). */
static int on_option(void *ctx, int val, const char *arg, struct lb_err *err)
{
	struct opts *o = ctx;
	if (val != OPT_IFACE && val != OPT_SHORT_I)
		return lb_err_set(err, "unknown option");
	if (o->nifargs == 2 * MAX_IFACES)
		return lb_err_set(err, "at most %d interfaces", MAX_IFACES);
	o->ifargs[o->nifargs].arg = strdup(arg); /* lb_cli frees arg */
	if (!o->ifargs[o->nifargs].arg)
		return lb_err_set(err, "out of memory");
	o->ifargs[o->nifargs].short_i = val == OPT_SHORT_I;
	o->nifargs++;
	return 0;
}

/* iputils arping's -i is the interval between probes, in whole seconds;
 * elsewhere -i is --interface, as in every lbkit tool. */
static void resolve_ifaces(struct run *r)
{
	struct opts *o = &r->o;
	for (size_t i = 0; i < o->nifargs; i++) {
		const char *arg = o->ifargs[i].arg;
		if (o->probe && o->ifargs[i].short_i) {
			char *end;
			errno = 0;
			long v = strtol(arg, &end, 10);
			/* iputils takes 0 too, and then never sends a second
			 * probe; lbkit refuses it. */
			if (end == arg || *end || errno || v < 1 || v > INT_MAX / 1000)
				lb_cli_usage_error(&r->cli, "-i '%s': not a whole number of seconds "
							    "(1 or more)", arg);
			o->interval_s = (int)v;
			continue;
		}
		if (o->nifnames == MAX_IFACES)
			lb_cli_usage_error(&r->cli, "at most %d interfaces", MAX_IFACES);
		if (!arg[0] || strlen(arg) >= IF_NAMESIZE)
			lb_cli_usage_error(&r->cli, "'%s': not an interface name", arg);
		for (size_t j = 0; j < o->nifnames; j++) {
			if (!strcmp(o->ifnames[j], arg))
				lb_cli_usage_error(&r->cli, "interface %s given twice", arg);
		}
		o->ifnames[o->nifnames++] = arg;
	}
}

/* The addresses configured on this host's interfaces (all of them: the
 * kernel answers ARP for any local address on any interface by default,
 * arp_ignore=0). Returns 1 and the interface name when a is one. */
static int is_local_address(const struct lb_addr *a, char *ifname, size_t size)
{
	struct ifaddrs *list, *ifa;
	int found = 0;
	if (getifaddrs(&list) < 0)
		return 0;
	for (ifa = list; ifa && !found; ifa = ifa->ifa_next) {
		struct lb_addr have;
		if (!ifa->ifa_addr || lb_addr_from_sockaddr(ifa->ifa_addr, &have) < 0)
			continue;
		if (lb_addr_eq(&have, a)) {
			snprintf(ifname, size, "%s", ifa->ifa_name);
			found = 1;
		}
	}
	freeifaddrs(list);
	return found;
}

/* The first address of the family on ifname (for --probe's source);
 * IPv6 prefers a global address to the link-local one. */
static int iface_address(const char *ifname, int family, struct lb_addr *out)
{
	struct ifaddrs *list, *ifa;
	int found = 0;
	if (getifaddrs(&list) < 0)
		return -1;
	for (ifa = list; ifa; ifa = ifa->ifa_next) {
		struct lb_addr a;
		if (!ifa->ifa_addr || strcmp(ifa->ifa_name, ifname) ||
		    lb_addr_from_sockaddr(ifa->ifa_addr, &a) < 0 || a.family != family)
			continue;
		int link_local = family == LB_AF_INET6 && a.b[0] == 0xfe && (a.b[1] & 0xc0) == 0x80;
		if (!found || (found == 2 && !link_local)) {
			*out = a;
			found = link_local ? 2 : 1;
		}
	}
	freeifaddrs(list);
	return found ? 0 : -1;
}

/* ---- handles and privileges ------------------------------------------------ */

/* --probe keeps iputils arping's exit codes, which scripts test: every
 * error is 2 there, where lbkit's other modes say 3 for the environment. */
static int env_exit(const struct run *r)
{
	return r->o.probe ? LB_EXIT_USAGE : LB_EXIT_ENV;
}

static void open_iface(struct run *r, struct iface *ifc, const char *name, const char *filter,
		       pcap_direction_t dir)
{
	char eb[PCAP_ERRBUF_SIZE];
	const struct lb_log *log = &r->cli.log;
	struct bpf_program prog;

	snprintf(ifc->name, sizeof(ifc->name), "%s", name);
	ifc->r = r;
	ifc->mcast_fd = -1;
	lb_hset_init(&ifc->vips, &addr_ops);
	ifc->index = if_nametoindex(name);
	if (!ifc->index)
		lb_fatal(log, env_exit(r), "interface %s", name);

	ifc->pcap = pcap_create(name, eb);
	if (!ifc->pcap)
		lb_fatalx(log, env_exit(r), "%s: unable to open capture: %s", name, eb);
	/* Immediate mode: a reply must not wait for a buffer to fill. */
	if (pcap_set_snaplen(ifc->pcap, 256) || pcap_set_immediate_mode(ifc->pcap, 1) ||
	    pcap_set_promisc(ifc->pcap, 0) || pcap_set_buffer_size(ifc->pcap, 4 << 20))
		lb_fatalx(log, env_exit(r), "%s: unable to configure capture", name);
	int rc = pcap_activate(ifc->pcap);
	if (rc < 0)
		lb_fatalx(log, env_exit(r), "%s: unable to start capture: %s", name,
			  pcap_geterr(ifc->pcap));
	if (pcap_datalink(ifc->pcap) != DLT_EN10MB)
		lb_fatalx(log, env_exit(r), "%s: not an Ethernet interface", name);
	if (pcap_setdirection(ifc->pcap, dir) < 0)
		lb_fatalx(log, env_exit(r), "%s: %s", name, pcap_geterr(ifc->pcap));
	if (pcap_compile(ifc->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0 ||
	    pcap_setfilter(ifc->pcap, &prog) < 0)
		lb_fatalx(log, env_exit(r), "%s: filter '%s': %s", name, filter,
			  pcap_geterr(ifc->pcap));
	pcap_freecode(&prog);
	if (pcap_setnonblock(ifc->pcap, 1, eb) < 0)
		lb_fatalx(log, env_exit(r), "%s: %s", name, eb);
	ifc->fd = pcap_get_selectable_fd(ifc->pcap);

	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(ifc->fd, SIOCGIFHWADDR, &ifr) < 0)
		lb_fatal(log, env_exit(r), "%s: hardware address", name);
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		lb_fatalx(log, env_exit(r), "%s: not an Ethernet interface", name);
	memcpy(ifc->mac, ifr.ifr_hwaddr.sa_data, LB_ETH_ALEN);

	ifc->mcast_fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ifc->mcast_fd < 0)
		lb_debug(log, "%s: no IPv6 socket (%s): solicited-node groups not joined", name,
			 strerror(errno));
}

/* Everything that needed privilege is open: keep CAP_NET_RAW (the capture
 * socket is read and written) and drop the rest, from the
 * bounding set too so no exec can regain them. */
static void drop_privileges(struct run *r)
{
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
		if (cap != CAP_NET_RAW)
			prctl(PR_CAPBSET_DROP, cap, 0, 0, 0); /* EPERM without CAP_SETPCAP */
	}
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0) {
		lb_warn(&r->cli.log, "capget");
		return;
	}
	uint32_t keep = data[0].permitted & (1u << CAP_NET_RAW);
	memset(data, 0, sizeof(data));
	data[0].effective = data[0].permitted = keep;
	if (syscall(SYS_capset, &hdr, data) < 0)
		lb_warn(&r->cli.log, "unable to drop capabilities");
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

static int send_frame(struct iface *ifc, const uint8_t *frame, size_t len)
{
	if (!len)
		return -1;
	/* libpcap's inject is a bare send(2) on the capture socket, which
	 * is bound to the interface. */
	if (pcap_inject(ifc->pcap, frame, len) < 0) {
		if (ifc->send_errors++ < MALFORMED_LOG_LIMIT)
			lb_warnx(&ifc->r->cli.log, "%s: send: %s", ifc->name, pcap_geterr(ifc->pcap));
		return -1;
	}
	ifc->sent++;
	return 0;
}

/* ---- serving ------------------------------------------------------------------ */

static struct iface *find_iface(struct run *r, const char *name)
{
	for (size_t i = 0; i < r->nifs; i++) {
		if (!strcmp(r->ifs[i].name, name))
			return &r->ifs[i];
	}
	return NULL;
}

struct group_user {
	const struct lb_addr *group;
	const struct vip *except;
	int found;
};

static void count_group_user(void *ctx, void *entry)
{
	struct group_user *gu = ctx;
	struct vip *v = entry;
	struct lb_addr g;
	if (v == gu->except || v->addr.family != LB_AF_INET6)
		return;
	lb_arp_frame_solicited_node(&v->addr, &g);
	if (lb_addr_eq(&g, gu->group))
		gu->found = 1;
}

/* RFC 4861 §7.2.1: solicitations for a VIP go to its solicited-node group;
 * joining it makes the interface accept those frames, so they reach the
 * capture on NICs that filter multicast. VIPs can share a group, and a
 * socket joins a group once, hence the check for other users. */
static void set_group(struct iface *ifc, const struct vip *v, int join)
{
	struct lb_addr group;
	if (ifc->mcast_fd < 0 || v->addr.family != LB_AF_INET6)
		return;
	lb_arp_frame_solicited_node(&v->addr, &group);
	struct group_user gu = {&group, v, 0};
	lb_hset_each(&ifc->vips, count_group_user, &gu);
	if (gu.found)
		return;
	struct ipv6_mreq mreq;
	memcpy(&mreq.ipv6mr_multiaddr, group.b, 16);
	mreq.ipv6mr_interface = ifc->index;
	if (setsockopt(ifc->mcast_fd, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP,
		       &mreq, sizeof(mreq)) < 0) {
		char buf[LB_ADDR_STRLEN];
		lb_warn(&ifc->r->cli.log, "%s: %s group %s", ifc->name, join ? "join" : "leave",
			lb_addr_format(&group, buf));
	}
}

/* Gratuitous ARP in both forms, since devices differ in which they honour
 * (RFC 5227 §3 prefers the request), or an unsolicited NA with the Override
 * flag to all-nodes (RFC 4861 §7.2.6). */
static void announce(struct vip *v)
{
	struct iface *ifc = v->ifc;
	uint8_t frame[LB_NDP_FRAME_MAX];
	static const uint8_t zero[LB_ETH_ALEN];
	if (v->addr.family == LB_AF_INET) {
		send_frame(ifc, frame,
			   lb_arp_frame_build_arp(frame, sizeof(frame), lb_arp_frame_broadcast,
						  ifc->mac, 1, ifc->mac, &v->addr, zero, &v->addr));
		send_frame(ifc, frame,
			   lb_arp_frame_build_arp(frame, sizeof(frame), lb_arp_frame_broadcast,
						  ifc->mac, 2, ifc->mac, &v->addr, ifc->mac, &v->addr));
	} else {
		struct lb_addr all_nodes = {LB_AF_INET6, {0xff, 0x02, [15] = 1}};
		uint8_t group_mac[LB_ETH_ALEN];
		lb_arp_frame_mcast_mac(&all_nodes, group_mac);
		send_frame(ifc, frame,
			   lb_arp_frame_build_na(frame, sizeof(frame), group_mac, ifc->mac, &all_nodes,
						 &v->addr, LB_NA_OVERRIDE));
	}
}

static json_t *vip_record(const char *type, const struct vip *v)
{
	json_t *rec = json_pack("{s:s}", "type", type);
	json_object_set_new(rec, "ip", addr_json(&v->addr));
	json_object_set_new(rec, "interface", json_string(v->ifc->name));
	json_object_set_new(rec, "mac", mac_json(v->ifc->mac));
	return rec;
}

static int add_vip(struct run *r, struct iface *ifc, const struct lb_addr *a, struct lb_err *err)
{
	char abuf[LB_ADDR_STRLEN], local[IF_NAMESIZE + 1];
	lb_addr_format(a, abuf);
	if (lb_hset_find(&ifc->vips, a))
		return 0; /* already ours: an ANNOUNCE repeated on re-sync */
	if (!r->o.force && is_local_address(a, local, sizeof(local)))
		return lb_err_set(err,
				  "%s is configured on interface %s: the kernel answers for it "
				  "already (remove it, or use --force)",
				  abuf, local);
	struct vip *v = calloc(1, sizeof(*v));
	if (!v)
		return lb_err_set(err, "%s: out of memory", abuf);
	v->addr = *a;
	v->ifc = ifc;
	set_group(ifc, v, 1);
	if (lb_hset_add(&ifc->vips, v) < 0) {
		set_group(ifc, v, 0);
		free(v);
		return lb_err_set(err, "%s: out of memory", abuf);
	}
	v->announce_left = r->o.garp_count;
	v->next_ms = r->o.garp_count > 0 ? now_ms() : 0;
	if (!v->next_ms && r->o.refresh_s > 0)
		v->next_ms = now_ms() + (uint64_t)r->o.refresh_s * 1000;
	if (v->next_ms && (!r->next_due || v->next_ms < r->next_due))
		r->next_due = v->next_ms;
	lb_info(&r->cli.log, "%s: announcing %s", ifc->name, abuf);
	emit(r, vip_record("ANNOUNCED", v));
	return 0;
}

static void drop_vip(struct run *r, struct iface *ifc, const struct lb_addr *a)
{
	struct vip *v = lb_hset_find(&ifc->vips, a);
	if (!v)
		return;
	lb_hset_remove(&ifc->vips, a, v);
	set_group(ifc, v, 0);
	char abuf[LB_ADDR_STRLEN];
	lb_info(&r->cli.log, "%s: withdrew %s", ifc->name, lb_addr_format(a, abuf));
	emit(r, vip_record("WITHDRAWN", v));
	free(v);
}

struct due {
	uint64_t now, next;
	struct run *r;
};

static void run_announcements(void *ctx, void *entry)
{
	struct due *d = ctx;
	struct vip *v = entry;
	if (!v->next_ms)
		return;
	if (v->next_ms <= d->now) {
		announce(v);
		if (v->announce_left > 0)
			v->announce_left--;
		if (v->announce_left > 0)
			v->next_ms = d->now + (uint64_t)d->r->o.garp_interval_ms;
		else if (d->r->o.refresh_s > 0)
			v->next_ms = d->now + (uint64_t)d->r->o.refresh_s * 1000;
		else
			v->next_ms = 0;
	}
	if (v->next_ms && (!d->next || v->next_ms < d->next))
		d->next = v->next_ms;
}

static void log_malformed(struct iface *ifc, const struct lb_err *err)
{
	ifc->malformed++;
	if (ifc->malformed <= MALFORMED_LOG_LIMIT || ifc->malformed % 1000 == 0)
		lb_warnx(&ifc->r->cli.log, "%s: dropped malformed frame #%lu: %s", ifc->name,
			 ifc->malformed, err->msg);
}

/* Another host announcing a VIP we own: the split brain an L2 balancer must
 * not hide. Report it; the periodic refresh (if any) keeps defending. */
static void report_conflict(struct iface *ifc, const struct lb_addr *a,
			    const uint8_t mac[LB_ETH_ALEN])
{
	char abuf[LB_ADDR_STRLEN], mbuf[18];
	lb_warnx(&ifc->r->cli.log, "%s: %s is also claimed by %s", ifc->name, lb_addr_format(a, abuf),
		 lb_arp_frame_format_mac(mac, false, mbuf));
	json_t *rec = json_pack("{s:s}", "type", "CONFLICT");
	json_object_set_new(rec, "ip", addr_json(a));
	json_object_set_new(rec, "interface", json_string(ifc->name));
	json_object_set_new(rec, "macs", json_pack("[oo]", mac_json(ifc->mac), mac_json(mac)));
	emit(ifc->r, rec);
}

static void serve_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct iface *ifc = (struct iface *)user;
	struct lb_arp_frame f;
	struct lb_err err;
	uint8_t reply[LB_NDP_FRAME_MAX];
	ifc->frames++;
	int rc = lb_arp_frame_parse(bytes, h->caplen, &f, &err);
	if (rc < 0) {
		log_malformed(ifc, &err);
		return;
	}
	if (rc == 0 || !memcmp(f.eth_src, ifc->mac, LB_ETH_ALEN))
		return;
	const struct lb_addr *wanted = f.kind == LB_ARP_FRAME_NS ? &f.target : &f.tpa;
	if ((f.kind != LB_ARP_FRAME_ARP_REQUEST && f.kind != LB_ARP_FRAME_NS) ||
	    !lb_hset_find(&ifc->vips, wanted))
		return;
	if (f.kind == LB_ARP_FRAME_ARP_REQUEST && lb_addr_eq(&f.spa, &f.tpa)) {
		report_conflict(ifc, &f.spa, f.sha);
		return;
	}
	size_t len = lb_arp_frame_answer(&f, ifc->mac, reply, sizeof(reply));
	if (len) {
		send_frame(ifc, reply, len);
		ifc->answered++;
	}
}

static void log_stats(struct run *r)
{
	for (size_t i = 0; i < r->nifs; i++) {
		struct iface *ifc = &r->ifs[i];
		lb_info(&r->cli.log, "%s: %zu VIPs, %lu frames, %lu malformed, %lu answered, %lu sent, "
			"%lu send errors", ifc->name, ifc->vips.count, ifc->frames, ifc->malformed,
			ifc->answered, ifc->sent, ifc->send_errors);
	}
}

/* One ANNOUNCE or WITHDRAW line (lbkit(7)): lines for BGP, for interfaces
 * this process does not serve, and of other types are not ours and are
 * passed over silently, since lb-elect's stream feeds every announcer. */
static int handle_line(void *ctx, json_t *obj, struct lb_err *err)
{
	struct run *r = ctx;
	const char *type = json_string_value(json_object_get(obj, "type"));
	const char *ip = json_string_value(json_object_get(obj, "ip"));
	const json_t *via = json_object_get(obj, "via");
	const json_t *ifname = json_object_get(obj, "interface");
	if (!type || (strcmp(type, "ANNOUNCE") && strcmp(type, "WITHDRAW")))
		return 0;
	if (via && (!json_is_string(via) || strcmp(json_string_value(via), "l2")))
		return 0;
	if (!ip)
		return lb_err_set(err, "%s without a string \"ip\"", type);
	if (ifname && !json_is_string(ifname))
		return lb_err_set(err, "\"interface\" is not a string");
	struct iface *ifc = ifname ? find_iface(r, json_string_value(ifname)) : &r->ifs[0];
	if (!ifc) {
		lb_debug(&r->cli.log, "%s %s: interface %s is not served here", type, ip,
			 json_string_value(ifname));
		return 0;
	}
	struct lb_addr a;
	if (lb_addr_parse(ip, &a, err) < 0)
		return -1;
	if (!strcmp(type, "WITHDRAW")) {
		drop_vip(r, ifc, &a);
		return 0;
	}
	return add_vip(r, ifc, &a, err);
}

/* The kernel answers ARP in softirq context, ahead of every process; a
 * user-space answerer on a busy machine waits for a CPU behind other
 * processes, which is the tail of its latency. SCHED_FIFO puts it ahead
 * of them (needs CAP_SYS_NICE, used here before it is dropped); locked
 * memory keeps page faults off the path. The kernel's RT throttling
 * (sched_rt_runtime_us) still leaves the other processes 5% of a CPU
 * should this one spin. */
static void set_realtime(struct run *r)
{
	struct sched_param sp = {.sched_priority = r->o.sched_fifo};
	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) < 0)
		lb_fatal(&r->cli.log, LB_EXIT_ENV, "--sched-fifo %d", r->o.sched_fifo);
	if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
		lb_warn(&r->cli.log, "--sched-fifo: memory not locked");
}

/* Reads whatever the captures hold; returns the number of frames. */
static int dispatch_all(struct run *r)
{
	int total = 0;
	for (size_t i = 0; i < r->nifs; i++) {
		int n = pcap_dispatch(r->ifs[i].pcap, 256, serve_packet, (u_char *)&r->ifs[i]);
		if (n < 0)
			lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s: %s", r->ifs[i].name,
				  pcap_geterr(r->ifs[i].pcap));
		total += n;
	}
	return total;
}

/* --busy-poll: after frames came, keep reading the rings for a while
 * instead of sleeping, so that a request arriving soon after finds the
 * process awake; each empty read is one poll(2) with a zero timeout.
 * Spinning is capped at half of each second: a real-time process that
 * never sleeps is stopped by the kernel's RT throttling for tens of
 * milliseconds at a time (measured: p99 over 30 ms), far worse than
 * sleeping between requests. */
static void busy_poll(struct run *r)
{
	uint64_t t = now_us(), until = t + (uint64_t)r->o.busy_poll_us;
	if (t - r->spin_window_us >= 1000000) {
		r->spin_window_us = t;
		r->spun_us = 0;
	}
	uint64_t start = t;
	while (t < until && r->spun_us + (t - start) < 500000) {
		if (dispatch_all(r) > 0)
			until = now_us() + (uint64_t)r->o.busy_poll_us;
		t = now_us();
	}
	r->spun_us += t - start;
}

static int serve(struct run *r)
{
	struct lb_err err;
	int sfd = lb_sig_open(0, &err);
	if (sfd < 0)
		lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
	/* Only what serving needs reaches user space: ARP requests and
	 * Neighbor Solicitations (no IPv6 extension headers). */
	for (size_t i = 0; i < r->o.nifnames; i++)
		open_iface(r, &r->ifs[r->nifs++], r->o.ifnames[i],
			   "(arp and arp[6:2] = 1) or (icmp6 and ip6[40] = 135)", PCAP_D_IN);
	if (r->o.sched_fifo)
		set_realtime(r);
	drop_privileges(r);

	for (int i = 0; i < r->cli.nargs; i++) {
		struct lb_addr a;
		if (lb_addr_parse(r->cli.args[i], &a, &err) < 0)
			lb_cli_usage_error(&r->cli, "%s", err.msg);
		if (add_vip(r, &r->ifs[0], &a, &err) < 0)
			lb_fatalx(&r->cli.log, LB_EXIT_USAGE, "%s", err.msg);
	}

	struct lb_ndjson_reader rd;
	lb_ndjson_reader_init(&rd, "<stdin>", 0);
	int stdin_open = 1, code = LB_EXIT_OK;
	struct pollfd pfd[MAX_IFACES + 2];
	for (;;) {
		uint64_t now = now_ms();
		if (r->next_due && now >= r->next_due) {
			struct due d = {now, 0, r};
			for (size_t i = 0; i < r->nifs; i++)
				lb_hset_each(&r->ifs[i].vips, run_announcements, &d);
			r->next_due = d.next;
		}
		uint64_t wait = r->next_due ? r->next_due - now : 0;
		int timeout = !r->next_due ? -1 : wait > INT_MAX ? INT_MAX : (int)wait;
		size_t n = 0;
		pfd[n++] = (struct pollfd){sfd, POLLIN, 0};
		pfd[n++] = (struct pollfd){stdin_open ? STDIN_FILENO : -1, POLLIN, 0};
		for (size_t i = 0; i < r->nifs; i++)
			pfd[n++] = (struct pollfd){r->ifs[i].fd, POLLIN, 0};
		if (poll(pfd, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			lb_fatal(&r->cli.log, LB_EXIT_ENV, "poll");
		}
		int frames = 0;
		for (size_t i = 0; i < r->nifs; i++) {
			if (pfd[2 + i].revents & (POLLERR | POLLNVAL))
				lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s: capture failed (interface gone?)",
					  r->ifs[i].name);
			if (pfd[2 + i].revents)
				frames = 1;
		}
		if (frames && dispatch_all(r) > 0 && r->o.busy_poll_us > 0)
			busy_poll(r);
		if (pfd[0].revents) {
			int sig = lb_sig_read(sfd);
			if (sig == SIGHUP) {
				log_stats(r);
			} else if (sig > 0) {
				code = lb_sig_exit_code(sig);
				break;
			}
		}
		if (pfd[1].revents) {
			ssize_t got = lb_ndjson_read_fd(&rd, STDIN_FILENO, &err);
			if (got < 0 && errno != EAGAIN && errno != EINTR)
				lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
			lb_line_input_drain(&rd, handle_line, r, &r->cli.log);
			/* End of input changes nothing: the VIPs stay announced
			 * until withdrawn or until this process ends. */
			if (got == 0)
				stdin_open = 0;
		}
		if (r->output_failed) {
			code = LB_EXIT_ENV;
			break;
		}
	}
	log_stats(r);
	lb_ndjson_reader_free(&rd);
	close(sfd);
	return code;
}

/* ---- --probe: arping -------------------------------------------------------- */

static void probe_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct iface *ifc = (struct iface *)user;
	struct run *r = ifc->r;
	struct lb_arp_frame f;
	struct lb_err err;
	struct lb_arp_probe_response resp;
	int rc = lb_arp_frame_parse(bytes, h->caplen, &f, &err);
	if (rc < 0) {
		ifc->malformed++;
		lb_debug(&r->cli.log, "%s: dropped malformed frame: %s", ifc->name, err.msg);
		return;
	}
	if (rc == 0 || r->probe.done || !lb_arp_probe_accept(&r->probe, &f, &resp))
		return;
	if (resp.other_mac) {
		char abuf[LB_ADDR_STRLEN], mbuf[18], obuf[18];
		lb_warnx(&r->cli.log, "%s answered from two MACs: %s and %s (duplicate address?)",
			 lb_addr_format(&r->probe.target, abuf),
			 lb_arp_frame_format_mac(r->probe.first_mac, true, obuf),
			 lb_arp_frame_format_mac(resp.mac, true, mbuf));
	}
	if (r->cli.quiet)
		return;
	struct timeval rtt;
	timersub(&h->ts, &r->last_sent, &rtt);
	long usec = rtt.tv_sec < 0 ? 0 : (long)rtt.tv_sec * 1000000 + (long)rtt.tv_usec;
	printf("%s %ld.%03ldms\n", resp.line, usec / 1000, usec % 1000);
	fflush(stdout);
}

static int probe(struct run *r)
{
	struct lb_err err;
	struct lb_arp_probe *p = &r->probe;
	char buf[256];
	lb_arp_probe_init(p);
	if (lb_addr_parse(r->o.probe, &p->target, &err) < 0)
		lb_cli_usage_error(&r->cli, "--probe: %s", err.msg);
	if (r->o.nifnames != 1)
		lb_cli_usage_error(&r->cli, "--probe needs one interface (-I IFACE)");
	if (r->cli.nargs)
		lb_cli_usage_error(&r->cli, "--probe takes no operands");
	if (r->o.dad && (r->o.unsolicited || r->o.unsolicited_reply))
		lb_cli_usage_error(&r->cli, "-D and -U/-A exclude each other");
	if (r->o.count < 0 || r->o.deadline < 0)
		lb_cli_usage_error(&r->cli, "-c and -w take positive numbers");
	p->count = r->o.count;
	p->deadline_s = r->o.deadline;
	p->interval_s = r->o.interval_s;
	/* -D implies -f (iputils): one answer proves the address taken. */
	p->first = r->o.first || r->o.dad;
	p->dad = r->o.dad;
	p->unsolicited = r->o.unsolicited || r->o.unsolicited_reply;
	p->advert = r->o.unsolicited_reply;
	p->broadcast_only = r->o.broadcast_only;
	int v4 = p->target.family == LB_AF_INET;
	memset(&p->source, 0, sizeof(p->source));
	p->source.family = p->target.family;
	/* The sender address, as iputils picks it: -s; 0.0.0.0 for DAD; the
	 * target itself for -U/-A; else the interface's own address. */
	if (r->o.source) {
		if (lb_addr_parse(r->o.source, &p->source, &err) < 0)
			lb_cli_usage_error(&r->cli, "-s: %s", err.msg);
		if (p->source.family != p->target.family)
			lb_cli_usage_error(&r->cli, "-s %s and %s are of different families",
					   r->o.source, r->o.probe);
	} else if (!if_nametoindex(r->o.ifnames[0])) {
		lb_fatalx(&r->cli.log, env_exit(r), "interface %s: no such device", r->o.ifnames[0]);
	} else if (p->unsolicited) {
		p->source = p->target;
	} else if (!p->dad && iface_address(r->o.ifnames[0], p->target.family, &p->source) < 0) {
		lb_fatalx(&r->cli.log, LB_EXIT_USAGE, "%s has no IPv%d address to send from (use -s)",
			  r->o.ifnames[0], v4 ? 4 : 6);
	}
	struct iface *ifc = &r->ifs[r->nifs++];
	open_iface(r, ifc, r->o.ifnames[0], v4 ? "arp" : "icmp6 and ip6[40] = 136", PCAP_D_IN);
	memcpy(p->mac, ifc->mac, LB_ETH_ALEN);
	drop_privileges(r);
	int sfd = lb_sig_open(0, &err);
	if (sfd < 0)
		lb_fatalx(&r->cli.log, env_exit(r), "%s", err.msg);

	if (!r->cli.quiet) {
		lb_arp_probe_header(p, ifc->name, buf, sizeof(buf));
		fputs(buf, stdout);
		fflush(stdout);
	}
	for (;;) {
		uint64_t wake = 0, t = now_ms();
		enum lb_arp_probe_step step = lb_arp_probe_step(p, t, &wake);
		if (step == LB_ARP_PROBE_STOP)
			break;
		if (step == LB_ARP_PROBE_SEND) {
			uint8_t frame[LB_NDP_FRAME_MAX];
			size_t len = lb_arp_probe_build(p, frame, sizeof(frame));
			gettimeofday(&r->last_sent, NULL);
			if (send_frame(ifc, frame, len) == 0)
				lb_arp_probe_sent(p);
			continue;
		}
		struct pollfd pfd[2] = {{ifc->fd, POLLIN, 0}, {sfd, POLLIN, 0}};
		if (poll(pfd, 2, wake > t ? (int)(wake - t) : 0) < 0 && errno != EINTR)
			lb_fatal(&r->cli.log, env_exit(r), "poll");
		if (pfd[0].revents && pcap_dispatch(ifc->pcap, 64, probe_packet, (u_char *)ifc) < 0)
			lb_fatalx(&r->cli.log, env_exit(r), "%s: %s", ifc->name, pcap_geterr(ifc->pcap));
		if (pfd[1].revents && lb_sig_read(sfd) > 0)
			break; /* iputils prints its summary on SIGINT too */
	}
	if (!r->cli.quiet) {
		lb_arp_probe_summary(p, buf, sizeof(buf));
		fputs(buf, stdout);
	}
	close(sfd);
	return lb_arp_probe_exit_code(p);
}

/* ---- --monitor ---------------------------------------------------------------- */

static int watched(const struct run *r, const struct lb_addr *a)
{
	if (!r->nwatch)
		return 1;
	for (size_t i = 0; i < r->nwatch; i++) {
		if (lb_prefix_contains(&r->watch[i], a))
			return 1;
	}
	return 0;
}

static void time_json(json_t *rec, const struct timeval *tv)
{
	struct tm tm;
	char buf[64], out[80];
	time_t s = tv->tv_sec;
	gmtime_r(&s, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, sizeof(out), "%s.%06ldZ", buf, (long)tv->tv_usec);
	json_object_set_new(rec, "time", json_string(out));
}

/* A different MAC claiming an address within the window is the split
 * brain: two hosts answering for one VIP. */
static void track_claim(struct iface *ifc, const struct timeval *tv, const struct lb_addr *a,
			const uint8_t mac[LB_ETH_ALEN])
{
	struct run *r = ifc->r;
	uint64_t t = (uint64_t)tv->tv_sec * 1000 + (uint64_t)tv->tv_usec / 1000;
	uint8_t prev[LB_ETH_ALEN];
	switch (lb_arp_claims_note(r->claims, a, mac, t, prev)) {
	case LB_ARP_CLAIM_UNTRACKED:
		if (!r->claims_full++)
			lb_warnx(&r->cli.log, "tracking %zu addresses; not tracking more",
				 lb_arp_claims_count(r->claims));
		return;
	case LB_ARP_CLAIM_OK:
		return;
	case LB_ARP_CLAIM_CONFLICT:
		break;
	}
	json_t *rec = json_pack("{s:s}", "type", "CONFLICT");
	json_object_set_new(rec, "ip", addr_json(a));
	time_json(rec, tv);
	json_object_set_new(rec, "interface", json_string(ifc->name));
	json_object_set_new(rec, "macs", json_pack("[oo]", mac_json(prev), mac_json(mac)));
	json_object_set_new(rec, "window_s", json_integer(r->o.window_s));
	emit(r, rec);
}

static void monitor_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct iface *ifc = (struct iface *)user;
	struct run *r = ifc->r;
	struct lb_arp_frame f;
	struct lb_err err;
	int rc = lb_arp_frame_parse(bytes, h->caplen, &f, &err);
	json_t *rec;
	if (rc < 0) {
		ifc->malformed++;
		rec = json_pack("{s:s}", "type", "MALFORMED");
		time_json(rec, &h->ts);
		json_object_set_new(rec, "interface", json_string(ifc->name));
		json_object_set_new(rec, "from", mac_json(f.eth_src));
		json_object_set_new(rec, "reason", json_string(err.msg));
		emit(r, rec);
		return;
	}
	if (rc == 0)
		return;
	const struct lb_addr *ip, *target;
	const uint8_t *mac;
	const char *type, *op = NULL;
	struct lb_addr claimed;
	uint8_t claimed_mac[LB_ETH_ALEN];
	int claims = lb_arp_frame_claim(&f, &claimed, claimed_mac);
	switch (f.kind) {
	case LB_ARP_FRAME_ARP_REQUEST:
	case LB_ARP_FRAME_ARP_REPLY:
		type = "ARP";
		ip = &f.spa;
		target = &f.tpa;
		mac = f.sha;
		if (!claims)
			op = "probe"; /* RFC 5227 §2.1.1 */
		else if (lb_addr_eq(&f.spa, &f.tpa))
			op = "announcement";
		else
			op = f.kind == LB_ARP_FRAME_ARP_REQUEST ? "request" : "reply";
		break;
	case LB_ARP_FRAME_NS:
		type = "NS";
		ip = &f.ip_src;
		target = &f.target;
		mac = f.has_lladdr ? f.lladdr : f.eth_src;
		break;
	default:
		type = "NA";
		ip = &f.target;
		target = NULL;
		mac = f.has_lladdr ? f.lladdr : f.eth_src;
	}
	if (!watched(r, ip) && !(target && watched(r, target)))
		return;
	rec = json_pack("{s:s}", "type", type);
	json_object_set_new(rec, "ip", addr_json(ip));
	if (target)
		json_object_set_new(rec, "target", addr_json(target));
	time_json(rec, &h->ts);
	json_object_set_new(rec, "interface", json_string(ifc->name));
	json_object_set_new(rec, "mac", mac_json(mac));
	if (op)
		json_object_set_new(rec, "op", json_string(op));
	if (f.kind == LB_ARP_FRAME_NA) {
		char flags[4], *p = flags;
		if (f.na_flags & LB_NA_ROUTER)
			*p++ = 'R';
		if (f.na_flags & LB_NA_SOLICITED)
			*p++ = 'S';
		if (f.na_flags & LB_NA_OVERRIDE)
			*p++ = 'O';
		*p = 0;
		json_object_set_new(rec, "flags", json_string(flags));
		json_object_set_new(rec, "dst", addr_json(&f.ip_dst));
	}
	emit(r, rec);
	if (claims && watched(r, &claimed))
		track_claim(ifc, &h->ts, &claimed, claimed_mac);
}

static int monitor(struct run *r)
{
	struct lb_err err;
	if (!r->o.nifnames)
		lb_cli_usage_error(&r->cli, "--monitor needs an interface (-i IFACE)");
	if (r->o.window_s <= 0)
		lb_cli_usage_error(&r->cli, "--window must be a positive number of seconds");
	r->watch = calloc((size_t)r->cli.nargs + 1, sizeof(*r->watch));
	for (int i = 0; i < r->cli.nargs; i++) {
		const char *s = r->cli.args[i];
		struct lb_prefix *p = &r->watch[r->nwatch++];
		if (strchr(s, '/')) {
			if (lb_prefix_parse(s, p, NULL, &err) < 0)
				lb_cli_usage_error(&r->cli, "%s", err.msg);
		} else {
			if (lb_addr_parse(s, &p->addr, &err) < 0)
				lb_cli_usage_error(&r->cli, "%s", err.msg);
			p->len = (uint8_t)lb_addr_bits(&p->addr);
		}
	}
	r->claims = lb_arp_claims_new((uint64_t)r->o.window_s * 1000, 0);
	if (!r->claims)
		lb_fatalx(&r->cli.log, LB_EXIT_ENV, "out of memory");
	for (size_t i = 0; i < r->o.nifnames; i++)
		open_iface(r, &r->ifs[r->nifs++], r->o.ifnames[i],
			   "arp or (icmp6 and (ip6[40] = 135 or ip6[40] = 136))", PCAP_D_INOUT);
	drop_privileges(r);
	int sfd = lb_sig_open(0, &err);
	if (sfd < 0)
		lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
	int code = LB_EXIT_OK;
	struct pollfd pfd[MAX_IFACES + 1];
	while (!r->output_failed) {
		size_t n = 0;
		pfd[n++] = (struct pollfd){sfd, POLLIN, 0};
		for (size_t i = 0; i < r->nifs; i++)
			pfd[n++] = (struct pollfd){r->ifs[i].fd, POLLIN, 0};
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			lb_fatal(&r->cli.log, LB_EXIT_ENV, "poll");
		}
		for (size_t i = 0; i < r->nifs; i++) {
			if (pfd[1 + i].revents &&
			    pcap_dispatch(r->ifs[i].pcap, 256, monitor_packet, (u_char *)&r->ifs[i]) < 0)
				lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s: %s", r->ifs[i].name,
					  pcap_geterr(r->ifs[i].pcap));
		}
		if (pfd[0].revents && (code = lb_sig_end_code(sfd)) != LB_EXIT_OK)
			break;
	}
	if (r->output_failed)
		code = LB_EXIT_ENV;
	lb_arp_claims_free(r->claims);
	free(r->watch);
	close(sfd);
	return code;
}

static void free_vip(void *ctx, void *entry)
{
	(void)ctx;
	free(entry);
}

static void close_ifaces(struct run *r)
{
	for (size_t i = 0; i < r->nifs; i++) {
		struct iface *ifc = &r->ifs[i];
		lb_hset_each(&ifc->vips, free_vip, NULL);
		lb_hset_free(&ifc->vips);
		if (ifc->pcap)
			pcap_close(ifc->pcap);
		if (ifc->mcast_fd >= 0)
			close(ifc->mcast_fd);
	}
	for (size_t i = 0; i < r->o.nifargs; i++)
		free((void *)r->o.ifargs[i].arg);
}

int main(int argc, const char **argv)
{
	static struct run r;
	r.o.garp_count = 3;
	r.o.garp_interval_ms = 1000;
	r.o.window_s = 10;
	const struct poptOption options[] = {
		{"interface", 0, POPT_ARG_STRING, NULL, OPT_IFACE,
		 "serve (or probe, or monitor) this interface; repeatable: VIP operands go to the "
		 "first, stdin lines name theirs", "IFACE"},
		{NULL, 'i', POPT_ARG_STRING, NULL, OPT_SHORT_I,
		 "same as --interface; with --probe, arping's -i: seconds between probes "
		 "(default 1)", "IFACE|SECONDS"},
		{NULL, 'I', POPT_ARG_STRING | POPT_ARGFLAG_DOC_HIDDEN, NULL, OPT_IFACE,
		 "same as -i (arping's spelling)", "IFACE"},
		{"force", 0, POPT_ARG_NONE, &r.o.force, 0,
		 "announce an address even when it is configured on a local interface", NULL},
		{"garp-count", 0, POPT_ARG_INT, &r.o.garp_count, 0,
		 "gratuitous ARP / unsolicited NA rounds sent on acquiring a VIP (default 3)", "N"},
		{"garp-interval", 0, POPT_ARG_INT, &r.o.garp_interval_ms, 0,
		 "milliseconds between those rounds (default 1000)", "MS"},
		{"refresh", 0, POPT_ARG_INT, &r.o.refresh_s, 0,
		 "re-announce every VIP every SECONDS, for switches that age entries out "
		 "(default 0: never)", "SECONDS"},
		{"sched-fifo", 0, POPT_ARG_INT, &r.o.sched_fifo, 0,
		 "serve with the SCHED_FIFO real-time policy at PRIO (1-99) and locked memory, "
		 "ahead of other processes (needs CAP_SYS_NICE) (default 0: normal)", "PRIO"},
		{"busy-poll", 0, POPT_ARG_INT, &r.o.busy_poll_us, 0,
		 "after answering, keep reading for more requests for USEC microseconds before "
		 "sleeping (default 0)", "USEC"},
		{"probe", 0, POPT_ARG_STRING, &r.o.probe, 0,
		 "arping mode: ask who has IP (ARP, or NS for IPv6) and print the replies", "IP"},
		{"count", 'c', POPT_ARG_INT, &r.o.count, 0,
		 "probe: stop after COUNT probes (with -w: after COUNT replies) (default: no limit)",
		 "COUNT"},
		{"deadline", 'w', POPT_ARG_INT, &r.o.deadline, 0,
		 "probe: stop after SECONDS (default: no limit)", "SECONDS"},
		{"first", 'f', POPT_ARG_NONE, &r.o.first, 0, "probe: stop at the first reply", NULL},
		{"source", 's', POPT_ARG_STRING, &r.o.source, 0,
		 "probe: sender address (default: the interface's first address)", "IP"},
		{"dad", 'D', POPT_ARG_NONE, &r.o.dad, 0,
		 "probe: duplicate address detection (sender 0.0.0.0 or ::); exit 1 if anyone "
		 "answers", NULL},
		{"unsolicited", 'U', POPT_ARG_NONE, &r.o.unsolicited, 0,
		 "probe: send gratuitous ARP requests (unsolicited NAs) for IP instead", NULL},
		{"unsolicited-reply", 'A', POPT_ARG_NONE, &r.o.unsolicited_reply, 0,
		 "probe: as -U, but ARP replies", NULL},
		{"broadcast", 'b', POPT_ARG_NONE, &r.o.broadcast_only, 0,
		 "probe: keep broadcasting after the first reply (default: unicast to it)", NULL},
		{"monitor", 0, POPT_ARG_NONE, &r.o.monitor, 0,
		 "print ARP and NDP traffic for the IPs or prefixes given (default all), and flag "
		 "conflicts", NULL},
		{"window", 0, POPT_ARG_INT, &r.o.window_s, 0,
		 "monitor: two MACs claiming one IP within SECONDS is a conflict (default 10)",
		 "SECONDS"},
		POPT_TABLEEND,
	};
	const struct lb_cli_spec spec = {
		.prog = "lb-arp-announce",
		.args = "[OPTION...] -i IFACE [VIP...] | --probe IP -I IFACE [-i SECONDS] | --monitor -i IFACE "
			"[IP|PREFIX...]",
		.summary = "Answer ARP and IPv6 neighbour solicitations for VIPs (ANNOUNCE/WITHDRAW lines "
			   "on stdin);\nor probe like arping; or watch for two hosts claiming one IP.",
		.man_section = "8",
		.options = options,
		.on_option = on_option,
		.ctx = &r.o,
	};
	lb_cli_parse(&r.cli, &spec, argc, argv);
	r.o.interval_s = 1;
	resolve_ifaces(&r);
	r.json = lb_cli_json_output(&r.cli);
	if (r.o.probe && r.o.monitor)
		lb_cli_usage_error(&r.cli, "--probe and --monitor exclude each other");
	if (r.o.sched_fifo < 0 || r.o.sched_fifo > 99)
		lb_cli_usage_error(&r.cli, "--sched-fifo: a priority from 1 to 99 (0: off)");
	if (r.o.busy_poll_us < 0 || r.o.busy_poll_us > 1000000)
		lb_cli_usage_error(&r.cli, "--busy-poll: 0 to 1000000 microseconds");
	if (r.o.garp_count < 0 || r.o.garp_interval_ms < 1 || r.o.refresh_s < 0)
		lb_cli_usage_error(&r.cli, "--garp-count, --garp-interval and --refresh take "
					   "non-negative numbers (interval at least 1)");
	int code;
	if (r.o.probe) {
		code = probe(&r);
	} else if (r.o.monitor) {
		code = monitor(&r);
	} else {
		if (!r.o.nifnames)
			lb_cli_usage_error(&r.cli, "which interface? (-i IFACE)");
		code = serve(&r);
	}
	close_ifaces(&r);
	return lb_cli_finish(&r.cli, code);
}
