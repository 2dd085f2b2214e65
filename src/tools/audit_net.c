/*
 * The audit's query engine: every query of a phase runs at once on one
 * libuv loop (ARCHITECTURE.md: no hand-written event loop), so a fleet of
 * ten servers costs one round trip per phase, not ten.
 *
 * Each query is a small state machine:
 *
 *   UDP:  SEND ──answer──► DONE(OK / MALFORMED)
 *          │  └─ICMP unreachable──► DONE(NETERR)
 *          └─try_ms─► SEND again (tries in all) ──► DONE(TIMEOUT)
 *
 *   TCP:  CONNECT ──► WRITE+READ ──message──► DONE(OK)
 *   AXFR:            READ ──message──► READ ... ──closing SOA──► DONE(OK)
 *          every state ──deadline (tcp_ms / axfr_ms)──► DONE(TIMEOUT)
 *          refused / reset / EOF ──► DONE(NETERR), or OK with what came
 *
 * Untrusted answers pass through msg_parse (the project's edge check); a
 * UDP datagram whose id or question does not match is ignored (it may be
 * a late answer to an earlier try), a TCP one is MALFORMED.  Every query
 * has a deadline, and an AXFR stops at axfr_max_bytes, so a server that
 * never answers or streams forever cannot hang the audit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/evp.h>
#include <uv.h>

#include "common/err.h"
#include "dns/rrtype.h"
#include "dns/wire.h"
#include "tools/addr.h"
#include "tools/audit.h"

#define ENGINE_MAX_ACTIVE 256 /* sockets open at once (fd limits) */

typedef struct engine {
	uv_loop_t loop;
	audit_query_t **qs;
	size_t n, next, active;
	const audit_timing_t *t;
	uint8_t udpbuf[65536];
	uint8_t rdbuf[RDATA_MAXLEN];
} engine_t;

typedef struct {
	audit_query_t *q;
	engine_t *e;
	union {
		uv_handle_t handle;
		uv_udp_t udp;
		uv_tcp_t tcp;
	} h;
	bool h_open;
	uv_timer_t timer;
	int open_handles;
	unsigned tries;
	bool done;
	uint64_t start; /* uv_hrtime() at the start, ns */
	uv_connect_t conn;
	uv_write_t wr;
	uint8_t frame[2 + sizeof(((audit_query_t *)0)->req)];
	uint8_t *buf;
	size_t len, cap;
	size_t total;
	unsigned soas;
} qstate_t;

static void start_next(engine_t *e);
static void tcp_timer(uv_timer_t *t);

static void on_close(uv_handle_t *h)
{
	qstate_t *st = h->data;
	if (--st->open_handles == 0) {
		free(st->buf);
		free(st);
	}
}

static void finish(qstate_t *st, audit_qstatus_t status, const char *why)
{
	if (st->done)
		return;
	st->done = true;
	audit_query_t *q = st->q;
	q->status = status;
	if (why)
		snprintf(q->why, sizeof(q->why), "%s", why);
	/* uv_hrtime: sub-millisecond round trips (loopback, the monitor) */
	q->rtt_ms = (double)(uv_hrtime() - st->start) / 1e6;
	q->priv = NULL;
	uv_timer_stop(&st->timer);
	uv_close((uv_handle_t *)&st->timer, on_close);
	if (st->h_open)
		uv_close(&st->h.handle, on_close);
	st->e->active--;
	start_next(st->e);
}

static bool question_matches(const audit_query_t *q, const msg_t *m)
{
	if (q->no_question)
		return true;
	/* an error answer may leave the question out (BIND and NSD do for
	 * opcodes they do not implement): its id already matched */
	if (!m->has_question)
		return (m->flags & MSG_RCODE_MASK) != MSG_RCODE_NOERROR;
	return m->qtype == q->qtype && m->qclass == q->qclass && name_equal(m->qname, q->qname);
}

static int keep_copy(uint8_t **dst, size_t *dlen, const uint8_t *src, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);
	if (c == NULL)
		return -ENOMEM;
	memcpy(c, src, len);
	*dst = c;
	*dlen = len;
	return 0;
}

/* ----------------------------------------------------------------- UDP */

static void udp_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)hint;
	qstate_t *st = h->data;
	*buf = uv_buf_init((char *)st->e->udpbuf, sizeof(st->e->udpbuf));
}

