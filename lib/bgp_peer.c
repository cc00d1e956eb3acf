#include "bgp_peer.h"

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Room for several whole messages, so one read can frame many. */
#define RBUF_SIZE (16 * LB_BGP_MAX_LEN)

static void apply(struct lb_bgp_peer *p, struct lb_bgp_fsm_out *out, uint64_t now, int depth);
static void settle(struct lb_bgp_peer *p, uint64_t now);
static void frame(struct lb_bgp_peer *p, uint64_t now);

static void fsm_event(struct lb_bgp_peer *p, const struct lb_bgp_fsm_event *ev, uint64_t now,
		      int depth)
{
	struct lb_bgp_fsm_out out;
	lb_bgp_fsm_handle(&p->fsm, ev, now, &out);
	apply(p, &out, now, depth);
}

int lb_bgp_peer_init(struct lb_bgp_peer *p, const struct lb_bgp_peer_config *cfg,
		     const struct lb_log *log, struct lb_err *err)
{
	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
	if (!p->cfg.port)
		p->cfg.port = LB_BGP_PORT;
	if (p->cfg.hold_time == 1 || p->cfg.hold_time == 2)
		return lb_err_set(err, "hold time %u: must be 0 or at least 3 (RFC 4271 §4.2)",
				  p->cfg.hold_time);
	lb_addr_format(&cfg->addr, p->name);
	p->log = log;
	p->fd = -1;
	p->rbuf = malloc(RBUF_SIZE);
	if (!p->rbuf)
		return lb_err_set(err, "out of memory");
	lb_wbuf_init(&p->wq, 0);
	lb_bgp_adjout_init(&p->adjout);
	struct lb_bgp_fsm_config fc = {
		.peer = p->name,
		.passive = cfg->passive,
		.hold_time = cfg->hold_time,
		.connect_retry_ms = cfg->connect_retry_ms,
	};
	lb_bgp_fsm_init(&p->fsm, &fc, log);
	return 0;
}

static void close_conn(struct lb_bgp_peer *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	p->connecting = false;
	p->rlen = 0;
	lb_wbuf_reset(&p->wq);
	p->woff = 0;
}

static void alt_free(struct lb_bgp_peer *p)
{
	if (!p->alt)
		return;
	lb_bgp_peer_free(p->alt);
	free(p->alt);
	p->alt = NULL;
	p->collision = 0;
}

void lb_bgp_peer_free(struct lb_bgp_peer *p)
{
	alt_free(p);
	close_conn(p);
	free(p->rbuf);
	lb_wbuf_free(&p->wq);
	lb_bgp_adjout_free(&p->adjout);
}

