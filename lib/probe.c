#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hset.h"
#include "icmp_echo.h"
#include "lookup.h"
#include "probe.h"

extern char **environ;

/* BUSY_RESOLVE: a tcp:// or icmp:// check waiting for the first address
 * of its host name. */
enum busy { IDLE = 0, BUSY_TCP, BUSY_ICMP, BUSY_EXEC, BUSY_HTTP, BUSY_RESOLVE };

/* Host names of tcp:// and icmp:// targets are looked up again at most
 * this often (libcurl keeps HTTP targets' names as long, by default):
 * a moved service is followed, and thousands of checks a second do not
 * become thousands of lookups. */
#define RESOLVE_EVERY_MS 60000

struct target;

struct theap {
	struct target **v;
	size_t len, cap;
};

struct target {
	struct lb_probe_spec spec;
	struct lb_health h;
	struct target *prev, *next; /* insertion order */
	/* Keyed by wake_ms: in p->due while idle (wake at due_ms, to start a
	 * check), in p->deadlines while a TCP, ICMP or exec check runs (wake
	 * at deadline_ms, to time it out); an HTTP check's timeout is
	 * libcurl's. */
	struct theap *heap; /* NULL: in neither */
	size_t heap_idx;
	enum busy busy;
	int64_t wake_ms, due_ms, start_us, deadline_ms;
	int fd;       /* tcp socket or exec pidfd */
	pid_t pid;
	uint16_t seq; /* icmp */
	struct sockaddr_storage addr; /* of the check in flight */
	socklen_t addrlen;
	/* The latest answer for the host; a name's lookup runs beside the
	 * checks, which use the last good address meanwhile. */
	int named, have_addr;
	struct sockaddr_storage res_addr;
	socklen_t res_addrlen;
	int64_t resolved_ms;
	struct lb_lookup *lookup;
	char resolve_err[200];
	CURL *easy;
	struct share *share; /* of easy */
	struct curl_slist *headers;
	char errbuf[CURL_ERROR_SIZE];
	char *body;
	size_t body_len;
	int done; /* once: verdict reached */
	int in_flight; /* a check started and not yet finished or cancelled */
	int have_result, last_ok;
	double last_rtt_ms;
	char last_reason[160];
	unsigned long checks, failures, transitions;
};

/* libcurl 7.88 keeps one connection cache per multi handle, and removing
 * a host's last connection from it walks the whole cache; with a new
 * connection per check and thousands of hosts in flight that walk is
 * quadratic and libcurl's share of the CPU grows past the checks'
 * (measured: 60% of lb-probe's time at 8,000 HTTP targets). A curl_share
 * of connections and DNS per SHARE_TARGETS targets keeps each cache small;
 * more shares would cost memory (each brings its own closure handle). */
#define SHARE_TARGETS 64

struct curl_done {
	struct target *t;
	CURLcode result;
};

struct pending_lookup {
	struct lb_lookup *l;
	struct target *t; /* NULL: the target is gone, the lookup not yet */
};

struct share {
	CURLSH *sh;
	unsigned users;
};

struct icmp_sock {
	int fd;     /* -1: not open yet */
	int raw;    /* SOCK_RAW (IPv4: replies carry the IP header) */
	int failed; /* could not open: errno kept in err */
	int err;
};

struct lb_probe {
	struct lb_probe_config cfg;
	struct lb_hset by_name;
	struct target *first, *last;
	size_t ntargets, undecided;
	/* Idle targets by the time their next check is due, and targets whose
	 * TCP, ICMP or exec check runs by its deadline: two heaps, so that
	 * holding back due checks (run_due) never holds back a timeout. */
	struct theap due, deadlines;
	/* Every socket and pidfd of the checks in flight, libcurl's included
	 * (CURLMOPT_SOCKETFUNCTION), so that a step costs what is ready, not
	 * what is in flight. */
	int epfd;
	struct pollfd *pfds; /* the epoll fd and the caller's */
	size_t pfds_cap;
	CURLM *multi;
	int64_t curl_due_ms; /* CURLMOPT_TIMERFUNCTION; -1: none */
	struct share **shares;
	size_t nshares, shares_cap, share_hint;
	struct curl_done *done;
	size_t done_cap;
	struct pending_lookup *lookups;
	size_t nlookups, lookups_cap;
	struct icmp_sock icmp[2]; /* [0] IPv4, [1] IPv6 */
	struct target **icmp_wait; /* by sequence number */
	uint16_t next_seq, icmp_id;
	uint64_t cookie;
	uint64_t rng;
	struct lb_probe_stats stats;
	/* Overload control (run_due): checks in flight, checks finished so
	 * far and at the previous run_due, and whether due checks are being
	 * held back now. */
	size_t in_flight;
	unsigned long finished, finished_before, idle_credit;
	int holding;
	/* Whether the loop was working rather than waiting more than
	 * SATURATED_PCT of the last window (load_account). */
	int saturated;
	int64_t win_start_us, win_busy_us, wait_end_us;
	/* Checks finished in the last window: as many in flight is about a
	 * window's worth of queue, the most a saturated loop keeps. */
	unsigned long win_finished_start, queue_goal;
	/* For the log: since when checks are late (0: on schedule), and when
	 * one was last held back. */
	int64_t late_since_ms, last_held_ms;
};

/* ---- time and randomness ------------------------------------------------------ */

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t now_ms(void)
{
	return now_us() / 1000;
}

/* xorshift64*: jitter needs spread, not secrecy. */
static uint64_t rnd(struct lb_probe *p)
{
	p->rng ^= p->rng >> 12;
	p->rng ^= p->rng << 25;
	p->rng ^= p->rng >> 27;
	return p->rng * 2685821657736338717ull;
}

/* ---- name lookup ---------------------------------------------------------------- */

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static uint64_t hash_entry(const void *e)
{
	return str_hash(((const struct target *)e)->spec.text);
}

static uint64_t hash_key(const void *k)
{
	return str_hash(k);
}

static int matches(const void *e, const void *k)
{
	return !strcmp(((const struct target *)e)->spec.text, k);
}

static const struct lb_hset_ops name_ops = {hash_entry, hash_key, matches};

/* ---- the schedule: a binary heap on due time -------------------------------------- */

static void heap_set(struct theap *h, size_t i, struct target *t)
{
	h->v[i] = t;
	t->heap_idx = i;
}

static void heap_up(struct theap *h, size_t i)
{
	struct target *t = h->v[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (h->v[parent]->wake_ms <= t->wake_ms)
			break;
		heap_set(h, i, h->v[parent]);
		i = parent;
	}
	heap_set(h, i, t);
}