static void udp_send(qstate_t *st)
{
	uv_buf_t b = uv_buf_init((char *)st->q->req, (unsigned)st->q->req_len);
	int rc = uv_udp_try_send(&st->h.udp, &b, 1, NULL);
	if (rc < 0 && rc != UV_EAGAIN)
		finish(st, AUDIT_Q_NETERR, uv_strerror(rc));
}

static void udp_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *from,
                     unsigned flags)
{
	(void)from;
	(void)flags;
	qstate_t *st = h->data;
	if (st->done)
		return;
	if (nread < 0) {
		finish(st, AUDIT_Q_NETERR,
		       nread == UV_ECONNREFUSED ? "port unreachable" : uv_strerror((int)nread));
		return;
	}
	if (nread == 0)
		return;
	const uint8_t *w = (const uint8_t *)buf->base;
	if (nread < 2 || wire_get_u16(w) != st->q->id)
		return; /* not ours: keep waiting */
	msg_t m;
	if (msg_parse(&m, w, (size_t)nread) != 0) {
		finish(st, AUDIT_Q_MALFORMED, "answer does not parse");
		return;
	}
	if (!(m.flags & MSG_FLAG_QR) || !question_matches(st->q, &m))
		return; /* a spoof or a confused server: the deadline decides */
	if (keep_copy(&st->q->resp, &st->q->resp_len, w, (size_t)nread) != 0) {
		finish(st, AUDIT_Q_NETERR, "out of memory");
		return;
	}
	finish(st, AUDIT_Q_OK, NULL);
}

static void udp_timer(uv_timer_t *t)
{
	qstate_t *st = t->data;
	if (++st->tries >= st->e->t->tries) {
		finish(st, AUDIT_Q_TIMEOUT, "no answer");
		return;
	}
	udp_send(st);
}

static void udp_start(qstate_t *st)
{
	engine_t *e = st->e;
	int rc = uv_udp_init(&e->loop, &st->h.udp);
	if (rc < 0) {
		finish(st, AUDIT_Q_NETERR, uv_strerror(rc));
		return;
	}
	st->h.udp.data = st;
	st->h_open = true;
	st->open_handles++;
	rc = uv_udp_connect(&st->h.udp, (const struct sockaddr *)&st->q->addr);
	if (rc == 0)
		rc = uv_udp_recv_start(&st->h.udp, udp_alloc, udp_recv);
	if (rc < 0) {
		finish(st, AUDIT_Q_NETERR, uv_strerror(rc));
		return;
	}
	uv_timer_start(&st->timer, udp_timer, e->t->try_ms, e->t->try_ms);
	udp_send(st);
}

/* ----------------------------------------------------------------- TCP */

static void tcp_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)hint;
	qstate_t *st = h->data;
	if (st->cap - st->len < 4096) {
		size_t cap = st->cap ? st->cap * 2 : 16384;
		uint8_t *nb = realloc(st->buf, cap);
		if (nb == NULL) {
			*buf = uv_buf_init(NULL, 0);
			return;
		}
		st->buf = nb;
		st->cap = cap;
	}
	*buf = uv_buf_init((char *)st->buf + st->len, (unsigned)(st->cap - st->len));
}

