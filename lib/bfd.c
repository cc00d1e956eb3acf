#include "bfd.h"

#include <string.h>

#include "buf.h"

static const char *const statenames[] = {"AdminDown", "Down", "Init", "Up"};

const char *lb_bfd_state_name(enum lb_bfd_state s)
{
	return (unsigned)s < 4 ? statenames[s] : "?";
}

int lb_bfd_decode(const uint8_t *p, size_t len, struct lb_bfd_packet *out, struct lb_err *err)
{
	struct lb_buf b;
	uint8_t v, f;

	memset(out, 0, sizeof(*out));
	lb_buf_init(&b, p, len);
	if (lb_buf_get_u8(&b, &v) < 0 || lb_buf_get_u8(&b, &f) < 0 ||
	    lb_buf_get_u8(&b, &out->detect_mult) < 0 || lb_buf_get_u8(&b, &out->length) < 0 ||
	    lb_buf_get_u32(&b, &out->my_disc) < 0 || lb_buf_get_u32(&b, &out->your_disc) < 0 ||
	    lb_buf_get_u32(&b, &out->desired_min_tx) < 0 ||
	    lb_buf_get_u32(&b, &out->required_min_rx) < 0 ||
	    lb_buf_get_u32(&b, &out->required_min_echo_rx) < 0)
		return lb_err_set(err, "BFD packet of %zu bytes: shorter than %d", len, LB_BFD_LEN);
	out->version = v >> 5;
	out->diag = v & 0x1f;
	out->state = f >> 6;
	out->poll = f & 0x20;
	out->final = f & 0x10;
	out->cpi = f & 0x08;
	out->auth = f & 0x04;
	out->demand = f & 0x02;
	out->multipoint = f & 0x01;
	/* RFC 5880 §6.8.6, in its order. */
	if (out->version != LB_BFD_VERSION)
		return lb_err_set(err, "BFD version %u", out->version);
	if (out->length < (out->auth ? 26 : LB_BFD_LEN))
		return lb_err_set(err, "BFD length field %u too small", out->length);
	if (out->length > len)
		return lb_err_set(err, "BFD length field %u beyond the %zu bytes received",
				  out->length, len);
	if (out->detect_mult == 0)
		return lb_err_set(err, "BFD detect multiplier 0");
	if (out->multipoint)
		return lb_err_set(err, "BFD multipoint bit set");
	if (out->my_disc == 0)
		return lb_err_set(err, "BFD my discriminator 0");
	if (out->your_disc == 0 && out->state != LB_BFD_DOWN && out->state != LB_BFD_ADMIN_DOWN)
		return lb_err_set(err, "BFD your discriminator 0 in state %s",
				  lb_bfd_state_name(out->state));
	if (out->auth)
		return lb_err_set(err, "BFD authentication is not supported");
	return 0;
}

void lb_bfd_encode(const struct lb_bfd_packet *pk, uint8_t out[LB_BFD_LEN])
{
	out[0] = (uint8_t)(LB_BFD_VERSION << 5 | (pk->diag & 0x1f));
	out[1] = (uint8_t)((pk->state & 3) << 6 | (pk->poll ? 0x20 : 0) | (pk->final ? 0x10 : 0) |
			   (pk->cpi ? 0x08 : 0));
	out[2] = pk->detect_mult;
	out[3] = LB_BFD_LEN;
	lb_put_be32(out + 4, pk->my_disc);
	lb_put_be32(out + 8, pk->your_disc);
	lb_put_be32(out + 12, pk->desired_min_tx);
	lb_put_be32(out + 16, pk->required_min_rx);
	lb_put_be32(out + 20, 0); /* no echo (RFC 5880 §6.8.3) */
}

