/* lb-bgp-peer: a BGP speaker that announces VIPs to routers.
 *
 * Peers come from the command line, a config file, and BGPPeer events on
 * stdin (which add, change and remove sessions live). Prefixes come from
 * the command line (every peer) and from ANNOUNCE/WITHDRAW lines on stdin
 * (every peer, or the peers a line names). One poll loop drives the peers'
 * sockets and timers, stdin, the listener, BFD and the signals. */
#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "bfd.h"
#include "bfd_profile.h"
#include "bgp_adjout.h"
#include "bgp_community.h"
#include "bgp_config.h"
#include "bgp_peer.h"
#include "bgp_restart.h"
#include "bgp_vips.h"
#include "cli.h"
#include "emit.h"
#include "exitcode.h"
#include "manifest.h"
#include "line_input.h"
#include "ndjson.h"
#include "output.h"
#include "sig.h"

enum {
	OPT_PEER = 1,
	OPT_NEXT_HOP,
	OPT_COMMUNITY,
	OPT_LARGE_COMMUNITY,
	OPT_LOCAL_PREF,
	OPT_MED,
};

#define MAX_PEERS 64

struct opts {
	char *peers[MAX_PEERS];
	size_t npeers;
	char *asn, *peer_asn, *router_id, *source, *md5, *config, *prefixes_from;
	char *shutdown_msg, *restart_state;
	int port, passive, hold_time, ttl, connect_retry, agg4, agg6;
	int graceful_restart, gr_time, no_link_local;
	int bfd, bfd_interval, bfd_multiplier;
	struct lb_addr next_hop, next_hop6;
	struct lb_bgp_adjout_attrs attrs;
};

/* One peer and what belongs to it. Peers live on the heap: the session
 * keeps pointers into itself, and peers come and go while others run. */
struct slot {
	struct lb_bgp_peer p;
	char name[254]; /* BGPPeer metadata.name, or the address */
	json_t *obj;    /* the BGPPeer its config points into; NULL for --peer */
	bool live;      /* from a standard input event: such events may change it */
	/* BFD (RFC 5881): a sending socket of its own, -1 when off. */
	struct lb_bfd bfd;
	int bfd_tx;
	const char *bfd_profile; /* spec.bfdProfile (in obj), NULL for none */
	bool bfd_multihop;       /* RFC 5883, for an ebgpMultiHop peer with a profile */
	uint8_t bfd_min_ttl;     /* the profile's minimumTtl, multi-hop only */
	char ns[254];            /* metadata.namespace: where the profile is looked up */
};