/* One complete message m (wire w) of a TCP answer: true when done. */
static bool tcp_message(qstate_t *st, const uint8_t *w, size_t len)
{
	audit_query_t *q = st->q;
	msg_t m;
	if (len < 2 || wire_get_u16(w) != q->id) {
		finish(st, AUDIT_Q_MALFORMED, "answer with another message id");
		return true;
	}
	if (msg_parse(&m, w, len) != 0) {
		finish(st, AUDIT_Q_MALFORMED,
		       q->nmsgs ? "an AXFR message does not parse" : "answer does not parse");
		return true;
	}
	if (q->resp == NULL) {
		if (!question_matches(q, &m)) {
			finish(st, AUDIT_Q_MALFORMED, "answer to another question");
			return true;
		}
		if (keep_copy(&q->resp, &q->resp_len, w, len) != 0) {
			finish(st, AUDIT_Q_NETERR, "out of memory");
			return true;
		}
	}
	if (q->tr != AUDIT_TR_AXFR) {
		finish(st, AUDIT_Q_OK, NULL);
		return true;
	}
	uint8_t **mv = realloc(q->msgs, (q->nmsgs + 1) * sizeof(*mv));
	if (mv)
		q->msgs = mv;
	size_t *lv = realloc(q->msg_lens, (q->nmsgs + 1) * sizeof(*lv));
	if (lv)
		q->msg_lens = lv;
	if (mv == NULL || lv == NULL ||
	    keep_copy(&q->msgs[q->nmsgs], &q->msg_lens[q->nmsgs], w, len) != 0) {
		finish(st, AUDIT_Q_NETERR, "out of memory");
		return true;
	}
	q->nmsgs++;
	if (msg_rcode(&m) != MSG_RCODE_NOERROR || m.count[MSG_SEC_ANSWER] == 0) {
		finish(st, AUDIT_Q_OK, NULL); /* refused, or nothing to transfer */
		return true;
	}
	msg_iter_t it;
	msg_rr_t rr;
	msg_iter_init_section(&it, &m, MSG_SEC_ANSWER);
	while (msg_rr_next(&it, &rr, st->e->rdbuf, sizeof(st->e->rdbuf)) == 0) {
		if (rr.type == RRTYPE_SOA)
			st->soas++;
		else if (st->soas == 0) {
			finish(st, AUDIT_Q_MALFORMED, "AXFR does not start with the SOA");
			return true;
		}
	}
	if (st->soas >= 2) {
		q->axfr_complete = true;
		finish(st, AUDIT_Q_OK, NULL);
		return true;
	}
	return false;
}

static void tcp_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	(void)buf;
	qstate_t *st = s->data;
	if (st->done)
		return;
	if (nread < 0) {
		if (st->q->nmsgs > 0)
			finish(st, AUDIT_Q_OK, "connection closed before the closing SOA");
		else if (nread == UV_EOF)
			finish(st, AUDIT_Q_NETERR, "connection closed without an answer");
		else
			finish(st, AUDIT_Q_NETERR, uv_strerror((int)nread));
		return;
	}
	if (buf->base == NULL) {
		finish(st, AUDIT_Q_NETERR, "out of memory");
		return;
	}
	st->len += (size_t)nread;
	st->total += (size_t)nread;
	if (st->total > st->e->t->axfr_max_bytes) {
		finish(st, AUDIT_Q_MALFORMED, "answer larger than the audit's limit");
		return;
	}
	size_t off = 0;
	while (st->len - off >= 2) {
		size_t flen = wire_get_u16(st->buf + off);
		if (st->len - off < 2 + flen)
			break;
		if (tcp_message(st, st->buf + off + 2, flen))
			return;
		off += 2 + flen;
	}
	memmove(st->buf, st->buf + off, st->len - off);
	st->len -= off;
}

static void tcp_written(uv_write_t *w, int status)
{
	qstate_t *st = w->data;
	if (status < 0 && !st->done)
		finish(st, AUDIT_Q_NETERR, uv_strerror(status));
}

static void tcp_connected(uv_connect_t *c, int status)
{
	qstate_t *st = c->data;
	if (st->done)
		return;
	if (status < 0) {
		finish(st, AUDIT_Q_NETERR,
		       status == UV_ECONNREFUSED ? "TCP connection refused" : uv_strerror(status));
		return;
	}
	audit_query_t *q = st->q;
	if (q->tr == AUDIT_TR_AXFR) /* connected: the transfer's own deadline */
		uv_timer_start(&st->timer, tcp_timer, st->e->t->axfr_ms, 0);
	wire_put_u16(st->frame, (uint16_t)q->req_len);
	memcpy(st->frame + 2, q->req, q->req_len);
	uv_buf_t b = uv_buf_init((char *)st->frame, (unsigned)(q->req_len + 2));
	st->wr.data = st;
	int rc = uv_write(&st->wr, (uv_stream_t *)&st->h.tcp, &b, 1, tcp_written);
	if (rc == 0)
		rc = uv_read_start((uv_stream_t *)&st->h.tcp, tcp_alloc, tcp_read);
	if (rc < 0)
		finish(st, AUDIT_Q_NETERR, uv_strerror(rc));
}

static void tcp_timer(uv_timer_t *t)
{
	qstate_t *st = t->data;
	if (st->q->nmsgs > 0)
		finish(st, AUDIT_Q_OK, "deadline before the closing SOA");
	else
		finish(st, AUDIT_Q_TIMEOUT, "no answer");
}

