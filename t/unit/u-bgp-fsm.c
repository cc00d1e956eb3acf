/* lib/bgp_fsm.c: the RFC 4271 §8 state machine driven by hand, with a
 * clock that only moves when the test says so. */
#include <stdlib.h>
#include <string.h>

#include "bgp_fsm.h"
#include "tap.h"

static struct tap t;
static char *logbuf;
static size_t logsize;
static struct lb_log logctx;

static void log_reset(void)
{
	fflush(logctx.out);
	fclose(logctx.out);
	free(logbuf);
	logbuf = NULL;
	logctx.out = open_memstream(&logbuf, &logsize);
}

static const char *log_text(void)
{
	fflush(logctx.out);
	return logbuf ? logbuf : "";
}

static void ev(struct lb_bgp_fsm *f, enum lb_bgp_fsm_event_type type, uint64_t now,
	       struct lb_bgp_fsm_out *out)
{
	struct lb_bgp_fsm_event e = {.type = type};
	lb_bgp_fsm_handle(f, &e, now, out);
}

static void open_ev(struct lb_bgp_fsm *f, uint16_t hold, uint64_t now, struct lb_bgp_fsm_out *out)
{
	struct lb_bgp_open o = {.version = 4, .asn = 65001, .hold_time = hold, .bgp_id = 1};
	struct lb_bgp_fsm_event e = {.type = LB_BGP_EV_OPEN, .open = &o};
	lb_bgp_fsm_handle(f, &e, now, out);
}

static const struct lb_bgp_fsm_config active_cfg = {.peer = "192.0.2.1", .hold_time = 90,
						     .connect_retry_ms = 5000,
						     .idle_hold_min_ms = 1000,
						     .idle_hold_max_ms = 8000};

/* Brings a fresh FSM to Established at time 1000 with the given peer hold time. */
static void establish(struct lb_bgp_fsm *f, uint16_t peer_hold)
{
	struct lb_bgp_fsm_out out;
	lb_bgp_fsm_init(f, &active_cfg, &logctx);
	ev(f, LB_BGP_EV_START, 1000, &out);
	ev(f, LB_BGP_EV_TCP_CONNECTED, 1000, &out);
	open_ev(f, peer_hold, 1000, &out);
	ev(f, LB_BGP_EV_KEEPALIVE, 1000, &out);
}

