/*
 * One round of the monitor: the SOA of every zone from every one of its
 * nameservers, over UDP (EDNS with DO, so that a signed zone's RRSIG comes
 * along) and over TCP, all at once through the audit's query engine
 * (audit_net_run: one libuv loop, every query with a deadline).  Then, per
 * (zone, server):
 *
 *   up          an answer over UDP, NOERROR, AA, with the zone's SOA
 *               (a TC answer counts when TCP brings the SOA)
 *   serial      from that SOA (UDP, else TCP)
 *   lag         behind the zone's reference serial: the primary's (the
 *               last it showed while it is down), or without a primary the
 *               newest any server showed this round (RFC 1982)
 *   rrsig       seconds to the earliest expiration of the RRSIGs of the SOA
 *
 * and the incidents step (monitor.h): down after `down-after` failed checks
 * in a row; serial diverged for longer than `diverged-after` (only judged
 * while the server answers); signatures within `expiry-warning`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "dns/rrtype.h"
#include "dns/wire.h"
#include "tools/audit.h"
#include "tools/monitor.h"

typedef struct {
	bool ok; /* NOERROR, AA, the zone's SOA in the answer */
	bool tc; /* truncated */
	uint32_t serial;
	bool has_rrsig;
	int64_t rrsig_left;
	char why[120];
} soa_answer_t;

/* What q's answer says of zone. */
static void read_answer(const audit_query_t *q, const uint8_t *zone, double wall, soa_answer_t *a)
{
	static uint8_t rdbuf[RDATA_MAXLEN];
	memset(a, 0, sizeof(*a));
	switch (q->status) {
	case AUDIT_Q_OK:
		break;
	case AUDIT_Q_TIMEOUT:
		snprintf(a->why, sizeof(a->why), "timeout");
		return;
	case AUDIT_Q_NETERR:
	case AUDIT_Q_MALFORMED:
		snprintf(a->why, sizeof(a->why), "%s", q->why[0] ? q->why : "network error");
		return;
	default:
		snprintf(a->why, sizeof(a->why), "no answer");
		return;
	}
	msg_t m;
	if (audit_query_msg(q, &m) != 0) {
		snprintf(a->why, sizeof(a->why), "malformed answer");
		return;
	}
	unsigned rc = msg_rcode(&m);
	if (rc != MSG_RCODE_NOERROR) {
		snprintf(a->why, sizeof(a->why), "%s for the SOA", msg_rcode_text(rc));
		return;
	}
	a->tc = (m.flags & MSG_FLAG_TC) != 0;
	bool soa = false;
	msg_iter_t it;
	msg_rr_t rr;
	msg_iter_init_section(&it, &m, MSG_SEC_ANSWER);
	while (msg_rr_next(&it, &rr, rdbuf, sizeof(rdbuf)) == 0) {
		if (!name_equal(rr.owner, zone))
			continue;
		if (rr.type == RRTYPE_SOA && !soa) {
			size_t off = rdata_soa_serial_off(rr.rdata, rr.rdlen);
			if (off == 0)
				continue;
			a->serial = wire_get_u32(rr.rdata + off);
			soa = true;
		} else if (rr.type == RRTYPE_RRSIG && rr.rdlen >= 18 &&
		           wire_get_u16(rr.rdata) == RRTYPE_SOA) {
			int64_t left = audit_sig_left(wire_get_u32(rr.rdata + 8), (uint64_t)wall);
			if (!a->has_rrsig || left < a->rrsig_left)
				a->rrsig_left = left;
			a->has_rrsig = true;
		}
	}
	if (!(m.flags & MSG_FLAG_AA)) {
		snprintf(a->why, sizeof(a->why), "not authoritative (no AA flag)");
		return;
	}
	if (!soa && !a->tc) {
		snprintf(a->why, sizeof(a->why), "no SOA of the zone in the answer");
		return;
	}
	a->ok = true;
}

static void step(mon_t *m, size_t ti, mon_kind_t k, bool bad, double now, unsigned streak,
                 double secs, mon_report_fn report, void *arg)
{
	mon_event_t ev = mon_incident_step(&m->t[ti].inc[k], bad, now, streak, secs);
	if (ev == MON_EV_NONE)
		return;
	if (ev == MON_EV_ALERT)
		m->alerts[k]++;
	else
		m->recoveries[k]++;
	mon_finding_t f = {ev, k, ti};
	if (report)
		report(m, &f, arg);
}