void lb_bfd_init(struct lb_bfd *b, uint32_t disc, uint32_t min_tx_us, uint32_t min_rx_us,
		 uint8_t mult, uint64_t now)
{
	memset(b, 0, sizeof(*b));
	b->state = LB_BFD_DOWN;
	b->local_disc = disc ? disc : 1;
	b->desired_min_tx = min_tx_us;
	b->required_min_rx = min_rx_us;
	b->active_min_tx = min_tx_us;
	b->active_min_rx = min_rx_us;
	b->detect_mult = mult ? mult : 3;
	b->remote_min_rx = 1; /* RFC 5880 §6.8.1 */
	b->rnd = disc * 2654435761u + 1;
	b->t_tx = now;
}

/* RFC 5880 §6.8.3: slow while not Up; the configured value is what the
 * packets say, even while a Poll Sequence keeps the old one in use. */
static uint32_t advertised_tx(const struct lb_bfd *b)
{
	if (b->state != LB_BFD_UP && b->desired_min_tx < LB_BFD_SLOW_TX_US)
		return LB_BFD_SLOW_TX_US;
	return b->desired_min_tx;
}

static uint32_t our_tx(const struct lb_bfd *b)
{
	if (b->state != LB_BFD_UP && b->active_min_tx < LB_BFD_SLOW_TX_US)
		return LB_BFD_SLOW_TX_US;
	return b->active_min_tx;
}

void lb_bfd_set_params(struct lb_bfd *b, uint32_t min_tx_us, uint32_t min_rx_us, uint8_t mult,
		       uint64_t now)
{
	bool up = b->state == LB_BFD_UP;
	bool changed = min_tx_us != b->desired_min_tx || min_rx_us != b->required_min_rx ||
		       (mult && mult != b->detect_mult);
	/* RFC 5880 §6.8.3: while Up, a larger transmit interval waits for
	 * the Final, and so does a smaller receive interval in the detection
	 * time; the other directions take effect at once. */
	if (!up || min_tx_us < b->active_min_tx)
		b->active_min_tx = min_tx_us;
	if (!up || min_rx_us > b->active_min_rx)
		b->active_min_rx = min_rx_us;
	b->desired_min_tx = min_tx_us;
	b->required_min_rx = min_rx_us;
	if (mult)
		b->detect_mult = mult;
	if (changed && up) {
		b->poll_active = true;
		b->t_tx = now;
	}
}

/* RFC 5880 §6.8.7: a passive system says nothing before the peer. */
static bool muted(const struct lb_bfd *b)
{
	return b->passive && !b->remote_disc;
}

static void set_state(struct lb_bfd *b, enum lb_bfd_state to, uint8_t diag, uint64_t now)
{
	bool slow_before = b->state != LB_BFD_UP;
	b->state = to;
	b->diag = diag;
	if (to == LB_BFD_DOWN) {
		b->remote_disc = 0;
		b->t_detect = 0;
	}
	if (to != LB_BFD_UP) { /* nothing left to wait for */
		b->active_min_tx = b->desired_min_tx;
		b->active_min_rx = b->required_min_rx;
	}
	/* Our transmit interval changes when going to or from Up: announce it
	 * with a Poll sequence (RFC 5880 §6.8.3). */
	if (slow_before != (to != LB_BFD_UP) && b->desired_min_tx != LB_BFD_SLOW_TX_US) {
		b->poll_active = true;
		b->t_tx = now;
	}
}