static void test_happy_path(void)
{
	struct lb_bgp_fsm f;
	struct lb_bgp_fsm_out out;

	log_reset();
	lb_bgp_fsm_init(&f, &active_cfg, &logctx);
	tap_ok(&t, f.state == LB_BGP_IDLE && lb_bgp_fsm_next_deadline(&f) == 0, "starts Idle with no timer");

	ev(&f, LB_BGP_EV_START, 1000, &out);
	tap_ok(&t, f.state == LB_BGP_CONNECT && out.actions == LB_BGP_DO_CONNECT && out.state_changed &&
		   out.from == LB_BGP_IDLE && out.to == LB_BGP_CONNECT && f.t_connect_retry == 6000,
	       "START: Connect, connect, ConnectRetryTimer running");
	tap_is_str(&t, log_text(), "u-bgp-fsm: neighbor 192.0.2.1: state change Idle -> Connect, reason: start\n",
		   "the state change is logged with the neighbor prefix");

	ev(&f, LB_BGP_EV_TCP_CONNECTED, 1200, &out);
	tap_ok(&t, f.state == LB_BGP_OPENSENT && out.actions == LB_BGP_DO_SEND_OPEN && f.t_connect_retry == 0 &&
		   f.t_hold == 1200 + 240000,
	       "TCP up: OpenSent, send OPEN, 4-minute hold timer (RFC 4271 §8.2.2)");

	open_ev(&f, 30, 1300, &out);
	tap_ok(&t, f.state == LB_BGP_OPENCONFIRM && out.actions == LB_BGP_DO_SEND_KEEPALIVE &&
		   f.hold_time == 30 && f.t_hold == 1300 + 30000 && f.t_keepalive == 1300 + 10000,
	       "OPEN: OpenConfirm, KEEPALIVE sent, hold time the smaller of 90 and 30, keepalive a third");

	log_reset();
	ev(&f, LB_BGP_EV_KEEPALIVE, 1400, &out);
	tap_ok(&t, f.state == LB_BGP_ESTABLISHED && out.actions == LB_BGP_DO_SEND_ROUTES &&
		   f.t_hold == 1400 + 30000 && f.established_at == 1400,
	       "KEEPALIVE: Established, send the table");
	tap_is_str(&t, log_text(),
		   "u-bgp-fsm: neighbor 192.0.2.1: state change OpenConfirm -> Established, reason: KEEPALIVE received\n",
		   "Established is logged");

	tap_is_int(&t, lb_bgp_fsm_next_deadline(&f), 1300 + 10000, "next deadline is the keepalive");
	tap_ok(&t, lb_bgp_fsm_tick(&f, 11299, &out) == 0 && out.actions == 0, "nothing due before it");
	tap_ok(&t, lb_bgp_fsm_tick(&f, 11300, &out) == 1 && out.actions == LB_BGP_DO_SEND_KEEPALIVE &&
		   !out.state_changed && f.t_keepalive == 21300,
	       "keepalive timer: send KEEPALIVE, restart");
	lb_bgp_fsm_sent(&f, 15000);
	tap_is_int(&t, f.t_keepalive, 25000, "sending an UPDATE restarts the keepalive timer");

	ev(&f, LB_BGP_EV_UPDATE, 20000, &out);
	tap_ok(&t, f.state == LB_BGP_ESTABLISHED && out.actions == 0 && f.t_hold == 50000,
	       "UPDATE restarts the hold timer");
	ev(&f, LB_BGP_EV_ROUTE_REFRESH, 21000, &out);
	tap_ok(&t, out.actions == LB_BGP_DO_SEND_ROUTES && f.t_hold == 51000,
	       "ROUTE-REFRESH: send the table again (RFC 2918 §4)");

	log_reset();
	tap_ok(&t, lb_bgp_fsm_tick(&f, 51000, &out) == 1 && f.state == LB_BGP_IDLE &&
		   out.actions == (LB_BGP_DO_SEND_NOTIFICATION | LB_BGP_DO_CLOSE | LB_BGP_DO_ROUTES_DOWN) &&
		   out.code == 4 && out.subcode == 0 && out.data_len == 0,
	       "hold timer expiry: NOTIFICATION 4/0, close, routes down, Idle");
	tap_is_str(&t, log_text(),
		   "u-bgp-fsm: neighbor 192.0.2.1: state change Established -> Idle, reason: hold timer expired\n",
		   "and says why");
	tap_ok(&t, f.connect_retry_counter == 1 && !strcmp(f.last_error, "hold timer expired") &&
		   f.t_idle_hold == 52000 && f.t_hold == 0 && f.t_keepalive == 0,
	       "failure counted, other timers stopped, restart after 1 s");
}

static void test_backoff(void)
{
	struct lb_bgp_fsm f;
	struct lb_bgp_fsm_out out;
	uint64_t now = 1000;
	uint32_t waits[6];

	lb_bgp_fsm_init(&f, &active_cfg, &logctx);
	ev(&f, LB_BGP_EV_START, now, &out);
	for (int i = 0; i < 6; i++) {
		ev(&f, LB_BGP_EV_TCP_CONNECTED, now, &out);
		struct lb_bgp_fsm_event e = {.type = LB_BGP_EV_NOTIFICATION, .code = 6, .subcode = 5};
		lb_bgp_fsm_handle(&f, &e, now, &out);
		waits[i] = (uint32_t)(f.t_idle_hold - now);
		now = f.t_idle_hold;
		tap_ok(&t, lb_bgp_fsm_tick(&f, now, &out) == 1 && f.state == LB_BGP_CONNECT &&
			   (out.actions & LB_BGP_DO_CONNECT),
		       "automatic restart %d after back-off", i + 1);
	}
	tap_ok(&t, waits[0] == 1000 && waits[1] == 2000 && waits[2] == 4000 && waits[3] == 8000 &&
		   waits[4] == 8000 && waits[5] == 8000,
	       "back-off doubles up to its maximum (%u %u %u %u %u)", waits[0], waits[1], waits[2], waits[3],
	       waits[4]);
	ev(&f, LB_BGP_EV_TCP_CONNECTED, now, &out);
	open_ev(&f, 90, now, &out);
	ev(&f, LB_BGP_EV_KEEPALIVE, now, &out);
	ev(&f, LB_BGP_EV_TCP_FAILED, now, &out);
	tap_ok(&t, f.state == LB_BGP_IDLE && f.t_idle_hold == now + 1000 &&
		   (out.actions & LB_BGP_DO_ROUTES_DOWN),
	       "after an Established session the back-off starts over");
}

