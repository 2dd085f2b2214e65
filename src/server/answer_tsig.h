/*
 * Queries signed with TSIG (RFC 8945): verified with the configuration's
 * keys, answered by answer_query, and the answer signed with the same
 * key; a query that does not verify gets the error answer of §5.3.2.
 */
#ifndef NSF_SERVER_ANSWER_TSIG_H
#define NSF_SERVER_ANSWER_TSIG_H

#include <stddef.h>
#include <stdint.h>

#include "dns/tsig.h"
#include "server/answer.h"
#include "server/conf.h"

#define ANSWER_TSIG_KEYS_MAX 64

/* The configured keys as a keyring in keys[0..cap) (secrets borrowed from
 * conf); keys beyond cap are left out. */
tsig_keyring_t answer_tsig_ring(const conf_t *conf, tsig_key_t *keys, size_t cap);

/*
 * Answers q (answer_query said ANSWER_TSIG) into out[0..outcap): the
 * answer signed with the query's key, or NOTAUTH with the TSIG error
 * (BADKEY, BADSIG, BADTIME) when the query does not verify.  Returns 0
 * with *outlen set, or ANSWER_DROP.
 */
int answer_signed(const conf_t *conf, const zonedb_t *db, const answer_opts_t *o,
		  const uint8_t *q, size_t qlen, uint8_t *out, size_t outcap, size_t *outlen);

#endif
