/* bench/probe/target-server: the servers both checkers probe. Target i is
 * the loopback address 127.1.(i / 250).(i % 250 + 1): one socket on port
 * HTTP_PORT of every address answers HTTP (one "200 OK", then close), one
 * on TCP_PORT accepts and closes; the accepted socket's local address says
 * which target was checked. Two listening sockets, one epoll loop, so
 * 20,000 servers fit any descriptor limit. It binds the wildcard address:
 * run it in a network namespace of its own (bench/probe/run does).
 * Per port it notes when the last check arrived; on SIGUSR1 it prints, per
 * kind, the checks seen and how many came more than 1.1 intervals after the
 * previous one (late), then starts counting afresh.
 * The TCP port is served by a second process (forked, it dies with the
 * first, which passes SIGUSR1 on): a checker whose TCP checks complete the
 * handshake (lb-probe) must not slow the HTTP answers down for a checker
 * whose TCP checks never reach accept (HAProxy) on a small machine.
 *
 * usage: target-server HTTP_PORT TCP_PORT N INTERVAL_MS READY_FILE */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct stat_kind {
	unsigned long checks, gaps, late, gaps_ns_max;
};

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: target-server HTTP_BASE TCP_BASE N INTERVAL_MS READY_FILE\n");
		return 2;
	}
	int http_port = atoi(argv[1]), tcp_port = atoi(argv[2]), n = atoi(argv[3]);
	int64_t late_ns = (int64_t)atoi(argv[4]) * 1100000;
	/* Listening sockets are tagged with index+1 (HTTP) or -(index+1) (TCP);
	 * accepted HTTP connections with their fd offset past the listeners. */
	int64_t *last = calloc((size_t)(2 * n), sizeof(*last));
	int lfds[2];
	struct stat_kind st[2] = {{0, 0, 0, 0}, {0, 0, 0, 0}};
	for (int kind = 0; kind < 2; kind++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		struct sockaddr_in sa = {.sin_family = AF_INET,
					 .sin_port = htons((uint16_t)(kind ? tcp_port : http_port)),
					 .sin_addr.s_addr = htonl(INADDR_ANY)};
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4096) < 0) {
			fprintf(stderr, "target-server: port %d: %s\n", ntohs(sa.sin_port), strerror(errno));
			return 3;
		}
		lfds[kind] = fd;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pid_t tcp_server = fork();
	if (tcp_server < 0) {
		perror("target-server: fork");
		return 3;
	}
	int mine = tcp_server == 0; /* the kind this process serves */
	if (tcp_server == 0)
		prctl(PR_SET_PDEATHSIG, SIGTERM);
	close(lfds[!mine]);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event lev = {.events = EPOLLIN, .data.u64 = ((uint64_t)1 << 62) | (uint64_t)mine};
	epoll_ctl(ep, EPOLL_CTL_ADD, lfds[mine], &lev);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	struct epoll_event sev = {.events = EPOLLIN, .data.u64 = (uint64_t)1 << 61};
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &sev);
	FILE *rf = tcp_server ? fopen(argv[5], "w") : NULL;
	if (rf) {
		fputs("ready\n", rf);
		fclose(rf);
	}
	static const char answer[] = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n";
	int64_t window_start = now_ns();
	struct epoll_event evs[256];
	for (;;) {
		int k = epoll_wait(ep, evs, 256, -1);
		for (int e = 0; e < k; e++) {
			uint64_t tag = evs[e].data.u64;
			if (tag == (uint64_t)1 << 61) {
				struct signalfd_siginfo si;
				while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo != SIGUSR1)
						return 0;
					if (tcp_server)
						kill(tcp_server, SIGUSR1);
					int kind = mine;
					int64_t t = now_ns();
					printf("%s checks=%lu gaps=%lu late=%lu max_gap_ms=%.1f window_s=%.3f\n",
					       kind ? "tcp" : "http", st[kind].checks, st[kind].gaps,
					       st[kind].late, st[kind].gaps_ns_max / 1e6,
					       (t - window_start) / 1e9);
					window_start = t;
					fflush(stdout);
					memset(st, 0, sizeof(st));
					memset(last, 0, (size_t)(2 * n) * sizeof(*last));
				}
				continue;
			}
			if (tag & ((uint64_t)1 << 62)) {
				int kind = (int)(tag & 1);
				for (;;) {
					int c = accept4(lfds[kind], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
					if (c < 0)
						break;
					struct sockaddr_in local;
					socklen_t llen = sizeof(local);
					getsockname(c, (struct sockaddr *)&local, &llen);
					uint32_t a = ntohl(local.sin_addr.s_addr);
					int i = (int)((a >> 8) & 0xff) * 250 + (int)(a & 0xff) - 1;
					if ((a >> 16) != 0x7f01 || i < 0 || i >= n || (a & 0xff) == 0) {
						close(c);
						continue;
					}
					int idx = kind * n + i;
					struct linger l = {1, 0};
					setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
					int64_t t = now_ns();
					st[kind].checks++;
					if (last[idx]) {
						int64_t gap = t - last[idx];
						st[kind].gaps++;
						if (gap > late_ns)
							st[kind].late++;
						if ((unsigned long)gap > st[kind].gaps_ns_max)
							st[kind].gaps_ns_max = (unsigned long)gap;
					}
					last[idx] = t;
					if (kind) {
						close(c);
						continue;
					}
					struct epoll_event cev = {.events = EPOLLIN, .data.u64 = (uint64_t)c};
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
				}
				continue;
			}
			int c = (int)tag;
			char buf[2048];
			ssize_t r = read(c, buf, sizeof(buf));
			if (r > 0 && write(c, answer, sizeof(answer) - 1) < 0)
				r = -1;
			close(c);
		}
	}
}