static void test_stop(void)
{
	struct lb_bgp_fsm f;
	struct lb_bgp_fsm_out out;

	establish(&f, 90);
	log_reset();
	struct lb_bgp_fsm_event e = {.type = LB_BGP_EV_STOP, .text = "node draining"};
	lb_bgp_fsm_handle(&f, &e, 2000, &out);
	tap_ok(&t, f.state == LB_BGP_IDLE &&
		   out.actions == (LB_BGP_DO_SEND_NOTIFICATION | LB_BGP_DO_CLOSE | LB_BGP_DO_ROUTES_DOWN) &&
		   out.code == 6 && out.subcode == 2 && out.data_len == 14 && out.data[0] == 13 &&
		   !memcmp(out.data + 1, "node draining", 13),
	       "STOP: Cease/Administrative Shutdown carrying the message (RFC 8203)");
	tap_is_str(&t, log_text(),
		   "u-bgp-fsm: neighbor 192.0.2.1: state change Established -> Idle, reason: administrative shutdown: node draining\n",
		   "logged with the message");
	tap_ok(&t, lb_bgp_fsm_next_deadline(&f) == 0 && lb_bgp_fsm_tick(&f, 999999, &out) == 0,
	       "stopped: no timer, no automatic restart");
	ev(&f, LB_BGP_EV_TCP_CONNECTED, 3000, &out);
	tap_ok(&t, f.state == LB_BGP_IDLE && out.actions == LB_BGP_DO_CLOSE, "Idle refuses a connection");

	/* RFC 4486 subcodes other than Shutdown/Reset carry no message. */
	establish(&f, 90);
	log_reset();
	struct lb_bgp_fsm_event dec = {.type = LB_BGP_EV_STOP, .subcode = 3,
				       .text = "BGPPeer deleted"};
	lb_bgp_fsm_handle(&f, &dec, 2000, &out);
	tap_ok(&t, f.state == LB_BGP_IDLE && out.actions & LB_BGP_DO_SEND_NOTIFICATION &&
		   out.code == 6 && out.subcode == 3 && out.data_len == 0,
	       "STOP with subcode 3: Cease/Peer De-configured without data");
	tap_is_str(&t, log_text(),
		   "u-bgp-fsm: neighbor 192.0.2.1: state change Established -> Idle, reason: peer de-configured: BGPPeer deleted\n",
		   "the log names the subcode and the reason");
	establish(&f, 90);
	struct lb_bgp_fsm_event chg = {.type = LB_BGP_EV_STOP, .subcode = 6};
	lb_bgp_fsm_handle(&f, &chg, 2000, &out);
	tap_ok(&t, f.state == LB_BGP_IDLE && out.code == 6 && out.subcode == 6 && out.data_len == 0,
	       "STOP with subcode 6: Other Configuration Change");

	lb_bgp_fsm_init(&f, &active_cfg, &logctx);
	ev(&f, LB_BGP_EV_START, 0, &out);
	ev(&f, LB_BGP_EV_STOP, 10, &out);
	tap_ok(&t, f.state == LB_BGP_IDLE && out.actions == LB_BGP_DO_CLOSE,
	       "STOP before an OPEN was sent: no NOTIFICATION");

	char longtext[400];
	memset(longtext, 'x', sizeof(longtext) - 1);
	longtext[399] = 0;
	establish(&f, 90);
	struct lb_bgp_fsm_event e2 = {.type = LB_BGP_EV_STOP, .text = longtext};
	lb_bgp_fsm_handle(&f, &e2, 2000, &out);
	tap_ok(&t, out.data_len == 256 && out.data[0] == 255, "a long shutdown message is cut to 255 bytes");
}