/* Writes what the queue holds until the kernel refuses more. */
static int write_some(struct lb_bgp_peer *p)
{
	while (p->fd >= 0 && !p->connecting && p->woff < lb_wbuf_len(&p->wq)) {
		ssize_t n = send(p->fd, lb_wbuf_data(&p->wq) + p->woff, lb_wbuf_len(&p->wq) - p->woff,
				 MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		p->woff += (size_t)n;
	}
	if (p->woff == lb_wbuf_len(&p->wq)) {
		lb_wbuf_reset(&p->wq);
		p->woff = 0;
	}
	return 0;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Before a close that follows a NOTIFICATION: give the queue a bounded time
 * to reach the peer, or the peer never learns why (RFC 4271 §6). */
static void drain(struct lb_bgp_peer *p, int timeout_ms)
{
	uint64_t end = mono_ms() + (uint64_t)timeout_ms;
	while (p->fd >= 0 && !p->connecting && p->woff < lb_wbuf_len(&p->wq)) {
		if (write_some(p) < 0)
			return;
		if (p->woff >= lb_wbuf_len(&p->wq))
			break;
		uint64_t t = mono_ms();
		if (t >= end)
			return;
		struct pollfd pfd = {p->fd, POLLOUT, 0};
		if (poll(&pfd, 1, (int)(end - t)) <= 0)
			return;
	}
	/* Our FIN goes after the data; the peer reads the NOTIFICATION first. */
	if (p->fd >= 0 && !p->connecting)
		shutdown(p->fd, SHUT_WR);
}

static void queue_check(struct lb_bgp_peer *p)
{
	if (lb_wbuf_error(&p->wq) && p->log)
		lb_errorx(p->log, "neighbor %s: write queue out of memory", p->name);
}

static uint32_t local_router_id(const struct lb_bgp_peer *p)
{
	if (p->cfg.router_id)
		return p->cfg.router_id;
	if (p->local.family == LB_AF_INET)
		return lb_be32(lb_addr_v4(&p->local));
	if (p->cfg.source.family == LB_AF_INET)
		return lb_be32(lb_addr_v4(&p->cfg.source));
	return 0;
}

static void send_open(struct lb_bgp_peer *p)
{
	struct lb_bgp_caps caps;
	memset(&caps, 0, sizeof(caps));
	caps.mp[caps.n_mp++] = (struct lb_bgp_afi_safi){LB_BGP_AFI_IPV4, LB_BGP_SAFI_UNICAST};
	caps.mp[caps.n_mp++] = (struct lb_bgp_afi_safi){LB_BGP_AFI_IPV6, LB_BGP_SAFI_UNICAST};
	caps.route_refresh = true;
	caps.as4 = true;
	caps.as4_asn = p->cfg.local_asn;
	if (p->cfg.graceful_restart) {
		/* RFC 4724 §3: the R bit says this is a restart; the F bit that
		 * our forwarding state (the node's data plane) survived it. */
		caps.gr = true;
		caps.gr_flags = p->cfg.gr_restarting ? LB_BGP_GR_FLAG_RESTART : 0;
		caps.gr_time = p->cfg.gr_time & 0x0fff;
		caps.gr_af[caps.n_gr_af++] = (struct lb_bgp_gr_af){LB_BGP_AFI_IPV4, LB_BGP_SAFI_UNICAST,
								   LB_BGP_GR_AF_FORWARDING};
		caps.gr_af[caps.n_gr_af++] = (struct lb_bgp_gr_af){LB_BGP_AFI_IPV6, LB_BGP_SAFI_UNICAST,
								   LB_BGP_GR_AF_FORWARDING};
	}
	lb_bgp_open_encode(&p->wq, p->cfg.local_asn, p->cfg.hold_time, local_router_id(p), &caps);
	p->stats.msgs_out++;
	queue_check(p);
}

static void session_settle(struct lb_bgp_peer *p, const struct lb_bgp_open *o)
{
	memset(&p->sess, 0, sizeof(p->sess));
	p->sess.as4 = o->caps.as4;
	p->sess.ebgp = p->cfg.local_asn != o->asn;
	p->sess.peer_asn = o->asn;
	p->sess.check_first_as = false; /* we install nothing; route servers stay usable */
	if (o->has_caps && o->caps.n_mp) {
		p->sess.mp_ipv4 = lb_bgp_caps_has_mp(&o->caps, LB_BGP_AFI_IPV4, LB_BGP_SAFI_UNICAST);
		p->sess.mp_ipv6 = lb_bgp_caps_has_mp(&o->caps, LB_BGP_AFI_IPV6, LB_BGP_SAFI_UNICAST);
	} else {
		/* RFC 4760 §1: without the capability only IPv4 unicast is spoken. */
		p->sess.mp_ipv4 = true;
	}
	p->peer_id = o->bgp_id;
}

static void adjout_session(const struct lb_bgp_peer *p, struct lb_bgp_adjout_session *s)
{
	memset(s, 0, sizeof(*s));
	s->session = &p->sess;
	s->origin = LB_BGP_ORIGIN_IGP;
	/* RFC 4271 §5.1.2: iBGP keeps the path empty, eBGP prepends our AS. */
	s->as_path = p->as_path;
	s->as_path_len = p->sess.ebgp ? 1 : 0;
	s->next_hop = p->cfg.next_hop;
	s->next_hop6 = p->cfg.next_hop6;
	/* RFC 4271 §5.1.3: by default the address we speak from. */
	if (s->next_hop.family != LB_AF_INET && p->local.family == LB_AF_INET)
		s->next_hop = p->local;
	if (s->next_hop6.family != LB_AF_INET6 && p->local.family == LB_AF_INET6)
		s->next_hop6 = p->local;
	/* The link-local address belongs with our own global one only. */
	if (p->local_ll.family && !p->cfg.no_link_local && lb_addr_eq(&s->next_hop6, &p->local))
		s->next_hop6_ll = p->local_ll;
	s->ipv4 = p->sess.mp_ipv4;
	s->ipv6 = p->sess.mp_ipv6;
}

/* UPDATEs are built while fewer than this many bytes wait in the queue:
 * a big table costs a bounded buffer and starts leaving at once. */
#define WQ_HIGH (256u * 1024)

static size_t queued(const struct lb_bgp_peer *p)
{
	return lb_wbuf_len(&p->wq) - p->woff;
}

static void flush_routes(struct lb_bgp_peer *p, uint64_t now)
{
	struct lb_bgp_adjout_session s;
	struct lb_err err;
	size_t skipped;
	if (queued(p) >= WQ_HIGH)
		return;
	p->as_path[0] = p->cfg.local_asn;
	adjout_session(p, &s);
	int n = lb_bgp_adjout_flush(&p->adjout, &s, &p->wq, p->woff + WQ_HIGH, &skipped, &err);
	if (n < 0) {
		if (p->log)
			lb_errorx(p->log, "neighbor %s: %s", p->name, err.msg);
		return;
	}
	if (skipped && p->log)
		lb_warnx(p->log,
			 "neighbor %s: %zu prefixes not sent: family not negotiated or no next hop "
			 "of that family",
			 p->name, skipped);
	/* RFC 4724 §2: End-of-RIB after the initial table, per family. */
	if (p->eor_pending && !p->eor_hold && !lb_bgp_adjout_pending(&p->adjout)) {
		p->eor_pending = false;
		if (s.ipv4) {
			lb_bgp_update_encode_eor(&p->wq, LB_BGP_AFI_IPV4, LB_BGP_SAFI_UNICAST);
			n++;
		}
		if (s.ipv6) {
			lb_bgp_update_encode_eor(&p->wq, LB_BGP_AFI_IPV6, LB_BGP_SAFI_UNICAST);
			n++;
		}
	}
	queue_check(p);
	p->stats.msgs_out += (uint64_t)n;
	p->stats.updates_out += (uint64_t)n;
	if (n > 0)
		lb_bgp_fsm_sent(&p->fsm, now);
}

static void start_connect(struct lb_bgp_peer *p, uint64_t now, int depth)
{
	struct sockaddr_storage ss;
	struct lb_err err;
	socklen_t sl = lb_addr_to_sockaddr(&p->cfg.addr, p->cfg.port, &ss);
	close_conn(p);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (p->cfg.source.family) {
		struct sockaddr_storage src;
		socklen_t srcl = lb_addr_to_sockaddr(&p->cfg.source, 0, &src);
		if (bind(fd, (struct sockaddr *)&src, srcl) < 0)
			goto fail;
	}
	if (p->cfg.md5_password &&
	    lb_bgp_md5_set(fd, &p->cfg.addr, p->cfg.md5_password, &err) < 0) {
		snprintf(p->last_error, sizeof(p->last_error), "%s", err.msg);
		goto fail_logged;
	}
	if (p->cfg.ttl > 0) {
		int ttl = p->cfg.ttl;
		if (ss.ss_family == AF_INET)
			setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
		else
			setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl));
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	p->fd = fd;
	p->incoming = false;
	if (connect(fd, (struct sockaddr *)&ss, sl) == 0) {
		p->connecting = true; /* completion is reported by POLLOUT */
		return;
	}
	if (errno == EINPROGRESS) {
		p->connecting = true;
		return;
	}
	fd = -1;
fail:
	snprintf(p->last_error, sizeof(p->last_error), "connect: %s", strerror(errno));
fail_logged:
	if (fd >= 0 && p->fd != fd)
		close(fd);
	if (p->log)
		lb_debug(p->log, "neighbor %s: %s", p->name, p->last_error);
	close_conn(p);
	struct lb_bgp_fsm_event ev = {.type = LB_BGP_EV_TCP_FAILED};
	fsm_event(p, &ev, now, depth + 1);
}

static void apply(struct lb_bgp_peer *p, struct lb_bgp_fsm_out *out, uint64_t now, int depth)
{
	if (depth > 4)
		return;
	if (out->actions & LB_BGP_DO_SEND_NOTIFICATION && p->fd >= 0 && !p->connecting) {
		lb_bgp_notification_encode(&p->wq, out->code, out->subcode, out->data,
					   out->data_len);
		p->stats.msgs_out++;
		p->stats.notifications_out++;
		queue_check(p);
	}
	if (out->actions & LB_BGP_DO_CLOSE) {
		if (out->actions & LB_BGP_DO_SEND_NOTIFICATION)
			drain(p, 500);
		close_conn(p);
		lb_bgp_adjout_reset(&p->adjout);
	}
	if (out->actions & LB_BGP_DO_ROUTES_DOWN) {
		p->stats.prefixes_received = 0;
		p->established_at = 0;
	}
	if (out->state_changed) {
		if (out->to == LB_BGP_IDLE && p->fsm.last_error[0])
			snprintf(p->last_error, sizeof(p->last_error), "%s", p->fsm.last_error);
		if (out->to == LB_BGP_ESTABLISHED) {
			p->established_at = now;
			p->stats.established_count++;
			/* RFC 4724 §3: the Restart State bit is for the OPEN
			 * that follows the restart, not for later sessions. */
			p->cfg.gr_restarting = false;
		}
		if (p->on_state) {
			const char *reason = out->to == LB_BGP_IDLE && p->fsm.last_error[0]
						     ? p->fsm.last_error
						     : "";
			p->on_state(p->ctx, p, out->from, out->to, reason);
		}
	}
	if (out->actions & LB_BGP_DO_CONNECT)
		start_connect(p, now, depth);
	if (out->actions & LB_BGP_DO_SEND_OPEN)
		send_open(p);
	if (out->actions & LB_BGP_DO_SEND_KEEPALIVE && p->fd >= 0) {
		lb_bgp_keepalive_encode(&p->wq);
		p->stats.msgs_out++;
		queue_check(p);
		lb_bgp_fsm_sent(&p->fsm, now);
	}
	if (out->actions & LB_BGP_DO_SEND_ROUTES && p->fd >= 0) {
		if (out->state_changed && out->to == LB_BGP_ESTABLISHED)
			p->eor_pending = true;
		lb_bgp_adjout_resend_all(&p->adjout);
		flush_routes(p, now);
	}
	if (p->fd >= 0 && write_some(p) < 0) {
		snprintf(p->last_error, sizeof(p->last_error), "send: %s", strerror(errno));
		close_conn(p);
		struct lb_bgp_fsm_event ev = {.type = LB_BGP_EV_TCP_FAILED};
		fsm_event(p, &ev, now, depth + 1);
	}
}

void lb_bgp_peer_start(struct lb_bgp_peer *p, uint64_t now)
{
	struct lb_bgp_fsm_event ev = {.type = LB_BGP_EV_START};
	fsm_event(p, &ev, now, 0);
}

void lb_bgp_peer_stop(struct lb_bgp_peer *p, const char *text, int timeout_ms, uint64_t now)
{
	lb_bgp_peer_cease(p, LB_BGP_CEASE_ADMIN_SHUTDOWN, text, timeout_ms, now);
}

void lb_bgp_peer_cease(struct lb_bgp_peer *p, uint8_t subcode, const char *text, int timeout_ms,
		       uint64_t now)
{
	struct lb_bgp_fsm_event ev = {.type = LB_BGP_EV_STOP, .subcode = subcode, .text = text};
	struct lb_bgp_fsm_out out;
	if (p->alt) {
		lb_bgp_peer_cease(p->alt, subcode, text, timeout_ms, now);
		alt_free(p);
	}
	lb_bgp_fsm_handle(&p->fsm, &ev, now, &out);
	if (out.actions & LB_BGP_DO_SEND_NOTIFICATION && p->fd >= 0 && !p->connecting) {
		lb_bgp_notification_encode(&p->wq, out.code, out.subcode, out.data, out.data_len);
		p->stats.notifications_out++;
		drain(p, timeout_ms);
		out.actions &= ~(unsigned)LB_BGP_DO_SEND_NOTIFICATION;
	}
	apply(p, &out, now, 0);
}

/* Routes still to build into UPDATEs once the socket takes more. */
static bool more_routes(const struct lb_bgp_peer *p)
{
	return p->fsm.state == LB_BGP_ESTABLISHED &&
	       (lb_bgp_adjout_pending(&p->adjout) || (p->eor_pending && !p->eor_hold));
}

/* RFC 4271 §6.8: a second connection takes nothing after the peer's OPEN
 * until it has won, so it never gets ahead of the collision decision; and
 * while a decision waits to be carried out, neither connection reads on. */
static bool held(const struct lb_bgp_peer *p)
{
	if (p->owner)
		return p->fsm.state >= LB_BGP_OPENCONFIRM || p->owner->collision;
	return p->collision != 0;
}

int lb_bgp_peer_poll_events(const struct lb_bgp_peer *p, short *events)
{
	*events = 0;
	if (p->fd < 0)
		return -1;
	if (p->connecting)
		*events = POLLOUT;
	else
		*events = (p->rlen < RBUF_SIZE ? POLLIN : 0) |
			  (p->woff < lb_wbuf_len(&p->wq) || more_routes(p) ? POLLOUT : 0);
	return p->fd;
}

int lb_bgp_peer_poll_events_alt(const struct lb_bgp_peer *p, short *events)
{
	*events = 0;
	return p->alt ? lb_bgp_peer_poll_events(p->alt, events) : -1;
}

static void msg_error(struct lb_bgp_peer *p, const struct lb_bgp_notify *n, uint64_t now)
{
	if (p->log)
		lb_warnx(p->log, "neighbor %s: %s", p->name, n->reason);
	struct lb_bgp_fsm_event ev = {.type = LB_BGP_EV_MSG_ERROR, .notify = n};
	fsm_event(p, &ev, now, 0);
}

static void on_update(struct lb_bgp_peer *p, const struct lb_bgp_update *u)
{
	p->stats.updates_in++;
	if (u->treat_as_withdraw) {
		p->stats.treat_as_withdraw++;
		if (p->log)
			lb_warnx(p->log, "neighbor %s: UPDATE treated as withdraw (RFC 7606): %s",
				 p->name, u->first_error.reason);
	}
	uint64_t ann = u->treat_as_withdraw ? 0 : (uint64_t)u->nlri.count + u->mp_reach.count;
	uint64_t wd = (uint64_t)u->withdrawn.count + u->mp_unreach.count;
	p->stats.prefixes_announced_in += ann;
	p->stats.prefixes_withdrawn_in += wd;
	p->stats.prefixes_received += ann;
	p->stats.prefixes_received -= wd < p->stats.prefixes_received ? wd : p->stats.prefixes_received;
}

/* RFC 4271 §6.8: an OPEN arrived on x (now in OpenConfirm) while the peer
 * has another connection; decide which one carries the session once both
 * have the peer's OPEN. settle() carries the decision out. */
static void collision_check(struct lb_bgp_peer *x, const struct lb_bgp_open *o)
{
	struct lb_bgp_peer *primary = x->owner ? x->owner : x;
	struct lb_bgp_peer *y = x->owner ? x->owner : x->alt;
	if (!y || y->fd < 0 || x->fsm.state != LB_BGP_OPENCONFIRM)
		return;
	switch (y->fsm.state) {
	case LB_BGP_OPENCONFIRM: {
		bool keep_new = lb_bgp_collision_keep_new(local_router_id(x), x->cfg.local_asn,
							  o->bgp_id, o->asn, x->incoming);
		primary->collision = (x == primary->alt) == keep_new ? 2 : 1;
		if (x->log)
			lb_info(x->log,
				"neighbor %s: connection collision (RFC 4271 §6.8): keeping the "
				"connection %s opened",
				primary->name, primary->collision == 2 ? "the peer" : "we");
		return;
	}
	case LB_BGP_ESTABLISHED:
		primary->collision = 1; /* only ours gets there: the new one goes */
		return;
	case LB_BGP_OPENSENT:
		return; /* decided when the other OPEN comes */
	default:
		if (x == primary->alt)
			primary->collision = 2; /* ours is gone: the peer's takes over */
		return;
	}
}

/* One whole message that passed the header checks. */
static void on_message(struct lb_bgp_peer *p, const uint8_t *msg, size_t len, uint8_t type,
		       uint64_t now)
{
	struct lb_bgp_notify n;
	struct lb_bgp_fsm_event ev;
	memset(&ev, 0, sizeof(ev));
	p->stats.msgs_in++;
	switch (type) {
	case LB_BGP_OPEN: {
		struct lb_bgp_open o;
		struct lb_bgp_open_policy pol;
		memset(&pol, 0, sizeof(pol));
		pol.peer_asn = p->cfg.peer_asn;
		pol.local_asn = p->cfg.local_asn;
		pol.local_bgp_id = local_router_id(p);
		if (lb_bgp_open_decode(msg, len, &pol, &o, &n) < 0) {
			msg_error(p, &n, now);
			return;
		}
		session_settle(p, &o);
		ev.type = LB_BGP_EV_OPEN;
		ev.open = &o;
		fsm_event(p, &ev, now, 0);
		collision_check(p, &o);
		return;
	}
	case LB_BGP_UPDATE: {
		struct lb_bgp_update u;
		if (p->fsm.state == LB_BGP_ESTABLISHED) {
			if (lb_bgp_update_decode(msg, len, &p->sess, &u, &n) < 0) {
				msg_error(p, &n, now);
				return;
			}
			on_update(p, &u);
		}
		ev.type = LB_BGP_EV_UPDATE;
		fsm_event(p, &ev, now, 0);
		return;
	}
	case LB_BGP_NOTIFICATION: {
		struct lb_bgp_notification no;
		p->stats.notifications_in++;
		if (lb_bgp_notification_decode(msg, len, &no, &n) < 0) {
			msg_error(p, &n, now);
			return;
		}
		ev.type = LB_BGP_EV_NOTIFICATION;
		ev.code = no.code;
		ev.subcode = no.subcode;
		ev.text = no.has_shutdown_msg ? no.shutdown_msg : NULL;
		fsm_event(p, &ev, now, 0);
		return;
	}
	case LB_BGP_KEEPALIVE:
		if (lb_bgp_keepalive_decode(msg, len, &n) < 0) {
			msg_error(p, &n, now);
			return;
		}
		ev.type = LB_BGP_EV_KEEPALIVE;
		fsm_event(p, &ev, now, 0);
		return;
	case LB_BGP_ROUTE_REFRESH: {
		struct lb_bgp_route_refresh rr;
		if (lb_bgp_route_refresh_decode(msg, len, &rr, &n) < 0) {
			msg_error(p, &n, now);
			return;
		}
		if (p->log)
			lb_info(p->log, "neighbor %s: route refresh requested (AFI %u SAFI %u)",
				p->name, rr.afi, rr.safi);
		ev.type = LB_BGP_EV_ROUTE_REFRESH;
		fsm_event(p, &ev, now, 0);
		return;
	}
	}
}

static void read_some(struct lb_bgp_peer *p, uint64_t now)
{
	if (p->rlen >= RBUF_SIZE)
		return; /* held back, and full: read on once it is framed */
	ssize_t r = recv(p->fd, p->rbuf + p->rlen, RBUF_SIZE - p->rlen, 0);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (r <= 0) {
		snprintf(p->last_error, sizeof(p->last_error), "%s",
			 r == 0 ? "connection closed by peer" : strerror(errno));
		if (p->log)
			lb_info(p->log, "neighbor %s: %s", p->name, p->last_error);
		close_conn(p);
		struct lb_bgp_fsm_event ev = {.type = LB_BGP_EV_TCP_FAILED};
		fsm_event(p, &ev, now, 0);
		return;
	}
	p->rlen += (size_t)r;
	frame(p, now);
}

/* Frames the whole messages the buffer holds; stops when a message closed
 * the connection or a collision holds it back. */
static void frame(struct lb_bgp_peer *p, uint64_t now)
{
	size_t off = 0;
	int fd = p->fd;
	while (p->fd == fd && !held(p) && p->rlen - off >= LB_BGP_HEADER_LEN) {
		struct lb_bgp_header h;
		struct lb_bgp_notify n;
		if (lb_bgp_header_decode(p->rbuf + off, p->rlen - off, &h, &n) < 0) {
			msg_error(p, &n, now);
			return;
		}
		if (p->rlen - off < h.len)
			break;
		on_message(p, p->rbuf + off, h.len, h.type, now);
		off += h.len;
	}
	if (p->fd != fd)
		return;
	memmove(p->rbuf, p->rbuf + off, p->rlen - off);
	p->rlen -= off;
}

void lb_bgp_addr_unmap(struct lb_addr *a)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (a->family == LB_AF_INET6 && !memcmp(a->b, mapped, sizeof(mapped))) {
		a->family = LB_AF_INET;
		memset(a->b, 0, sizeof(mapped));
	}
}