struct run {
	struct lb_cli cli;
	struct opts o;
	struct slot *slots[MAX_PEERS];
	size_t npeers;
	bool running;                /* the loop has started: new peers start at once */
	struct lb_bgp_peer_config base; /* the options under every BGPPeer */
	json_t *communities;         /* Community objects by namespace/name */
	json_t *aliases;             /* Community names -> values */
	json_t *bfd_profiles;        /* BFDProfile objects by namespace/name */
	json_t *waiting;             /* BGPPeers by name whose BFDProfile is unknown */
	struct lb_bgp_vips vips;     /* from ANNOUNCE lines */
	/* Prefixes from the command line, kept only when peers may still
	 * arrive on standard input (a table of 200k costs 3.6 MB). */
	struct lb_prefix *statics;
	size_t nstatics, cap_statics;
	bool keep_statics;
	int lfd;                     /* the listener, -1 without */
	FILE *table;                 /* --prefixes-from, while it is being read */
	unsigned long table_line;
	bool table_bad;              /* a bad line: stop once the peers are told */
	/* BFD receive sockets, -1 when off: [0] single hop, [1] multi-hop. */
	int bfd_rx[2], bfd_rx6[2];
	unsigned bfd_port_next;
	unsigned bfd_disc_next;
	int json;
	int output_failed;
	unsigned long bad_input;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	errno = 0;
	if (!s || *s < '0' || *s > '9')
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int on_option(void *ctx, int val, const char *arg, struct lb_err *err)
{
	struct opts *o = ctx;
	struct lb_addr a;
	uint32_t v;
	switch (val) {
	case OPT_PEER:
		if (o->npeers >= MAX_PEERS)
			return lb_err_set(err, "more than %d peers", MAX_PEERS);
		/* popt reuses arg's memory for the next option. */
		if (!(o->peers[o->npeers] = strdup(arg)))
			return lb_err_set(err, "out of memory");
		o->npeers++;
		return 0;
	case OPT_NEXT_HOP:
		if (lb_addr_parse(arg, &a, err) < 0)
			return -1;
		if (a.family == LB_AF_INET)
			o->next_hop = a;
		else
			o->next_hop6 = a;
		return 0;
	case OPT_COMMUNITY:
		if (o->attrs.n_communities >= LB_BGP_ADJOUT_MAX_COMMUNITIES)
			return lb_err_set(err, "more than %d communities", LB_BGP_ADJOUT_MAX_COMMUNITIES);
		return lb_bgp_community_parse(arg, &o->attrs.communities[o->attrs.n_communities++],
					      err);
	case OPT_LARGE_COMMUNITY:
		if (o->attrs.n_large >= LB_BGP_ADJOUT_MAX_COMMUNITIES)
			return lb_err_set(err, "more than %d large communities",
					  LB_BGP_ADJOUT_MAX_COMMUNITIES);
		return lb_bgp_large_community_parse(arg, &o->attrs.large[o->attrs.n_large++], err);
	case OPT_LOCAL_PREF:
		if (parse_u32(arg, &v) < 0)
			return lb_err_set(err, "'%s': not a number from 0 to 4294967295", arg);
		o->attrs.has_local_pref = true;
		o->attrs.local_pref = v;
		return 0;
	case OPT_MED:
		if (parse_u32(arg, &v) < 0)
			return lb_err_set(err, "'%s': not a number from 0 to 4294967295", arg);
		o->attrs.has_med = true;
		o->attrs.med = v;
		return 0;
	}
	return lb_err_set(err, "unknown option");
}

/* ---- output ---------------------------------------------------------------- */

static void emit(struct run *r, json_t *rec)
{
	lb_output_record(stdout, rec, r->json, &r->output_failed, &r->cli.log);
}

static struct slot *slot_of(struct lb_bgp_peer *p)
{
	return (struct slot *)((char *)p - offsetof(struct slot, p));
}

static void on_state(void *ctx, struct lb_bgp_peer *p, enum lb_bgp_state from,
		     enum lb_bgp_state to, const char *reason)
{
	struct run *r = ctx;
	struct slot *s = slot_of(p);
	json_t *rec = json_pack("{s:s, s:s, s:s, s:s}", "type", "SESSION", "peer", p->name, "state",
				lb_bgp_state_name(to), "from", lb_bgp_state_name(from));
	if (strcmp(s->name, p->name))
		json_object_set_new(rec, "name", json_string(s->name));
	if (reason && *reason)
		json_object_set_new(rec, "reason", json_string(reason));
	emit(r, rec);
}

/* State on demand (SIGUSR1): one PEER line per peer. */
static void dump(struct run *r, uint64_t now)
{
	for (size_t i = 0; i < r->npeers; i++) {
		struct slot *s = r->slots[i];
		struct lb_bgp_peer *p = &s->p;
		json_t *rec = json_pack("{s:s, s:s, s:s}", "type", "PEER", "peer", p->name, "state",
					lb_bgp_state_name(p->fsm.state));
		if (strcmp(s->name, p->name))
			json_object_set_new(rec, "name", json_string(s->name));
		if (p->established_at)
			json_object_set_new(rec, "uptime_s",
					    json_integer((json_int_t)((now - p->established_at) / 1000)));
		json_object_set_new(rec, "prefixes_sent", json_integer((json_int_t)p->adjout.n_sent));
		json_object_set_new(rec, "prefixes_wanted",
				    json_integer((json_int_t)p->adjout.n_wanted));
		json_object_set_new(rec, "prefixes_received",
				    json_integer((json_int_t)p->stats.prefixes_received));
		json_object_set_new(rec, "updates_in", json_integer((json_int_t)p->stats.updates_in));
		json_object_set_new(rec, "updates_out", json_integer((json_int_t)p->stats.updates_out));
		json_object_set_new(rec, "established_count",
				    json_integer((json_int_t)p->stats.established_count));
		if (p->last_error[0])
			json_object_set_new(rec, "last_error", json_string(p->last_error));
		emit(r, rec);
	}
}

/* ---- routes ----------------------------------------------------------------- */

static void cover(const struct lb_addr *ip, int agg4, int agg6, struct lb_prefix *out)
{
	unsigned len = ip->family == LB_AF_INET ? (unsigned)agg4 : (unsigned)agg6;
	lb_prefix_cover(ip, len, out);
}

/* A prefix of the command line: every peer, now and later. */
static int announce_static(struct run *r, const struct lb_prefix *pfx, struct lb_err *err)
{
	if (r->keep_statics) {
		if (r->nstatics == r->cap_statics) {
			size_t cap = r->cap_statics ? r->cap_statics * 2 : 64;
			struct lb_prefix *grown = realloc(r->statics, cap * sizeof(*grown));
			if (!grown)
				return lb_err_set(err, "out of memory");
			r->statics = grown;
			r->cap_statics = cap;
		}
		r->statics[r->nstatics++] = *pfx;
	}
	for (size_t i = 0; i < r->npeers; i++)
		if (lb_bgp_peer_announce(&r->slots[i]->p, pfx, &r->o.attrs, err) < 0)
			return -1;
	return 0;
}

/* Brings one prefix at one peer in line with the VIP table. */
static void sync_prefix_at(struct run *r, struct slot *s, const struct lb_prefix *pfx)
{
	struct lb_err err;
	struct lb_bgp_adjout_attrs attrs;
	int rc = lb_bgp_vips_choose(&r->vips, pfx, s->name, s->p.name, &attrs)
			 ? lb_bgp_peer_announce(&s->p, pfx, &attrs, &err)
			 : lb_bgp_peer_withdraw(&s->p, pfx, &err);
	if (rc < 0)
		lb_errorx(&r->cli.log, "neighbor %s: %s", s->p.name, err.msg);
}

static void sync_prefix(struct run *r, const struct lb_prefix *pfx)
{
	for (size_t i = 0; i < r->npeers; i++)
		sync_prefix_at(r, r->slots[i], pfx);
}

struct fill {
	struct run *r;
	struct slot *s;
};

static void fill_vip(void *ctx, const struct lb_bgp_vip *vip)
{
	struct fill *f = ctx;
	if (lb_bgp_vip_selects(vip, f->s->name, f->s->p.name))
		sync_prefix_at(f->r, f->s, &vip->pfx);
}

/* A new peer gets the command line's prefixes and every VIP naming it. */
static int fill_peer(struct run *r, struct slot *s, struct lb_err *err)
{
	for (size_t i = 0; i < r->nstatics; i++)
		if (lb_bgp_peer_announce(&s->p, &r->statics[i], &r->o.attrs, err) < 0)
			return -1;
	struct fill f = {r, s};
	lb_bgp_vips_each(&r->vips, fill_vip, &f);
	return 0;
}

static int json_u32(const json_t *v, const char *key, uint32_t *out, struct lb_err *err)
{
	json_int_t i = json_integer_value(v);
	if (!json_is_integer(v) || i < 0 || i > UINT32_MAX)
		return lb_err_set(err, "%s: not an integer from 0 to 4294967295", key);
	*out = (uint32_t)i;
	return 0;
}

/* A community as MetalLB writes it: a Community object's name, a value,
 * or "large:G:L1:L2" for a large community. */
static int add_community(struct run *r, const char *s, struct lb_bgp_adjout_attrs *a,
			 struct lb_err *err)
{
	const char *alias = json_string_value(json_object_get(r->aliases, s));
	if (alias)
		s = alias;
	if (!strncmp(s, "large:", 6)) {
		if (a->n_large >= LB_BGP_ADJOUT_MAX_COMMUNITIES)
			return lb_err_set(err, "more than %d large communities",
					  LB_BGP_ADJOUT_MAX_COMMUNITIES);
		return lb_bgp_large_community_parse(s + 6, &a->large[a->n_large++], err);
	}
	if (a->n_communities >= LB_BGP_ADJOUT_MAX_COMMUNITIES)
		return lb_err_set(err, "more than %d communities", LB_BGP_ADJOUT_MAX_COMMUNITIES);
	return lb_bgp_community_parse(s, &a->communities[a->n_communities++], err);
}

/* The attributes of an ANNOUNCE line: the command line's, with the
 * line's own fields taking their place. */
static int line_attrs(struct run *r, const json_t *ev, struct lb_bgp_adjout_attrs *a,
		      struct lb_err *err)
{
	*a = r->o.attrs;
	const json_t *v;
	size_t i;
	json_t *c;
	if ((v = json_object_get(ev, "localPref"))) {
		if (json_u32(v, "localPref", &a->local_pref, err) < 0)
			return -1;
		a->has_local_pref = true;
	}
	if ((v = json_object_get(ev, "med"))) {
		if (json_u32(v, "med", &a->med, err) < 0)
			return -1;
		a->has_med = true;
	}
	if ((v = json_object_get(ev, "communities"))) {
		if (!json_is_array(v) || json_array_size(v) > LB_BGP_ADJOUT_MAX_COMMUNITIES)
			return lb_err_set(err, "communities: not an array of at most %d strings",
					  LB_BGP_ADJOUT_MAX_COMMUNITIES);
		a->n_communities = 0;
		json_array_foreach(v, i, c) {
			const char *s = json_string_value(c);
			if (!s)
				return lb_err_set(err, "communities[%zu]: not a string", i);
			if (add_community(r, s, a, err) < 0)
				return -1;
		}
	}
	if ((v = json_object_get(ev, "largeCommunities"))) {
		if (!json_is_array(v) || json_array_size(v) > LB_BGP_ADJOUT_MAX_COMMUNITIES)
			return lb_err_set(err, "largeCommunities: not an array of at most %d strings",
					  LB_BGP_ADJOUT_MAX_COMMUNITIES);
		a->n_large = 0;
		json_array_foreach(v, i, c) {
			const char *s = json_string_value(c);
			if (!s)
				return lb_err_set(err, "largeCommunities[%zu]: not a string", i);
			if (lb_bgp_large_community_parse(s, &a->large[a->n_large++], err) < 0)
				return -1;
		}
	}
	return 0;
}

static int handle_vip(struct run *r, const char *type, const json_t *ev, struct lb_err *err)
{
	const char *via = json_string_value(json_object_get(ev, "via"));
	const char *ipstr = json_string_value(json_object_get(ev, "ip"));
	const json_t *advj = json_object_get(ev, "advertisement");
	const char *adv = json_string_value(advj);
	if (via && strcmp(via, "bgp"))
		return 0; /* e.g. "l2", for lb-arp-announce */
	if (!ipstr)
		return lb_err_set(err, "%s without \"ip\"", type);
	if (advj && !adv)
		return lb_err_set(err, "advertisement: not a string");
	struct lb_addr ip;
	struct lb_prefix p, gone;
	if (lb_addr_parse(ipstr, &ip, err) < 0)
		return -1;
	if (!strcmp(type, "WITHDRAW")) {
		/* With an advertisement only its own entry goes (lb-elect(8));
		 * without, every entry of the address, as an operator who
		 * types it means. */
		while (lb_bgp_vips_remove(&r->vips, &ip, adv, &gone))
			sync_prefix(r, &gone);
		return 0;
	}

	int agg4 = r->o.agg4, agg6 = r->o.agg6;
	const json_t *v = json_object_get(ev, "aggregationLength");
	if (v) {
		uint32_t n = 0;
		if (json_u32(v, "aggregationLength", &n, err) < 0 || n > lb_addr_bits(&ip))
			return lb_err_set(err, "aggregationLength: not from 0 to %u",
					  lb_addr_bits(&ip));
		if (ip.family == LB_AF_INET)
			agg4 = (int)n;
		else
			agg6 = (int)n;
	}
	struct lb_bgp_adjout_attrs attrs;
	if (line_attrs(r, ev, &attrs, err) < 0)
		return -1;
	bool moved;
	cover(&ip, agg4, agg6, &p);
	if (lb_bgp_vips_set(&r->vips, &ip, adv, &p, &attrs, json_object_get(ev, "peers"), &moved, &gone,
			    err) < 0)
		return -1;
	if (moved)
		sync_prefix(r, &gone);
	sync_prefix(r, &p);
	return 0;
}

/* ---- peers ------------------------------------------------------------------- */

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* RFC 5881 §4-5: control packets to port 3784 from a source port in
 * 49152-65535, with TTL (hop limit) 255, and only packets that arrive with
 * 255 are taken, so they cannot come from beyond the link. */
static int bfd_socket_rx(int family, uint16_t port)
{
	int one = 1;
	struct sockaddr_storage ss;
	struct lb_addr any;
	memset(&any, 0, sizeof(any));
	any.family = family == AF_INET ? LB_AF_INET : LB_AF_INET6;
	socklen_t sl = lb_addr_to_sockaddr(&any, port, &ss);
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int rc = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET)
		rc |= setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one));
	else
		rc |= setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) |
		      setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one));
	if (rc < 0 || bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void object_key(const json_t *obj, char *key, size_t size)
{
	const json_t *md = json_object_get(obj, "metadata");
	const char *ns = json_string_value(json_object_get(md, "namespace"));
	const char *n = json_string_value(json_object_get(md, "name"));
	snprintf(key, size, "%s/%s", ns ? ns : "", n ? n : "");
}

/* MetalLB looks a peer's profile up by name among the BFDProfiles of its
 * own namespace (both live in metallb-system). 1 when unknown. */
static int profile_find(struct run *r, const char *ns, const char *name, struct lb_bfd_profile *out)
{
	char key[600], n[254];
	snprintf(key, sizeof(key), "%s/%s", ns, name);
	const json_t *obj = json_object_get(r->bfd_profiles, key);
	if (!obj)
		return 1;
	/* Stored only once parsed: this cannot fail. */
	return lb_bfd_profile_from_object(obj, out, n, sizeof(n), NULL) < 0 ? 1 : 0;
}

/* A peer's BFD parameters: its profile's, or --bfd's for a peer that names
 * none. False when it runs no BFD. */
static bool bfd_wanted(struct run *r, const struct slot *s, struct lb_bfd_profile *prof)
{
	lb_bfd_profile_defaults(prof);
	if (s->bfd_profile)
		return profile_find(r, s->ns, s->bfd_profile, prof) == 0;
	if (!r->o.bfd)
		return false;
	prof->receive_ms = prof->transmit_ms = (uint32_t)r->o.bfd_interval;
	prof->detect_mult = (uint8_t)r->o.bfd_multiplier;
	return true;
}

/* The receive sockets, opened with the first session that needs them. */
static int bfd_open_rx(struct run *r, bool multihop)
{
	uint16_t port = multihop ? LB_BFD_MULTIHOP_PORT : LB_BFD_PORT;
	if (r->bfd_rx[multihop] >= 0)
		return 0;
	r->bfd_rx[multihop] = bfd_socket_rx(AF_INET, port);
	if (r->bfd_rx[multihop] < 0) {
		lb_warn(&r->cli.log, "BFD: UDP port %u", port);
		return -1;
	}
	r->bfd_rx6[multihop] = bfd_socket_rx(AF_INET6, port);
	if (r->bfd_rx6[multihop] < 0)
		lb_warn(&r->cli.log, "BFD: UDP port %u over IPv6", port);
	return 0;
}

static void bfd_start(struct run *r, struct slot *s)
{
	struct lb_bgp_peer *p = &s->p;
	struct lb_bfd_profile prof;
	s->bfd_tx = -1;
	if (!bfd_wanted(r, s, &prof))
		return;
	/* MetalLB runs multi-hop BFD (RFC 5883: port 4784, incoming TTL at
	 * least minimumTtl) with an ebgpMultiHop peer. */
	s->bfd_multihop =
		s->bfd_profile &&
		json_is_true(json_object_get(json_object_get(s->obj, "spec"), "ebgpMultiHop"));
	s->bfd_min_ttl = prof.min_ttl;
	if (bfd_open_rx(r, s->bfd_multihop) < 0)
		return;
	int v6 = p->cfg.addr.family == LB_AF_INET6;
	int ttl = 255;
	int tx = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (tx < 0 || (v6 ? setsockopt(tx, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl))
			  : setsockopt(tx, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl))) < 0) {
		lb_warn(&r->cli.log, "neighbor %s: BFD socket", p->name);
		if (tx >= 0)
			close(tx);
		return;
	}
	struct sockaddr_storage src, dst;
	struct lb_addr any;
	memset(&any, 0, sizeof(any));
	any.family = p->cfg.addr.family;
	const struct lb_addr *from = p->cfg.source.family ? &p->cfg.source : &any;
	int bound = -1;
	/* One source port per session for its whole life (RFC 5881 §4). */
	for (unsigned tries = 0; tries < 16384 && bound < 0; tries++) {
		unsigned port = 49152 + r->bfd_port_next++ % 16384;
		socklen_t sl = lb_addr_to_sockaddr(from, (uint16_t)port, &src);
		bound = bind(tx, (struct sockaddr *)&src, sl);
	}
	socklen_t dl = lb_addr_to_sockaddr(
		&p->cfg.addr, s->bfd_multihop ? LB_BFD_MULTIHOP_PORT : LB_BFD_PORT, &dst);
	if (bound < 0 || connect(tx, (struct sockaddr *)&dst, dl) < 0) {
		lb_warn(&r->cli.log, "neighbor %s: BFD socket", p->name);
		close(tx);
		return;
	}
	s->bfd_tx = tx;
	uint32_t disc = (uint32_t)getpid() << 8 ^ ++r->bfd_disc_next;
	lb_bfd_init(&s->bfd, disc ? disc : 1, prof.transmit_ms * 1000, prof.receive_ms * 1000,
		    prof.detect_mult, now_us());
	s->bfd.passive = prof.passive;
	if (s->bfd_profile)
		lb_info(&r->cli.log,
			"neighbor %s: BFD with profile %s: transmit %u ms, receive %u ms, "
			"multiplier %u%s%s",
			p->name, s->bfd_profile, prof.transmit_ms, prof.receive_ms, prof.detect_mult,
			prof.passive ? ", passive" : "",
			s->bfd_multihop ? ", multi-hop" : "");
}

