/*
 * libFuzzer target for the journal's changeset record decoder
 * (journal_changeset_decode, doc/journal.md).  Any input must decode or
 * be refused with ERR_MALFORMED, without a crash, a hang or a leak.  What
 * decodes must re-encode to a record of the size journal_changeset_size
 * says, that record must decode to the same changeset, and encoding that
 * again must give the same bytes (decoding canonicalises names and rdata,
 * so the first encoding may differ from the input only there).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "dns/name.h"
#include "server/journal.h"

static int encode(const changeset_t *cs, uint8_t **buf, size_t *len)
{
	size_t size = journal_changeset_size(cs);
	*buf = malloc(size);
	if (*buf == NULL)
		abort();
	int rc = journal_changeset_encode(cs, *buf, size, len);
	if (rc == 0 && *len != size)
		abort();
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	changeset_t cs, back;
	changeset_init(&cs);
	int rc = journal_changeset_decode(data, size, &cs);
	if (rc != 0) {
		if (rc != ERR_MALFORMED && rc != -ENOMEM)
			abort();
		changeset_free(&cs);
		return 0;
	}
	uint8_t *a, *b;
	size_t alen, blen;
	if (encode(&cs, &a, &alen) != 0 || alen != size)
		abort();
	changeset_init(&back);
	if (journal_changeset_decode(a, alen, &back) != 0)
		abort();
	if (back.nremoved != cs.nremoved || back.nadded != cs.nadded)
		abort();
	if (encode(&back, &b, &blen) != 0 || blen != alen || memcmp(a, b, alen) != 0)
		abort();
	free(a);
	free(b);
	changeset_free(&back);
	changeset_free(&cs);
	return 0;
}