static void tcp_start(qstate_t *st)
{
	engine_t *e = st->e;
	int rc = uv_tcp_init(&e->loop, &st->h.tcp);
	if (rc < 0) {
		finish(st, AUDIT_Q_NETERR, uv_strerror(rc));
		return;
	}
	st->h.tcp.data = st;
	st->h_open = true;
	st->open_handles++;
	/* connecting gets the TCP deadline even for an AXFR: a host that drops
	 * packets costs tcp_ms, not axfr_ms */
	uv_timer_start(&st->timer, tcp_timer, e->t->tcp_ms, 0);
	st->conn.data = st;
	rc = uv_tcp_connect(&st->conn, &st->h.tcp, (const struct sockaddr *)&st->q->addr,
	                    tcp_connected);
	if (rc < 0)
		finish(st, AUDIT_Q_NETERR, uv_strerror(rc));
}

/* -------------------------------------------------------------- engine */

static void start_one(engine_t *e, audit_query_t *q)
{
	qstate_t *st = calloc(1, sizeof(*st));
	if (st == NULL) {
		q->status = AUDIT_Q_NETERR;
		snprintf(q->why, sizeof(q->why), "out of memory");
		return;
	}
	st->q = q;
	st->e = e;
	q->priv = st;
	e->active++;
	uv_timer_init(&e->loop, &st->timer);
	st->timer.data = st;
	st->open_handles = 1;
	st->start = uv_hrtime();
	if (q->tr == AUDIT_TR_UDP)
		udp_start(st);
	else
		tcp_start(st);
}

static void start_next(engine_t *e)
{
	while (e->active < ENGINE_MAX_ACTIVE && e->next < e->n) {
		audit_query_t *q = e->qs[e->next++];
		if (q->status == AUDIT_Q_PENDING)
			start_one(e, q);
	}
}

int audit_net_run(audit_query_t **qs, size_t n, const audit_timing_t *t)
{
	if (n == 0)
		return 0;
	engine_t *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	int rc = uv_loop_init(&e->loop);
	if (rc < 0) {
		free(e);
		return rc;
	}
	e->qs = qs;
	e->n = n;
	e->t = t;
	start_next(e);
	uv_run(&e->loop, UV_RUN_DEFAULT);
	uv_loop_close(&e->loop);
	free(e);
	return 0;
}

/* ------------------------------------------------------------- queries */

int audit_query_init(audit_query_t *q, const struct sockaddr *addr, audit_transport_t tr,
                     const uint8_t *qname, uint16_t qtype, uint16_t qclass, const audit_qopt_t *opt)
{
	static const audit_qopt_t none;
	if (opt == NULL)
		opt = &none;
	memset(q, 0, sizeof(*q));
	memcpy(&q->addr, addr,
	       addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                   : sizeof(struct sockaddr_in));
	q->tr = tr;
	memcpy(q->qname, qname, name_length(qname));
	q->qtype = qtype;
	q->qclass = qclass;
	q->no_question = opt->no_question;
	if (getrandom(&q->id, sizeof(q->id), 0) != sizeof(q->id))
		q->id = (uint16_t)rand();
	msg_builder_t b;
	uint16_t flags = MSG_FLAGS(opt->opcode, 0) | (opt->rd ? MSG_FLAG_RD : 0);
	int rc = msg_build_init(&b, q->req, sizeof(q->req), q->id, flags);
	if (rc == 0 && !opt->no_question)
		rc = msg_build_question(&b, qname, qtype, qclass);
	if (rc == 0 && opt->edns) {
		msg_ednsopt_t nsid = {MSG_EDNS_NSID, 0, NULL};
		rc = msg_build_opt(&b, 1232, opt->edns_version, opt->dnssec_ok ? MSG_EDNS_DO : 0,
		                   &nsid, opt->nsid ? 1 : 0);
	}
	if (rc == 0)
		q->req_len = msg_build_len(&b);
	return rc;
}

int audit_query_sign(audit_query_t *q, const tsig_key_t *key, uint64_t now)
{
	q->tsig = calloc(1, sizeof(*q->tsig));
	if (q->tsig == NULL)
		return -ENOMEM;
	int rc = tsig_ctx_init(q->tsig, key);
	if (rc == 0)
		rc = tsig_ctx_sign(q->tsig, q->req, &q->req_len, sizeof(q->req), now);
	if (rc) {
		tsig_ctx_clear(q->tsig);
		free(q->tsig);
		q->tsig = NULL;
	}
	return rc;
}