/* RFC 5880 §6.8.16: AdminDown tells the peer we are going, not failing. */
static void bfd_stop(struct slot *s, bool say_admin_down)
{
	if (s->bfd_tx < 0)
		return;
	struct lb_bfd_packet pk;
	uint8_t out[LB_BFD_LEN];
	s->bfd.state = LB_BFD_DOWN;
	s->bfd.t_tx = 0;
	if (say_admin_down && lb_bfd_due(&s->bfd, 1, &pk)) {
		pk.state = LB_BFD_ADMIN_DOWN;
		pk.diag = LB_BFD_DIAG_ADMIN_DOWN;
		lb_bfd_encode(&pk, out);
		/* Best effort: the peer's detection timer does the rest. */
		(void)!send(s->bfd_tx, out, sizeof(out), 0);
	}
	close(s->bfd_tx);
	s->bfd_tx = -1;
}

static struct slot *find_slot(struct run *r, const char *name, size_t *idx)
{
	for (size_t i = 0; i < r->npeers; i++)
		if (!strcmp(r->slots[i]->name, name)) {
			if (idx)
				*idx = i;
			return r->slots[i];
		}
	return NULL;
}

/* A new peer: its session, its routes, its BFD, started at once when the
 * loop runs. */
static int add_slot(struct run *r, const struct lb_bgp_peer_config *pc, const char *name,
		    json_t *obj, bool live, struct lb_err *err)
{
	char buf[LB_ADDR_STRLEN];
	if (r->npeers >= MAX_PEERS)
		return lb_err_set(err, "more than %d peers", MAX_PEERS);
	for (size_t i = 0; i < r->npeers; i++)
		if (lb_addr_eq(&r->slots[i]->p.cfg.addr, &pc->addr))
			return lb_err_set(err, "peer %s given twice (also %s)",
					  lb_addr_format(&pc->addr, buf), r->slots[i]->name);
	struct slot *s = calloc(1, sizeof(*s));
	if (!s)
		return lb_err_set(err, "out of memory");
	if (lb_bgp_peer_init(&s->p, pc, &r->cli.log, err) < 0) {
		lb_bgp_peer_free(&s->p);
		free(s);
		return -1;
	}
	snprintf(s->name, sizeof(s->name), "%s", name ? name : s->p.name);
	s->p.on_state = on_state;
	s->p.ctx = r;
	s->obj = obj ? json_incref(obj) : NULL;
	s->live = live;
	s->bfd_tx = -1;
	if (obj) {
		const char *ns = json_string_value(
			json_object_get(json_object_get(obj, "metadata"), "namespace"));
		snprintf(s->ns, sizeof(s->ns), "%s", ns ? ns : "");
		/* Checked by the caller. */
		lb_bfd_profile_of_peer(s->obj, &s->bfd_profile, NULL);
	}
	lb_bgp_peer_hold_eor(&s->p, r->table != NULL);
	if (fill_peer(r, s, err) < 0) {
		lb_bgp_peer_free(&s->p);
		json_decref(s->obj);
		free(s);
		return -1;
	}
	r->slots[r->npeers++] = s;
	if (r->running) {
		if (r->lfd >= 0 && pc->md5_password &&
		    lb_bgp_md5_set(r->lfd, &pc->addr, pc->md5_password, err) < 0)
			lb_warnx(&r->cli.log, "neighbor %s: %s", s->p.name, err->msg);
		if (pc->passive && r->lfd < 0)
			lb_warnx(&r->cli.log, "neighbor %s: passive, but there is no listener",
				 s->p.name);
		bfd_start(r, s);
		lb_bgp_peer_start(&s->p, now_ms());
	}
	return 0;
}