static void heap_down(struct theap *h, size_t i)
{
	struct target *t = h->v[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->len)
			break;
		if (c + 1 < h->len && h->v[c + 1]->wake_ms < h->v[c]->wake_ms)
			c++;
		if (h->v[c]->wake_ms >= t->wake_ms)
			break;
		heap_set(h, i, h->v[c]);
		i = c;
	}
	heap_set(h, i, t);
}

static int heap_push(struct theap *h, struct target *t)
{
	if (h->len == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 64;
		struct target **grown = realloc(h->v, cap * sizeof(*grown));
		if (!grown)
			return -1;
		h->v = grown;
		h->cap = cap;
	}
	t->heap = h;
	heap_set(h, h->len++, t);
	heap_up(h, h->len - 1);
	return 0;
}

static void heap_remove(struct target *t)
{
	struct theap *h = t->heap;
	if (!h)
		return;
	size_t i = t->heap_idx;
	t->heap = NULL;
	struct target *last = h->v[--h->len];
	if (last == t)
		return;
	heap_set(h, i, last);
	heap_up(h, i);
	heap_down(h, last->heap_idx);
}

static struct target *heap_top(const struct theap *h)
{
	return h->len ? h->v[0] : NULL;
}

/* ---- checks in flight ---------------------------------------------------------------- */

/* epoll tags: a target's own descriptor (TCP socket, pidfd) carries the
 * target's address, which malloc aligns to 16 bytes; the low bits tell the
 * shared ones apart. */
enum { TAG_CURL = 1, TAG_ICMP4 = 2, TAG_ICMP6 = 3, TAG_MASK = 15 };

static uint64_t tag_fd(int fd, unsigned tag)
{
	return (uint64_t)(unsigned)fd << 8 | tag;
}

/* A TCP, ICMP or exec check in flight: in the heap until its deadline, and
 * its descriptor (if any) in the epoll set. */
static int busy_start(struct lb_probe *p, struct target *t, enum busy kind)
{
	t->wake_ms = t->deadline_ms;
	if (heap_push(&p->deadlines, t) < 0)
		return -1;
	if (t->fd >= 0) {
		struct epoll_event ev = {.events = kind == BUSY_TCP ? EPOLLOUT : EPOLLIN,
					 .data.ptr = t};
		if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, t->fd, &ev) < 0) {
			heap_remove(t);
			return -1;
		}
	}
	t->busy = kind;
	return 0;
}

/* Closing the descriptor takes it out of the epoll set. */
static void busy_end(struct target *t)
{
	heap_remove(t);
	t->busy = IDLE;
}

/* Stops whatever check t runs, without a result. */
static void cancel(struct lb_probe *p, struct target *t)
{
	if (t->in_flight) {
		t->in_flight = 0;
		p->in_flight--;
	}
	switch (t->busy) {
	case IDLE:
		return;
	case BUSY_HTTP:
		curl_multi_remove_handle(p->multi, t->easy);
		t->busy = IDLE;
		return;
	case BUSY_TCP:
		close(t->fd);
		break;
	case BUSY_ICMP:
		p->icmp_wait[t->seq] = NULL;
		break;
	case BUSY_RESOLVE:
		break; /* the lookup goes on, for the next check */
	case BUSY_EXEC:
		/* The command runs in its own process group: take its children too. */
		kill(-t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
		close(t->fd);
		break;
	}
	t->fd = -1;
	busy_end(t);
}

static void schedule_next(struct lb_probe *p, struct target *t)
{
	heap_remove(t);
	if (p->cfg.once && t->done)
		return;
	int64_t interval = t->spec.o.interval_ms;
	if (p->cfg.spread_pct && interval) {
		int64_t span = interval * p->cfg.spread_pct / 100;
		if (span)
			interval += (int64_t)(rnd(p) % (uint64_t)(2 * span + 1)) - span;
	}
	int64_t now = now_ms();
	t->due_ms += interval;
	/* A check that outlasted its interval is followed at once, not in a burst. */
	if (t->due_ms < now)
		t->due_ms = now;
	t->wake_ms = t->due_ms;
	if (heap_push(&p->due, t) < 0)
		lb_errorx(p->cfg.log, "%s: out of memory: no further checks", t->spec.text);
}

static void finish(struct lb_probe *p, struct target *t, int ok, double rtt_ms, const char *fmt,
		   ...) LB_PRINTF(5, 6);

static void finish(struct lb_probe *p, struct target *t, int ok, double rtt_ms, const char *fmt,
		   ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->last_reason, sizeof(t->last_reason), fmt, ap);
	va_end(ap);
	if (t->in_flight) {
		t->in_flight = 0;
		p->in_flight--;
	}
	p->finished++;
	t->have_result = 1;
	t->last_ok = ok;
	t->last_rtt_ms = rtt_ms;
	t->checks++;
	if (!ok)
		t->failures++;
	enum lb_health_state prev = t->h.state;
	int changed = lb_health_feed(&t->h, ok);
	if (changed) {
		t->transitions++;
		if (prev == LB_HEALTH_UNKNOWN)
			p->undecided--;
		if (p->cfg.once)
			t->done = 1;
	}
	struct lb_probe_result r = {t->spec.text, t->spec.kind, ok, t->last_reason, rtt_ms,
				    t->h.state, prev, changed};
	schedule_next(p, t);
	if (p->cfg.on_result)
		p->cfg.on_result(p->cfg.ctx, &r);
}

static double since_ms(const struct target *t)
{
	return (double)(now_us() - t->start_us) / 1000.0;
}

/* ---- TCP ------------------------------------------------------------------------------ */

/* Checks close with a reset (SO_LINGER 0, as HAProxy's checks do) so that
 * thousands of checks a second leave no TIME_WAIT sockets behind. */
