/*
 * main.c — the master process: argv, validate the whole configuration (a wrong config or
 * registration stops authd here with "file: key: what is wrong"), bind one SO_REUSEPORT socket
 * per worker, fork the workers, forward SIGTERM/SIGINT/SIGHUP to them, restart a worker that
 * died (with a back-off), and exit when they have drained.
 *
 *   authd -c config/authd.json        run
 *   authd -t -c config/authd.json     check the configuration and exit
 *   authd keygen [-d keys]            create dev signing keys (never overwrites)
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clients.h"
#include "conf.h"
#include "gen.h"
#include "keys.h"
#include "log.h"
#include "metrics.h"
#include "worker.h"

#define STOP_MAX_S 15        /* after SIGTERM, workers still alive then are killed */
#define RESTART_BACKOFF_S 1  /* a worker that dies within this of its start waits this long */

struct slot {
	pid_t pid;
	int fd;
	time_t started;
	time_t restart_at; /* 0: not waiting */
};

static void usage(void)
{
	fprintf(stderr, "usage: authd -c FILE [-t]\n"
	                "       authd keygen [-d DIR]\n");
}

/* One listening socket per worker, all bound to the same address with SO_REUSEPORT: the kernel
 * spreads connections over the workers' accept queues. */
static int listen_socket(const struct conf *c, int *out, char *err, size_t errlen)
{
	struct addrinfo hints = { 0 }, *ai = NULL;
	char port[8];
	int fd = -1, one = 1, rc;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%lld", c->listen_port);
	if ((rc = getaddrinfo(c->listen_address, port, &hints, &ai)) != 0) {
		snprintf(err, errlen, "%s: listen.address: %s", c->file, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, (int)c->listen_backlog) != 0) {
		snprintf(err, errlen, "%s: listen: cannot listen on %s port %s: %s", c->file,
		         c->listen_address, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	*out = fd;
	return 0;
}

static SSL_CTX *tls_context(const struct conf *c, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, c->tls_cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, c->tls_key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, errlen, "%s: tls: cannot use %s / %s: %s", c->file, c->tls_cert,
		         c->tls_key, ERR_reason_error_string(ERR_get_error()));
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	return ctx;
}

static pid_t spawn(int id, struct slot *slots, int n, const char *path, struct gen *g,
                   SSL_CTX *ssl)
{
	pid_t pid = fork();

	if (pid != 0) {
		if (pid > 0) {
			slots[id].pid = pid;
			slots[id].started = time(NULL);
			slots[id].restart_at = 0;
		}
		return pid;
	}
	/* child */
	{
		sigset_t none;
		int rc;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int i = 0; i < n; i++)
			if (i != id)
				close(slots[i].fd);
		rc = worker_main(id, slots[id].fd, path, gen_ref(g), ssl);
		gen_unref(g);
		SSL_CTX_free(ssl);
		free(slots);
		/* exit, not _exit: nothing buffered is inherited (the master prints nothing before
		 * fork), and the sanitizer builds check the worker for leaks at exit. */
		exit(rc);
	}
}

static int alive(const struct slot *slots, int n)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		k += slots[i].pid > 0;
	return k;
}

static void forward(const struct slot *slots, int n, int sig)
{
	for (int i = 0; i < n; i++)
		if (slots[i].pid > 0)
			kill(slots[i].pid, sig);
}

static int reap(struct slot *slots, int n, int stopping)
{
	pid_t pid;
	int st, reaped = 0;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (int i = 0; i < n; i++) {
			char id[16], code[32];

			if (slots[i].pid != pid)
				continue;
			slots[i].pid = 0;
			metrics_set_up(i, 0);
			reaped++;
			if (stopping)
				break;
			snprintf(id, sizeof(id), "%d", i);
			if (WIFSIGNALED(st))
				snprintf(code, sizeof(code), "signal %d", WTERMSIG(st));
			else
				snprintf(code, sizeof(code), "exit %d", WEXITSTATUS(st));
			log_event(LOG_ERROR, NULL, "worker_died", "slot", id, "status", code, NULL);
			slots[i].restart_at = time(NULL) - slots[i].started < RESTART_BACKOFF_S
			                              ? time(NULL) + RESTART_BACKOFF_S
			                              : time(NULL);
			break;
		}
	}
	return reaped;
}