/* Ends a peer's session with a Cease of the given RFC 4486 subcode and
 * forgets it. */
static void remove_slot(struct run *r, size_t idx, uint8_t subcode, const char *why)
{
	struct slot *s = r->slots[idx];
	struct lb_err err;
	lb_info(&r->cli.log, "neighbor %s: %s", s->p.name, why);
	lb_bgp_peer_cease(&s->p, subcode, why, 300, now_ms());
	bfd_stop(s, true);
	if (r->lfd >= 0 && s->p.cfg.md5_password)
		lb_bgp_md5_set(r->lfd, &s->p.cfg.addr, "", &err); /* key length 0 deletes it */
	lb_bgp_peer_free(&s->p);
	json_decref(s->obj);
	free(s);
	memmove(&r->slots[idx], &r->slots[idx + 1], (r->npeers - idx - 1) * sizeof(r->slots[0]));
	r->npeers--;
}

/* The Community objects held so far, as one name -> value table. */
static int aliases_rebuild(struct run *r, struct lb_err *err)
{
	json_t *aliases = json_object();
	const char *k;
	json_t *obj;
	json_object_foreach(r->communities, k, obj) {
		if (lb_bgp_community_aliases_add(aliases, obj, err) < 0) {
			json_decref(aliases);
			return -1;
		}
	}
	json_decref(r->aliases);
	r->aliases = aliases;
	return 0;
}

static bool uses_profile(const struct slot *s, const char *ns, const char *name)
{
	return s->bfd_profile && !strcmp(s->bfd_profile, name) && !strcmp(s->ns, ns);
}

/* A BFDProfile added, changed or deleted: the sessions naming it follow.
 * A change goes to a running session as new parameters announced by a
 * Poll Sequence (RFC 5880 §6.8.3), so the session stays Up; a deletion
 * ends BFD for those peers (AdminDown, RFC 5880 §6.8.16) and leaves their
 * BGP sessions alone. */
static void profile_apply(struct run *r, const char *ns, const char *name, bool deleted)
{
	for (size_t i = 0; i < r->npeers; i++) {
		struct slot *s = r->slots[i];
		if (!uses_profile(s, ns, name))
			continue;
		if (deleted) {
			if (s->bfd_tx < 0)
				continue;
			enum lb_bfd_state from = s->bfd.state;
			bfd_stop(s, true);
			lb_info(&r->cli.log, "neighbor %s: BFDProfile %s deleted: BFD stopped",
				s->p.name, name);
			emit(r, json_pack("{s:s, s:s, s:s, s:s}", "type", "BFD", "peer", s->p.name,
					  "state", lb_bfd_state_name(LB_BFD_ADMIN_DOWN), "from",
					  lb_bfd_state_name(from)));
			continue;
		}
		if (!r->running)
			continue;
		if (s->bfd_tx < 0) {
			bfd_start(r, s);
			continue;
		}
		struct lb_bfd_profile prof;
		bfd_wanted(r, s, &prof);
		lb_bfd_set_params(&s->bfd, prof.transmit_ms * 1000, prof.receive_ms * 1000,
				  prof.detect_mult, now_us());
		s->bfd.passive = prof.passive;
		s->bfd_min_ttl = prof.min_ttl;
		lb_info(&r->cli.log,
			"neighbor %s: BFDProfile %s changed: transmit %u ms, receive %u ms, "
			"multiplier %u%s",
			s->p.name, name, prof.transmit_ms, prof.receive_ms, prof.detect_mult,
			prof.passive ? ", passive" : "");
	}
}

static const char *namespace_of(const json_t *obj)
{
	const char *ns =
		json_string_value(json_object_get(json_object_get(obj, "metadata"), "namespace"));
	return ns ? ns : "";
}

static int handle_object(struct run *r, const char *type, json_t *obj, struct lb_err *err);

/* The BGPPeers that waited for a profile that is now known. */
static void waiting_retry(struct run *r)
{
	const char *k;
	json_t *obj, *tmp;
	struct lb_bfd_profile prof;
	json_object_foreach_safe(r->waiting, tmp, k, obj) {
		const char *pname;
		struct lb_err err;
		if (lb_bfd_profile_of_peer(obj, &pname, NULL) < 0 || !pname ||
		    profile_find(r, namespace_of(obj), pname, &prof) != 0)
			continue;
		json_incref(obj);
		lb_info(&r->cli.log, "BGPPeer %s: BFDProfile %s is known now", k, pname);
		if (handle_object(r, "ADDED", obj, &err) < 0) {
			lb_errorx(&r->cli.log, "%s", err.msg);
			r->bad_input++;
		}
		json_decref(obj);
	}
}

/* BFDProfile objects: stored once they parse, so a bad one changes
 * nothing; lbkit does not do echo (RFC 5880 §6.4), which is said once per
 * profile that asks for it. */
static int handle_profile(struct run *r, bool deleted, json_t *obj, struct lb_err *err)
{
	char key[600], n[254];
	struct lb_bfd_profile prof, before;
	const char *ns = namespace_of(obj);
	object_key(obj, key, sizeof(key));
	if (deleted) {
		const char *name = json_string_value(
			json_object_get(json_object_get(obj, "metadata"), "name"));
		json_object_del(r->bfd_profiles, key);
		if (name)
			profile_apply(r, ns, name, true);
		return 0;
	}
	if (lb_bfd_profile_from_object(obj, &prof, n, sizeof(n), err) < 0)
		return -1;
	bool had = profile_find(r, ns, n, &before) == 0;
	if (prof.echo && !(had && before.echo))
		lb_warnx(&r->cli.log,
			 "BFDProfile %s: echoMode: lbkit sends no echo packets; its sessions run "
			 "on control packets alone",
			 n);
	json_object_set(r->bfd_profiles, key, obj);
	if (!had || !lb_bfd_profile_equal(&prof, &before))
		profile_apply(r, ns, n, false);
	waiting_retry(r);
	return 0;
}

/* Contract C of the speaker pipeline: lb-watch events for BGPPeer and
 * Community objects (passed on by lb-elect for the peers that select this
 * node) add, change and remove sessions while the others run. */
static int handle_object(struct run *r, const char *type, json_t *obj, struct lb_err *err)
{
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	bool deleted = !strcmp(type, "DELETED");
	char key[600];
	if (!kind)
		return 0;
	if (!strcmp(kind, "BFDProfile"))
		return handle_profile(r, deleted, obj, err);
	if (!strcmp(kind, "Community")) {
		object_key(obj, key, sizeof(key));
		json_t *saved = json_incref(json_object_get(r->communities, key));
		if (deleted)
			json_object_del(r->communities, key);
		else
			json_object_set(r->communities, key, obj);
		int rc = aliases_rebuild(r, err);
		if (rc < 0) { /* a bad object changes nothing */
			if (saved)
				json_object_set(r->communities, key, saved);
			else
				json_object_del(r->communities, key);
			aliases_rebuild(r, NULL);
		}
		json_decref(saved);
		return rc;
	}
	if (strcmp(kind, "BGPPeer"))
		return 0;
	const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
	if (!name)
		return lb_err_set(err, "BGPPeer without metadata.name");
	size_t idx;
	struct slot *old = find_slot(r, name, &idx);
	if (old && !old->live) {
		lb_debug(&r->cli.log, "BGPPeer %s: %s ignored: configured by --peer or --config", name,
			 type);
		return 0;
	}
	if (deleted) {
		json_object_del(r->waiting, name);
		if (old)
			remove_slot(r, idx, LB_BGP_CEASE_PEER_DECONFIGURED, "BGPPeer deleted");
		return 0;
	}
	struct lb_bgp_peer_config pc = r->base;
	char n[254];
	const char *pname;
	struct lb_bfd_profile prof;
	if (lb_bgp_peer_from_object(obj, &pc, n, sizeof(n), err) < 0 ||
	    lb_bfd_profile_of_peer(obj, &pname, err) < 0)
		return -1;
	/* MetalLB applies no configuration in which a peer names a missing
	 * profile, and tries again when the objects change: here the peer
	 * waits, and a session it has keeps running as it was. */
	if (pname && profile_find(r, namespace_of(obj), pname, &prof) != 0) {
		if (!json_equal(json_object_get(r->waiting, name), obj))
			lb_warnx(&r->cli.log, "BGPPeer %s: BFDProfile %s unknown: waiting for it%s",
				 name, pname, old ? " (the current session stays as it is)" : "");
		json_object_set(r->waiting, name, obj);
		return 0;
	}
	json_object_del(r->waiting, name);
	if (old) {
		if (json_equal(json_object_get(old->obj, "spec"), json_object_get(obj, "spec")))
			return 0;
		/* RFC 4486 Other Configuration Change, then the new session. */
		remove_slot(r, idx, LB_BGP_CEASE_CONFIG_CHANGE, "BGPPeer changed");
	}
	return add_slot(r, &pc, name, obj, true, err);
}