static bool is_link_local(const struct lb_addr *a)
{
	return a->family == LB_AF_INET6 && a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}

/* RFC 2545 §3: the IPv6 next hop carries our link-local address too when
 * the peer shares a link with the global one: when the interface that
 * holds the session's local address has a prefix covering the peer. */
static void find_link_local(struct lb_bgp_peer *p)
{
	memset(&p->local_ll, 0, sizeof(p->local_ll));
	if (p->local.family != LB_AF_INET6 || is_link_local(&p->local) ||
	    p->cfg.addr.family != LB_AF_INET6)
		return;
	struct ifaddrs *ifs;
	if (getifaddrs(&ifs) < 0)
		return;
	const char *ifname = NULL;
	for (struct ifaddrs *i = ifs; i && !ifname; i = i->ifa_next) {
		struct lb_addr a, mask;
		if (!i->ifa_addr || !i->ifa_netmask || i->ifa_addr->sa_family != AF_INET6 ||
		    lb_addr_from_sockaddr(i->ifa_addr, &a) < 0 || !lb_addr_eq(&a, &p->local) ||
		    lb_addr_from_sockaddr(i->ifa_netmask, &mask) < 0)
			continue;
		bool on_link = true;
		for (size_t k = 0; k < 16; k++)
			on_link &= ((a.b[k] ^ p->cfg.addr.b[k]) & mask.b[k]) == 0;
		if (on_link)
			ifname = i->ifa_name;
	}
	for (struct ifaddrs *i = ifs; i && ifname; i = i->ifa_next) {
		struct lb_addr a;
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET6 &&
		    !strcmp(i->ifa_name, ifname) && lb_addr_from_sockaddr(i->ifa_addr, &a) == 0 &&
		    is_link_local(&a)) {
			p->local_ll = a;
			break;
		}
	}
	freeifaddrs(ifs);
}

