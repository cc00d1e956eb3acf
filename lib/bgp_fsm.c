#include "bgp_fsm.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* RFC 4271 §8.2.2: the HoldTimer runs at a large value, 4 minutes, until
 * the peer's OPEN says what it should be. */
#define OPENSENT_HOLD_MS 240000u

static const char *const statenames[] = {
	[LB_BGP_IDLE] = "Idle",
	[LB_BGP_CONNECT] = "Connect",
	[LB_BGP_ACTIVE] = "Active",
	[LB_BGP_OPENSENT] = "OpenSent",
	[LB_BGP_OPENCONFIRM] = "OpenConfirm",
	[LB_BGP_ESTABLISHED] = "Established",
};

const char *lb_bgp_state_name(enum lb_bgp_state s)
{
	return (unsigned)s < sizeof(statenames) / sizeof(statenames[0]) ? statenames[s] : "?";
}

void lb_bgp_fsm_init(struct lb_bgp_fsm *f, const struct lb_bgp_fsm_config *cfg,
		     const struct lb_log *log)
{
	memset(f, 0, sizeof(*f));
	f->cfg = *cfg;
	if (!f->cfg.peer)
		f->cfg.peer = "?";
	/* RFC 4271 §4.2: 1 and 2 are not hold times. */
	if (f->cfg.hold_time == 1 || f->cfg.hold_time == 2)
		f->cfg.hold_time = 3;
	if (!f->cfg.connect_retry_ms)
		f->cfg.connect_retry_ms = 5000;
	if (!f->cfg.idle_hold_min_ms)
		f->cfg.idle_hold_min_ms = 1000;
	if (f->cfg.idle_hold_max_ms < f->cfg.idle_hold_min_ms)
		f->cfg.idle_hold_max_ms = f->cfg.idle_hold_min_ms > 60000 ? f->cfg.idle_hold_min_ms
									  : 60000;
	f->log = log;
	f->state = LB_BGP_IDLE;
	f->idle_hold_ms = f->cfg.idle_hold_min_ms;
}

static void restart_hold(struct lb_bgp_fsm *f, uint64_t now)
{
	f->t_hold = f->hold_time ? now + f->hold_time * 1000u : 0;
}

static void restart_keepalive(struct lb_bgp_fsm *f, uint64_t now)
{
	/* RFC 4271 §10: one third of the hold time. */
	f->t_keepalive = f->hold_time ? now + f->hold_time * 1000u / 3 : 0;
}

/* The only place the state changes: logs the change, then does the entry
 * work of the new state (timers and the actions it implies). */