static int handle_line(void *ctx, json_t *ev, struct lb_err *err)
{
	struct run *r = ctx;
	const char *type = json_string_value(json_object_get(ev, "type"));
	if (!type)
		return lb_err_set(err, "no \"type\"");
	if (!strcmp(type, "ANNOUNCE") || !strcmp(type, "WITHDRAW"))
		return handle_vip(r, type, ev, err);
	if (!strcmp(type, "ADDED") || !strcmp(type, "MODIFIED") || !strcmp(type, "DELETED")) {
		json_t *obj = json_object_get(ev, "object");
		if (!json_is_object(obj))
			return lb_err_set(err, "%s without \"object\"", type);
		return handle_object(r, type, obj, err);
	}
	return 0; /* SYNCED and other stages' lines pass by */
}


/* ---- set-up ------------------------------------------------------------------ */

static uint32_t need_asn(struct run *r, const char *opt, const char *s)
{
	uint32_t v;
	if (!s)
		lb_cli_usage_error(&r->cli, "%s is required", opt);
	if (parse_u32(s, &v) < 0 || v == 0)
		lb_cli_usage_error(&r->cli, "%s '%s': not an AS number from 1 to 4294967295", opt, s);
	return v;
}

/* A prefix, or an address announced as its covering prefix. */
static int operand(struct run *r, const char *s, const char *file, unsigned long line,
		   struct lb_err *err)
{
	struct lb_prefix p;
	struct lb_addr a;
	int rc;
	if (strchr(s, '/')) {
		bool host_bits = false;
		rc = lb_prefix_parse(s, &p, &host_bits, err);
		if (rc == 0 && host_bits)
			lb_warnx(&r->cli.log, "%s: host bits cleared", s);
	} else {
		rc = lb_addr_parse(s, &a, err);
		if (rc == 0)
			cover(&a, r->o.agg4, r->o.agg6, &p);
	}
	if (rc == 0)
		rc = announce_static(r, &p, err);
	if (rc < 0 && file)
		lb_err_prefix(err, "%s:%lu", file, line);
	return rc;
}

struct config_load {
	struct run *r;
	json_t *peers; /* [{obj, line}]: BGPPeers, once every BFDProfile is read */
	int failed;
};

static int config_object(void *ctx, json_t *obj, const char *file, unsigned long line)
{
	struct config_load *cl = ctx;
	struct run *r = cl->r;
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	struct lb_err err;
	char key[600];
	if (kind && !strcmp(kind, "BGPPeer")) {
		json_array_append_new(cl->peers,
				      json_pack("{s:O, s:I}", "obj", obj, "line", (json_int_t)line));
	} else if (kind && !strcmp(kind, "BFDProfile")) {
		struct lb_bfd_profile prof;
		char name[254];
		if (lb_bfd_profile_from_object(obj, &prof, name, sizeof(name), &err) < 0) {
			lb_errorx(&r->cli.log, "%s:%lu: %s", file, line, err.msg);
			cl->failed = 1;
			return 0;
		}
		if (prof.echo)
			lb_warnx(&r->cli.log,
				 "%s:%lu: BFDProfile %s: echoMode: lbkit sends no echo packets; its "
				 "sessions run on control packets alone",
				 file, line, name);
		object_key(obj, key, sizeof(key));
		json_object_set(r->bfd_profiles, key, obj);
	} else if (kind && !strcmp(kind, "Community")) {
		object_key(obj, key, sizeof(key));
		json_object_set(r->communities, key, obj);
		if (aliases_rebuild(r, &err) < 0) {
			lb_errorx(&r->cli.log, "%s:%lu: %s", file, line, err.msg);
			cl->failed = 1;
		}
	} else {
		lb_debug(&r->cli.log, "%s:%lu: ignoring %s", file, line, kind ? kind : "object");
	}
	return 0;
}

/* Peers may arrive later as BGPPeer events when standard input is a pipe,
 * a socket or a file (not a terminal, not /dev/null). */
static bool stdin_may_bring_peers(void)
{
	struct stat st;
	if (fstat(STDIN_FILENO, &st) < 0)
		return false;
	return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISREG(st.st_mode);
}