static void no_linger(int fd)
{
	struct linger l = {1, 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

static void tcp_start(struct lb_probe *p, struct target *t)
{
	int fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		finish(p, t, 0, -1, "socket: %s", strerror(errno));
		return;
	}
	no_linger(fd);
	if (connect(fd, (struct sockaddr *)&t->addr, t->addrlen) == 0) {
		close(fd);
		finish(p, t, 1, since_ms(t), "connected");
		return;
	}
	if (errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		finish(p, t, 0, -1, "connect: %s", strerror(e));
		return;
	}
	t->fd = fd;
	if (busy_start(p, t, BUSY_TCP) < 0) {
		int e = errno;
		close(fd);
		t->fd = -1;
		finish(p, t, 0, -1, "cannot wait for the connection: %s", strerror(e));
	}
}

/* events: what epoll said; writable without an error or hang-up is a
 * completed handshake, and needs no SO_ERROR call. */
static void tcp_ready(struct lb_probe *p, struct target *t, uint32_t events)
{
	int e = 0;
	socklen_t len = sizeof(e);
	if ((events & (EPOLLERR | EPOLLHUP)) &&
	    getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		e = errno;
	double rtt = since_ms(t);
	close(t->fd);
	t->fd = -1;
	busy_end(t);
	/* A reset reported here came after the handshake (a refused connect is
	 * ECONNREFUSED): the server accepted, then closed at once. That is up. */
	if (e == ECONNRESET)
		finish(p, t, 1, rtt, "connected, then reset by the server");
	else if (e)
		finish(p, t, 0, -1, "connect: %s", strerror(e));
	else
		finish(p, t, 1, rtt, "connected");
}

/* ---- ICMP ------------------------------------------------------------------------------ */

/* An unprivileged ICMP datagram socket first (net.ipv4.ping_group_range),
 * then a raw one (CAP_NET_RAW). */
static struct icmp_sock *icmp_open(struct lb_probe *p, int v6, struct lb_err *err)
{
	struct icmp_sock *s = &p->icmp[v6];
	int family = v6 ? AF_INET6 : AF_INET;
	int proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	if (s->fd >= 0)
		return s;
	if (!p->icmp_wait) {
		p->icmp_wait = calloc(65536, sizeof(*p->icmp_wait));
		if (!p->icmp_wait) {
			lb_err_set(err, "out of memory");
			return NULL;
		}
	}
	s->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	s->raw = 0;
	if (s->fd < 0) {
		int dgram_errno = errno;
		s->fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
		s->raw = 1;
		if (s->fd < 0) {
			lb_err_set(err, "cannot open an ICMP%s socket: datagram: %s; raw: %s "
					"(needs CAP_NET_RAW or net.ipv4.ping_group_range)",
				   v6 ? "v6" : "", strerror(dgram_errno), strerror(errno));
			return NULL;
		}
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag_fd(s->fd, v6 ? TAG_ICMP6 : TAG_ICMP4)};
	if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0) {
		lb_err_set(err, "epoll_ctl: %s", strerror(errno));
		close(s->fd);
		s->fd = -1;
		return NULL;
	}
	return s;
}

static void icmp_start(struct lb_probe *p, struct target *t)
{
	int v6 = t->addr.ss_family == AF_INET6;
	struct lb_err err;
	struct icmp_sock *s = icmp_open(p, v6, &err);
	if (!s) {
		finish(p, t, 0, -1, "%s", err.msg);
		return;
	}
	/* A free sequence number; 65536 echoes in flight at once is the limit. */
	uint16_t seq = p->next_seq;
	unsigned tries = 0;
	while (p->icmp_wait[seq] && tries++ < 65536)
		seq++;
	if (p->icmp_wait[seq]) {
		finish(p, t, 0, -1, "too many echo requests in flight");
		return;
	}
	p->next_seq = (uint16_t)(seq + 1);
	uint8_t pkt[LB_ICMP_ECHO_LEN];
	size_t n = lb_icmp_echo_build(pkt, sizeof(pkt), v6, p->icmp_id, seq, p->cookie);
	if (sendto(s->fd, pkt, n, 0, (struct sockaddr *)&t->addr, t->addrlen) < 0) {
		finish(p, t, 0, -1, "sendto: %s", strerror(errno));
		return;
	}
	if (busy_start(p, t, BUSY_ICMP) < 0) {
		finish(p, t, 0, -1, "out of memory");
		return;
	}
	t->seq = seq;
	p->icmp_wait[seq] = t;
}

static int same_host(const struct target *t, const struct sockaddr_storage *from)
{
	if (from->ss_family != t->addr.ss_family)
		return 0;
	if (from->ss_family == AF_INET)
		return !memcmp(&((const struct sockaddr_in *)from)->sin_addr,
			       &((const struct sockaddr_in *)&t->addr)->sin_addr, sizeof(struct in_addr));
	return !memcmp(&((const struct sockaddr_in6 *)from)->sin6_addr,
		       &((const struct sockaddr_in6 *)&t->addr)->sin6_addr, sizeof(struct in6_addr));
}

static void icmp_readable(struct lb_probe *p, int v6)
{
	struct icmp_sock *s = &p->icmp[v6];
	uint8_t pkt[1500];
	for (int i = 0; i < 1024; i++) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(s->fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&from, &flen);
		if (n < 0)
			return;
		uint16_t id, seq;
		uint64_t cookie;
		if (lb_icmp_echo_parse(pkt, (size_t)n, v6, s->raw && !v6, &id, &seq, &cookie) < 0)
			continue;
		/* A raw socket sees every echo reply on the host: only ours count.
		 * A datagram socket's identifier is chosen by the kernel. */
		if ((s->raw && id != p->icmp_id) || cookie != p->cookie)
			continue;
		struct target *t = p->icmp_wait[seq];
		if (!t || !same_host(t, &from))
			continue;
		p->icmp_wait[seq] = NULL;
		busy_end(t);
		finish(p, t, 1, since_ms(t), "echo reply");
	}
}

/* ---- exec ------------------------------------------------------------------------------ */

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static void exec_start(struct lb_probe *p, struct target *t)
{
	posix_spawnattr_t attr;
	posix_spawn_file_actions_t fa;
	sigset_t none, dfl;
	char *argv[] = {"/bin/sh", "-c", t->spec.command, NULL};
	pid_t pid;
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	posix_spawnattr_init(&attr);
	/* Its own process group, so a timeout kills the command's children too;
	 * and the signal mask and SIGPIPE disposition of a normal process, not
	 * those of our signalfd loop. */
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
						POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 34)
	/* libcurl's wakeup socketpair and the caller's descriptors are not all
	 * close-on-exec; a check command inherits none of them. */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
	/* posix_spawn cannot set a limit in the child, so ours is lowered
	 * around it (descriptors already open above it stay valid). */
	struct rlimit ours;
	int lowered = 0;
	if (p->cfg.child_nofile && getrlimit(RLIMIT_NOFILE, &ours) == 0 &&
	    ours.rlim_cur > p->cfg.child_nofile) {
		struct rlimit child = {p->cfg.child_nofile, ours.rlim_max};
		lowered = setrlimit(RLIMIT_NOFILE, &child) == 0;
	}
	int rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, environ);
	if (lowered)
		setrlimit(RLIMIT_NOFILE, &ours);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc) {
		finish(p, t, 0, -1, "cannot run /bin/sh: %s", strerror(rc));
		return;
	}
	int fd = pidfd_open_(pid);
	if (fd < 0) {
		int e = errno;
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		finish(p, t, 0, -1, "pidfd_open: %s", strerror(e));
		return;
	}
	t->pid = pid;
	t->fd = fd;
	if (busy_start(p, t, BUSY_EXEC) < 0) {
		int e = errno;
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(fd);
		t->fd = -1;
		finish(p, t, 0, -1, "cannot wait for the command: %s", strerror(e));
	}
}