static void connected(struct lb_bgp_peer *p, uint64_t now)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	p->connecting = false;
	memset(&p->local, 0, sizeof(p->local));
	if (getsockname(p->fd, (struct sockaddr *)&ss, &sl) == 0)
		lb_addr_from_sockaddr((struct sockaddr *)&ss, &p->local);
	lb_bgp_addr_unmap(&p->local);
	find_link_local(p);
	struct lb_bgp_fsm_event ev = {.type = LB_BGP_EV_TCP_CONNECTED};
	fsm_event(p, &ev, now, 0);
}

static void io_one(struct lb_bgp_peer *p, short revents, uint64_t now)
{
	if (p->fd < 0 || !revents)
		return;
	if (p->connecting) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			soerr = errno;
		if (soerr) {
			snprintf(p->last_error, sizeof(p->last_error), "connect: %s",
				 strerror(soerr));
			if (p->log)
				lb_debug(p->log, "neighbor %s: %s", p->name, p->last_error);
			close_conn(p);
			struct lb_bgp_fsm_event ev = {.type = LB_BGP_EV_TCP_FAILED};
			fsm_event(p, &ev, now, 0);
			return;
		}
		if (revents & POLLOUT)
			connected(p, now);
		return;
	}
	if (revents & POLLOUT && write_some(p) < 0) {
		snprintf(p->last_error, sizeof(p->last_error), "send: %s", strerror(errno));
		close_conn(p);
		struct lb_bgp_fsm_event ev = {.type = LB_BGP_EV_TCP_FAILED};
		fsm_event(p, &ev, now, 0);
		return;
	}
	if (p->fd >= 0 && revents & (POLLIN | POLLHUP | POLLERR))
		read_some(p, now);
}