static void setup(struct run *r)
{
	struct lb_err err;
	struct opts *o = &r->o;
	r->lfd = r->bfd_rx[0] = r->bfd_rx6[0] = r->bfd_rx[1] = r->bfd_rx6[1] = -1;
	lb_bgp_vips_init(&r->vips);
	r->keep_statics = stdin_may_bring_peers();
	if (!o->npeers && !o->config && !r->keep_statics)
		lb_cli_usage_error(&r->cli, "--peer or --config is required "
					    "(or BGPPeer events on a pipe as standard input)");
	struct lb_bgp_peer_config pc;
	memset(&pc, 0, sizeof(pc));
	if (o->port <= 0 || o->port > 65535)
		lb_cli_usage_error(&r->cli, "--port %d: not a port number", o->port);
	pc.port = (uint16_t)o->port;
	if (o->hold_time < 0 || o->hold_time == 1 || o->hold_time == 2 || o->hold_time > 65535)
		lb_cli_usage_error(&r->cli, "--hold-time %d: must be 0 or from 3 to 65535 (RFC 4271 §4.2)",
				   o->hold_time);
	pc.hold_time = (uint16_t)o->hold_time;
	if (o->connect_retry < 1)
		lb_cli_usage_error(&r->cli, "--connect-retry %d: must be at least 1", o->connect_retry);
	pc.connect_retry_ms = (uint32_t)o->connect_retry * 1000;
	pc.passive = o->passive;
	pc.next_hop = o->next_hop;
	pc.next_hop6 = o->next_hop6;
	pc.no_link_local = o->no_link_local;
	pc.md5_password = o->md5;
	if (o->md5 && (!*o->md5 || strlen(o->md5) > TCP_MD5SIG_MAXKEYLEN))
		lb_cli_usage_error(&r->cli, "--md5-password: from 1 to %d bytes (RFC 2385, Linux)",
				   TCP_MD5SIG_MAXKEYLEN);
	if (o->ttl < 0 || o->ttl > 255)
		lb_cli_usage_error(&r->cli, "--ttl %d: not from 1 to 255", o->ttl);
	pc.ttl = o->ttl;
	pc.graceful_restart = o->graceful_restart;
	if (o->gr_time < 0 || o->gr_time > 4095)
		lb_cli_usage_error(&r->cli, "--graceful-restart-time %d: not from 0 to 4095", o->gr_time);
	pc.gr_time = (uint16_t)o->gr_time;
	if (o->restart_state && !o->graceful_restart)
		lb_cli_usage_error(&r->cli, "--restart-state needs --graceful-restart");
	if (o->restart_state) {
		/* RFC 4724 §3: a start that follows a planned restart says so,
		 * as long as the routers can still be holding our routes. */
		bool restarting;
		long age;
		if (lb_bgp_restart_take(o->restart_state, time(NULL), (unsigned)o->gr_time,
					&restarting, &age, &err) < 0)
			lb_warnx(&r->cli.log, "%s", err.msg);
		else if (restarting)
			lb_info(&r->cli.log,
				"planned restart %ld s ago (%s): the Restart State bit is set",
				age, o->restart_state);
		else if (age >= 0)
			lb_info(&r->cli.log,
				"planned restart %ld s ago is older than the restart time: a fresh start",
				age);
		pc.gr_restarting = restarting;
	}
	if (o->source && lb_addr_parse(o->source, &pc.source, &err) < 0)
		lb_cli_usage_error(&r->cli, "--source %s", err.msg);
	if (o->router_id) {
		struct lb_addr id;
		if (lb_addr_parse(o->router_id, &id, &err) < 0 || id.family != LB_AF_INET)
			lb_cli_usage_error(&r->cli, "--router-id '%s': not an IPv4 address",
					   o->router_id);
		pc.router_id = lb_be32(lb_addr_v4(&id));
		if (!pc.router_id)
			lb_cli_usage_error(&r->cli, "--router-id 0.0.0.0 is not allowed (RFC 4271 §4.2)");
	}
	if (o->bfd_interval < 1 || o->bfd_interval > 60000)
		lb_cli_usage_error(&r->cli, "--bfd-interval %d: not from 1 to 60000", o->bfd_interval);
	if (o->bfd_multiplier < 1 || o->bfd_multiplier > 255)
		lb_cli_usage_error(&r->cli, "--bfd-multiplier %d: not from 1 to 255",
				   o->bfd_multiplier);
	if (o->agg4 < 0 || o->agg4 > 32)
		lb_cli_usage_error(&r->cli, "--aggregation-length %d: not from 0 to 32", o->agg4);
	if (o->agg6 < 0 || o->agg6 > 128)
		lb_cli_usage_error(&r->cli, "--aggregation-length-v6 %d: not from 0 to 128", o->agg6);
	r->base = pc;

	r->communities = json_object();
	r->aliases = json_object();
	r->bfd_profiles = json_object();
	r->waiting = json_object();
	if (o->config) {
		struct config_load cl = {r, json_array(), 0};
		if (lb_manifest_load_file(o->config, config_object, &cl, &err) < 0)
			lb_cli_usage_error(&r->cli, "%s", err.msg);
		size_t i;
		json_t *e;
		json_array_foreach(cl.peers, i, e) {
			json_t *obj = json_object_get(e, "obj");
			unsigned long line = (unsigned long)json_integer_value(json_object_get(e, "line"));
			struct lb_bgp_peer_config peer = r->base;
			struct lb_bfd_profile prof;
			char name[254];
			const char *pname;
			if (lb_bgp_peer_from_object(obj, &peer, name, sizeof(name), &err) < 0 ||
			    lb_bfd_profile_of_peer(obj, &pname, &err) < 0 ||
			    (pname && profile_find(r, namespace_of(obj), pname, &prof) != 0 &&
			     lb_err_set(&err, "BGPPeer %s: spec.bfdProfile %s: no such BFDProfile",
					name, pname) < 0) ||
			    add_slot(r, &peer, name, obj, false, &err) < 0) {
				lb_errorx(&r->cli.log, "%s:%lu: %s", o->config, line, err.msg);
				cl.failed = 1;
			}
		}
		json_decref(cl.peers);
		if (cl.failed)
			exit(LB_EXIT_USAGE);
	}
	if (o->npeers) {
		pc.local_asn = need_asn(r, "--asn", o->asn);
		pc.peer_asn = need_asn(r, "--peer-asn", o->peer_asn);
	}
	for (size_t i = 0; i < o->npeers; i++) {
		if (lb_addr_parse(o->peers[i], &pc.addr, &err) < 0)
			lb_cli_usage_error(&r->cli, "--peer %s", err.msg);
		if (pc.source.family && pc.source.family != pc.addr.family)
			lb_cli_usage_error(&r->cli, "--source %s and --peer %s: not the same family",
					   o->source, o->peers[i]);
		/* RFC 4271 §4.2: the identifier is an IPv4 address of ours;
		 * an IPv6-only session has none to take. */
		if (!pc.router_id && pc.addr.family == LB_AF_INET6)
			lb_cli_usage_error(&r->cli, "--peer %s: an IPv6 session needs --router-id",
					   o->peers[i]);
		if (add_slot(r, &pc, NULL, NULL, false, &err) < 0)
			lb_cli_usage_error(&r->cli, "--peer %s: %s", o->peers[i], err.msg);
	}
	if (o->config && !r->npeers && !r->keep_statics)
		lb_cli_usage_error(&r->cli, "%s: no BGPPeer objects", o->config);

	for (int i = 0; i < r->cli.nargs && r->cli.args[i]; i++)
		if (operand(r, r->cli.args[i], NULL, 0, &err) < 0)
			lb_cli_usage_error(&r->cli, "%s", err.msg);
	if (o->prefixes_from) {
		/* Read in the loop, a slice at a time, so the sessions come
		 * up and the first UPDATEs leave while the rest is parsed. */
		r->table = fopen(o->prefixes_from, "r");
		if (!r->table)
			lb_fatal(&r->cli.log, LB_EXIT_ENV, "%s", o->prefixes_from);
		for (size_t i = 0; i < r->npeers; i++)
			lb_bgp_peer_hold_eor(&r->slots[i]->p, true);
	}
}

/* A table too big for the command line (100k prefixes are megabytes): one
 * prefix or address a line, # comments. Reads up to max lines; at the end
 * of the file the peers may send End-of-RIB. */
static void table_read(struct run *r, unsigned max)
{
	char line[256];
	struct lb_err err;
	while (max-- && fgets(line, sizeof(line), r->table)) {
		r->table_line++;
		line[strcspn(line, " \t\r\n#")] = 0;
		if (line[0] && operand(r, line, r->o.prefixes_from, r->table_line, &err) < 0) {
			lb_errorx(&r->cli.log, "%s", err.msg);
			r->table_bad = true;
			return;
		}
	}
	if (ferror(r->table)) {
		lb_error(&r->cli.log, "%s", r->o.prefixes_from);
		r->table_bad = true;
		return;
	}
	if (!feof(r->table))
		return;
	fclose(r->table);
	r->table = NULL;
	for (size_t i = 0; i < r->npeers; i++)
		lb_bgp_peer_hold_eor(&r->slots[i]->p, false);
}

static int accept_one(struct run *r, int lfd, uint64_t now)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return -1;
	struct lb_addr from;
	char buf[LB_ADDR_STRLEN];
	if (lb_addr_from_sockaddr((struct sockaddr *)&ss, &from) == 0) {
		lb_bgp_addr_unmap(&from);
		for (size_t i = 0; i < r->npeers; i++)
			if (lb_addr_eq(&r->slots[i]->p.cfg.addr, &from)) {
				lb_bgp_peer_accept(&r->slots[i]->p, fd, now);
				return 0;
			}
		lb_info(&r->cli.log, "connection from %s refused: not a configured peer",
			lb_addr_format(&from, buf));
	}
	close(fd);
	return 0;
}

/* SIGUSR1 (state dump) and SIGUSR2 (restart) on a signalfd of their own;
 * lib/sig.h covers the signals every tool shares. */
static int open_usr(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* --bfd asks for BFD with every peer: without its port, refuse to start.
 * Peers with a BFDProfile open it when they start. */
static void bfd_open(struct run *r)
{
	if (r->o.bfd && bfd_open_rx(r, false) < 0)
		lb_fatalx(&r->cli.log, LB_EXIT_ENV, "BFD: cannot receive on UDP port %d",
			  LB_BFD_PORT);
	for (size_t i = 0; i < r->npeers; i++)
		bfd_start(r, r->slots[i]);
}

static void bfd_changed(struct run *r, struct slot *s, enum lb_bfd_state from, uint64_t now_ms_)
{
	struct lb_bgp_peer *p = &s->p;
	enum lb_bfd_state to = s->bfd.state;
	lb_info(&r->cli.log, "neighbor %s: BFD state change %s -> %s", p->name,
		lb_bfd_state_name(from), lb_bfd_state_name(to));
	json_t *rec = json_pack("{s:s, s:s, s:s, s:s}", "type", "BFD", "peer", p->name, "state",
				lb_bfd_state_name(to), "from", lb_bfd_state_name(from));
	emit(r, rec);
	if (from == LB_BFD_UP && to == LB_BFD_DOWN)
		lb_bgp_peer_down(p, s->bfd.diag == LB_BFD_DIAG_TIME_EXPIRED
					    ? "BFD detection time expired"
					    : "BFD session down",
				 now_ms_);
}

static void bfd_read(struct run *r, int fd, bool multihop, uint64_t now)
{
	for (;;) {
		uint8_t buf[128];
		char cbuf[128];
		struct sockaddr_storage from;
		struct iovec iov = {buf, sizeof(buf)};
		struct msghdr mh = {&from, sizeof(from), &iov, 1, cbuf, sizeof(cbuf), 0};
		char name[LB_ADDR_STRLEN];
		ssize_t n = recvmsg(fd, &mh, 0);
		if (n < 0)
			return;
		int ttl = -1;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
			     (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) &&
			    c->cmsg_len >= CMSG_LEN(sizeof(int)))
				memcpy(&ttl, CMSG_DATA(c), sizeof(int));
		struct lb_addr src;
		struct lb_bfd_packet pk;
		struct lb_err err;
		if (lb_addr_from_sockaddr((struct sockaddr *)&from, &src) < 0)
			continue;
		if (!multihop && ttl != 255) {
			lb_debug(&r->cli.log, "BFD from %s dropped: TTL %d, not 255 (RFC 5881 §5)",
				 lb_addr_format(&src, name), ttl);
			continue;
		}
		if (lb_bfd_decode(buf, (size_t)n, &pk, &err) < 0) {
			lb_debug(&r->cli.log, "BFD packet from %s dropped: %s",
				 lb_addr_format(&src, name), err.msg);
			continue;
		}
		for (size_t i = 0; i < r->npeers; i++) {
			struct slot *s = r->slots[i];
			if (s->bfd_tx < 0 || s->bfd_multihop != multihop ||
			    !lb_addr_eq(&s->p.cfg.addr, &src))
				continue;
			if (!lb_bfd_ttl_ok(multihop, s->bfd_min_ttl, ttl)) {
				lb_debug(&r->cli.log,
					 "BFD from %s dropped: TTL %d below minimumTtl %u (RFC 5883 §5)",
					 lb_addr_format(&src, name), ttl, s->bfd_min_ttl);
				continue;
			}
			enum lb_bfd_state before = s->bfd.state;
			if (lb_bfd_receive(&s->bfd, &pk, now))
				bfd_changed(r, s, before, now / 1000);
		}
	}
}

