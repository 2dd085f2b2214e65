/*
 * answer-loop ZONEFILE ORIGIN QUERYFILE [PASSES]: the CPU cost of the
 * answer engine alone, without sockets or a client.  Loads the zone as
 * nsfleetd does, turns the dnsperf query file ("name type" per line) into
 * wire queries (with EDNS0 as dnsperf sends them, DO clear), then answers
 * them all PASSES times (default 5) with answer_query and prints the
 * thread CPU time per query.  Used by bench/answer.sh beside the
 * network benchmark, whose numbers the client's core and the machine's
 * other work disturb far more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/msg.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "server/answer.h"
#include "server/zonedb.h"
#include "zone/zone_file.h"

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: answer-loop ZONEFILE ORIGIN QUERYFILE [PASSES]\n");
		return 2;
	}
	int passes = argc > 4 ? atoi(argv[4]) : 5;
	static const uint8_t root[1] = {0};
	uint8_t origin[NAME_MAXLEN];
	size_t olen;
	if (name_from_text(argv[2], strlen(argv[2]), root, origin, &olen) < 0) {
		fprintf(stderr, "answer-loop: bad origin %s\n", argv[2]);
		return 2;
	}
	zone_t *z;
	if (zone_load_file(origin, argv[1], NULL, NULL, &z) != 0) {
		fprintf(stderr, "answer-loop: %s does not load\n", argv[1]);
		return 1;
	}
	zonedb_t *db;
	if (zonedb_new(&z, 1, &db) != 0)
		return 1;
	FILE *f = fopen(argv[3], "r");
	if (f == NULL) {
		perror(argv[3]);
		return 1;
	}
	size_t n = 0, cap = 1 << 16;
	uint8_t (*q)[300] = malloc(cap * sizeof(*q));
	uint16_t *qlen = malloc(cap * sizeof(*qlen));
	char line[600];
	while (q != NULL && qlen != NULL && fgets(line, sizeof(line), f) != NULL) {
		char name[300], type[32];
		uint8_t qname[NAME_MAXLEN];
		uint16_t qtype;
		size_t nl;
		if (sscanf(line, "%299s %31s", name, type) != 2 ||
		    name_from_text(name, strlen(name), root, qname, &nl) < 0 ||
		    rrtype_from_text(type, strlen(type), &qtype) != 0)
			continue;
		if (n == cap) {
			cap *= 2;
			q = realloc(q, cap * sizeof(*q));
			qlen = realloc(qlen, cap * sizeof(*qlen));
			if (q == NULL || qlen == NULL)
				break;
		}
		msg_builder_t b;
		if (msg_build_init(&b, q[n], sizeof(q[n]), (uint16_t)n, 0) != 0 ||
		    msg_build_question(&b, qname, qtype, 1) != 0 ||
		    msg_build_opt(&b, 4096, 0, 0, NULL, 0) != 0)
			continue;
		qlen[n++] = (uint16_t)msg_build_len(&b);
	}
	fclose(f);
	if (q == NULL || qlen == NULL || n == 0) {
		fprintf(stderr, "answer-loop: no queries\n");
		return 1;
	}
	answer_opts_t o = {.udp_max = 1232, .now = 1700000000};
	static uint8_t out[65536];
	size_t outlen, bytes = 0;
	double t0 = cpu_now();
	for (int p = 0; p < passes; p++)
		for (size_t i = 0; i < n; i++) {
			if (answer_query(db, &o, q[i], qlen[i], out, 1232, &outlen) == 0)
				bytes += outlen;
		}
	double t = cpu_now() - t0;
	double per = t / ((double)n * passes);
	printf("queries=%zu passes=%d cpu_s=%.3f ns_per_query=%.0f queries_per_cpu_s=%.0f "
	       "answer_bytes_per_query=%.1f\n",
	       n, passes, t, per * 1e9, 1 / per, (double)bytes / ((double)n * passes));
	zonedb_free(db);
	free(q);
	free(qlen);
	return 0;
}