static void test_connect_and_passive(void)
{
	struct lb_bgp_fsm f;
	struct lb_bgp_fsm_out out;

	lb_bgp_fsm_init(&f, &active_cfg, &logctx);
	ev(&f, LB_BGP_EV_START, 0, &out);
	tap_ok(&t, lb_bgp_fsm_tick(&f, 5000, &out) == 1 && f.state == LB_BGP_CONNECT &&
		   out.actions == (LB_BGP_DO_CLOSE | LB_BGP_DO_CONNECT) && f.t_connect_retry == 10000,
	       "connect retry in Connect: abandon and reconnect");
	ev(&f, LB_BGP_EV_TCP_FAILED, 6000, &out);
	tap_ok(&t, f.state == LB_BGP_ACTIVE && f.t_connect_retry == 11000, "TCP failure in Connect: Active");
	tap_ok(&t, lb_bgp_fsm_tick(&f, 11000, &out) == 1 && f.state == LB_BGP_CONNECT &&
		   (out.actions & LB_BGP_DO_CONNECT),
	       "connect retry in Active: Connect again");
	ev(&f, LB_BGP_EV_TCP_CONNECTED, 11500, &out);
	ev(&f, LB_BGP_EV_TCP_FAILED, 11600, &out);
	tap_ok(&t, f.state == LB_BGP_ACTIVE && (out.actions & LB_BGP_DO_CLOSE) && f.t_hold == 0,
	       "TCP failure in OpenSent: Active (RFC 4271 §8.2.2)");

	struct lb_bgp_fsm_config pc = active_cfg;
	pc.passive = true;
	lb_bgp_fsm_init(&f, &pc, &logctx);
	ev(&f, LB_BGP_EV_START, 0, &out);
	tap_ok(&t, f.state == LB_BGP_ACTIVE && out.actions == 0, "passive START: Active, no connect");
	tap_ok(&t, lb_bgp_fsm_tick(&f, 5000, &out) == 1 && f.state == LB_BGP_ACTIVE && out.actions == 0 &&
		   f.t_connect_retry == 10000,
	       "passive: connect retry keeps waiting");
	ev(&f, LB_BGP_EV_TCP_CONNECTED, 6000, &out);
	tap_ok(&t, f.state == LB_BGP_OPENSENT && out.actions == LB_BGP_DO_SEND_OPEN, "passive: peer connects, OpenSent");

	/* Hold time 0: no keepalives, no hold timer (RFC 4271 §4.2). */
	establish(&f, 0);
	tap_ok(&t, f.state == LB_BGP_ESTABLISHED && f.hold_time == 0 && f.t_hold == 0 && f.t_keepalive == 0 &&
		   lb_bgp_fsm_next_deadline(&f) == 0,
	       "hold time 0: Established without timers");
}