int mon_round(mon_t *m, mon_report_fn report, void *arg)
{
	const mon_conf_t *c = m->conf;
	size_t per = c->tcp ? 2 : 1;
	audit_query_t *q = calloc(m->nt * per, sizeof(*q));
	audit_query_t **qp = calloc(m->nt * per, sizeof(*qp));
	if (q == NULL || qp == NULL) {
		free(q);
		free(qp);
		return -ENOMEM;
	}
	audit_qopt_t opt = {.edns = true, .dnssec_ok = true};
	for (size_t i = 0; i < m->nt; i++) {
		const mon_target_t *t = &m->t[i];
		const struct sockaddr *sa = (const struct sockaddr *)&c->ns[t->ns].addr;
		const uint8_t *zone = c->zone[t->zone].name;
		for (size_t j = 0; j < per; j++) {
			audit_query_t *x = &q[i * per + j];
			qp[i * per + j] = x;
			if (audit_query_init(x, sa, j == 0 ? AUDIT_TR_UDP : AUDIT_TR_TCP, zone,
			                     RRTYPE_SOA, 1 /* IN */, &opt) != 0) {
				x->status = AUDIT_Q_MALFORMED;
				snprintf(x->why, sizeof(x->why), "cannot build the query");
			}
		}
	}
	unsigned try_ms = (unsigned)(c->timeout * 1000 + 0.5);
	audit_timing_t tm = {try_ms ? try_ms : 1, c->tries, (try_ms ? try_ms : 1) * c->tries,
	                     (try_ms ? try_ms : 1) * c->tries, 65535};
	int rc = audit_net_run(qp, m->nt * per, &tm);
	double now = mon_now(), wall = mon_wall();
	if (rc == 0) {
		/* answers first, then the references, then lag and incidents */
		for (size_t i = 0; i < m->nt; i++) {
			mon_target_t *t = &m->t[i];
			const uint8_t *zone = c->zone[t->zone].name;
			soa_answer_t u, tc;
			read_answer(&q[i * per], zone, wall, &u);
			if (c->tcp)
				read_answer(&q[i * per + 1], zone, wall, &tc);
			t->checked = true;
			t->checks++;
			t->tcp_checked = c->tcp;
			t->tcp_up = c->tcp && tc.ok && !tc.tc;
			/* a truncated UDP answer: the content from TCP */
			const soa_answer_t *content = u.tc && t->tcp_up ? &tc : &u;
			t->up = u.ok && (!u.tc || t->tcp_up);
			if (u.ok && u.tc && !t->tcp_up)
				snprintf(t->why, sizeof(t->why),
				         "truncated over UDP and no SOA over TCP");
			if (t->up) {
				t->fails = 0;
				t->why[0] = '\0';
				t->has_serial = true;
				t->serial = content->serial;
				t->has_rrsig = content->has_rrsig;
				t->rrsig_left = content->rrsig_left;
				double rtt = q[i * per].rtt_ms / 1000.0;
				t->last_rtt = rtt;
				mon_window_add(&t->lat, rtt);
				t->rtt_sum += rtt;
				t->rtt_count++;
			} else {
				t->fails++;
				t->failures++;
				if (!u.ok)
					snprintf(t->why, sizeof(t->why), "UDP: %s", u.why);
			}
		}
		for (size_t z = 0; z < c->nzones; z++) {
			mon_zone_state_t *zs = &m->zs[z];
			int pri = c->zone[z].primary;
			bool have = false;
			uint32_t newest = 0;
			for (size_t i = 0; i < m->nt; i++) {
				const mon_target_t *t = &m->t[i];
				if (t->zone != z || !t->up)
					continue;
				if (pri >= 0) {
					if ((int)t->ns == pri) {
						newest = t->serial;
						have = true;
					}
				} else {
					int64_t l;
					if (!have ||
					    (mon_serial_lag(t->serial, newest, &l) == 0 && l > 0))
						newest = t->serial;
					have = true;
				}
			}
			if (have) {
				zs->has_ref = true;
				zs->ref = newest;
				mon_hist_note(&zs->hist, newest, now);
			}
		}
		for (size_t i = 0; i < m->nt; i++) {
			mon_target_t *t = &m->t[i];
			const mon_zone_state_t *zs = &m->zs[t->zone];
			step(m, i, MON_KIND_DOWN, !t->up, now, c->down_after, 0, report, arg);
			if (!t->up)
				continue;
			step(m, i, MON_KIND_RRSIG,
			     t->has_rrsig && (double)t->rrsig_left < c->expiry_warning, now, 1, 0,
			     report, arg);
			if (!zs->has_ref)
				continue;
			int64_t lag;
			t->lag_known = mon_serial_lag(zs->ref, t->serial, &lag) == 0;
			t->lag = t->lag_known ? lag : 0;
			t->lag_seconds = mon_hist_lag_seconds(&zs->hist, t->serial, now);
			step(m, i, MON_KIND_SERIAL, t->serial != zs->ref, now, 1, c->diverged_after,
			     report, arg);
		}
		m->rounds++;
	}
	for (size_t i = 0; i < m->nt * per; i++)
		audit_query_free(&q[i]);
	free(q);
	free(qp);
	return rc;
}