void lb_bgp_peer_io(struct lb_bgp_peer *p, short revents, uint64_t now)
{
	io_one(p, revents, now);
	settle(p, now);
}

void lb_bgp_peer_io_alt(struct lb_bgp_peer *p, short revents, uint64_t now)
{
	if (p->alt)
		io_one(p->alt, revents, now);
	settle(p, now);
}

static void tick_one(struct lb_bgp_peer *p, uint64_t now)
{
	struct lb_bgp_fsm_out out;
	for (int i = 0; i < 8 && lb_bgp_fsm_tick(&p->fsm, now, &out); i++)
		apply(p, &out, now, 0);
}

void lb_bgp_peer_tick(struct lb_bgp_peer *p, uint64_t now)
{
	tick_one(p, now);
	if (p->alt)
		tick_one(p->alt, now);
	settle(p, now);
}

uint64_t lb_bgp_peer_deadline(const struct lb_bgp_peer *p)
{
	uint64_t d = lb_bgp_fsm_next_deadline(&p->fsm);
	uint64_t a = p->alt ? lb_bgp_fsm_next_deadline(&p->alt->fsm) : 0;
	return a && (!d || a < d) ? a : d;
}

/* Exchanges the connections of the peer and its second connection: all
 * that belongs to one TCP connection and its FSM, but not the peer's own
 * settings (the FSM's configuration stays with its peer). */
