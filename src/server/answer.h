/*
 * Answering one DNS query from a zone snapshot: the whole query path
 * from packet in to packet out, with no I/O, no locks and no allocation,
 * so that the UDP and TCP front ends, the fuzzer and the unit tests all
 * call the same function.
 *
 * Thread safety: any number of threads may answer at once from one
 * zonedb_t; each needs its own output buffer.
 */
#ifndef NSF_SERVER_ANSWER_H
#define NSF_SERVER_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "server/zonedb.h"

#define ANSWER_UDP_DEFAULT 1232 /* our EDNS payload size (DNS flag day 2020) */

typedef struct {
	bool tcp;                     /* over TCP: 65535-octet answers, no TC */
	uint16_t udp_max;             /* our largest UDP answer with EDNS; 0 = 1232 */
	const uint8_t *nsid;          /* NSID payload (RFC 5001); NULL: not sent */
	size_t nsid_len;
	const char *version;          /* CH TXT version.bind/version.server; NULL: REFUSED */
	const char *identity;         /* CH TXT id.server/hostname.bind; NULL: REFUSED */
	const uint8_t *cookie_secret; /* 16 octets for server cookies (RFC 7873,
					 RFC 9018); NULL: COOKIE options ignored */
	const struct sockaddr *client; /* the client's address, for cookies */
	socklen_t client_len;
	uint32_t now;                 /* seconds since 1970 (cookie timestamps) */
	uint16_t tsig_reserve;        /* non-zero: the query's TSIG was verified
					 (answer_signed) and this many octets stay
					 free for the response's TSIG */
} answer_opts_t;

/* Outcomes other than 0 ("send out[0..*outlen)"). */
enum {
	ANSWER_DROP = 1, /* send nothing: a response (QR set), or shorter than a header */
	ANSWER_XFR = 2,  /* AXFR/IXFR of a served zone: the transfer code takes it */
	ANSWER_NOTIFY = 3, /* a NOTIFY (opcode 4) with one question: the front end
	                      answers it with refresh_notify_answer (refresh.h) */
	ANSWER_TSIG = 4,   /* a query signed with TSIG: the front end answers it
	                      with answer_signed (answer_tsig.h) */
};

/*
 * Answers the query q[0..qlen) from db into out[0..outcap) (outcap >=
 * 65535 for TCP, >= the UDP limit otherwise).  Returns 0 with *outlen
 * set, ANSWER_DROP, ANSWER_XFR or ANSWER_NOTIFY (nothing written).  Never fails
 * otherwise: malformed queries get FORMERR, unknown opcodes NOTIMP, names
 * outside every zone REFUSED, names of an expired secondary zone SERVFAIL.
 */
int answer_query(const zonedb_t *db, const answer_opts_t *o, const uint8_t *q, size_t qlen,
		 uint8_t *out, size_t outcap, size_t *outlen);

#endif