static void bfd_run(struct run *r, uint64_t now, uint64_t *deadline_ms)
{
	for (size_t i = 0; i < r->npeers; i++) {
		struct slot *s = r->slots[i];
		if (s->bfd_tx < 0)
			continue;
		struct lb_bfd *b = &s->bfd;
		enum lb_bfd_state before = b->state;
		if (lb_bfd_tick(b, now))
			bfd_changed(r, s, before, now / 1000);
		struct lb_bfd_packet pk;
		if (lb_bfd_due(b, now, &pk)) {
			uint8_t out[LB_BFD_LEN];
			lb_bfd_encode(&pk, out);
			if (send(s->bfd_tx, out, sizeof(out), 0) < 0)
				lb_debug(&r->cli.log, "neighbor %s: BFD send: %s", s->p.name,
					 strerror(errno));
		}
		uint64_t d = (lb_bfd_deadline(b) + 999) / 1000;
		if (d && (!*deadline_ms || d < *deadline_ms))
			*deadline_ms = d;
	}
}

enum { PFD_SIG, PFD_USR, PFD_LISTEN, PFD_STDIN, PFD_BFD, PFD_BFD6, PFD_BFD_MH, PFD_BFD_MH6,
       PFD_PEERS };

static int loop(struct run *r)
{
	struct lb_err err;
	int sfd = lb_sig_open(0, &err);
	if (sfd < 0)
		lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
	int ufd = open_usr();
	if (ufd < 0)
		lb_fatal(&r->cli.log, LB_EXIT_ENV, "signalfd");

	/* Listen for the peers' own connections; a passive speaker has no
	 * other way to get a session. */
	bool any_passive = r->o.passive;
	for (size_t i = 0; i < r->npeers; i++)
		any_passive |= r->slots[i]->p.cfg.passive;
	struct lb_addr src;
	memset(&src, 0, sizeof(src));
	if (r->o.source)
		lb_addr_parse(r->o.source, &src, NULL);
	r->lfd = lb_bgp_listen(&src, (uint16_t)r->o.port, &err);
	if (r->lfd < 0) {
		if (any_passive)
			lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
		lb_debug(&r->cli.log, "%s (only outgoing sessions)", err.msg);
	}
	for (size_t i = 0; r->lfd >= 0 && i < r->npeers; i++) {
		const struct lb_bgp_peer_config *pc = &r->slots[i]->p.cfg;
		if (pc->md5_password && lb_bgp_md5_set(r->lfd, &pc->addr, pc->md5_password, &err) < 0)
			lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
	}

	bfd_open(r);
	uint64_t now = now_ms();
	for (size_t i = 0; i < r->npeers; i++)
		lb_bgp_peer_start(&r->slots[i]->p, now);
	r->running = true;

	struct lb_ndjson_reader rd;
	lb_ndjson_reader_init(&rd, "<stdin>", 0);
	bool stdin_open = !isatty(STDIN_FILENO);
	int code = LB_EXIT_OK, sig = 0;
	bool restart = false;
	struct pollfd pfd[PFD_PEERS + 2 * MAX_PEERS]; /* each peer: its connection and a colliding one */
	struct slot *polled[MAX_PEERS];
	while (!sig) {
		pfd[PFD_SIG] = (struct pollfd){sfd, POLLIN, 0};
		pfd[PFD_USR] = (struct pollfd){ufd, POLLIN, 0};
		pfd[PFD_LISTEN] = (struct pollfd){r->lfd, POLLIN, 0};
		pfd[PFD_STDIN] = (struct pollfd){stdin_open ? STDIN_FILENO : -1, POLLIN, 0};
		pfd[PFD_BFD] = (struct pollfd){r->bfd_rx[0], POLLIN, 0};
		pfd[PFD_BFD6] = (struct pollfd){r->bfd_rx6[0], POLLIN, 0};
		pfd[PFD_BFD_MH] = (struct pollfd){r->bfd_rx[1], POLLIN, 0};
		pfd[PFD_BFD_MH6] = (struct pollfd){r->bfd_rx6[1], POLLIN, 0};
		uint64_t deadline = 0;
		bfd_run(r, now_us(), &deadline);
		size_t npolled = r->npeers;
		for (size_t i = 0; i < npolled; i++) {
			short ev;
			polled[i] = r->slots[i];
			int fd = lb_bgp_peer_poll_events(&polled[i]->p, &ev);
			pfd[PFD_PEERS + 2 * i] = (struct pollfd){fd, ev, 0};
			fd = lb_bgp_peer_poll_events_alt(&polled[i]->p, &ev);
			pfd[PFD_PEERS + 2 * i + 1] = (struct pollfd){fd, ev, 0};
			uint64_t d = lb_bgp_peer_deadline(&polled[i]->p);
			if (d && (!deadline || d < deadline))
				deadline = d;
		}
		now = now_ms();
		int timeout = -1;
		if (deadline)
			timeout = deadline <= now ? 0 : (int)(deadline - now);
		if (r->table)
			timeout = 0; /* the table is still being read */
		if (poll(pfd, PFD_PEERS + 2 * npolled, timeout) < 0) {
			if (errno == EINTR)
				continue;
			lb_fatal(&r->cli.log, LB_EXIT_ENV, "poll");
		}
		now = now_ms();
		if (pfd[PFD_SIG].revents) {
			int s;
			while ((s = lb_sig_read(sfd)) > 0) {
				if (s == SIGHUP)
					lb_info(&r->cli.log, "SIGHUP ignored");
				else
					sig = s;
			}
		}
		if (pfd[PFD_USR].revents) {
			struct signalfd_siginfo si;
			while (read(ufd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGUSR1) {
					dump(r, now);
				} else {
					restart = true;
					sig = SIGUSR2;
				}
			}
		}
		if (pfd[PFD_LISTEN].revents)
			while (accept_one(r, r->lfd, now) == 0)
				;
		if (pfd[PFD_BFD].revents)
			bfd_read(r, r->bfd_rx[0], false, now_us());
		if (pfd[PFD_BFD6].revents)
			bfd_read(r, r->bfd_rx6[0], false, now_us());
		if (pfd[PFD_BFD_MH].revents)
			bfd_read(r, r->bfd_rx[1], true, now_us());
		if (pfd[PFD_BFD_MH6].revents)
			bfd_read(r, r->bfd_rx6[1], true, now_us());
		/* The peers polled, before standard input may add or remove some. */
		for (size_t i = 0; i < npolled; i++) {
			lb_bgp_peer_io(&polled[i]->p, pfd[PFD_PEERS + 2 * i].revents, now);
			lb_bgp_peer_io_alt(&polled[i]->p, pfd[PFD_PEERS + 2 * i + 1].revents, now);
			lb_bgp_peer_tick(&polled[i]->p, now);
		}
		if (pfd[PFD_STDIN].revents) {
			ssize_t got = lb_ndjson_read_fd(&rd, STDIN_FILENO, &err);
			if (got < 0 && errno != EAGAIN && errno != EINTR) {
				lb_errorx(&r->cli.log, "%s", err.msg);
				stdin_open = false;
			}
			if (got == 0)
				stdin_open = false; /* the speaker keeps its peers and routes */
			r->bad_input += lb_line_input_drain(&rd, handle_line, r, &r->cli.log);
		}
		if (r->table)
			table_read(r, 16384);
		for (size_t i = 0; i < r->npeers; i++)
			lb_bgp_peer_flush(&r->slots[i]->p, now);
		if (r->output_failed) {
			code = LB_EXIT_ENV;
			break;
		}
		if (r->table_bad) {
			code = LB_EXIT_USAGE;
			sig = SIGTERM; /* the peers get their Cease below */
			break;
		}
	}
	if (restart) {
		/* RFC 4724 §4: a restarting speaker just goes; no NOTIFICATION,
		 * so routers that agreed on graceful restart keep its routes
		 * until it is back and has sent End-of-RIB. */
		lb_info(&r->cli.log, "SIGUSR2: closing the sessions without NOTIFICATION for a restart");
		code = LB_EXIT_OK;
		if (r->o.restart_state &&
		    lb_bgp_restart_mark(r->o.restart_state, time(NULL), &err) < 0) {
			lb_errorx(&r->cli.log, "%s", err.msg);
			code = LB_EXIT_ENV;
		}
	} else if (sig) {
		/* RFC 8203: say why, so the router's operator sees it and the
		 * router drops our routes at once instead of at hold timer expiry. */
		for (size_t i = 0; i < r->npeers; i++)
			lb_bgp_peer_stop(&r->slots[i]->p, r->o.shutdown_msg, 1000, now_ms());
		if (!r->table_bad)
			code = lb_sig_exit_code(sig);
	}
	if (r->table)
		fclose(r->table);
	lb_ndjson_reader_free(&rd);
	for (size_t i = 0; i < r->npeers; i++)
		bfd_stop(r->slots[i], !restart);
	for (int mh = 0; mh < 2; mh++) {
		if (r->bfd_rx[mh] >= 0)
			close(r->bfd_rx[mh]);
		if (r->bfd_rx6[mh] >= 0)
			close(r->bfd_rx6[mh]);
	}
	if (r->lfd >= 0)
		close(r->lfd);
	close(ufd);
	close(sfd);
	return code;
}

