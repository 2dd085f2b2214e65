/*
 * libFuzzer target for src/dns/msg*.c with a round-trip oracle.
 *
 * Every input goes through msg_parse (ASan/UBSan watch the reads).  An
 * input that parses is rebuilt with the builder (same header, question,
 * RRs in order, OPT where it was) into a 65535-octet buffer; the rebuilt
 * message must parse, and parsing it must give the same header, question,
 * EDNS data and the same RRs one by one.  Names may come back in another
 * case (compression matches case-insensitively), so owners compare with
 * name_equal and rdata in canonical form.  The rebuilt message may be
 * larger than the input (we do not compress SRV targets and the like that
 * the input may have compressed), so running out of room is no finding.
 *
 * Seed corpus: tests/fuzz/corpus/msg/ (tests/fuzz/gen_msg_corpus.py).
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=false
 *   ninja -C build-fuzz && build-fuzz/tests/fuzz/fuzz_msg CORPUS_DIR tests/fuzz/corpus/msg
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "dns/msg.h"
#include "../common/msg_rebuild.h"
#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"

static uint8_t rd_a[RDATA_MAXLEN], rd_b[RDATA_MAXLEN];
static uint8_t rebuilt[MSG_MAXLEN];
static char text[1 << 20];

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_msg: %s:%d: %s\n", __FILE__, __LINE__, #cond);       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static void compare(const msg_t *a, const msg_t *b)
{
	CHECK(a->id == b->id);
	CHECK(a->flags == b->flags);
	CHECK(memcmp(a->count, b->count, sizeof(a->count)) == 0);
	CHECK(a->has_question == b->has_question);
	if (a->has_question) {
		CHECK(name_equal(a->qname, b->qname));
		CHECK(a->qtype == b->qtype && a->qclass == b->qclass);
	}
	CHECK(a->has_edns == b->has_edns);
	if (a->has_edns) {
		CHECK(a->edns.udp_size == b->edns.udp_size);
		CHECK(a->edns.ext_rcode == b->edns.ext_rcode);
		CHECK(a->edns.version == b->edns.version);
		CHECK(a->edns.flags == b->edns.flags);
		CHECK(a->edns.opts.len == b->edns.opts.len);
		CHECK(memcmp(a->wire + a->edns.opts.off, b->wire + b->edns.opts.off,
		             a->edns.opts.len) == 0);
	}
	CHECK(a->has_tsig == b->has_tsig);
	CHECK(a->nrr == b->nrr);
	msg_iter_t ia, ib;
	msg_rr_t x, y;
	msg_iter_init(&ia, a);
	msg_iter_init(&ib, b);
	for (;;) {
		int rca = msg_rr_next(&ia, &x, rd_a, sizeof(rd_a));
		int rcb = msg_rr_next(&ib, &y, rd_b, sizeof(rd_b));
		CHECK(rca == rcb);
		if (rca != 0) {
			CHECK(rca == ERR_NOTFOUND);
			break;
		}
		CHECK(x.section == y.section);
		CHECK(name_equal(x.owner, y.owner));
		CHECK(x.type == y.type && x.rclass == y.rclass && x.ttl == y.ttl);
		CHECK(x.rdlen == y.rdlen);
		if (memcmp(rd_a, rd_b, x.rdlen) != 0) {
			rdata_canonicalize(x.type, rd_a, x.rdlen);
			rdata_canonicalize(y.type, rd_b, y.rdlen);
			CHECK(memcmp(rd_a, rd_b, x.rdlen) == 0);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	msg_t a, b;
	if (msg_parse(&a, data, size) != 0)
		return 0;
	CHECK(a.nrr <= MSG_RR_MAX);
	/* the index and the iterator agree */
	msg_rr_t x, y;
	msg_iter_t it;
	msg_iter_init(&it, &a);
	for (size_t i = 0; i < a.nrr; i++) {
		CHECK(msg_rr_next(&it, &x, rd_a, sizeof(rd_a)) == 0);
		CHECK(msg_rr_at(&a, i, &y, rd_b, sizeof(rd_b)) == 0);
		CHECK(x.offset == y.offset && x.rdlen == y.rdlen);
		CHECK(memcmp(rd_a, rd_b, x.rdlen) == 0);
	}
	/* printing a validated message never fails but for room */
	int tl = msg_to_text(&a, text, sizeof(text));
	CHECK(tl >= 0 || tl == ERR_SPACE);

	size_t len;
	int rc = msg_rebuild(&a, rebuilt, sizeof(rebuilt), &len);
	if (rc == ERR_SPACE)
		return 0;
	CHECK(rc == 0);
	rc = msg_parse(&b, rebuilt, len);
	if (rc != 0) {
		fprintf(stderr, "fuzz_msg: rebuilt message does not parse: %s\n", err_str(rc));
		abort();
	}
	compare(&a, &b);
	return 0;
}