static void swap_conn(struct lb_bgp_peer *a, struct lb_bgp_peer *b)
{
#define SWAP(f)                                                          \
	do {                                                             \
		unsigned char t_[sizeof(a->f)];                          \
		memcpy(t_, &a->f, sizeof(t_));                           \
		memcpy(&a->f, &b->f, sizeof(t_));                        \
		memcpy(&b->f, t_, sizeof(t_));                           \
	} while (0)
	struct lb_bgp_fsm_config ca = a->fsm.cfg, cb = b->fsm.cfg;
	SWAP(fd);
	SWAP(connecting);
	SWAP(rbuf);
	SWAP(rlen);
	SWAP(wq);
	SWAP(woff);
	SWAP(fsm);
	SWAP(sess);
	SWAP(local);
	SWAP(local_ll);
	SWAP(peer_id);
	SWAP(incoming);
	SWAP(eor_pending);
#undef SWAP
	a->fsm.cfg = ca;
	b->fsm.cfg = cb;
}

/* Carries out a collision decision, drops a second connection that
 * failed, and lets the peer's connection take over when ours is gone. */
static void settle(struct lb_bgp_peer *p, uint64_t now)
{
	struct lb_bgp_peer *a = p->alt;
	if (!a)
		return;
	int decision = p->collision;
	if (!decision) {
		if (a->fd < 0 || a->fsm.state == LB_BGP_IDLE)
			decision = 1;
		else if (p->fsm.state <= LB_BGP_ACTIVE && p->fsm.enabled)
			decision = 2;
		else
			return;
	}
	p->collision = 0;
	enum lb_bgp_state from = p->fsm.state;
	if (decision == 2) {
		swap_conn(p, a);
		if (p->log)
			lb_info(p->log, "neighbor %s: the connection the peer opened carries the session",
				p->name);
	}
	if (a->fd >= 0 && a->fsm.state != LB_BGP_IDLE) {
		/* §6.8: the loser is closed with Cease/Connection Collision
		 * Resolution (RFC 4486 subcode 7). */
		struct lb_bgp_fsm_event ev = {.type = LB_BGP_EV_COLLISION_DUMP};
		fsm_event(a, &ev, now, 0);
	}
	alt_free(p);
	if (decision == 2 && p->on_state && from != p->fsm.state)
		p->on_state(p->ctx, p, from, p->fsm.state,
			    "connection collision resolution: the peer's connection is kept");
	if (p->fd >= 0 && !p->connecting && p->rlen)
		frame(p, now); /* what arrived after the OPEN */
}