/* Each open connection is a descriptor: a worker may hold tens of thousands (browsers waiting
 * on a QR long-poll, slow clients). Raise the soft limit to the hard one (at most LIM_FDS), as
 * nginx's worker_rlimit_nofile does, and say what it is. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	char n[24];

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > LIM_FDS ? LIM_FDS
		                                                                      : rl.rlim_max;

		if (want > rl.rlim_cur) {
			rl.rlim_cur = want;
			if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
				getrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	snprintf(n, sizeof(n), "%llu", (unsigned long long)rl.rlim_cur);
	log_event(LOG_INFO, NULL, "fd_limit", "nofile", n, NULL);
}

static int run(const char *path)
{
	struct errbuf eb = { 0 };
	struct gen *g = NULL;
	struct slot *slots;
	SSL_CTX *ssl = NULL;
	sigset_t set;
	char err[600];
	int n, stopping = 0;
	time_t stop_deadline = 0;
	unsigned long serial = 1;

	if (gen_load(path, serial, &g, &eb) != 0) {
		fprintf(stderr, "authd: %s\n", eb.msg);
		return 1;
	}
	log_setup(g->conf->log_level, g->conf->log_format);
	raise_fd_limit();
	n = (int)g->conf->workers;
	if ((slots = calloc((size_t)n, sizeof(*slots))) == NULL || metrics_init(n) != 0) {
		fprintf(stderr, "authd: out of memory\n");
		return 1;
	}
	if (g->conf->tls_cert != NULL && (ssl = tls_context(g->conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "authd: %s\n", err);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (listen_socket(g->conf, &slots[i].fd, err, sizeof(err)) != 0) {
			fprintf(stderr, "authd: %s\n", err);
			return 1;
		}
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	{
		char w[16], port[16];

		snprintf(w, sizeof(w), "%d", n);
		snprintf(port, sizeof(port), "%lld", g->conf->listen_port);
		log_event(LOG_INFO, NULL, "authd_starting", "issuer", g->conf->issuer, "address",
		          g->conf->listen_address, "port", port, "workers", w, "tls",
		          ssl != NULL ? "on" : "off", NULL);
	}
	for (int i = 0; i < n; i++)
		if (spawn(i, slots, n, path, g, ssl) < 0) {
			fprintf(stderr, "authd: fork: %s\n", strerror(errno));
			forward(slots, n, SIGTERM);
			return 1;
		}

	for (;;) {
		struct timespec tmo = { 1, 0 };
		siginfo_t si;
		int sig = sigtimedwait(&set, &si, &tmo);
		time_t now = time(NULL);

		if (sig == SIGCHLD || sig < 0)
			reap(slots, n, stopping);
		if (sig == SIGTERM || sig == SIGINT) {
			if (!stopping) {
				stopping = 1;
				stop_deadline = now + STOP_MAX_S;
				log_event(LOG_INFO, NULL, "authd_stopping", NULL);
				forward(slots, n, SIGTERM);
				/* our copies of the listeners keep connections queued: close them */
				for (int i = 0; i < n; i++)
					close(slots[i].fd);
			}
		} else if (sig == SIGHUP && !stopping) {
			struct gen *ng = NULL;

			/* The master reloads too, so a restarted worker starts from the new files. */
			if (gen_load(path, serial + 1, &ng, &eb) == 0) {
				serial++;
				gen_unref(g);
				g = ng;
			} else {
				log_event(LOG_ERROR, NULL, "reload_failed", "error", eb.msg, NULL);
			}
			forward(slots, n, SIGHUP);
		}
		if (stopping) {
			reap(slots, n, stopping);
			if (alive(slots, n) == 0)
				break;
			if (now >= stop_deadline) {
				log_event(LOG_ERROR, NULL, "workers_killed", NULL);
				forward(slots, n, SIGKILL);
				stop_deadline = now + STOP_MAX_S;
			}
			continue;
		}
		for (int i = 0; i < n; i++)
			if (slots[i].pid == 0 && slots[i].restart_at != 0 && now >= slots[i].restart_at)
				spawn(i, slots, n, path, g, ssl);
	}
	log_event(LOG_INFO, NULL, "authd_stopped", NULL);
	gen_unref(g);
	free(slots);
	SSL_CTX_free(ssl);
	return 0;
}

static int check(const char *path)
{
	struct errbuf eb = { 0 };
	struct gen *g = NULL;

	if (gen_load(path, 1, &g, &eb) != 0) {
		fprintf(stderr, "authd: %s\n", eb.msg);
		return 1;
	}
	printf("authd: %s: ok (%zu signing keys, %zu clients, %lld workers)\n", path, g->keys->n,
	       g->clients->n, g->conf->workers);
	gen_unref(g);
	return 0;
}

static int keygen(int argc, char **argv)
{
	struct errbuf eb = { 0 };
	const char *dir = "keys";
	int opt;

	optind = 2;
	while ((opt = getopt(argc, argv, "d:")) != -1) {
		if (opt != 'd') {
			usage();
			return 2;
		}
		dir = optarg;
	}
	if (keys_generate(dir, &eb) != 0) {
		fprintf(stderr, "authd: keygen: %s\n", eb.msg);
		return 1;
	}
	printf("authd: keys in %s/ (manifest %s/keys.json)\n", dir, dir);
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	int opt, test_only = 0;

	if (argc >= 2 && strcmp(argv[1], "keygen") == 0)
		return keygen(argc, argv);
	while ((opt = getopt(argc, argv, "c:th")) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 't': test_only = 1; break;
		default: usage(); return 2;
		}
	}
	if (path == NULL || optind != argc) {
		usage();
		return 2;
	}
	return test_only ? check(path) : run(path);
}