static void exec_exited(struct lb_probe *p, struct target *t)
{
	int st;
	pid_t r = waitpid(t->pid, &st, WNOHANG);
	if (r == 0)
		return;
	double rtt = since_ms(t);
	close(t->fd);
	t->fd = -1;
	busy_end(t);
	if (r < 0)
		finish(p, t, 0, -1, "waitpid: %s", strerror(errno));
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		finish(p, t, 1, rtt, "exit status 0");
	else if (WIFEXITED(st))
		finish(p, t, 0, rtt, "exit status %d", WEXITSTATUS(st));
	else
		finish(p, t, 0, rtt, "killed by signal %d", WTERMSIG(st));
}

/* ---- HTTP ------------------------------------------------------------------------------ */

/* The body is kept only when a substring is expected, and only up to 1 MiB:
 * a health page is small, and a huge one must not grow memory. */
#define BODY_MAX (1u << 20)

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct target *t = ctx;
	size_t len = size * n;
	if (!t->spec.o.body || t->body_len >= BODY_MAX)
		return len;
	size_t take = len;
	if (take > BODY_MAX - t->body_len)
		take = BODY_MAX - t->body_len;
	char *grown = realloc(t->body, t->body_len + take + 1);
	if (!grown)
		return 0;
	t->body = grown;
	memcpy(t->body + t->body_len, data, take);
	t->body_len += take;
	t->body[t->body_len] = '\0';
	return len;
}

static int on_socket(void *ctx, curl_socket_t fd, curlsocktype purpose)
{
	(void)ctx;
	if (purpose == CURLSOCKTYPE_IPCXN)
		no_linger(fd);
	return CURL_SOCKOPT_OK;
}

/* Whether the URL names its host by address. */
static int url_host_is_literal(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	int literal = 0;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		unsigned char bin[16];
		size_t len = strlen(host);
		if (len > 2 && host[0] == '[' && host[len - 1] == ']') {
			host[len - 1] = '\0';
			literal = inet_pton(AF_INET6, host + 1, bin) == 1;
		} else {
			literal = inet_pton(AF_INET, host, bin) == 1;
		}
	}
	curl_free(host);
	curl_url_cleanup(u);
	return literal;
}

static struct share *share_get(struct lb_probe *p)
{
	for (size_t n = 0; n < p->nshares; n++) {
		size_t i = (p->share_hint + n) % p->nshares;
		if (p->shares[i]->users < SHARE_TARGETS) {
			p->share_hint = i;
			p->shares[i]->users++;
			return p->shares[i];
		}
	}
	if (p->nshares == p->shares_cap) {
		size_t cap = p->shares_cap ? 2 * p->shares_cap : 16;
		struct share **grown = realloc(p->shares, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		p->shares = grown;
		p->shares_cap = cap;
	}
	struct share *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->sh = curl_share_init();
	if (!s->sh || curl_share_setopt(s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) ||
	    curl_share_setopt(s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS)) {
		if (s->sh)
			curl_share_cleanup(s->sh);
		free(s);
		return NULL;
	}
	s->users = 1;
	p->share_hint = p->nshares;
	p->shares[p->nshares++] = s;
	return s;
}

/* After the easy handle that used it is gone. */
static void share_put(struct lb_probe *p, struct share *s)
{
	if (!s || --s->users)
		return;
	for (size_t i = 0; i < p->nshares; i++) {
		if (p->shares[i] == s) {
			p->shares[i] = p->shares[--p->nshares];
			break;
		}
	}
	p->share_hint = 0;
	curl_share_cleanup(s->sh);
	free(s);
}

static int http_setup(struct lb_probe *p, struct target *t, struct lb_err *err)
{
	const struct lb_probe_opts *o = &t->spec.o;
	CURL *e = t->easy ? t->easy : curl_easy_init();
	if (!e)
		return lb_err_set(err, "%s: cannot make a curl handle", t->spec.text);
	curl_easy_reset(e);
	t->easy = e;
	if (!t->share && !(t->share = share_get(p)))
		return lb_err_set(err, "%s: cannot make a curl share handle", t->spec.text);
	curl_slist_free_all(t->headers);
	t->headers = NULL;
	if (o->host_header) {
		char h[300];
		snprintf(h, sizeof(h), "Host: %s", o->host_header);
		t->headers = curl_slist_append(NULL, h);
		if (!t->headers)
			return lb_err_set(err, "out of memory");
	}
	int bad = 0;
	bad |= curl_easy_setopt(e, CURLOPT_SHARE, t->share->sh) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_URL, t->spec.text) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, t) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)o->timeout_ms) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, t) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_USERAGENT, "lbkit-probe") != CURLE_OK;
	/* Every check on a new connection, like HAProxy's: a kept-alive one would
	 * hide a listener that no longer accepts. */
	bad |= curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, on_socket) != CURLE_OK;
	/* A request goes out in one write, which Nagle does not delay: no
	 * TCP_NODELAY call per check. A health page is small: a small read
	 * buffer (the body is still kept up to BODY_MAX). */
	bad |= curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 0L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 4096L) != CURLE_OK;
	/* libcurl keeps address literals in its DNS cache too, one entry per
	 * host and port, and walks the whole cache at every transfer: with
	 * thousands of targets that walk costs more than the check. A literal
	 * needs no cache; names keep libcurl's (60 s). */
	if (url_host_is_literal(t->spec.text))
		bad |= curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, -1L) != CURLE_OK;
	/* A check goes straight to its target: http_proxy and the like would
	 * check the proxy instead. */
	bad |= curl_easy_setopt(e, CURLOPT_PROXY, "") != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, o->insecure ? 0L : 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, o->insecure ? 0L : 2L) != CURLE_OK;
	if (o->ca_file)
		bad |= curl_easy_setopt(e, CURLOPT_CAINFO, o->ca_file) != CURLE_OK;
	if (o->cert)
		bad |= curl_easy_setopt(e, CURLOPT_SSLCERT, o->cert) != CURLE_OK;
	if (o->key)
		bad |= curl_easy_setopt(e, CURLOPT_SSLKEY, o->key) != CURLE_OK;
	if (t->headers)
		bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers) != CURLE_OK;
	if (o->method && !strcmp(o->method, "HEAD"))
		bad |= curl_easy_setopt(e, CURLOPT_NOBODY, 1L) != CURLE_OK;
	else if (o->method && strcmp(o->method, "GET"))
		bad |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, o->method) != CURLE_OK;
	if (bad)
		return lb_err_set(err, "%s: libcurl refused an option", t->spec.text);
	return 0;
}