void lb_bgp_peer_down(struct lb_bgp_peer *p, const char *why, uint64_t now)
{
	alt_free(p);
	if (p->fd < 0)
		return;
	snprintf(p->last_error, sizeof(p->last_error), "%s", why);
	close_conn(p);
	struct lb_bgp_fsm_event ev = {.type = LB_BGP_EV_TCP_FAILED, .text = why};
	fsm_event(p, &ev, now, 0);
}

static void take_fd(struct lb_bgp_peer *p, int fd, uint64_t now);

void lb_bgp_peer_accept(struct lb_bgp_peer *p, int fd, uint64_t now)
{
	enum lb_bgp_state st = p->fsm.state;
	if ((st == LB_BGP_OPENSENT || st == LB_BGP_OPENCONFIRM) && !p->incoming && !p->alt) {
		/* §6.8: both connections live on until the OPENs decide. */
		struct lb_bgp_peer_config cfg = p->cfg;
		struct lb_err err;
		cfg.passive = true;
		struct lb_bgp_peer *a = malloc(sizeof(*a));
		if (!a || lb_bgp_peer_init(a, &cfg, p->log, &err) < 0) {
			if (a)
				free(a->rbuf); /* the only thing init may have taken */
			free(a);
			close(fd);
			return;
		}
		snprintf(a->label, sizeof(a->label), "%s (its connection)", p->name);
		a->fsm.cfg.peer = a->label;
		a->owner = p;
		p->alt = a;
		if (p->log)
			lb_info(p->log,
				"neighbor %s: connection from the peer while ours is in %s: both "
				"kept until the OPENs decide (RFC 4271 §6.8)",
				p->name, lb_bgp_state_name(st));
		lb_bgp_peer_start(a, now);
		take_fd(a, fd, now);
		settle(p, now);
		return;
	}
	if (st != LB_BGP_CONNECT && st != LB_BGP_ACTIVE) {
		if (p->log)
			lb_info(p->log, "neighbor %s: incoming connection refused in state %s",
				p->name, lb_bgp_state_name(st));
		close(fd);
		return;
	}
	close_conn(p); /* an outgoing attempt still in progress gives way */
	take_fd(p, fd, now);
	settle(p, now);
}