int main(int argc, const char **argv)
{
	static struct run r;
	/* The big arrays of a large table (hash slots, the pending list) grow
	 * by doubling; glibc would raise its mmap threshold after freeing the
	 * first big one and keep the next ones, freed, in the heap: a fixed
	 * threshold gives their memory back at once (bench/bgp peak RSS). */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	r.o.port = LB_BGP_PORT;
	r.o.hold_time = 90;
	r.o.connect_retry = 5;
	r.o.agg4 = 32;
	r.o.agg6 = 128;
	r.o.gr_time = 120;
	r.o.bfd_interval = 300;
	r.o.bfd_multiplier = 3;
	r.o.shutdown_msg = "lb-bgp-peer shutting down";
	struct opts *o = &r.o;
	struct poptOption options[] = {
		{"peer", 0, POPT_ARG_STRING, NULL, OPT_PEER, "the router's address (repeatable)",
		 "ADDR"},
		{"config", 'c', POPT_ARG_STRING, &o->config, 0,
		 "MetalLB BGPPeer and Community objects (YAML or JSON)", "FILE"},
		{"prefixes-from", 0, POPT_ARG_STRING, &o->prefixes_from, 0,
		 "announce the prefixes in FILE too, one a line", "FILE"},
		{"asn", 0, POPT_ARG_STRING, &o->asn, 0, "our AS number", "N"},
		{"peer-asn", 0, POPT_ARG_STRING, &o->peer_asn, 0, "the router's AS number", "N"},
		{"router-id", 0, POPT_ARG_STRING, &o->router_id, 0,
		 "BGP identifier (default: the local IPv4 address of the session)", "IPV4"},
		{"source", 0, POPT_ARG_STRING, &o->source, 0, "local address to connect from and listen on",
		 "ADDR"},
		{"port", 0, POPT_ARG_INT, &o->port, 0, "TCP port of the peer and of our listener (179)",
		 "PORT"},
		{"passive", 0, POPT_ARG_NONE, &o->passive, 0, "wait for the router to connect", NULL},
		{"hold-time", 0, POPT_ARG_INT, &o->hold_time, 0, "proposed hold time, 0 or >= 3 (90)",
		 "SECONDS"},
		{"connect-retry", 0, POPT_ARG_INT, &o->connect_retry, 0,
		 "seconds between connection attempts (5)", "SECONDS"},
		{"next-hop", 0, POPT_ARG_STRING, NULL, OPT_NEXT_HOP,
		 "next hop of one family (default: the session's local address)", "ADDR"},
		{"no-link-local-next-hop", 0, POPT_ARG_NONE, &o->no_link_local, 0,
		 "never add the link-local address to an IPv6 next hop (RFC 2545)", NULL},
		{"local-pref", 0, POPT_ARG_STRING, NULL, OPT_LOCAL_PREF, "LOCAL_PREF (iBGP)", "N"},
		{"med", 0, POPT_ARG_STRING, NULL, OPT_MED, "MULTI_EXIT_DISC", "N"},
		{"community", 0, POPT_ARG_STRING, NULL, OPT_COMMUNITY,
		 "community ASN:VALUE or a well-known name (repeatable)", "C"},
		{"large-community", 0, POPT_ARG_STRING, NULL, OPT_LARGE_COMMUNITY,
		 "large community G:L1:L2 (repeatable)", "LC"},
		{"aggregation-length", 0, POPT_ARG_INT, &o->agg4, 0,
		 "announce an IPv4 address as its covering prefix of this length (32)", "LEN"},
		{"aggregation-length-v6", 0, POPT_ARG_INT, &o->agg6, 0,
		 "the same for IPv6 (128)", "LEN"},
		{"md5-password", 0, POPT_ARG_STRING, &o->md5, 0, "TCP MD5 signature key (RFC 2385)",
		 "KEY"},
		{"ttl", 0, POPT_ARG_INT, &o->ttl, 0, "IP TTL of the session (eBGP multihop)", "N"},
		{"graceful-restart", 0, POPT_ARG_NONE, &o->graceful_restart, 0,
		 "advertise the graceful restart capability (RFC 4724)", NULL},
		{"graceful-restart-time", 0, POPT_ARG_INT, &o->gr_time, 0,
		 "restart time advertised, seconds (120)", "SECONDS"},
		{"restart-state", 0, POPT_ARG_STRING, &o->restart_state, 0,
		 "file recording a planned restart (SIGUSR2) for the next start", "FILE"},
		{"bfd", 0, POPT_ARG_NONE, &o->bfd, 0,
		 "run a BFD session with each peer (RFC 5880/5881)", NULL},
		{"bfd-interval", 0, POPT_ARG_INT, &o->bfd_interval, 0,
		 "BFD transmit and receive interval, milliseconds (300)", "MS"},
		{"bfd-multiplier", 0, POPT_ARG_INT, &o->bfd_multiplier, 0,
		 "BFD detection multiplier (3)", "N"},
		{"shutdown-message", 0, POPT_ARG_STRING, &o->shutdown_msg, 0,
		 "RFC 8203 message sent on SIGTERM", "TEXT"},
		POPT_TABLEEND,
	};
	const struct lb_cli_spec spec = {
		.prog = "lb-bgp-peer",
		.args = "[--peer ADDR --asn N --peer-asn N | --config FILE] [OPTION...] [PREFIX...]",
		.summary = "announce prefixes to BGP routers",
		.man_section = "8",
		.options = options,
		.on_option = on_option,
		.ctx = &r.o,
	};
	lb_cli_parse(&r.cli, &spec, argc, argv);
	r.json = lb_cli_json_output(&r.cli);
	setup(&r);
	int code = loop(&r);
	for (size_t i = 0; i < r.npeers; i++) {
		lb_bgp_peer_free(&r.slots[i]->p);
		json_decref(r.slots[i]->obj);
		free(r.slots[i]);
	}
	lb_bgp_vips_free(&r.vips);
	free(r.statics);
	json_decref(r.communities);
	json_decref(r.aliases);
	json_decref(r.bfd_profiles);
	json_decref(r.waiting);
	if (code == LB_EXIT_OK && r.bad_input)
		code = LB_EXIT_USAGE;
	return lb_cli_finish(&r.cli, code);
}