int lb_bfd_receive(struct lb_bfd *b, const struct lb_bfd_packet *pk, uint64_t now)
{
	enum lb_bfd_state before = b->state;
	if (pk->your_disc && pk->your_disc != b->local_disc)
		return 0; /* not ours */
	b->remote_disc = pk->my_disc;
	b->remote_min_rx = pk->required_min_rx;
	b->remote_min_tx = pk->desired_min_tx;
	b->remote_detect_mult = pk->detect_mult;
	if (pk->final) {
		b->poll_active = false;
		b->active_min_tx = b->desired_min_tx;
		b->active_min_rx = b->required_min_rx;
	}
	if (pk->poll) {
		b->send_final = true;
		b->t_tx = now; /* RFC 5880 §6.8.7: a Final goes out at once */
	}
	if (b->state == LB_BFD_ADMIN_DOWN)
		return 0;
	/* RFC 5880 §6.8.6 state machine. */
	if (pk->state == LB_BFD_ADMIN_DOWN) {
		if (b->state != LB_BFD_DOWN)
			set_state(b, LB_BFD_DOWN, LB_BFD_DIAG_NEIGHBOR_DOWN, now);
	} else if (b->state == LB_BFD_DOWN) {
		if (pk->state == LB_BFD_DOWN)
			set_state(b, LB_BFD_INIT, LB_BFD_DIAG_NONE, now);
		else if (pk->state == LB_BFD_INIT)
			set_state(b, LB_BFD_UP, LB_BFD_DIAG_NONE, now);
	} else if (b->state == LB_BFD_INIT) {
		if (pk->state == LB_BFD_INIT || pk->state == LB_BFD_UP)
			set_state(b, LB_BFD_UP, LB_BFD_DIAG_NONE, now);
	} else if (pk->state == LB_BFD_DOWN) {
		set_state(b, LB_BFD_DOWN, LB_BFD_DIAG_NEIGHBOR_DOWN, now);
	}
	/* Detection time, asynchronous mode (§6.8.4): the remote multiplier
	 * times the agreed receive interval. */
	if (b->state == LB_BFD_INIT || b->state == LB_BFD_UP) {
		uint64_t rx = b->active_min_rx > b->remote_min_tx ? b->active_min_rx
								   : b->remote_min_tx;
		b->t_detect = now + (uint64_t)b->remote_detect_mult * rx;
	}
	return b->state != before;
}

int lb_bfd_tick(struct lb_bfd *b, uint64_t now)
{
	if (b->t_detect && now >= b->t_detect &&
	    (b->state == LB_BFD_INIT || b->state == LB_BFD_UP)) {
		set_state(b, LB_BFD_DOWN, LB_BFD_DIAG_TIME_EXPIRED, now);
		return 1;
	}
	return 0;
}

bool lb_bfd_due(struct lb_bfd *b, uint64_t now, struct lb_bfd_packet *pk)
{
	if (b->state == LB_BFD_ADMIN_DOWN || muted(b) || now < b->t_tx)
		return false;
	memset(pk, 0, sizeof(*pk));
	pk->version = LB_BFD_VERSION;
	pk->diag = b->diag;
	pk->state = (uint8_t)b->state;
	pk->final = b->send_final;
	pk->poll = b->poll_active && !b->send_final; /* §6.5: never both */
	pk->cpi = true; /* the data plane is the kernel's, not ours */
	pk->detect_mult = b->detect_mult;
	pk->my_disc = b->local_disc;
	pk->your_disc = b->remote_disc;
	pk->desired_min_tx = advertised_tx(b);
	pk->required_min_rx = b->required_min_rx;
	b->send_final = false;
	/* §6.8.7: the larger of our interval and the peer's receive
	 * interval, less 0-25% jitter (10-25% with a multiplier of 1). */
	uint64_t iv = our_tx(b) > b->remote_min_rx ? our_tx(b) : b->remote_min_rx;
	b->rnd = b->rnd * 1103515245u + 12345u;
	unsigned pct = 75 + (b->rnd >> 16) % (b->detect_mult == 1 ? 16 : 26);
	b->t_tx = now + iv * pct / 100;
	return true;
}

bool lb_bfd_ttl_ok(bool multihop, unsigned min_ttl, int ttl)
{
	if (ttl < 0 || ttl > 255)
		return false;
	return multihop ? (unsigned)ttl >= min_ttl : ttl == 255;
}

uint64_t lb_bfd_deadline(const struct lb_bfd *b)
{
	uint64_t t = b->state == LB_BFD_ADMIN_DOWN || muted(b) ? 0 : b->t_tx;
	if (b->t_detect && (!t || b->t_detect < t))
		t = b->t_detect;
	return t;
}