static void http_start(struct lb_probe *p, struct target *t)
{
	t->body_len = 0;
	t->errbuf[0] = '\0';
	if (curl_multi_add_handle(p->multi, t->easy) != CURLM_OK) {
		finish(p, t, 0, -1, "curl_multi_add_handle failed");
		return;
	}
	t->busy = BUSY_HTTP;
}

static void http_done(struct lb_probe *p, struct target *t, CURLcode res)
{
	long status = 0;
	curl_off_t total = 0;
	curl_multi_remove_handle(p->multi, t->easy);
	t->busy = IDLE;
	const struct lb_probe_opts *o = &t->spec.o;
	if (res == CURLE_OPERATION_TIMEDOUT) {
		finish(p, t, 0, -1, "timeout after %u ms", o->timeout_ms);
		return;
	}
	if (res != CURLE_OK) {
		finish(p, t, 0, -1, "%s", t->errbuf[0] ? t->errbuf : curl_easy_strerror(res));
		return;
	}
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &total);
	double rtt = (double)total / 1000.0;
	if (!lb_probe_status_ok(o, status))
		finish(p, t, 0, rtt, "HTTP %ld: status not expected", status);
	else if (o->body && (!t->body_len || !strstr(t->body, o->body)))
		finish(p, t, 0, rtt, "HTTP %ld: body does not contain the expected text", status);
	else
		finish(p, t, 1, rtt, "HTTP %ld", status);
}

/* ---- targets ------------------------------------------------------------------------------ */

static void lookup_begin(struct lb_probe *p, struct target *t)
{
	struct lb_err err;
	if (p->nlookups == p->lookups_cap) {
		size_t cap = p->lookups_cap ? 2 * p->lookups_cap : 16;
		struct pending_lookup *grown = realloc(p->lookups, cap * sizeof(*grown));
		if (!grown) {
			snprintf(t->resolve_err, sizeof(t->resolve_err), "out of memory");
			return;
		}
		p->lookups = grown;
		p->lookups_cap = cap;
	}
	t->lookup = lb_lookup_start(t->spec.host, t->spec.kind == LB_PROBE_TCP ? t->spec.port : 0,
				    t->spec.kind == LB_PROBE_TCP ? SOCK_STREAM : SOCK_DGRAM, &err);
	if (!t->lookup) {
		snprintf(t->resolve_err, sizeof(t->resolve_err), "%s", err.msg);
		t->resolved_ms = now_ms();
		return;
	}
	p->lookups[p->nlookups++] = (struct pending_lookup){t->lookup, t};
}

/* With the address the host has now. */
static void net_go(struct lb_probe *p, struct target *t)
{
	memcpy(&t->addr, &t->res_addr, sizeof(t->addr));
	t->addrlen = t->res_addrlen;
	t->start_us = now_us();
	if (t->spec.kind == LB_PROBE_TCP)
		tcp_start(p, t);
	else
		icmp_start(p, t);
}

static void net_start(struct lb_probe *p, struct target *t, int64_t now)
{
	if (t->named && !t->lookup &&
	    (!t->have_addr || now - t->resolved_ms >= RESOLVE_EVERY_MS))
		lookup_begin(p, t);
	if (t->have_addr)
		net_go(p, t);
	else if (!t->lookup)
		finish(p, t, 0, -1, "%s", t->resolve_err);
	else if (busy_start(p, t, BUSY_RESOLVE) < 0)
		finish(p, t, 0, -1, "out of memory");
}

/* A failed lookup keeps the last good address: a DNS hiccup is not the
 * target's failure. A check that waited for the first answer starts now,
 * within its timeout. */
static void lookups_poll(struct lb_probe *p)
{
	for (size_t i = 0; i < p->nlookups;) {
		struct pending_lookup *pl = &p->lookups[i];
		struct sockaddr_storage addr;
		socklen_t len;
		struct lb_err err;
		int rc = lb_lookup_done(pl->l, &addr, &len, &err);
		if (rc == 0) {
			i++;
			continue;
		}
		struct target *t = pl->t;
		lb_lookup_free(pl->l);
		*pl = p->lookups[--p->nlookups];
		if (!t)
			continue;
		t->lookup = NULL;
		t->resolved_ms = now_ms();
		if (rc > 0) {
			memcpy(&t->res_addr, &addr, sizeof(addr));
			t->res_addrlen = len;
			t->have_addr = 1;
			t->resolve_err[0] = '\0';
		} else {
			snprintf(t->resolve_err, sizeof(t->resolve_err), "%s", err.msg);
		}
		if (t->busy != BUSY_RESOLVE)
			continue;
		busy_end(t);
		if (t->have_addr)
			net_go(p, t);
		else
			finish(p, t, 0, -1, "%s", t->resolve_err);
	}
}

static void start_check(struct lb_probe *p, struct target *t, int64_t now)
{
	int64_t late = now - t->due_ms;
	p->stats.checks++;
	if (late > (int64_t)p->cfg.late_threshold_ms)
		p->stats.late++;
	if (late > p->stats.max_late_ms)
		p->stats.max_late_ms = late;
	t->start_us = now_us();
	t->deadline_ms = now + t->spec.o.timeout_ms;
	t->in_flight = 1;
	p->in_flight++;
	switch (t->spec.kind) {
	case LB_PROBE_TCP:
	case LB_PROBE_ICMP:
		net_start(p, t, now);
		break;
	case LB_PROBE_EXEC:
		exec_start(p, t);
		break;
	case LB_PROBE_HTTP:
		http_start(p, t);
		break;
	}
}

