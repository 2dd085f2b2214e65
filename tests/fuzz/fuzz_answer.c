/* libFuzzer target over the whole query path: a fixed zonedb (the
 * NSEC3-signed fixture of test_answer: wildcards, CNAMEs, DNAMEs,
 * delegations; plus the NSEC-signed one under another origin), input =
 * one query packet, over UDP and over TCP.  A response must parse and
 * carry the query's id; anything else aborts.
 *
 * The fixtures are found next to this file (__FILE__ as the compiler saw
 * it, relative to the build directory) or in $NSF_ANSWER_DATA. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/test_answer_util.h"
#include "dns/wire.h"
#include "server/answer_tsig.h"

static zonedb_t *db;
static uint8_t out[65536];

static void load(void)
{
	const char *dir = getenv("NSF_ANSWER_DATA");
	char base[1024], p1[1100], p2[1100];
	if (dir == NULL) {
		snprintf(base, sizeof(base), "%s", __FILE__);
		char *slash = strrchr(base, '/');
		if (slash != NULL)
			*slash = 0;
		else
			snprintf(base, sizeof(base), ".");
		strncat(base, "/../unit/data", sizeof(base) - strlen(base) - 1);
		dir = base;
	}
	snprintf(p1, sizeof(p1), "%s/example.com.nsec3.zone", dir);
	snprintf(p2, sizeof(p2), "%s/example.com.nsec.zone", dir);
	const char *paths[2] = {p1, p2};
	const char *origins[2] = {"example.com.", "example.com."};
	db = tau_db(paths, origins, 1);
	if (db == NULL) {
		fprintf(stderr, "fuzz_answer: cannot load %s (set NSF_ANSWER_DATA)\n", p1);
		abort();
	}
	(void)origins;
}

static void one(const uint8_t *data, size_t size, bool tcp)
{
	static const uint8_t secret[16] = "0123456789abcdef";
	answer_opts_t o = {
		.tcp = tcp, .udp_max = 1232, .nsid = (const uint8_t *)"fuzz", .nsid_len = 4,
		.version = "v", .identity = "id", .cookie_secret = secret, .now = 1700000000,
	};
	size_t len = 0;
	size_t cap = tcp ? sizeof(out) : 1232;
	int rc = answer_query(db, &o, data, size, out, cap, &len);
	/* a signed query: verified against one key, answered signed or with
	 * the TSIG error (the fuzzer cannot forge a MAC, so this mostly
	 * runs the error paths) */
	if (rc == ANSWER_TSIG) {
		static uint8_t key_secret[32] = "fuzz-answer-tsig-key-secret-0123";
		static conf_key_t key = {.id = "k", .name = {1, 'k', 0},
					 .algorithm = CONF_HMAC_SHA256,
					 .secret = key_secret, .secret_len = sizeof(key_secret)};
		static conf_t conf;
		conf.key.v = &key;
		conf.key.n = 1;
		rc = answer_signed(&conf, db, &o, data, size, out, cap, &len);
	}
	/* a transfer or a NOTIFY is the front end's to finish */
	if (rc == ANSWER_DROP || rc == ANSWER_XFR || rc == ANSWER_NOTIFY)
		return;
	if (rc != 0 || len < 12 || len > cap)
		abort();
	msg_t m;
	if (msg_parse(&m, out, len) != 0)
		abort();
	if (m.id != wire_get_u16(data) || !(m.flags & MSG_FLAG_QR))
		abort();
	if (!tcp && len > 512 && !m.has_edns)
		abort(); /* without EDNS a UDP answer fits 512 */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (db == NULL)
		load();
	one(data, size, false);
	one(data, size, true);
	return 0;
}