static void change_state(struct lb_bgp_fsm *f, enum lb_bgp_state to, uint64_t now,
			 struct lb_bgp_fsm_out *out, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void change_state(struct lb_bgp_fsm *f, enum lb_bgp_state to, uint64_t now,
			 struct lb_bgp_fsm_out *out, const char *fmt, ...)
{
	char reason[200];
	va_list ap;
	enum lb_bgp_state from = f->state;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (f->log)
		lb_info(f->log, "neighbor %s: state change %s -> %s, reason: %s", f->cfg.peer,
			statenames[from], statenames[to], reason);
	if (!out->state_changed)
		out->from = from;
	out->state_changed = true;
	out->to = to;
	f->state = to;

	switch (to) {
	case LB_BGP_IDLE:
		f->t_connect_retry = f->t_hold = f->t_keepalive = f->t_idle_hold = 0;
		f->hold_time = 0;
		if (from != LB_BGP_IDLE)
			out->actions |= LB_BGP_DO_CLOSE;
		if (from == LB_BGP_ESTABLISHED)
			out->actions |= LB_BGP_DO_ROUTES_DOWN;
		break;
	case LB_BGP_CONNECT:
		out->actions |= LB_BGP_DO_CONNECT;
		f->t_connect_retry = now + f->cfg.connect_retry_ms;
		break;
	case LB_BGP_ACTIVE:
		f->t_connect_retry = now + f->cfg.connect_retry_ms;
		f->t_hold = f->t_keepalive = 0;
		break;
	case LB_BGP_OPENSENT:
		out->actions |= LB_BGP_DO_SEND_OPEN;
		f->t_connect_retry = 0;
		f->t_hold = now + OPENSENT_HOLD_MS;
		break;
	case LB_BGP_OPENCONFIRM:
		out->actions |= LB_BGP_DO_SEND_KEEPALIVE;
		restart_hold(f, now);
		restart_keepalive(f, now);
		break;
	case LB_BGP_ESTABLISHED:
		out->actions |= LB_BGP_DO_SEND_ROUTES;
		restart_hold(f, now);
		f->established_at = now;
		f->idle_hold_ms = f->cfg.idle_hold_min_ms; /* the peer is healthy again */
		break;
	}
}

static void start(struct lb_bgp_fsm *f, uint64_t now, struct lb_bgp_fsm_out *out,
		  const char *reason)
{
	f->connect_retry_counter = 0;
	change_state(f, f->cfg.passive ? LB_BGP_ACTIVE : LB_BGP_CONNECT, now, out, "%s", reason);
}

static void notify(struct lb_bgp_fsm *f, struct lb_bgp_fsm_out *out, uint8_t code,
		   uint8_t subcode, const uint8_t *data, size_t len)
{
	/* A NOTIFICATION needs an OPEN sent first (RFC 4271 §8.2.1.5). */
	if (f->state < LB_BGP_OPENSENT)
		return;
	out->actions |= LB_BGP_DO_SEND_NOTIFICATION;
	out->code = code;
	out->subcode = subcode;
	out->data = data;
	out->data_len = len;
}

/* An error ends the session: count it, go Idle, and when still enabled come
 * back after a back-off that doubles with each consecutive failure. */
static void fail(struct lb_bgp_fsm *f, uint64_t now, struct lb_bgp_fsm_out *out,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void fail(struct lb_bgp_fsm *f, uint64_t now, struct lb_bgp_fsm_out *out,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->last_error, sizeof(f->last_error), fmt, ap);
	va_end(ap);
	f->connect_retry_counter++;
	change_state(f, LB_BGP_IDLE, now, out, "%s", f->last_error);
	if (f->enabled) {
		f->t_idle_hold = now + f->idle_hold_ms;
		f->idle_hold_ms = f->idle_hold_ms > f->cfg.idle_hold_max_ms / 2 ? f->cfg.idle_hold_max_ms
										 : f->idle_hold_ms * 2;
	}
}

/* RFC 6608: FSM Error subcodes name the state the message arrived in. */
static void unexpected(struct lb_bgp_fsm *f, uint64_t now, struct lb_bgp_fsm_out *out,
		       const char *what)
{
	uint8_t sub = f->state == LB_BGP_OPENSENT ? 1 : f->state == LB_BGP_OPENCONFIRM ? 2 : 3;
	notify(f, out, LB_BGP_ERR_FSM, sub, NULL, 0);
	fail(f, now, out, "unexpected %s in %s", what, statenames[f->state]);
}

static void stop(struct lb_bgp_fsm *f, uint8_t subcode, const char *text, uint64_t now,
		 struct lb_bgp_fsm_out *out)
{
	f->enabled = false;
	f->t_idle_hold = 0;
	if (f->state == LB_BGP_IDLE)
		return;
	if (!subcode)
		subcode = LB_BGP_CEASE_ADMIN_SHUTDOWN;
	/* RFC 8203/9003: only Administrative Shutdown and Reset carry a
	 * message; the other Cease subcodes of RFC 4486 carry no data. */
	bool with_text = subcode == LB_BGP_CEASE_ADMIN_SHUTDOWN ||
			 subcode == LB_BGP_CEASE_ADMIN_RESET;
	size_t len = with_text && text ? strlen(text) : 0;
	if (len > 255) {
		len = 255;
		while (len > 0 && ((uint8_t)text[len] & 0xc0) == 0x80)
			len--;
	}
	f->notify_data[0] = (uint8_t)len;
	if (len)
		memcpy(f->notify_data + 1, text, len);
	notify(f, out, LB_BGP_ERR_CEASE, subcode, f->notify_data, with_text ? len + 1 : 0);
	f->connect_retry_counter = 0;
	const char *what = lb_bgp_error_name(LB_BGP_ERR_CEASE, subcode);
	if (len)
		change_state(f, LB_BGP_IDLE, now, out, "%s: %.*s", what, (int)len, text);
	else if (!with_text && text && *text)
		change_state(f, LB_BGP_IDLE, now, out, "%s: %s", what, text);
	else
		change_state(f, LB_BGP_IDLE, now, out, "%s", what);
}

static void on_open(struct lb_bgp_fsm *f, const struct lb_bgp_open *o, uint64_t now,
		    struct lb_bgp_fsm_out *out)
{
	switch (f->state) {
	case LB_BGP_OPENSENT:
		f->hold_time = lb_bgp_hold_time_negotiate(f->cfg.hold_time, o ? o->hold_time : 0);
		change_state(f, LB_BGP_OPENCONFIRM, now, out, "OPEN received, hold time %u",
			     f->hold_time);
		return;
	case LB_BGP_OPENCONFIRM:
	case LB_BGP_ESTABLISHED:
		unexpected(f, now, out, "OPEN");
		return;
	case LB_BGP_CONNECT:
	case LB_BGP_ACTIVE:
		fail(f, now, out, "OPEN before our OPEN was sent");
		return;
	case LB_BGP_IDLE:
		return;
	}
}

static void on_message(struct lb_bgp_fsm *f, const char *what, bool refresh, uint64_t now,
		       struct lb_bgp_fsm_out *out)
{
	switch (f->state) {
	case LB_BGP_ESTABLISHED:
		restart_hold(f, now);
		/* RFC 2918 §4: answer with the whole Adj-RIB-Out. */
		if (refresh)
			out->actions |= LB_BGP_DO_SEND_ROUTES;
		return;
	case LB_BGP_OPENSENT:
	case LB_BGP_OPENCONFIRM:
		unexpected(f, now, out, what);
		return;
	case LB_BGP_CONNECT:
	case LB_BGP_ACTIVE:
		fail(f, now, out, "%s without a session", what);
		return;
	case LB_BGP_IDLE:
		return;
	}
}

void lb_bgp_fsm_handle(struct lb_bgp_fsm *f, const struct lb_bgp_fsm_event *ev, uint64_t now,
		       struct lb_bgp_fsm_out *out)
{
	memset(out, 0, sizeof(*out));
	out->from = out->to = f->state;

	switch (ev->type) {
	case LB_BGP_EV_START:
		f->enabled = true;
		if (f->state == LB_BGP_IDLE)
			start(f, now, out, "start");
		return;
	case LB_BGP_EV_STOP:
		stop(f, ev->subcode, ev->text, now, out);
		return;
	case LB_BGP_EV_TCP_CONNECTED:
		if (f->state == LB_BGP_CONNECT || f->state == LB_BGP_ACTIVE)
			change_state(f, LB_BGP_OPENSENT, now, out, "TCP connection established");
		else if (f->state == LB_BGP_IDLE)
			out->actions |= LB_BGP_DO_CLOSE; /* Idle refuses connections */
		return;
	case LB_BGP_EV_TCP_FAILED: {
		const char *why = ev->text ? ev->text : "TCP connection failed";
		switch (f->state) {
		case LB_BGP_CONNECT:
		case LB_BGP_OPENSENT:
			/* RFC 4271 §8.2.2: keep listening, retry later. */
			out->actions |= LB_BGP_DO_CLOSE;
			change_state(f, LB_BGP_ACTIVE, now, out, "%s", why);
			return;
		case LB_BGP_ACTIVE:
		case LB_BGP_OPENCONFIRM:
		case LB_BGP_ESTABLISHED:
			fail(f, now, out, "%s", why);
			return;
		case LB_BGP_IDLE:
			return;
		}
		return;
	}
	case LB_BGP_EV_OPEN:
		on_open(f, ev->open, now, out);
		return;
	case LB_BGP_EV_MSG_ERROR: {
		if (f->state == LB_BGP_IDLE)
			return;
		const struct lb_bgp_notify *n = ev->notify;
		if (n && n->send) {
			notify(f, out, n->code, n->subcode, n->data, n->data_len);
			fail(f, now, out, "sent NOTIFICATION %u/%u (%s): %s", n->code, n->subcode,
			     lb_bgp_error_name(n->code, n->subcode), n->reason);
		} else {
			fail(f, now, out, "bad message: %s", n ? n->reason : "?");
		}
		return;
	}
	case LB_BGP_EV_NOTIFICATION:
		if (f->state == LB_BGP_IDLE)
			return;
		if (ev->text && *ev->text)
			fail(f, now, out, "received NOTIFICATION %u/%u (%s): \"%s\"", ev->code,
			     ev->subcode, lb_bgp_error_name(ev->code, ev->subcode), ev->text);
		else
			fail(f, now, out, "received NOTIFICATION %u/%u (%s)", ev->code, ev->subcode,
			     lb_bgp_error_name(ev->code, ev->subcode));
		return;
	case LB_BGP_EV_KEEPALIVE:
		if (f->state == LB_BGP_OPENCONFIRM)
			change_state(f, LB_BGP_ESTABLISHED, now, out, "KEEPALIVE received");
		else
			on_message(f, "KEEPALIVE", false, now, out);
		return;
	case LB_BGP_EV_UPDATE:
		on_message(f, "UPDATE", false, now, out);
		return;
	case LB_BGP_EV_ROUTE_REFRESH:
		on_message(f, "ROUTE-REFRESH", true, now, out);
		return;
	case LB_BGP_EV_COLLISION_DUMP:
		/* §8.2.2 event 23: Cease, close, Idle; the other connection
		 * carries the session. */
		if (f->state == LB_BGP_IDLE)
			return;
		notify(f, out, LB_BGP_ERR_CEASE, LB_BGP_CEASE_COLLISION, NULL, 0);
		fail(f, now, out, "connection collision resolution: the other connection is kept");
		return;
	}
}

int lb_bgp_fsm_tick(struct lb_bgp_fsm *f, uint64_t now, struct lb_bgp_fsm_out *out)
{
	memset(out, 0, sizeof(*out));
	out->from = out->to = f->state;

	if (f->t_hold && now >= f->t_hold) {
		/* RFC 4271 §6.5. */
		notify(f, out, LB_BGP_ERR_HOLD_TIMER, 0, NULL, 0);
		fail(f, now, out, "hold timer expired");
		return 1;
	}
	if (f->t_keepalive && now >= f->t_keepalive) {
		out->actions |= LB_BGP_DO_SEND_KEEPALIVE;
		restart_keepalive(f, now);
		return 1;
	}
	if (f->t_connect_retry && now >= f->t_connect_retry) {
		if (f->state == LB_BGP_CONNECT) {
			/* Abandon the attempt and try again (§8.2.2 Connect, event 9). */
			out->actions |= LB_BGP_DO_CLOSE | LB_BGP_DO_CONNECT;
			f->t_connect_retry = now + f->cfg.connect_retry_ms;
		} else if (f->state == LB_BGP_ACTIVE && !f->cfg.passive) {
			change_state(f, LB_BGP_CONNECT, now, out, "connect retry timer expired");
		} else {
			f->t_connect_retry = now + f->cfg.connect_retry_ms;
		}
		return 1;
	}
	if (f->t_idle_hold && now >= f->t_idle_hold) {
		f->t_idle_hold = 0;
		if (f->state == LB_BGP_IDLE && f->enabled)
			start(f, now, out, "automatic restart after back-off");
		return 1;
	}
	return 0;
}

uint64_t lb_bgp_fsm_next_deadline(const struct lb_bgp_fsm *f)
{
	uint64_t t[] = {f->t_connect_retry, f->t_hold, f->t_keepalive, f->t_idle_hold};
	uint64_t best = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i] && (!best || t[i] < best))
			best = t[i];
	return best;
}

void lb_bgp_fsm_sent(struct lb_bgp_fsm *f, uint64_t now)
{
	if (f->state == LB_BGP_OPENCONFIRM || f->state == LB_BGP_ESTABLISHED)
		restart_keepalive(f, now);
}

bool lb_bgp_collision_keep_new(uint32_t local_id, uint32_t local_asn, uint32_t remote_id,
			       uint32_t remote_asn, bool new_is_incoming)
{
	bool remote_dominant =
		local_id < remote_id || (local_id == remote_id && local_asn < remote_asn);
	return remote_dominant == new_is_incoming;
}