/* An address literal needs no lookup: it is the address, for good. */
static int literal_addr(struct target *t)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&t->res_addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&t->res_addr;
	uint16_t port = htons(t->spec.kind == LB_PROBE_TCP ? t->spec.port : 0);
	memset(&t->res_addr, 0, sizeof(t->res_addr));
	if (inet_pton(AF_INET, t->spec.host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = port;
		t->res_addrlen = sizeof(*in);
	} else if (inet_pton(AF_INET6, t->spec.host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = port;
		t->res_addrlen = sizeof(*in6);
	} else {
		return 0;
	}
	t->have_addr = 1;
	return 1;
}

static void free_target(struct lb_probe *p, struct target *t)
{
	for (size_t i = 0; t->lookup && i < p->nlookups; i++) {
		if (p->lookups[i].t == t)
			p->lookups[i].t = NULL;
	}
	if (t->easy)
		curl_easy_cleanup(t->easy);
	share_put(p, t->share);
	curl_slist_free_all(t->headers);
	free(t->body);
	lb_probe_spec_free(&t->spec);
	free(t);
}

int lb_probe_add(struct lb_probe *p, struct lb_probe_spec *spec, struct lb_err *err)
{
	struct target *t = lb_hset_find(&p->by_name, spec->text);
	if (t) {
		/* Same target again: new options, same state and run. */
		cancel(p, t);
		heap_remove(t);
		struct lb_probe_spec old = t->spec;
		t->spec = *spec;
		memset(spec, 0, sizeof(*spec));
		lb_probe_spec_free(&old);
		t->h.rise = t->spec.o.rise ? t->spec.o.rise : 1;
		t->h.fall = t->spec.o.fall ? t->spec.o.fall : 1;
	} else {
		t = calloc(1, sizeof(*t));
		if (!t) {
			lb_probe_spec_free(spec);
			return lb_err_set(err, "out of memory");
		}
		t->spec = *spec;
		memset(spec, 0, sizeof(*spec));
		t->fd = -1;
		lb_health_init(&t->h, t->spec.o.rise, t->spec.o.fall);
		if (lb_hset_add(&p->by_name, t) < 0) {
			free_target(p, t);
			return lb_err_set(err, "out of memory");
		}
		t->prev = p->last;
		if (p->last)
			p->last->next = t;
		else
			p->first = t;
		p->last = t;
		p->ntargets++;
		p->undecided++;
	}
	int rc = 0;
	if (t->spec.kind == LB_PROBE_TCP || t->spec.kind == LB_PROBE_ICMP) {
		/* Options may change, the host not (it is in the text). */
		if (!t->have_addr && !t->lookup)
			t->named = !literal_addr(t);
	}
	/* A name's family is known only once it resolves: its socket opens
	 * at its first check. */
	if (t->spec.kind == LB_PROBE_ICMP && !t->named &&
	    !icmp_open(p, t->res_addr.ss_family == AF_INET6, err))
		rc = lb_err_prefix(err, "'%s'", t->spec.text);
	if (rc == 0 && t->spec.kind == LB_PROBE_HTTP)
		rc = http_setup(p, t, err);
	if (rc < 0) {
		lb_probe_remove(p, t->spec.text);
		return -1;
	}
	int64_t now = now_ms();
	t->due_ms = now;
	t->wake_ms = now;
	if (!p->cfg.once) {
		uint64_t window = t->spec.o.interval_ms < 1000 ? t->spec.o.interval_ms : 1000;
		if (window)
			t->due_ms += (int64_t)(rnd(p) % window);
		t->wake_ms = t->due_ms;
	}
	if (t->done)
		return 0;
	if (heap_push(&p->due, t) < 0)
		return lb_err_set(err, "out of memory");
	return 0;
}

int lb_probe_remove(struct lb_probe *p, const char *target)
{
	struct target *t = lb_hset_find(&p->by_name, target);
	if (!t)
		return -1;
	cancel(p, t);
	heap_remove(t);
	lb_hset_remove(&p->by_name, t->spec.text, t);
	if (t->prev)
		t->prev->next = t->next;
	else
		p->first = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		p->last = t->prev;
	p->ntargets--;
	if (t->h.state == LB_HEALTH_UNKNOWN)
		p->undecided--;
	free_target(p, t);
	return 0;
}

/* ---- the loop ------------------------------------------------------------------------------ */

/* libcurl says which of its sockets to watch for what; they join the
 * epoll set with the others. */
static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *ctx, void *sockp)
{
	struct lb_probe *p = ctx;
	(void)easy;
	/* DEL although close() would do it: libcurl may keep a socket it no
	 * longer watches, and a level-triggered event on it would spin. */
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, NULL);
		return 0;
	}
	struct epoll_event ev = {.data.u64 = tag_fd(fd, TAG_CURL)};
	if (what & CURL_POLL_IN)
		ev.events |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev.events |= EPOLLOUT;
	/* libcurl keeps sockp with the socket until its REMOVE: a socket it
	 * has not seen yet is added, others modified. */
	if (!sockp) {
		if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 &&
		    (errno != EEXIST || epoll_ctl(p->epfd, EPOLL_CTL_MOD, fd, &ev) < 0))
			return -1;
		curl_multi_assign(p->multi, fd, p);
		return 0;
	}
	if (epoll_ctl(p->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 &&
	    (errno != ENOENT || epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev) < 0))
		return -1;
	return 0;
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *ctx)
{
	struct lb_probe *p = ctx;
	(void)multi;
	p->curl_due_ms = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	return 0;
}

struct lb_probe *lb_probe_new(const struct lb_probe_config *cfg, struct lb_err *err)
{
	struct lb_probe *p = calloc(1, sizeof(*p));
	if (!p) {
		lb_err_set(err, "out of memory");
		return NULL;
	}
	p->cfg = *cfg;
	lb_hset_init(&p->by_name, &name_ops);
	p->icmp[0].fd = p->icmp[1].fd = -1;
	p->curl_due_ms = -1;
	if (getrandom(&p->rng, sizeof(p->rng), GRND_NONBLOCK) != sizeof(p->rng))
		p->rng = (uint64_t)now_us() ^ ((uint64_t)getpid() << 32);
	p->rng |= 1;
	p->cookie = rnd(p);
	p->icmp_id = (uint16_t)getpid();
	p->next_seq = (uint16_t)rnd(p);
	p->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (p->epfd < 0) {
		lb_err_set(err, "epoll_create1: %s", strerror(errno));
		free(p);
		return NULL;
	}
	p->multi = curl_multi_init();
	if (!p->multi || curl_multi_setopt(p->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket) ||
	    curl_multi_setopt(p->multi, CURLMOPT_SOCKETDATA, p) ||
	    curl_multi_setopt(p->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer) ||
	    curl_multi_setopt(p->multi, CURLMOPT_TIMERDATA, p)) {
		if (p->multi)
			curl_multi_cleanup(p->multi);
		close(p->epfd);
		free(p);
		lb_err_set(err, "cannot make a curl multi handle");
		return NULL;
	}
	return p;
}

void lb_probe_free(struct lb_probe *p)
{
	if (!p)
		return;
	while (p->first)
		lb_probe_remove(p, p->first->spec.text);
	/* glibc may be running a lookup right now: it is waited for (a
	 * little), since its memory is glibc's to write until it is done. A
	 * lookup that outlasts that is left behind, not freed under glibc. */
	for (size_t i = 0; i < p->nlookups; i++) {
		struct lb_lookup *l = p->lookups[i].l;
		if (lb_lookup_cancel(l) < 0 && lb_lookup_wait(l, 2000))
			lb_lookup_free(l);
	}
	free(p->lookups);
	curl_multi_cleanup(p->multi);
	for (int i = 0; i < 2; i++) {
		if (p->icmp[i].fd >= 0)
			close(p->icmp[i].fd);
	}
	close(p->epfd);
	lb_hset_free(&p->by_name);
	free(p->icmp_wait);
	free(p->due.v);
	free(p->deadlines.v);
	free(p->pfds);
	free(p->shares);
	free(p->done);
	free(p);
}

