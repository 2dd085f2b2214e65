/*
 * Outgoing zone transfer (AXFR, RFC 5936; IXFR, RFC 1995, from the
 * journal, or with the full zone when the journal cannot say), as a generator of response messages:
 * the TCP front end asks for the next message only when the previous ones have drained
 * (backpressure), so the zone is never built in memory as a whole.
 *
 * The transfer owns a zone_t (a clone taken for it), so the version stays
 * whole however many reloads happen meanwhile.  Not thread safe: one
 * transfer belongs to one TCP thread.
 */
#ifndef NSF_SERVER_XFROUT_H
#define NSF_SERVER_XFROUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns/msg.h"
#include "dns/tsig.h"
#include "server/conf.h"
#include "server/journal.h"
#include "zone/zone.h"

/* The soft size of one message: filled until it passes this, so a message
 * is at most XFROUT_MSG_TARGET plus one RR (< 65535). */
#define XFROUT_MSG_TARGET 16384

typedef struct xfrout xfrout_t;

/*
 * A transfer of zone z (taken over) in answer to the query q (parsed by
 * msg_parse, qtype AXFR or IXFR; borrowed for the call only) for peer
 * (text, copied, for the log).  For IXFR, the client's serial is the SOA
 * in q's authority section: at or past z's serial, the answer is z's SOA
 * alone; when j (may be NULL) holds the changesets from it to z's serial,
 * they are sent (RFC 1995 §4: our SOA, per changeset the old SOA, the
 * removed RRs, the new SOA, the added RRs, our SOA); else the whole zone.
 * The changesets are read here, from one journal snapshot.  req: the
 * verified TSIG of q (xfrout_authorize), or NULL for an unsigned query;
 * with it every response message is signed (RFC 8945 §5.3.1).  NULL on
 * ENOMEM or a signing setup failure (z is then not taken).
 */
xfrout_t *xfrout_new(zone_t *z, const msg_t *q, journal_t *j, const tsig_req_t *req,
                     const char *peer);

/* The verdict of xfrout_authorize. */
typedef enum { XFROUT_ALLOW = 0, XFROUT_DENY, XFROUT_BADTSIG } xfrout_auth_t;

/*
 * Whether the transfer query q (parsed) of zone origin from client may go
 * on: a TSIG, if q has one, is verified first against every key of c
 * (RFC 8945 §5.2: a bad one is XFROUT_BADTSIG whatever the ACL, answered
 * with xfrout_tsig_error); then the zone's ACL must allow `transfer` to
 * client with the verified key (an acl that names a key needs it).
 * req is filled for xfrout_new (req->key is only valid until the caller's
 * next xfrout_authorize: xfrout_new copies the key).
 */
xfrout_auth_t xfrout_authorize(const conf_t *c, const msg_t *q, const uint8_t *origin,
                               const struct sockaddr *client, tsig_req_t *req);

/* The error answer to q[0..qlen) whose TSIG failed (req from
 * xfrout_authorize): NOTAUTH and the error TSIG (or FORMERR).  0 with
 * *outlen, or an error. */
int xfrout_tsig_error(const uint8_t *q, size_t qlen, const tsig_req_t *req, uint8_t *out,
                      size_t cap, size_t *outlen);

/*
 * Writes the next message into buf[0..cap) (cap >= 65535).  Returns 0 with
 * *len set, ERR_NOTFOUND when the last message was already written, or
 * another negative error (the transfer cannot go on).
 */
int xfrout_next(xfrout_t *x, uint8_t *buf, size_t cap, size_t *len);

/*
 * Ends the transfer with the one structured log line (zone, peer, serial,
 * messages, bytes, duration; error NULL when it completed, else why it
 * stopped) and frees it.  Returns the zone it held, for the caller to
 * release.
 */
zone_t *xfrout_end(xfrout_t *x, const char *error);

/*
 * A REFUSED response to the transfer query q[0..qlen) (copied header id,
 * opcode, RD, and the question) in out[0..cap); returns 0 with *outlen or
 * an error.  For a query answer_query passed on as ANSWER_XFR (so valid).
 */
int xfrout_refused(const uint8_t *q, size_t qlen, uint8_t *out, size_t cap, size_t *outlen);

#endif
