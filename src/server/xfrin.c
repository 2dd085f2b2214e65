/*
 * Incoming transfer: SOA query (UDP first, then TCP), then IXFR (or
 * AXFR) over TCP, blocking I/O with poll() timeouts, in a refresh worker
 * thread (refresh.c posts the result back to the main loop).  The stream
 * part (check_msg, stream_msg, stream_rr, stream_finish) never touches a
 * socket: xfrin_parse drives it from memory for fuzz_xfrin.
 *
 *   SOA_QUERY (UDP; TC/none: TCP) ──(not newer)──────────────► UP_TO_DATE
 *                  │ newer (RFC 1982)
 *                  ▼
 *             have a version? ──no──► AXFR ─────────────────┐
 *                  │ yes                                     │
 *                  ▼                                         │
 *                IXFR ──rcode != NOERROR──► (reconnect) AXFR ┤
 *                  │                                         │
 *     the stream, RR by RR (one state machine for all three):│
 *                                                            ▼
 *   FIRST ─SOA(S_new)─► SECOND ─SOA(ours)─► IXFR_DEL ─SOA─► IXFR_ADD ─┐
 *                         │                    ▲                       │
 *                         │ other RR           └──SOA(next from)───────┤
 *                         ▼                                            │
 *                        AXFR ─SOA(S_new)─► DONE ◄──SOA(S_new)─────────┘
 *
 * Checks, each a failure with the old version kept (STYLE rule 8: one log
 * line per transfer): the first RR is the zone's SOA and the last one the
 * same serial again; the serial is newer than ours; every record is IN
 * and at or below the origin; an IXFR starts at our serial, each changeset
 * starts where the previous one ended and applies cleanly (a removed
 * record must exist, an added one must not); nothing follows the last
 * SOA; every message parses, its id matches, its question (if any) is
 * ours, its RCODE is NOERROR and, with a key, its TSIG verifies (at most
 * 99 unsigned in a row, the last one signed); no silence longer than the timeout
 * (connect, each read); the zone built from an AXFR passes the zone
 * checks (zone_builder).
 */
#include "server/xfrin.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* messages are cut to their buffers on purpose (they end in the log) */
#if defined(__GNUC__) && !defined(__clang__) /* clang has no such warning */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

#include "common/err.h"
#include "dns/msg.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "dns/tsig.h"
#include "server/daemon.h"
#include "server/log.h"
#include "zone/changeset.h"
#include "zone/serial.h"
#include "zone/zone_load.h"

#define XFRIN_POLL_SLICE_MS  200  /* how often a wait looks at cancel */
#define XFRIN_UDP_TIMEOUT_MS 2000 /* the SOA query over UDP, then TCP */
/* TCP reads: as much as the socket holds, up to this, not two reads per
 * message (a 1M-name AXFR is some 3000 messages of up to 64 KiB) */
#define XFRIN_RBUF (4 * (MSG_MAXLEN + 2))

typedef enum { ST_FIRST, ST_SECOND, ST_AXFR, ST_IXFR_DEL, ST_IXFR_ADD, ST_DONE } xstate_t;

typedef struct {
	const xfrin_req_t *rq;
	xfrin_res_t *res;
	int fd;
	char peer[96];
	tsig_key_t key;
	bool has_key;
	uint8_t *buf; /* one message, MSG_MAXLEN */
	uint8_t *rdbuf;
	uint8_t *rbuf; /* TCP data read, XFRIN_RBUF: [rpos, rend) unused yet */
	size_t rpos, rend;
	/* the stream */
	xstate_t st;
	uint16_t qtype;
	uint32_t first_serial;
	bool stale; /* first SOA not newer than ours */
	zone_builder_t *b;
	uint8_t first_soa[RDATA_MAXLEN];
	size_t first_soa_len;
	uint32_t first_ttl;
	changeset_t cs;
	bool cs_open;
	uint32_t cs_from, cs_to;
	size_t ncs;
	changeset_t *csv; /* the applied changesets, kept for the journal */
	size_t capcsv;
	zone_t *work; /* IXFR: cur with the changesets so far (owned unless == cur) */
	char zerr[256];
	/* the last owner found in the zone: an owner's records mostly come
	 * together */
	uint8_t in_zone[NAME_MAXLEN];
	size_t in_zone_len;
} xfr_t;

