/* nsfleetd: parses the command line (doc/nsfleetd.md) and runs the daemon. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/conf.h"
#include "server/daemon.h"
#include "server/log.h"

#define MAX_ARGS 256 /* of each repeatable option */

static void usage(FILE *out)
{
	fputs("usage: nsfleetd -c FILE [--check-config]\n"
	      "       nsfleetd --listen ADDR@PORT [--listen ...] --zone NAME=FILE [--zone ...]\n"
	      "                [--udp-workers N] [--tcp-workers N] [--identity NAME]\n"
	      "                [--allow-transfer PREFIX ...] [--control PATH]\n"
	      "                [--tcp-idle-timeout SECONDS] [--tcp-max-clients N] [--debug]\n"
	      "       nsfleetd --help | --version\n",
	      out);
}

static void on_conf_problem(void *ctx, const char *file, unsigned line, unsigned col,
                            conf_sev_t sev, const char *msg)
{
	(void)ctx;
	const char *s = sev == CONF_ERROR ? "error" : sev == CONF_WARNING ? "warning" : "note";
	if (line == 0)
		fprintf(stderr, "nsfleetd: %s: %s: %s\n", s, file, msg);
	else
		fprintf(stderr, "%s:%u:%u: %s: %s\n", file, line, col, s, msg);
}

static int parse_uint(const char *opt, const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "nsfleetd: %s: expected a number %u..%u, got '%s'\n", opt, lo, hi,
		        s);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

enum {
	OPT_LISTEN = 256,
	OPT_ZONE,
	OPT_UDP_WORKERS,
	OPT_TCP_WORKERS,
	OPT_IDENTITY,
	OPT_ALLOW,
	OPT_CONTROL,
	OPT_CHECK,
	OPT_IDLE,
	OPT_MAXCLI,
	OPT_DEBUG,
};

int main(int argc, char **argv)
{
	/* Zone versions live in 4 MiB arena chunks.  glibc raises its mmap
	 * threshold past the first chunk it frees, after which chunks come
	 * from the heap and a replaced version's memory is never given back
	 * (RSS 183 -> 490 MiB over one 1M-name reload, bench/RESULTS-fleet.md).
	 * A fixed threshold keeps every chunk mmap()ed: freed, it is returned. */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check-config", no_argument, NULL, OPT_CHECK},
	    {"listen", required_argument, NULL, OPT_LISTEN},
	    {"zone", required_argument, NULL, OPT_ZONE},
	    {"udp-workers", required_argument, NULL, OPT_UDP_WORKERS},
	    {"tcp-workers", required_argument, NULL, OPT_TCP_WORKERS},
	    {"identity", required_argument, NULL, OPT_IDENTITY},
	    {"allow-transfer", required_argument, NULL, OPT_ALLOW},
	    {"control", required_argument, NULL, OPT_CONTROL},
	    {"tcp-idle-timeout", required_argument, NULL, OPT_IDLE},
	    {"tcp-max-clients", required_argument, NULL, OPT_MAXCLI},
	    {"debug", no_argument, NULL, OPT_DEBUG},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	static const char *listen[MAX_ARGS], *zones[MAX_ARGS], *allow[MAX_ARGS];
	conf_quick_t q = {.listen = listen, .zone = zones, .allow_transfer = allow};
	const char *config = NULL;
	bool check = false, quick = false;
	unsigned tcp_workers = 0, idle = 0, maxcli = 0;
	int c;
	while ((c = getopt_long(argc, argv, "c:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case OPT_CHECK:
			check = true;
			break;
		case OPT_LISTEN:
		case OPT_ZONE:
		case OPT_ALLOW: {
			size_t *n = c == OPT_LISTEN ? &q.n_listen
			            : c == OPT_ZONE ? &q.n_zone
			                            : &q.n_allow_transfer;
			const char **v = c == OPT_LISTEN ? listen : c == OPT_ZONE ? zones : allow;
			if (*n >= MAX_ARGS) {
				fprintf(stderr, "nsfleetd: too many --%s\n",
				        c == OPT_LISTEN ? "listen"
				        : c == OPT_ZONE ? "zone"
				                        : "allow-transfer");
				return 1;
			}
			v[(*n)++] = optarg;
			quick = true;
			break;
		}
		case OPT_UDP_WORKERS:
			if (parse_uint("--udp-workers", optarg, 1, 256, &q.udp_workers) < 0)
				return 1;
			quick = true;
			break;
		case OPT_TCP_WORKERS:
			if (parse_uint("--tcp-workers", optarg, 1, 256, &tcp_workers) < 0)
				return 1;
			break;
		case OPT_IDENTITY:
			q.identity = optarg;
			quick = true;
			break;
		case OPT_CONTROL:
			q.control = optarg;
			quick = true;
			break;
		case OPT_IDLE:
			if (parse_uint("--tcp-idle-timeout", optarg, 1, 86400, &idle) < 0)
				return 1;
			break;
		case OPT_MAXCLI:
			if (parse_uint("--tcp-max-clients", optarg, 1, 1000000, &maxcli) < 0)
				return 1;
			break;
		case OPT_DEBUG:
			log_set_level(LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("nsfleetd %s\n", NSF_VERSION);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nsfleetd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 1;
	}
	if (config != NULL && quick) {
		fprintf(stderr, "nsfleetd: -c and the quick-mode options exclude each other\n");
		return 1;
	}
	if (config == NULL && !quick) {
		usage(stderr);
		return 1;
	}
	if (check && config == NULL) {
		fprintf(stderr, "nsfleetd: --check-config needs -c FILE\n");
		return 1;
	}
	conf_t *conf = NULL;
	int rc = config ? conf_load(config, &conf, on_conf_problem, NULL)
	                : conf_from_quick(&q, &conf, on_conf_problem, NULL);
	if (rc < 0 || conf == NULL)
		return 1;
	/* options the quick-mode schema does not carry (yet) */
	if (tcp_workers)
		conf->server.tcp_workers = tcp_workers;
	if (idle)
		conf->server.tcp_idle_timeout = idle;
	if (maxcli)
		conf->server.tcp_max_clients = maxcli;
	if (check) {
		rc = daemon_check(conf);
		conf_free(conf);
		return rc;
	}
	return daemon_run(conf);
}