static void test_errors(void)
{
	struct lb_bgp_fsm f;
	struct lb_bgp_fsm_out out;

	lb_bgp_fsm_init(&f, &active_cfg, &logctx);
	ev(&f, LB_BGP_EV_START, 0, &out);
	ev(&f, LB_BGP_EV_TCP_CONNECTED, 0, &out);
	ev(&f, LB_BGP_EV_KEEPALIVE, 1, &out);
	tap_ok(&t, f.state == LB_BGP_IDLE && (out.actions & LB_BGP_DO_SEND_NOTIFICATION) && out.code == 5 &&
		   out.subcode == 1,
	       "KEEPALIVE in OpenSent: FSM error 5/1 (RFC 6608)");

	lb_bgp_fsm_init(&f, &active_cfg, &logctx);
	ev(&f, LB_BGP_EV_START, 0, &out);
	ev(&f, LB_BGP_EV_TCP_CONNECTED, 0, &out);
	open_ev(&f, 90, 0, &out);
	ev(&f, LB_BGP_EV_UPDATE, 1, &out);
	tap_ok(&t, f.state == LB_BGP_IDLE && out.code == 5 && out.subcode == 2 &&
		   !(out.actions & LB_BGP_DO_ROUTES_DOWN),
	       "UPDATE in OpenConfirm: FSM error 5/2");

	establish(&f, 90);
	open_ev(&f, 90, 2000, &out);
	tap_ok(&t, f.state == LB_BGP_IDLE && out.code == 5 && out.subcode == 3 &&
		   (out.actions & LB_BGP_DO_ROUTES_DOWN) && !strcmp(f.last_error, "unexpected OPEN in Established"),
	       "OPEN in Established: FSM error 5/3");

	/* A decoder's NOTIFICATION goes out as it is. */
	lb_bgp_fsm_init(&f, &active_cfg, &logctx);
	ev(&f, LB_BGP_EV_START, 0, &out);
	ev(&f, LB_BGP_EV_TCP_CONNECTED, 0, &out);
	struct lb_bgp_notify n = {0};
	lb_bgp_notify_set(&n, LB_BGP_ERR_OPEN, LB_BGP_OPEN_BAD_HOLD_TIME, NULL, 0, "OPEN: unacceptable hold time 2");
	struct lb_bgp_fsm_event e = {.type = LB_BGP_EV_MSG_ERROR, .notify = &n};
	log_reset();
	lb_bgp_fsm_handle(&f, &e, 5, &out);
	tap_ok(&t, f.state == LB_BGP_IDLE && out.code == 2 && out.subcode == 6 &&
		   (out.actions & LB_BGP_DO_SEND_NOTIFICATION) && (out.actions & LB_BGP_DO_CLOSE),
	       "decoder error in OpenSent: its NOTIFICATION is sent");
	tap_is_str(&t, log_text(),
		   "u-bgp-fsm: neighbor 192.0.2.1: state change OpenSent -> Idle, reason: sent NOTIFICATION 2/6 "
		   "(unacceptable hold time): OPEN: unacceptable hold time 2\n",
		   "the log names the NOTIFICATION and the cause");

	establish(&f, 90);
	struct lb_bgp_fsm_event rx = {.type = LB_BGP_EV_NOTIFICATION, .code = 6, .subcode = 2, .text = "maintenance"};
	lb_bgp_fsm_handle(&f, &rx, 3000, &out);
	tap_ok(&t, f.state == LB_BGP_IDLE && !(out.actions & LB_BGP_DO_SEND_NOTIFICATION) &&
		   (out.actions & LB_BGP_DO_ROUTES_DOWN) &&
		   !strcmp(f.last_error, "received NOTIFICATION 6/2 (administrative shutdown): \"maintenance\""),
	       "NOTIFICATION received: no answer, Idle, the peer's message kept");

	lb_bgp_fsm_init(&f, &active_cfg, &logctx);
	ev(&f, LB_BGP_EV_START, 0, &out);
	ev(&f, LB_BGP_EV_UPDATE, 1, &out);
	tap_ok(&t, f.state == LB_BGP_IDLE && !(out.actions & LB_BGP_DO_SEND_NOTIFICATION),
	       "a message in Connect: Idle, nothing sent before our OPEN");
	ev(&f, LB_BGP_EV_KEEPALIVE, 2, &out);
	tap_ok(&t, f.state == LB_BGP_IDLE && out.actions == 0 && !out.state_changed, "Idle ignores messages");

	tap_is_str(&t, lb_bgp_state_name(LB_BGP_OPENCONFIRM), "OpenConfirm", "state names");
}

/* A transport failure the caller detected itself (BFD) carries its reason. */
static void test_failure_reason(void)
{
	struct lb_bgp_fsm f;
	struct lb_bgp_fsm_out out;
	struct lb_bgp_fsm_event e = {.type = LB_BGP_EV_TCP_FAILED, .text = "BFD detection time expired"};
	establish(&f, 90);
	log_reset();
	lb_bgp_fsm_handle(&f, &e, 2000, &out);
	tap_ok(&t, f.state == LB_BGP_IDLE && (out.actions & LB_BGP_DO_ROUTES_DOWN),
	       "TCP_FAILED with a reason: Idle, routes down");
	tap_is_str(&t, f.last_error, "BFD detection time expired", "the reason is the last error");
	tap_ok(&t, strstr(log_text(), "Established -> Idle, reason: BFD detection time expired") != NULL,
	       "and it is logged");
	ev(&f, LB_BGP_EV_START, 3000, &out);
	e.text = NULL;
	ev(&f, LB_BGP_EV_TCP_FAILED, 3000, &out);
	tap_ok(&t, f.state == LB_BGP_ACTIVE && strstr(log_text(), "Connect -> Active, reason: TCP connection failed"),
	       "without a reason it says TCP connection failed");
}