static void fail(xfr_t *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(xfr_t *x, const char *fmt, ...)
{
	if (x->res->error[0] != 0)
		return; /* the first reason counts */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->res->error, sizeof(x->res->error), fmt, ap);
	va_end(ap);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events; 0, ERR_LIMIT on timeout, -ECANCELED. */
static int wait_fd(xfr_t *x, short events)
{
	uint64_t deadline = now_ms() + x->rq->timeout_ms;
	for (;;) {
		if (x->rq->cancel != NULL && atomic_load(x->rq->cancel))
			return -ECANCELED;
		uint64_t t = now_ms();
		if (t >= deadline)
			return ERR_LIMIT;
		uint64_t left = deadline - t;
		struct pollfd p = {.fd = x->fd, .events = events};
		int r = poll(&p, 1, (int)(left < XFRIN_POLL_SLICE_MS ? left : XFRIN_POLL_SLICE_MS));
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

static int io_fail(xfr_t *x, int rc, const char *what)
{
	if (rc == ERR_LIMIT)
		fail(x, "%s: no data for %u s (timeout)", what, x->rq->timeout_ms / 1000);
	else if (rc == -ECANCELED)
		fail(x, "%s: cancelled (server stopping)", what);
	else
		fail(x, "%s: %s", what, strerror(-rc));
	return rc;
}

static int xconnect(xfr_t *x)
{
	const conf_addr_t *a = x->rq->addr;
	x->fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (x->fd < 0)
		return io_fail(x, -errno, "socket");
	if (connect(x->fd, (const struct sockaddr *)&a->sa, a->len) < 0 && errno != EINPROGRESS)
		return io_fail(x, -errno, "connect");
	int rc = wait_fd(x, POLLOUT);
	if (rc < 0)
		return io_fail(x, rc, "connect");
	int err = 0;
	socklen_t l = sizeof(err);
	getsockopt(x->fd, SOL_SOCKET, SO_ERROR, &err, &l);
	if (err != 0)
		return io_fail(x, -err, "connect");
	return 0;
}

static void xclose(xfr_t *x)
{
	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
	x->rpos = x->rend = 0; /* what was read belongs to that connection */
}

static int send_all(xfr_t *x, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(x->fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return io_fail(x, -errno, "send");
			int rc = wait_fd(x, POLLOUT);
			if (rc < 0)
				return io_fail(x, rc, "send");
			continue;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Makes n (<= XFRIN_RBUF) octets ready at x->rbuf + x->rpos, reading
 * what the socket holds; ERR_TRUNCATED when the peer closes first. */
static int recv_ready(xfr_t *x, size_t n, const char *what)
{
	if (x->rend - x->rpos >= n)
		return 0;
	if (x->rpos + n > XFRIN_RBUF) {
		memmove(x->rbuf, x->rbuf + x->rpos, x->rend - x->rpos);
		x->rend -= x->rpos;
		x->rpos = 0;
	}
	while (x->rend - x->rpos < n) {
		ssize_t r = recv(x->fd, x->rbuf + x->rend, XFRIN_RBUF - x->rend, 0);
		if (r == 0) {
			fail(x, "%s: connection closed by the primary (stream truncated)", what);
			return ERR_TRUNCATED;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return io_fail(x, -errno, what);
			int rc = wait_fd(x, POLLIN);
			if (rc < 0)
				return io_fail(x, rc, what);
			continue;
		}
		x->rend += (size_t)r;
		x->res->bytes += (size_t)r;
	}
	return 0;
}

/* The SOA rdata of z's apex into out; its length or -1. */
static int zone_soa(const zone_t *z, const uint8_t **rd, uint16_t *len, uint32_t *ttl)
{
	const zone_node_t *n = zone_find(z, z->origin);
	zone_rrset_t rs;
	if (n == NULL || !zone_node_rrset(n, RRTYPE_SOA, &rs))
		return -1;
	size_t pos = 0;
	if (!zone_rrset_next(&rs, &pos, rd, len))
		return -1;
	*ttl = rs.ttl;
	return 0;
}

static uint32_t soa_serial(const uint8_t *rd, size_t len)
{
	size_t o = rdata_soa_serial_off(rd, len);
	return o ? wire_get_u32(rd + o) : 0;
}

/* Sends a query for the origin (qtype), with our SOA in the authority
 * section for IXFR; signs it when there is a key. */
static int build_query(xfr_t *x, uint16_t qtype, uint16_t *id, tsig_ctx_t *tc, size_t *outlen)
{
	uint16_t qid;
	if (getrandom(&qid, sizeof(qid), 0) != (ssize_t)sizeof(qid))
		qid = (uint16_t)now_ms();
	*id = qid;
	msg_builder_t b;
	uint8_t *m = x->buf + 2;
	if (msg_build_init(&b, m, 4096, qid, MSG_FLAGS(MSG_OPCODE_QUERY, 0)) != 0 ||
	    msg_build_question(&b, x->rq->origin, qtype, RRCLASS_IN) != 0)
		return ERR_INVAL;
	if (qtype == RRTYPE_IXFR) {
		const uint8_t *rd;
		uint16_t rl;
		uint32_t ttl;
		if (zone_soa(x->rq->cur, &rd, &rl, &ttl) < 0 ||
		    msg_build_rr(&b, MSG_SEC_AUTHORITY, x->rq->origin, RRTYPE_SOA, RRCLASS_IN, ttl,
		                 rd, rl) != 0)
			return ERR_INVAL;
	}
	size_t len = msg_build_len(&b);
	if (x->has_key) {
		int rc = tsig_ctx_init(tc, &x->key);
		if (rc == 0)
			rc = tsig_ctx_sign(tc, m, &len, 4096, (uint64_t)time(NULL));
		if (rc < 0) {
			fail(x, "cannot sign the query: %s", err_str(rc));
			return rc;
		}
	}
	*outlen = len;
	return 0;
}

/* Sends a query over the TCP connection (build_query, then the length
 * prefix). */
static int send_query(xfr_t *x, uint16_t qtype, uint16_t *id, tsig_ctx_t *tc)
{
	size_t len;
	int rc = build_query(x, qtype, id, tc, &len);
	if (rc < 0)
		return rc;
	x->buf[0] = (uint8_t)(len >> 8);
	x->buf[1] = (uint8_t)len;
	return send_all(x, x->buf, len + 2);
}

/* Checks one response message buf[0..len) (untrusted) into *m: it
 * parses, answers our query (id, QR, opcode, and the question when there
 * is one: RFC 5936 §2.2.1 lets later messages of a stream leave it out)
 * and, with a key, its TSIG verifies.  *rcode gets its RCODE (the caller
 * decides about non-NOERROR). */
static int check_msg(xfr_t *x, const uint8_t *buf, size_t len, msg_t *m, uint16_t qtype,
                     uint16_t id, tsig_ctx_t *tc, const char *what, unsigned *rcode)
{
	x->res->messages++;
	int prc = msg_parse(m, buf, len);
	if (prc != 0) {
		fail(x, "%s: message %zu is malformed (%s)", what, x->res->messages, err_str(prc));
		return ERR_FORMERR;
	}
	if (m->id != id || !(m->flags & MSG_FLAG_QR) || msg_opcode(m) != MSG_OPCODE_QUERY) {
		fail(x, "%s: message %zu is not a response to our query (id %u, ours %u)", what,
		     x->res->messages, m->id, id);
		return ERR_FORMERR;
	}
	if (m->has_question && (!name_equal(m->qname, x->rq->origin) || m->qtype != qtype ||
	                        m->qclass != RRCLASS_IN)) {
		char q[NAME_TEXT_MAXLEN];
		if (name_to_text(m->qname, q, sizeof(q)) < 0)
			strcpy(q, "?");
		fail(x, "%s: message %zu answers another question (%s type %u class %u)", what,
		     x->res->messages, q, m->qtype, m->qclass);
		return ERR_FORMERR;
	}
	*rcode = msg_rcode(m);
	if (x->has_key) {
		tsig_status_t st = tsig_ctx_verify(tc, m, (uint64_t)time(NULL));
		if (st != TSIG_OK) {
			fail(x, "%s: TSIG of message %zu does not verify (%s, TSIG error %u)", what,
			     x->res->messages, msg_rcode_text(*rcode),
			     st == TSIG_BADSIG && tc->peer_error ? tc->peer_error : (unsigned)st);
			return ERR_FORMERR;
		}
	}
	return 0;
}

/* Reads one response message (TCP: length, then the message; in x->rbuf
 * until the next read) and checks it (check_msg). */
static int recv_msg(xfr_t *x, msg_t *m, uint16_t qtype, uint16_t id, tsig_ctx_t *tc,
                    const char *what, unsigned *rcode)
{
	int rc = recv_ready(x, 2, what);
	if (rc < 0)
		return rc;
	size_t len = (size_t)x->rbuf[x->rpos] << 8 | x->rbuf[x->rpos + 1];
	rc = recv_ready(x, 2 + len, what);
	if (rc < 0)
		return rc;
	const uint8_t *msg = x->rbuf + x->rpos + 2;
	x->rpos += 2 + len;
	return check_msg(x, msg, len, m, qtype, id, tc, what, rcode);
}

/* ------------------------------------------------------------- stream */

static void on_build_problem(void *ctx, const char *file, unsigned line, unsigned col,
                             zone_sev_t sev, const char *msg)
{
	(void)file, (void)line, (void)col;
	xfr_t *x = ctx;
	if (sev == ZONE_ERROR && x->zerr[0] == 0)
		snprintf(x->zerr, sizeof(x->zerr), "%s", msg);
}

/* Versions made from cur share its nodes, whose counts are not atomic:
 * make and free them under the daemon's zone lock. */
static void zfree(xfr_t *x, zone_t *z)
{
	if (z == NULL)
		return;
	if (x->rq->zone_lock)
		pthread_mutex_lock(x->rq->zone_lock);
	zone_free(z);
	if (x->rq->zone_lock)
		pthread_mutex_unlock(x->rq->zone_lock);
}

static int cs_apply(xfr_t *x)
{
	zone_t *next = NULL;
	if (x->rq->zone_lock)
		pthread_mutex_lock(x->rq->zone_lock);
	int rc = changeset_apply(x->work, &x->cs, &next);
	if (x->rq->zone_lock)
		pthread_mutex_unlock(x->rq->zone_lock);
	if (rc < 0) {
		fail(x, "IXFR changeset %u -> %u does not apply: %s", x->cs_from, x->cs_to,
		     rc == ERR_NOTFOUND ? "it removes a record the zone does not have"
		     : rc == ERR_EXISTS ? "it adds a record the zone already has"
		                        : err_str(rc));
		return rc;
	}
	if (x->work != x->rq->cur)
		zfree(x, x->work);
	x->work = next;
	x->cs_open = false;
	/* kept: the secondary journals them before it publishes (refresh.c) */
	if (x->ncs == x->capcsv) {
		size_t cap = x->capcsv ? x->capcsv * 2 : 8;
		changeset_t *v =
		    cap <= XFRIN_MAX_CHANGESETS ? realloc(x->csv, cap * sizeof(*v)) : NULL;
		if (v == NULL) {
			changeset_free(&x->cs);
			fail(x, "IXFR: more than %d changesets, or out of memory",
			     XFRIN_MAX_CHANGESETS);
			return ERR_LIMIT;
		}
		x->csv = v;
		x->capcsv = cap;
	}
	x->csv[x->ncs++] = x->cs;
	return 0;
}

static int cs_start(xfr_t *x, const msg_rr_t *rr, uint32_t serial)
{
	changeset_init(&x->cs);
	x->cs_open = true;
	x->cs_from = serial;
	return changeset_remove(&x->cs, rr->owner, rr->type, rr->ttl, rr->rdata, rr->rdlen);
}

/* One RR of the stream. */
static int stream_rr(xfr_t *x, const msg_rr_t *rr)
{
	const uint8_t *origin = x->rq->origin;
	bool soa = rr->type == RRTYPE_SOA && name_equal(rr->owner, origin);
	uint32_t serial = soa ? soa_serial(rr->rdata, rr->rdlen) : 0;
	uint32_t ours = x->rq->cur ? x->rq->cur->serial : 0;
	char owner[NAME_TEXT_MAXLEN];
	if (rr->rclass != RRCLASS_IN) {
		fail(x, "a record of class %u (not IN)", rr->rclass);
		return ERR_BAD_CLASS;
	}
	if (rr->owner_len != x->in_zone_len || memcmp(rr->owner, x->in_zone, rr->owner_len) != 0) {
		if (!name_is_below(rr->owner, origin)) {
			if (name_to_text(rr->owner, owner, sizeof(owner)) < 0)
				strcpy(owner, "?");
			fail(x, "record %s is outside the zone", owner);
			return ERR_NOTZONE;
		}
		memcpy(x->in_zone, rr->owner, rr->owner_len);
		x->in_zone_len = rr->owner_len;
	}
	if (rrtype_is_meta(rr->type) && rr->type != RRTYPE_SOA) {
		fail(x, "a record of meta type %u in the stream", rr->type);
		return ERR_BAD_TYPE;
	}
	switch (x->st) {
	case ST_FIRST:
		if (!soa) {
			fail(x, "the first record is not the zone's SOA");
			return ERR_MALFORMED;
		}
		x->first_serial = serial;
		x->stale = x->rq->cur != NULL && !x->rq->force_axfr &&
		           serial_compare(serial, ours) != SERIAL_GT;
		memcpy(x->first_soa, rr->rdata, rr->rdlen);
		x->first_soa_len = rr->rdlen;
		x->first_ttl = rr->ttl;
		x->st = ST_SECOND;
		return 0;
	case ST_SECOND:
		if (x->stale) {
			fail(x, "serial %u is not newer than ours (%u)", x->first_serial, ours);
			return ERR_RANGE;
		}
		if (soa && x->qtype == RRTYPE_IXFR && serial != x->first_serial) {
			if (serial != ours) {
				fail(x, "IXFR base serial %u is not ours (%u)", serial, ours);
				return ERR_MALFORMED;
			}
			x->res->kind = "IXFR";
			x->work = (zone_t *)x->rq->cur;
			x->st = ST_IXFR_DEL;
			return cs_start(x, rr, serial);
		}
		if (x->qtype == RRTYPE_IXFR)
			x->res->kind = "IXFR (AXFR-style)";
		x->b = zone_builder_new(origin, "transfer", on_build_problem, x);
		if (x->b == NULL)
			return -ENOMEM;
		int rc = zone_builder_add(x->b, origin, RRTYPE_SOA, x->first_ttl, x->first_soa,
		                          x->first_soa_len, NULL, 0, 0);
		if (rc < 0)
			return rc;
		x->st = ST_AXFR;
		/* fall through: this RR is the zone's second record (or its end) */
		/* FALLTHROUGH */
	case ST_AXFR:
		if (soa) {
			if (serial != x->first_serial) {
				fail(x, "the last SOA's serial %u differs from the first's (%u)",
				     serial, x->first_serial);
				return ERR_MALFORMED;
			}
			x->st = ST_DONE;
			return 0;
		}
		return zone_builder_add(x->b, rr->owner, rr->type, rr->ttl, rr->rdata, rr->rdlen,
		                        NULL, 0, 0);
	case ST_IXFR_DEL:
		if (soa) {
			if (serial_compare(serial, x->cs_from) != SERIAL_GT) {
				fail(x, "IXFR changeset %u -> %u goes backwards", x->cs_from,
				     serial);
				return ERR_RANGE;
			}
			x->cs_to = serial;
			x->st = ST_IXFR_ADD;
			return changeset_add(&x->cs, rr->owner, rr->type, rr->ttl, rr->rdata,
			                     rr->rdlen);
		}
		return changeset_remove(&x->cs, rr->owner, rr->type, rr->ttl, rr->rdata, rr->rdlen);
	case ST_IXFR_ADD:
		if (soa) {
			int rc2 = cs_apply(x);
			if (rc2 < 0)
				return rc2;
			if (serial == x->first_serial && x->cs_to == x->first_serial) {
				x->st = ST_DONE;
				return 0;
			}
			if (serial != x->cs_to) {
				fail(x, "IXFR changeset starts at %u, the previous ended at %u",
				     serial, x->cs_to);
				return ERR_MALFORMED;
			}
			x->st = ST_IXFR_DEL;
			return cs_start(x, rr, serial);
		}
		return changeset_add(&x->cs, rr->owner, rr->type, rr->ttl, rr->rdata, rr->rdlen);
	case ST_DONE:
		fail(x, "records after the last SOA");
		return ERR_TRAILING;
	}
	return ERR_INVAL;
}

static void stream_reset(xfr_t *x)
{
	zone_builder_free(x->b);
	x->b = NULL;
	if (x->cs_open)
		changeset_free(&x->cs);
	x->cs_open = false;
	if (x->work != NULL && x->work != x->rq->cur)
		zfree(x, x->work);
	x->work = NULL;
	for (size_t i = 0; i < x->ncs; i++)
		changeset_free(&x->csv[i]);
	free(x->csv);
	x->csv = NULL;
	x->capcsv = 0;
	x->st = ST_FIRST;
	x->stale = false;
	x->ncs = 0;
}

void xfrin_res_clear(xfrin_res_t *res)
{
	for (size_t i = 0; i < res->ncs; i++)
		changeset_free(&res->cs[i]);
	free(res->cs);
	res->cs = NULL;
	res->ncs = 0;
}

static void stream_begin(xfr_t *x, uint16_t qtype)
{
	stream_reset(x);
	x->qtype = qtype;
	x->res->kind = qtype == RRTYPE_IXFR ? "IXFR" : "AXFR";
}

/* One checked message of the stream (check_msg): its RRs through the
 * state machine.  0 (x->st == ST_DONE or res->up_to_date once the stream
 * is complete); ERR_BAD_TYPE for an IXFR refused with an RCODE in its
 * first message (the caller falls back to AXFR); another error. */
static int stream_msg(xfr_t *x, const msg_t *m, unsigned rcode)
{
	const char *what = x->qtype == RRTYPE_IXFR ? "IXFR" : "AXFR";
	if (rcode != MSG_RCODE_NOERROR) {
		if (x->qtype == RRTYPE_IXFR && x->res->messages == 1)
			return ERR_BAD_TYPE;
		fail(x, "%s: the primary answered %s in message %zu", what, msg_rcode_text(rcode),
		     x->res->messages);
		return ERR_FORMERR;
	}
	msg_iter_t it;
	msg_rr_t rr;
	int rc;
	msg_iter_init_section(&it, m, MSG_SEC_ANSWER);
	while ((rc = msg_rr_next(&it, &rr, x->rdbuf, RDATA_MAXLEN)) == 0 &&
	       (rc = stream_rr(x, &rr)) == 0)
		;
	if (rc == ERR_NOTFOUND)
		rc = 0;
	if (rc < 0) {
		fail(x, "%s: message %zu: %s", what, x->res->messages, err_str(rc));
		return rc;
	}
	/* RFC 1995 §4: an IXFR reply of our own SOA alone: up to date */
	if (x->st == ST_SECOND && x->qtype == RRTYPE_IXFR && x->stale)
		x->res->up_to_date = true;
	return 0;
}

/* The stream is complete: its new version (and an IXFR's changesets)
 * into res. */
static int stream_finish(xfr_t *x)
{
	const char *what = x->qtype == RRTYPE_IXFR ? "IXFR" : "AXFR";
	if (x->res->up_to_date)
		return 0;
	if (x->b != NULL) {
		zone_t *z = NULL;
		int rc = zone_builder_finish(x->b, &z);
		if (rc < 0 || z == NULL) {
			fail(x, "%s: the zone does not pass the checks: %s", what,
			     x->zerr[0] ? x->zerr : err_str(rc));
			return rc < 0 ? rc : ERR_SEMANTIC;
		}
		x->res->zone = z;
	} else {
		if (x->work == x->rq->cur || x->work == NULL) {
			fail(x, "%s: no changeset", what);
			return ERR_MALFORMED;
		}
		x->res->zone = x->work;
		x->work = NULL;
		x->res->cs = x->csv;
		x->res->ncs = x->ncs;
		x->csv = NULL;
		x->ncs = x->capcsv = 0;
	}
	if (x->res->zone->serial != x->first_serial) {
		fail(x, "%s: the new version has serial %u, the stream said %u", what,
		     x->res->zone->serial, x->first_serial);
		zfree(x, x->res->zone);
		x->res->zone = NULL;
		xfrin_res_clear(x->res);
		return ERR_MALFORMED;
	}
	return 0;
}

/* Runs one transfer (qtype AXFR or IXFR) on the connection.  0 with the
 * zone in res or res->up_to_date; ERR_BAD_TYPE for an IXFR refused with
 * an RCODE (the caller falls back to AXFR); another error. */
static int transfer(xfr_t *x, uint16_t qtype)
{
	stream_begin(x, qtype);
	const char *what = x->res->kind;
	tsig_ctx_t tc;
	memset(&tc, 0, sizeof(tc));
	uint16_t id;
	int rc = send_query(x, qtype, &id, &tc);
	while (rc == 0 && x->st != ST_DONE && !x->res->up_to_date) {
		msg_t m;
		unsigned rcode = 0;
		rc = recv_msg(x, &m, qtype, id, &tc, what, &rcode);
		if (rc == 0)
			rc = stream_msg(x, &m, rcode);
	}
	if (rc == 0 && x->st == ST_DONE && x->has_key && tsig_ctx_finish(&tc) != TSIG_OK) {
		fail(x, "%s: the last message is not signed", what);
		rc = ERR_FORMERR;
	}
	tsig_ctx_clear(&tc);
	if (rc < 0) {
		if (rc != ERR_BAD_TYPE && x->res->error[0] == 0)
			fail(x, "%s: %s", what, err_str(rc));
		return rc;
	}
	return stream_finish(x);
}

int xfrin_parse(const xfrin_req_t *rq, uint16_t qtype, uint16_t id, const uint8_t *const *msgs,
                const size_t *lens, size_t n, xfrin_res_t *res)
{
	memset(res, 0, sizeof(*res));
	res->kind = "SOA";
	xfr_t xx, *x = &xx;
	memset(x, 0, sizeof(*x));
	x->rq = rq;
	x->res = res;
	x->fd = -1;
	x->rdbuf = malloc(RDATA_MAXLEN);
	if (x->rdbuf == NULL)
		return -ENOMEM;
	stream_begin(x, qtype);
	const char *what = res->kind;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n && x->st != ST_DONE && !res->up_to_date; i++) {
		msg_t m;
		unsigned rcode = 0;
		rc = check_msg(x, msgs[i], lens[i], &m, qtype, id, NULL, what, &rcode);
		if (rc == 0)
			rc = stream_msg(x, &m, rcode);
	}
	if (rc == 0 && x->st != ST_DONE && !res->up_to_date) {
		fail(x, "%s: the stream ends before the last SOA", what);
		rc = ERR_TRUNCATED;
	}
	if (rc == 0)
		rc = stream_finish(x);
	if (rc < 0 && res->error[0] == 0)
		fail(x, "%s: %s", what, err_str(rc));
	stream_reset(x);
	free(x->rdbuf);
	if (rc < 0) {
		zfree(x, res->zone);
		res->zone = NULL;
		xfrin_res_clear(res);
	}
	return rc;
}

/* The zone's SOA serial from an answer to our SOA query. */
static int soa_from_answer(xfr_t *x, const msg_t *m)
{
	msg_iter_t it;
	msg_rr_t rr;
	msg_iter_init_section(&it, m, MSG_SEC_ANSWER);
	while (msg_rr_next(&it, &rr, x->rdbuf, RDATA_MAXLEN) == 0) {
		if (rr.type == RRTYPE_SOA && name_equal(rr.owner, x->rq->origin)) {
			x->res->remote_serial = soa_serial(rr.rdata, rr.rdlen);
			return 0;
		}
	}
	fail(x, "SOA query: no SOA in the answer (%s)",
	     m->flags & MSG_FLAG_AA ? "authoritative" : "not authoritative");
	return ERR_NOTFOUND;
}

static int soa_query(xfr_t *x)
{
	tsig_ctx_t tc;
	memset(&tc, 0, sizeof(tc));
	uint16_t id;
	int rc = send_query(x, RRTYPE_SOA, &id, &tc);
	msg_t m;
	unsigned rcode = 0;
	if (rc == 0)
		rc = recv_msg(x, &m, RRTYPE_SOA, id, &tc, "SOA query", &rcode);
	tsig_ctx_clear(&tc);
	if (rc < 0)
		return rc;
	if (rcode != MSG_RCODE_NOERROR) {
		fail(x, "SOA query: the primary answered %s", msg_rcode_text(rcode));
		return ERR_FORMERR;
	}
	return soa_from_answer(x, &m);
}

/* One query of qtype over UDP, on a connected socket of its own, and its
 * answer checked (check_msg) into *m (in x->buf) with *rcode; tc (zeroed
 * by the caller) signs and verifies, the caller clears it.  0;
 * ERR_TRUNCATED when the answer is truncated (TC), -ETIMEDOUT or a socket
 * error when none came: the caller asks over TCP; another error (a bad
 * answer) with the reason in res->error.  Datagrams with another id are
 * dropped (spoofing) while we wait. */
static int udp_query(xfr_t *x, uint16_t qtype, tsig_ctx_t *tc, msg_t *m, unsigned *rcode,
                     const char *what)
{
	const conf_addr_t *a = x->rq->addr;
	int fd = socket(a->sa.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)&a->sa, a->len) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	uint16_t id;
	size_t len;
	int rc = build_query(x, qtype, &id, tc, &len);
	if (rc == 0 && send(fd, x->buf + 2, len, 0) < 0)
		rc = -errno;
	uint64_t deadline =
	    now_ms() +
	    (x->rq->timeout_ms < XFRIN_UDP_TIMEOUT_MS ? x->rq->timeout_ms : XFRIN_UDP_TIMEOUT_MS);
	while (rc == 0) {
		uint64_t t = now_ms();
		if (t >= deadline) {
			rc = -ETIMEDOUT;
			break;
		}
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int pr = poll(
		    &p, 1,
		    (int)(deadline - t < XFRIN_POLL_SLICE_MS ? deadline - t : XFRIN_POLL_SLICE_MS));
		if (x->rq->cancel != NULL && atomic_load(x->rq->cancel)) {
			rc = -ECANCELED;
			break;
		}
		if (pr < 0 && errno != EINTR)
			rc = -errno;
		if (pr <= 0)
			continue;
		ssize_t n = recv(fd, x->buf, MSG_MAXLEN, 0);
		if (n < 0) {
			if (errno != EINTR && errno != EAGAIN)
				rc = -errno;
			continue;
		}
		if (n < 12 || ((size_t)x->buf[0] << 8 | x->buf[1]) != id)
			continue; /* not an answer to this query */
		x->res->bytes += (size_t)n;
		if (x->buf[2] & (MSG_FLAG_TC >> 8)) {
			rc = ERR_TRUNCATED;
			break;
		}
		rc = check_msg(x, x->buf, (size_t)n, m, qtype, id, tc, what, rcode);
		break;
	}
	close(fd);
	return rc;
}

/* The SOA query over UDP (RFC 1996 §3.11, RFC 1035 §4.2): 0 with
 * res->remote_serial, or udp_query's errors (an RCODE fails). */
static int udp_soa_query(xfr_t *x)
{
	tsig_ctx_t tc;
	memset(&tc, 0, sizeof(tc));
	msg_t m;
	unsigned rcode = 0;
	int rc = udp_query(x, RRTYPE_SOA, &tc, &m, &rcode, "SOA query (UDP)");
	tsig_ctx_clear(&tc);
	if (rc == 0 && rcode != MSG_RCODE_NOERROR) {
		fail(x, "SOA query (UDP): the primary answered %s", msg_rcode_text(rcode));
		rc = ERR_FORMERR;
	}
	if (rc == 0)
		rc = soa_from_answer(x, &m);
	return rc;
}

/* IXFR over UDP (RFC 1995 §2): the whole reply in one datagram is taken
 * (every check of the TCP stream applies).  ERR_TRUNCATED (go to TCP)
 * when it does not fit: TC, the new SOA alone, or an incomplete stream; also when the primary
 * answers an error RCODE (some refuse IXFR over UDP).  Timeouts and socket errors: go to TCP too.
 * Another error fails the refresh. */
static int udp_ixfr(xfr_t *x)
{
	tsig_ctx_t tc;
	memset(&tc, 0, sizeof(tc));
	msg_t m;
	unsigned rcode = 0;
	stream_begin(x, RRTYPE_IXFR);
	int rc = udp_query(x, RRTYPE_IXFR, &tc, &m, &rcode, "IXFR (UDP)");
	if (rc == 0 && rcode != MSG_RCODE_NOERROR)
		rc = ERR_TRUNCATED;
	if (rc == 0)
		rc = stream_msg(x, &m, rcode);
	if (rc == 0 && x->st != ST_DONE && !x->res->up_to_date)
		rc = ERR_TRUNCATED; /* the SOA alone ("use TCP"), or not all of it */
	if (rc == 0 && x->has_key && tsig_ctx_finish(&tc) != TSIG_OK) {
		fail(x, "IXFR (UDP): the answer is not signed");
		rc = ERR_FORMERR;
	}
	tsig_ctx_clear(&tc);
	if (rc == 0)
		rc = stream_finish(x);
	if (rc == 0 && x->res->ncs > 0)
		x->res->kind = "IXFR (UDP)";
	if (rc < 0)
		stream_reset(x);
	return rc;
}

int xfrin_run(const xfrin_req_t *rq, xfrin_res_t *res)
{
	memset(res, 0, sizeof(*res));
	res->kind = "SOA";
	xfr_t xx, *x = &xx;
	memset(x, 0, sizeof(*x));
	x->rq = rq;
	x->res = res;
	x->fd = -1;
	daemon_addr_text((const struct sockaddr *)&rq->addr->sa, x->peer, sizeof(x->peer));
	uint64_t t0 = now_ms();
	int rc = 0;
	if (rq->key != NULL) {
		rc = tsig_key_init(&x->key, rq->key->id, (tsig_alg_t)rq->key->algorithm,
		                   rq->key->secret, rq->key->secret_len);
		if (rc < 0)
			fail(x, "key %s: %s", rq->key->id, err_str(rc));
		x->has_key = true;
	}
	x->buf = malloc(MSG_MAXLEN + 2);
	x->rdbuf = malloc(RDATA_MAXLEN);
	x->rbuf = malloc(XFRIN_RBUF);
	if (x->buf == NULL || x->rdbuf == NULL || x->rbuf == NULL) {
		rc = -ENOMEM;
		fail(x, "out of memory");
	}
	/* the SOA query over UDP first (no TCP connection when up to date),
	 * over TCP when the answer is truncated or none comes */
	bool have_soa = false;
	if (rc == 0 && rq->udp_soa && !rq->force_axfr) {
		int u = udp_soa_query(x);
		if (u == 0) {
			have_soa = true;
		} else if (u == ERR_TRUNCATED || u == -ETIMEDOUT || u == -ECONNREFUSED) {
			log_debug("xfr-in zone=%s peer=%s: SOA query over UDP: %s; asking over TCP",
			          rq->zone_name, x->peer,
			          u == ERR_TRUNCATED ? "truncated" : strerror(-u));
			res->error[0] = 0;
		} else {
			rc = u;
			if (res->error[0] == 0)
				fail(x, "SOA query (UDP): %s", err_str(u));
		}
	}
	uint32_t ours = rq->cur ? rq->cur->serial : 0;
	bool newer =
	    have_soa && rq->cur != NULL && serial_compare(res->remote_serial, ours) == SERIAL_GT;
	/* newer by UDP: IXFR over UDP first (RFC 1995 §2), TCP unless it fits */
	bool udp_done = false;
	if (rc == 0 && newer && !rq->force_axfr) {
		res->messages = res->bytes = 0;
		if (rq->phase != NULL)
			atomic_store(rq->phase, XFRIN_PHASE_TRANSFER);
		uint32_t remote = res->remote_serial;
		int u = udp_ixfr(x);
		res->remote_serial = remote;
		if (u == 0) {
			udp_done = true;
		} else if (u == ERR_TRUNCATED || u == -ETIMEDOUT || u == -ECONNREFUSED) {
			log_debug("xfr-in zone=%s peer=%s: IXFR over UDP: %s; over TCP",
			          rq->zone_name, x->peer,
			          u == ERR_TRUNCATED ? "does not fit" : strerror(-u));
			res->error[0] = 0;
		} else {
			rc = u;
		}
	}
	bool need_tcp = !udp_done && (!have_soa || rq->force_axfr || rq->cur == NULL || newer);
	if (rc == 0 && need_tcp)
		rc = xconnect(x);
	if (rc == 0 && !have_soa)
		rc = soa_query(x);
	if (rc == 0 && udp_done) {
		/* res->zone from the one datagram */
	} else if (rc == 0 && rq->force_axfr) {
		res->messages = res->bytes = 0;
		if (rq->phase != NULL)
			atomic_store(rq->phase, XFRIN_PHASE_TRANSFER);
		rc = transfer(x, RRTYPE_AXFR);
	} else if (rc == 0 && rq->cur != NULL &&
	           serial_compare(res->remote_serial, ours) != SERIAL_GT) {
		res->up_to_date = true;
	} else if (rc == 0) {
		res->messages = res->bytes = 0;
		if (rq->phase != NULL)
			atomic_store(rq->phase, XFRIN_PHASE_TRANSFER);
		if (rq->cur != NULL) {
			rc = transfer(x, RRTYPE_IXFR);
			if (rc == ERR_BAD_TYPE) {
				/* IXFR refused with an RCODE: AXFR on a new connection */
				xclose(x);
				res->error[0] = 0;
				rc = xconnect(x);
				if (rc == 0)
					rc = transfer(x, RRTYPE_AXFR);
			}
		} else {
			rc = transfer(x, RRTYPE_AXFR);
		}
	}
	stream_reset(x);
	xclose(x);
	free(x->buf);
	free(x->rdbuf);
	free(x->rbuf);
	explicit_bzero(&x->key, sizeof(x->key));
	if (rc < 0 && res->zone != NULL) {
		zfree(x, res->zone);
		res->zone = NULL;
	}
	if (rc < 0)
		xfrin_res_clear(res);
	double secs = (double)(now_ms() - t0) / 1000.0;
	if (rc < 0) {
		if (res->error[0] == 0)
			fail(x, "%s", err_str(rc));
		log_warning("xfr-in zone=%s kind=%s peer=%s serial=%u remote=%u duration=%.3fs "
		            "messages=%zu bytes=%zu result=failed: %s; keeping %s",
		            rq->zone_name, res->kind, x->peer, ours, res->remote_serial, secs,
		            res->messages, res->bytes, res->error,
		            rq->cur ? "the current version" : "nothing (not served)");
		return rc;
	}
	if (res->up_to_date)
		log_info("xfr-in zone=%s kind=%s peer=%s serial=%u remote=%u duration=%.3fs "
		         "result=up-to-date",
		         rq->zone_name, res->kind, x->peer, ours, res->remote_serial, secs);
	else
		log_info("xfr-in zone=%s kind=%s peer=%s serial=%u->%u duration=%.3fs "
		         "messages=%zu bytes=%zu records=%zu result=ok",
		         rq->zone_name, res->kind, x->peer, ours, res->zone->serial, secs,
		         res->messages, res->bytes, res->zone->records);
	return 0;
}

/* -------------------------------------------------------- persistence */

int xfrin_zone_write(const zone_t *z, const char *path)
{
	size_t pl = strlen(path);
	char *tmp = malloc(pl + 8);
	char *text = malloc(RDATA_TEXT_MAXLEN);
	if (tmp == NULL || text == NULL) {
		free(tmp);
		free(text);
		return -ENOMEM;
	}
	snprintf(tmp, pl + 8, "%s.tmp", path);
	int rc = 0;
	FILE *f = fopen(tmp, "we");
	if (f == NULL) {
		rc = -errno;
		goto out;
	}
	char origin[NAME_TEXT_MAXLEN];
	if (name_to_text(z->origin, origin, sizeof(origin)) < 0)
		strcpy(origin, ".");
	fprintf(f, "; %s serial %u, written by nsfleetd after a transfer\n$ORIGIN %s\n", origin,
	        z->serial, origin);
	zone_iter_t it;
	zone_iter_init(&it, z);
	const zone_node_t *n;
	while ((n = zone_iter_next(&it)) != NULL) {
		uint8_t ow[NAME_MAXLEN];
		char owner[NAME_TEXT_MAXLEN];
		if (zone_node_owner(n, ow) < 0 || name_to_text(ow, owner, sizeof(owner)) < 0) {
			rc = ERR_MALFORMED;
			break;
		}
		for (size_t i = 0; i < n->nrrsets; i++) {
			zone_rrset_t rs = zone_node_rrset_at(n, i);
			char type[32];
			if (rrtype_to_text(rs.type, type, sizeof(type)) < 0)
				snprintf(type, sizeof(type), "TYPE%u", rs.type);
			size_t pos = 0;
			const uint8_t *rd;
			uint16_t rl;
			while (zone_rrset_next(&rs, &pos, &rd, &rl)) {
				if (rdata_to_text(rs.type, rd, rl, text, RDATA_TEXT_MAXLEN) < 0) {
					rc = ERR_MALFORMED;
					break;
				}
				fprintf(f, "%s %u IN %s %s\n", owner, rs.ttl, type, text);
			}
		}
	}
	if (it.err != 0 && rc == 0)
		rc = -ENOMEM;
	zone_iter_free(&it);
	if (fflush(f) != 0 && rc == 0)
		rc = -errno;
	if (fsync(fileno(f)) != 0 && rc == 0)
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		goto out;
	}
	/* the rename itself durable: fsync the directory */
	char *slash = strrchr(tmp, '/');
	if (slash != NULL)
		slash[slash == tmp ? 1 : 0] = 0;
	int dfd = open(slash != NULL ? tmp : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
out:
	free(tmp);
	free(text);
	return rc;
}