static void take_fd(struct lb_bgp_peer *p, int fd, uint64_t now)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (p->cfg.ttl > 0) {
		int ttl = p->cfg.ttl;
		if (p->cfg.addr.family == LB_AF_INET)
			setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
		else
			setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl));
	}
	p->fd = fd;
	p->connecting = true;
	p->incoming = true;
	connected(p, now);
}

int lb_bgp_peer_announce(struct lb_bgp_peer *p, const struct lb_prefix *pfx,
			 const struct lb_bgp_adjout_attrs *attrs, struct lb_err *err)
{
	return lb_bgp_adjout_announce(&p->adjout, pfx, attrs, err);
}

int lb_bgp_peer_withdraw(struct lb_bgp_peer *p, const struct lb_prefix *pfx, struct lb_err *err)
{
	return lb_bgp_adjout_withdraw(&p->adjout, pfx, err);
}

void lb_bgp_peer_flush(struct lb_bgp_peer *p, uint64_t now)
{
	if (p->fsm.state != LB_BGP_ESTABLISHED || p->fd < 0 ||
	    (!lb_bgp_adjout_pending(&p->adjout) && !(p->eor_pending && !p->eor_hold)) ||
	    queued(p) >= WQ_HIGH)
		return;
	flush_routes(p, now);
	if (write_some(p) < 0) {
		snprintf(p->last_error, sizeof(p->last_error), "send: %s", strerror(errno));
		close_conn(p);
		struct lb_bgp_fsm_event ev = {.type = LB_BGP_EV_TCP_FAILED};
		fsm_event(p, &ev, now, 0);
	}
}

void lb_bgp_peer_hold_eor(struct lb_bgp_peer *p, bool hold)
{
	p->eor_hold = hold;
}

int lb_bgp_listen(const struct lb_addr *addr, uint16_t port, struct lb_err *err)
{
	struct sockaddr_storage ss;
	struct lb_addr any;
	char buf[LB_ADDR_STRLEN];
	if (!addr || !addr->family) {
		memset(&any, 0, sizeof(any));
		any.family = LB_AF_INET6;
		addr = &any;
	}
	socklen_t sl = lb_addr_to_sockaddr(addr, port, &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return lb_err_set(err, "socket: %s", strerror(errno));
	int one = 1, zero = 0;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 16) < 0) {
		int e = errno;
		close(fd);
		return lb_err_set(err, "listen on [%s]:%u: %s", lb_addr_format(addr, buf), port,
				  strerror(e));
	}
	return fd;
}

int lb_bgp_md5_set(int fd, const struct lb_addr *peer, const char *key, struct lb_err *err)
{
	struct tcp_md5sig sig;
	char buf[LB_ADDR_STRLEN];
	size_t len = strlen(key);
	if (len > TCP_MD5SIG_MAXKEYLEN)
		return lb_err_set(err, "TCP MD5 key for %s: longer than %d bytes",
				  lb_addr_format(peer, buf), TCP_MD5SIG_MAXKEYLEN);
	memset(&sig, 0, sizeof(sig));
	struct sockaddr_storage ss;
	lb_addr_to_sockaddr(peer, 0, &ss);
	/* A listener bound to "::" sees IPv4 peers as IPv4-mapped addresses. */
	int domain = 0;
	socklen_t dl = sizeof(domain);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &dl) == 0 && domain == AF_INET6 &&
	    peer->family == LB_AF_INET) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		memset(s6, 0, sizeof(*s6));
		s6->sin6_family = AF_INET6;
		s6->sin6_addr.s6_addr[10] = 0xff;
		s6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&s6->sin6_addr.s6_addr[12], lb_addr_v4(peer), 4);
	}
	memcpy(&sig.tcpm_addr, &ss, sizeof(ss) < sizeof(sig.tcpm_addr) ? sizeof(ss)
									: sizeof(sig.tcpm_addr));
	sig.tcpm_keylen = (uint16_t)len;
	memcpy(sig.tcpm_key, key, len);
	if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof(sig)) < 0)
		return lb_err_set(err, "TCP MD5 key for %s: %s", lb_addr_format(peer, buf),
				  strerror(errno));
	return 0;
}