static void time_out(struct lb_probe *p, struct target *t)
{
	enum busy kind = t->busy;
	cancel(p, t);
	if (kind == BUSY_EXEC)
		finish(p, t, 0, -1, "timeout after %u ms: killed", t->spec.o.timeout_ms);
	else if (kind == BUSY_ICMP)
		finish(p, t, 0, -1, "timeout after %u ms: no echo reply", t->spec.o.timeout_ms);
	else if (kind == BUSY_RESOLVE)
		finish(p, t, 0, -1, "timeout after %u ms: looking up '%s'", t->spec.o.timeout_ms,
		       t->spec.host);
	else
		finish(p, t, 0, -1, "timeout after %u ms", t->spec.o.timeout_ms);
}

/* A due check that waits longer than this to start means the loop does
 * not keep up (more checks than one CPU can run, or a stalled process). */
#define OVERLOAD_LAG_MS 100
/* While overloaded, at least this many checks still run at once. */
#define OVERLOAD_MIN_IN_FLIGHT 64
/* The loop is saturated when it spends more than this share of a window
 * working rather than waiting: its events then queue behind each other. */
#define SATURATED_PCT 90
#define SATURATION_WINDOW_US 100000

/* wait_start, wait_end: around this step's wait for events. */
static void load_account(struct lb_probe *p, int64_t wait_start, int64_t wait_end)
{
	if (p->wait_end_us)
		p->win_busy_us += wait_start - p->wait_end_us;
	p->wait_end_us = wait_end;
	if (!p->win_start_us) {
		p->win_start_us = wait_start;
		return;
	}
	int64_t span = wait_end - p->win_start_us;
	if (span < SATURATION_WINDOW_US)
		return;
	p->saturated = p->win_busy_us * 100 > span * SATURATED_PCT;
	p->queue_goal = p->finished - p->win_finished_start;
	p->win_finished_start = p->finished;
	p->win_start_us = wait_end;
	p->win_busy_us = 0;
}

/* Starts the checks that are due and times out those past their deadline.
 *
 * When the loop falls behind, starting every due check at once would only
 * lengthen the queue of work: each check's own events would then wait
 * behind the others' past its timeout, and healthy targets would go DOWN
 * because this process is slow. So while due checks are late, or the
 * loop is saturated, a new one starts only as a running one finishes (or
 * while few run), and while saturated with more in flight than finish in
 * a window (queue_goal), fewer start than finish, so that the queue
 * shrinks to about a window's work: checks get later, which the schedule
 * absorbs, instead of failing. Late because slow targets hold the checks in
 * flight, not because the CPU is busy, the loop finds itself idle, and
 * idle_credit lets more checks start. */
static void run_due(struct lb_probe *p)
{
	int64_t now = now_ms();
	unsigned long done = p->finished - p->finished_before;
	int shrink = p->saturated && p->in_flight > p->queue_goal;
	unsigned long credit = (shrink ? done / 2 : done) + p->idle_credit;
	int held = 0;
	p->finished_before = p->finished;
	p->idle_credit = 0;
	struct target *t;
	while ((t = heap_top(&p->deadlines)) && t->wake_ms <= now) {
		heap_remove(t);
		time_out(p, t);
	}
	while ((t = heap_top(&p->due)) && t->wake_ms <= now) {
		/* A first check has no schedule to be late for (--once starts them
		 * all at once, however long the list took to read). */
		int late = t->checks && now - t->wake_ms > OVERLOAD_LAG_MS;
		if ((p->saturated || late) && p->in_flight >= OVERLOAD_MIN_IN_FLIGHT) {
			if (!credit) {
				held = 1;
				break;
			}
			credit--;
		}
		heap_remove(t);
		start_check(p, t, now);
	}
	p->holding = held;
	/* Said once an episode: the notice waits for a second without holding
	 * back, so a loop at the edge of its capacity does not flood the log. */
	if (held) {
		p->last_held_ms = now;
		if (!p->late_since_ms) {
			p->late_since_ms = now;
			lb_warnx(p->cfg.log, "checks are running late: new checks wait for running "
					     "ones to finish (%zu in flight)", p->in_flight);
		}
	} else if (p->late_since_ms && now - p->last_held_ms >= 1000) {
		lb_info(p->cfg.log, "checks are on schedule again, after %.1f s late",
			(double)(p->last_held_ms - p->late_since_ms) / 1000.0);
		p->late_since_ms = 0;
	}
}

/* All of libcurl's messages are taken before any handle is removed:
 * curl_multi_remove_handle walks the messages not yet read, looking for
 * the handle's, so removing while reading is quadratic in the transfers
 * that ended together. */
static void curl_results(struct lb_probe *p)
{
	CURLMsg *msg;
	int left;
	size_t n = 0;
	while ((msg = curl_multi_info_read(p->multi, &left))) {
		struct target *t = NULL;
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		if (!t)
			continue;
		if (n == p->done_cap) {
			size_t cap = p->done_cap ? 2 * p->done_cap : 256;
			struct curl_done *grown = realloc(p->done, cap * sizeof(*grown));
			if (!grown) {
				/* Not lost: handled now, at the quadratic cost. */
				http_done(p, t, msg->data.result);
				continue;
			}
			p->done = grown;
			p->done_cap = cap;
		}
		p->done[n++] = (struct curl_done){t, msg->data.result};
	}
	for (size_t i = 0; i < n; i++)
		http_done(p, p->done[i].t, p->done[i].result);
}

/* libcurl calls CURLMOPT_TIMERFUNCTION only when its next timeout
 * changes, so after acting, the timeout is asked for again rather than
 * assumed gone. */
static void curl_timer_sync(struct lb_probe *p)
{
	long ms = -1;
	if (curl_multi_timeout(p->multi, &ms) != CURLM_OK)
		ms = 0;
	p->curl_due_ms = ms < 0 ? -1 : now_ms() + ms;
}