/* RFC 4271 §6.8: the collision rule, and the loser's OpenCollisionDump. */
static void test_collision(void)
{
	/* Ours 192.0.2.2 (0xc0000202), the router's lower or higher. */
	tap_ok(&t, !lb_bgp_collision_keep_new(0xc0000202, 64501, 0xc0000201, 64500, true),
	       "our Identifier higher, the new connection is the peer's: it goes");
	tap_ok(&t, lb_bgp_collision_keep_new(0xc0000202, 64501, 0xc0000201, 64500, false),
	       "our Identifier higher, the new connection is ours: it stays");
	tap_ok(&t, lb_bgp_collision_keep_new(0xc0000202, 64501, 0xc0000209, 64500, true),
	       "the peer's Identifier higher: the connection it opened stays");
	tap_ok(&t, !lb_bgp_collision_keep_new(0xc0000202, 64501, 0xc0000209, 64500, false),
	       "the peer's Identifier higher: ours goes");
	tap_ok(&t, lb_bgp_collision_keep_new(0x00000002, 64501, 0xc0000001, 64500, true),
	       "compared as unsigned integers (0.0.0.2 < 192.0.0.1)");
	tap_ok(&t, lb_bgp_collision_keep_new(0xc0000202, 64501, 0xc0000202, 64502, true) &&
		   !lb_bgp_collision_keep_new(0xc0000202, 64501, 0xc0000202, 64502, false),
	       "equal Identifiers (RFC 6286 §2.3): the peer's higher AS keeps the peer's connection");
	tap_ok(&t, !lb_bgp_collision_keep_new(0xc0000202, 64502, 0xc0000202, 64501, true) &&
		   lb_bgp_collision_keep_new(0xc0000202, 64502, 0xc0000202, 64501, false),
	       "equal Identifiers: our higher AS keeps ours");
	/* Both sides run the rule on their own view; they must agree on which
	 * connection survives: the peer's "new incoming" is our outgoing one. */
	int agree = 1;
	uint32_t ids[] = {1, 0xc0000201, 0xc0000202, 0xffffffff};
	uint32_t asns[] = {64500, 64501};
	for (size_t i = 0; i < 4; i++)
		for (size_t j = 0; j < 4; j++)
			for (size_t k = 0; k < 2; k++)
				for (int inc = 0; inc < 2; inc++) {
					uint32_t la = asns[k], ra = asns[1 - k];
					bool ours = lb_bgp_collision_keep_new(ids[i], la, ids[j], ra, inc);
					/* the peer sees the same connection with the roles swapped */
					bool theirs = lb_bgp_collision_keep_new(ids[j], ra, ids[i], la, !inc);
					agree &= ours == theirs;
				}
	tap_ok(&t, agree, "both ends keep the same connection, for every pair of Identifiers and ASes");

	struct lb_bgp_fsm f;
	struct lb_bgp_fsm_out out;
	lb_bgp_fsm_init(&f, &active_cfg, &logctx);
	ev(&f, LB_BGP_EV_START, 0, &out);
	ev(&f, LB_BGP_EV_TCP_CONNECTED, 10, &out);
	open_ev(&f, 90, 20, &out);
	log_reset();
	ev(&f, LB_BGP_EV_COLLISION_DUMP, 30, &out);
	tap_ok(&t, f.state == LB_BGP_IDLE &&
		   out.actions == (LB_BGP_DO_SEND_NOTIFICATION | LB_BGP_DO_CLOSE) && out.code == 6 &&
		   out.subcode == 7 && out.data_len == 0,
	       "OpenCollisionDump in OpenConfirm: Cease/Connection Collision Resolution, close, Idle");
	tap_ok(&t, strstr(log_text(), "OpenConfirm -> Idle, reason: connection collision resolution") != NULL,
	       "logged as such");
	lb_bgp_fsm_init(&f, &active_cfg, &logctx);
	ev(&f, LB_BGP_EV_START, 0, &out);
	ev(&f, LB_BGP_EV_COLLISION_DUMP, 5, &out);
	tap_ok(&t, f.state == LB_BGP_IDLE && !(out.actions & LB_BGP_DO_SEND_NOTIFICATION) &&
		   out.actions & LB_BGP_DO_CLOSE,
	       "in Connect (no OPEN sent yet): closed without a NOTIFICATION");
	ev(&f, LB_BGP_EV_COLLISION_DUMP, 6, &out);
	tap_ok(&t, out.actions == 0 && !out.state_changed, "Idle ignores it");
}

int main(void)
{
	lb_log_init(&logctx, "u-bgp-fsm");
	logctx.out = open_memstream(&logbuf, &logsize);
	test_happy_path();
	test_backoff();
	test_stop();
	test_connect_and_passive();
	test_errors();
	test_failure_reason();
	test_collision();
	fclose(logctx.out);
	free(logbuf);
	return tap_done(&t);
}