tsig_status_t audit_query_verify(audit_query_t *q, uint64_t now)
{
	if (q->tsig == NULL || q->status != AUDIT_Q_OK)
		return TSIG_BADSIG;
	size_t n = q->tr == AUDIT_TR_AXFR ? q->nmsgs : 1;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *w = q->tr == AUDIT_TR_AXFR ? q->msgs[i] : q->resp;
		size_t len = q->tr == AUDIT_TR_AXFR ? q->msg_lens[i] : q->resp_len;
		msg_t m;
		if (msg_parse(&m, w, len) != 0)
			return TSIG_FORMERR;
		tsig_status_t st = tsig_ctx_verify(q->tsig, &m, now);
		if (st != TSIG_OK)
			return st;
	}
	return tsig_ctx_finish(q->tsig);
}

int audit_tsig_parse(const char *text, tsig_key_t *key, uint8_t *secret, size_t cap)
{
	const char *c1 = strchr(text, ':');
	if (c1 == NULL)
		return ERR_SYNTAX;
	const char *c2 = strchr(c1 + 1, ':');
	char alg_text[64] = "hmac-sha256", name[NAME_TEXT_MAXLEN];
	const char *ntext = text, *sec = c1 + 1;
	size_t nlen = (size_t)(c1 - text);
	if (c2) {
		if (nlen >= sizeof(alg_text))
			return ERR_SYNTAX;
		memcpy(alg_text, text, nlen);
		alg_text[nlen] = 0;
		ntext = c1 + 1;
		nlen = (size_t)(c2 - c1 - 1);
		sec = c2 + 1;
	}
	if (nlen == 0 || nlen >= sizeof(name))
		return ERR_SYNTAX;
	memcpy(name, ntext, nlen);
	name[nlen] = 0;
	tsig_alg_t alg;
	if (tsig_alg_from_text(alg_text, &alg) != 0 || alg == TSIG_HMAC_MD5)
		return ERR_SYNTAX;
	size_t slen = strlen(sec), pad = 0;
	if (slen == 0 || slen % 4 != 0 || slen / 4 * 3 > cap)
		return ERR_SYNTAX;
	/* strict base64: the alphabet, then at most two '=' at the end */
	while (pad < 2 && pad < slen && sec[slen - 1 - pad] == '=')
		pad++;
	for (size_t i = 0; i < slen - pad; i++) {
		char ch = sec[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '+' || ch == '/'))
			return ERR_SYNTAX;
	}
	int n = EVP_DecodeBlock(secret, (const unsigned char *)sec, (int)slen);
	if (n <= 0)
		return ERR_SYNTAX;
	/* EVP_DecodeBlock counts the padding as zero octets */
	n -= (int)pad;
	if (n <= 0 || tsig_key_init(key, name, alg, secret, (size_t)n) != 0)
		return ERR_SYNTAX;
	return 0;
}

void audit_query_free(audit_query_t *q)
{
	if (q->tsig) {
		tsig_ctx_clear(q->tsig);
		free(q->tsig);
		q->tsig = NULL;
	}
	free(q->resp);
	for (size_t i = 0; i < q->nmsgs; i++)
		free(q->msgs[i]);
	free(q->msgs);
	free(q->msg_lens);
	q->resp = NULL;
	q->msgs = NULL;
	q->msg_lens = NULL;
	q->nmsgs = 0;
}

int audit_query_msg(const audit_query_t *q, msg_t *m)
{
	if (q->status != AUDIT_Q_OK || q->resp == NULL)
		return ERR_NOTFOUND;
	return msg_parse(m, q->resp, q->resp_len);
}

void audit_addr_text(const struct sockaddr *sa, char *buf, size_t cap)
{
	if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
		          (socklen_t)cap);
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf,
		          (socklen_t)cap);
}

int audit_addr_parse(const char *s, uint16_t default_port, struct sockaddr_storage *out)
{
	/* port 0 is no server's */
	if (tools_addr_parse(s, default_port, false, out) != 0 ||
	    ((struct sockaddr_in *)out)->sin_port == 0)
		return ERR_SYNTAX;
	return 0;
}