static void curl_timer_due(struct lb_probe *p)
{
	int running;
	if (p->curl_due_ms < 0 || p->curl_due_ms > now_ms())
		return;
	curl_multi_socket_action(p->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	curl_timer_sync(p);
}

/* Returns whether libcurl acted. */
static int dispatch(struct lb_probe *p, const struct epoll_event *ev)
{
	uint64_t tag = ev->data.u64;
	int running;
	switch (tag & TAG_MASK) {
	case 0: {
		struct target *t = ev->data.ptr;
		if (t->busy == BUSY_TCP)
			tcp_ready(p, t, ev->events);
		else if (t->busy == BUSY_EXEC)
			exec_exited(p, t);
		break;
	}
	case TAG_CURL: {
		int mask = 0;
		if (ev->events & (EPOLLIN | EPOLLHUP))
			mask |= CURL_CSELECT_IN;
		if (ev->events & EPOLLOUT)
			mask |= CURL_CSELECT_OUT;
		if (ev->events & EPOLLERR)
			mask |= CURL_CSELECT_ERR;
		curl_multi_socket_action(p->multi, (curl_socket_t)(tag >> 8), mask, &running);
		return 1;
	}
	case TAG_ICMP4:
	case TAG_ICMP6:
		icmp_readable(p, (tag & TAG_MASK) == TAG_ICMP6);
		break;
	}
	return 0;
}

static short poll_events(int curl_events)
{
	return (short)(((curl_events & CURL_WAIT_POLLIN) ? POLLIN : 0) |
		       ((curl_events & CURL_WAIT_POLLPRI) ? POLLPRI : 0) |
		       ((curl_events & CURL_WAIT_POLLOUT) ? POLLOUT : 0));
}

/* A hang-up or an error is reported as what the caller waits for, so that
 * its read or write sees the end. */
static short curl_revents(short events, short revents)
{
	short got = 0;
	if (revents & (POLLIN | POLLHUP | POLLERR))
		got |= events & CURL_WAIT_POLLIN;
	if (revents & POLLPRI)
		got |= events & CURL_WAIT_POLLPRI;
	if (revents & (POLLOUT | POLLHUP | POLLERR))
		got |= events & CURL_WAIT_POLLOUT;
	return got;
}

int lb_probe_step(struct lb_probe *p, struct curl_waitfd *fds, unsigned nfds, int max_wait_ms,
		  struct lb_err *err)
{
	/* Waiting (or taking what is ready) comes before the timers: after a
	 * stall of this process (stopped, starved of CPU), the answers that
	 * arrived meanwhile count before deadlines are judged. */
	int64_t wake = INT64_MAX;
	if (p->nlookups)
		wake = now_ms() + 5; /* lookups are polled, not signalled */
	struct target *next = heap_top(&p->due);
	if (next && next->wake_ms < wake)
		/* Held-back checks wait for running ones, whose events wake us. */
		wake = p->holding ? (next->wake_ms > now_ms() + 1 ? next->wake_ms : now_ms() + 1)
				  : next->wake_ms;
	next = heap_top(&p->deadlines);
	if (next && next->wake_ms < wake)
		wake = next->wake_ms;
	if (p->curl_due_ms >= 0 && p->curl_due_ms < wake)
		wake = p->curl_due_ms;
	if (wake != INT64_MAX) {
		int64_t wait = wake - now_ms();
		if (wait < 0)
			wait = 0;
		if (max_wait_ms < 0 || wait < max_wait_ms)
			max_wait_ms = (int)(wait > 3600000 ? 3600000 : wait);
	}
	if (max_wait_ms < 0)
		max_wait_ms = 3600000;

	int ready = 1, curl_acted = 0, idle = 0;
	if (nfds) {
		/* The caller's descriptors and the epoll set in one wait. */
		if (p->pfds_cap < nfds + 1) {
			struct pollfd *pf = realloc(p->pfds, (nfds + 1) * sizeof(*pf));
			if (!pf)
				return lb_err_set(err, "out of memory");
			p->pfds = pf;
			p->pfds_cap = nfds + 1;
		}
		p->pfds[0] = (struct pollfd){p->epfd, POLLIN, 0};
		for (unsigned i = 0; i < nfds; i++)
			p->pfds[i + 1] = (struct pollfd){fds[i].fd, poll_events(fds[i].events), 0};
		int64_t wait_start = now_us();
		int n = poll(p->pfds, nfds + 1, max_wait_ms);
		if (n < 0 && errno != EINTR)
			return lb_err_set(err, "poll: %s", strerror(errno));
		load_account(p, wait_start, now_us());
		idle = n == 0 && max_wait_ms > 0;
		for (unsigned i = 0; i < nfds; i++)
			fds[i].revents = n > 0 ? curl_revents(fds[i].events, p->pfds[i + 1].revents) : 0;
		ready = n > 0 && p->pfds[0].revents;
		max_wait_ms = 0;
	}
	/* Bounded, so that a flood of events cannot starve the schedule. */
	for (int round = 0; ready && round < 16; round++) {
		struct epoll_event evs[256];
		int64_t wait_start = round || nfds ? 0 : now_us();
		int n = epoll_wait(p->epfd, evs, 256, round ? 0 : max_wait_ms);
		if (n < 0 && errno != EINTR)
			return lb_err_set(err, "epoll_wait: %s", strerror(errno));
		if (wait_start)
			load_account(p, wait_start, now_us());
		if (!round && !nfds)
			idle = n == 0 && max_wait_ms > 0;
		for (int i = 0; i < n; i++)
			curl_acted |= dispatch(p, &evs[i]);
		if (n < 256)
			break;
	}
	/* Waited with nothing to do while checks were held back: the CPU has
	 * room for more at once. */
	if (idle && p->holding)
		p->idle_credit = p->in_flight / 2 + OVERLOAD_MIN_IN_FLIGHT;
	if (curl_acted)
		curl_timer_sync(p);
	curl_timer_due(p);
	curl_results(p);
	lookups_poll(p);
	run_due(p);
	return 0;
}

int lb_probe_icmp_open(struct lb_probe *p, int v6, struct lb_err *err)
{
	return icmp_open(p, v6 != 0, err) ? 0 : -1;
}

size_t lb_probe_count(const struct lb_probe *p)
{
	return p->ntargets;
}

size_t lb_probe_undecided(const struct lb_probe *p)
{
	return p->undecided;
}

void lb_probe_each(const struct lb_probe *p,
		   void (*fn)(void *ctx, const struct lb_probe_status *st), void *ctx)
{
	for (const struct target *t = p->first; t; t = t->next) {
		struct lb_probe_status st = {t->spec.text, t->spec.kind, t->h.state,
					     t->have_result, t->last_ok, t->last_reason,
					     t->last_rtt_ms, t->checks, t->failures,
					     t->transitions};
		fn(ctx, &st);
	}
}

void lb_probe_get_stats(const struct lb_probe *p, struct lb_probe_stats *st)
{
	*st = p->stats;
	st->in_flight = p->in_flight;
	st->holding = p->late_since_ms != 0;
}
