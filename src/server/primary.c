/*
 * The primary's reload: serial policy, shrink guard, changeset, journal
 * (the state diagram is in primary.h).
 *
 * Serial rules (doc/nsfleetd.md, "Primary"), with O the served serial, F
 * the file's, P the file's serial at the last good load:
 *   keep                  F > O (RFC 1982) or refused: "did not increase"
 *                         (F = O), "went backwards" (F < O);
 *   increment, unixtime,  F > the policy's value: F (the operator raised
 *   dateserial            it), else the policy's value when F > O; F = O or
 *                         F = P (the operator left it):
 *                         the policy's value if the content changed,
 *                         nothing if not; any other F < O: "went
 *                         backwards", refused.
 */
#include "server/primary.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "server/log.h"
#include "zone/changeset.h"
#include "zone/serial.h"

uint32_t primary_policy_serial(conf_serial_policy_t policy, uint32_t old, uint64_t now)
{
	uint32_t next = old + 1, cand;
	switch (policy) {
	case CONF_SERIAL_UNIXTIME:
		cand = (uint32_t)now;
		break;
	case CONF_SERIAL_DATESERIAL: {
		time_t t = (time_t)now;
		struct tm tm;
		gmtime_r(&t, &tm);
		cand = (uint32_t)(tm.tm_year + 1900) * 1000000u +
		       (uint32_t)(tm.tm_mon + 1) * 10000u + (uint32_t)tm.tm_mday * 100u;
		break;
	}
	case CONF_SERIAL_KEEP:
		return old;
	case CONF_SERIAL_INCREMENT:
	default:
		return next;
	}
	return serial_compare(cand, old) == SERIAL_GT ? cand : next;
}

bool primary_shrink_refused(size_t old_records, size_t new_records, unsigned limit)
{
	if (limit >= 100 || new_records >= old_records)
		return false;
	/* gone * 100 > old * limit; a zone has far fewer than 2^57 records */
	return (uint64_t)(old_records - new_records) * 100u > (uint64_t)old_records * limit;
}

/* z with its SOA serial set to serial: a new version in *out. */
static int zone_set_serial(const zone_t *z, uint32_t serial, zone_t **out)
{
	uint32_t ttl;
	const uint8_t *rd;
	uint16_t rdlen;
	if (!changeset_zone_soa(z, &ttl, &rd, &rdlen))
		return ERR_MALFORMED;
	size_t off = rdata_soa_serial_off(rd, rdlen);
	if (off == 0)
		return ERR_MALFORMED;
	uint8_t nrd[RDATA_MAXLEN];
	memcpy(nrd, rd, rdlen);
	nrd[off] = (uint8_t)(serial >> 24);
	nrd[off + 1] = (uint8_t)(serial >> 16);
	nrd[off + 2] = (uint8_t)(serial >> 8);
	nrd[off + 3] = (uint8_t)serial;
	changeset_t cs;
	changeset_init(&cs);
	int rc = changeset_remove(&cs, z->origin, RRTYPE_SOA, ttl, rd, rdlen);
	if (rc == 0)
		rc = changeset_add(&cs, z->origin, RRTYPE_SOA, ttl, nrd, rdlen);
	if (rc == 0)
		rc = changeset_apply(z, &cs, out);
	changeset_free(&cs);
	return rc;
}

/* Whether the changeset changes anything but the SOA serial. */
static bool changes_content(const changeset_t *cs)
{
	if (cs->nremoved > 0 || cs->nadded > 0)
		return true;
	const changeset_rr_t *a = &cs->soa_from, *b = &cs->soa_to;
	if (a->owner == NULL || b->owner == NULL)
		return false;
	size_t off = rdata_soa_serial_off(a->rdata, a->rdlen);
	return a->ttl != b->ttl || a->rdlen != b->rdlen || off == 0 ||
	       memcmp(a->rdata, b->rdata, off) != 0 ||
	       memcmp(a->rdata + off + 4, b->rdata + off + 4, a->rdlen - off - 4) != 0;
}

/* Whether old and new differ in anything but the SOA serial. */
static int content_differs(const zone_t *old, const zone_t *new, bool *differs)
{
	changeset_t cs;
	changeset_init(&cs);
	int rc = changeset_diff(old, new, &cs);
	if (rc == 0)
		*differs = changes_content(&cs);
	changeset_free(&cs);
	return rc;
}

/* Commits cs (old -> new) to the journal, flushing it first when it does
 * not continue at old's serial (or is full). */
static int journal_commit_cs(journal_t *j, const char *name, const zone_t *old,
                             const zone_t *new, const changeset_t *cs)
{
	int rc = journal_store(j, old->origin, cs);
	if (rc == ERR_INVAL || rc == ERR_SPACE) {
		log_info("zone %s: journal flushed (%s) before serial %u", name,
		         rc == ERR_INVAL ? "it did not end at the served serial" : "full",
		         new->serial);
		rc = journal_flush(j, old->origin);
		if (rc == 0)
			rc = journal_store(j, old->origin, cs);
	}
	return rc;
}

/* The same, the changeset known (known: old -> the loaded version, whose
 * SOA new may have replaced) or found by a diff. */
static int journal_commit(journal_t *j, const char *name, const zone_t *old, const zone_t *new,
                          const changeset_t *known)
{
	if (known != NULL) {
		changeset_t cs = *known; /* borrowed fields; only soa_to differs */
		uint32_t ttl;
		const uint8_t *rd;
		uint16_t rdlen;
		if (!changeset_zone_soa(new, &ttl, &rd, &rdlen))
			return ERR_MALFORMED;
		cs.soa_to = (changeset_rr_t){new->origin, RRTYPE_SOA, rdlen, ttl, rd};
		return journal_commit_cs(j, name, old, new, &cs);
	}
	changeset_t cs;
	changeset_init(&cs);
	int rc = changeset_diff(old, new, &cs);
	if (rc == 0)
		rc = journal_commit_cs(j, name, old, new, &cs);
	changeset_free(&cs);
	return rc;
}

int primary_reload(const primary_reload_t *in, zone_t *loaded, zone_t **out, char *why, size_t cap)
{
	*out = NULL;
	why[0] = 0;
	const zone_t *old = in->old;
	if (old == NULL) {
		/* nothing served: a discontinuity for the journal */
		int rc = in->journal ? journal_flush(in->journal, loaded->origin) : 0;
		if (rc < 0) {
			snprintf(why, cap, "journal: %s", err_str(rc));
			zone_free(loaded);
			return rc;
		}
		*out = loaded;
		return 0;
	}
	uint32_t o = old->serial, f = loaded->serial, s;
	bool differs = false;
	int rc = 0;
	if (in->cs != NULL)
		differs = changes_content(in->cs);
	else
		rc = content_differs(old, loaded, &differs);
	if (rc < 0) {
		snprintf(why, cap, "%s", err_str(rc));
		zone_free(loaded);
		return rc;
	}
	serial_cmp_t fo = serial_compare(f, o);
	if (!differs && fo == SERIAL_EQ) {
		zone_free(loaded);
		return 0; /* unchanged */
	}
	if (in->policy == CONF_SERIAL_KEEP) {
		if (fo != SERIAL_GT) {
			snprintf(why, cap,
			         fo == SERIAL_EQ
			             ? "serial did not increase (%u, serial-policy keep)"
			             : "serial went backwards (%u, served %u)",
			         f, o);
			zone_free(loaded);
			return ERR_RANGE;
		}
		s = f;
	} else {
		s = primary_policy_serial(in->policy, o, in->now);
		serial_cmp_t fs = serial_compare(f, s);
		if (fs == SERIAL_GT || fs == SERIAL_EQ) {
			s = f;
		} else if (fo == SERIAL_GT) {
			/* raised, but not past the policy's value: the policy's */
		} else if (fo != SERIAL_EQ && f != in->old_file_serial) {
			snprintf(why, cap, "serial went backwards (%u, served %u)", f, o);
			zone_free(loaded);
			return ERR_RANGE;
		} else if (!differs) {
			zone_free(loaded);
			return 0; /* the file as it was: unchanged */
		}
	}
	unsigned limit = in->conf != NULL ? in->conf->shrink_limit : PRIMARY_MAX_SHRINK;
	if (!in->force && primary_shrink_refused(old->records, loaded->records, limit)) {
		snprintf(why, cap,
		         "the new version has %zu records, the served one %zu (more than %u %% "
		         "gone, shrink-limit): refused, reload --force to accept it",
		         loaded->records, old->records, limit);
		zone_free(loaded);
		return ERR_LIMIT;
	}
	zone_t *new = loaded;
	if (s != f) {
		rc = zone_set_serial(loaded, s, &new);
		zone_free(loaded);
		if (rc < 0) {
			snprintf(why, cap, "cannot set serial %u: %s", s, err_str(rc));
			return rc;
		}
	}
	if (in->journal != NULL) {
		rc = journal_commit(in->journal, in->name, old, new, in->cs);
		if (rc < 0) {
			snprintf(why, cap, "journal: %s", err_str(rc));
			zone_free(new);
			return rc;
		}
	}
	*out = new;
	return 0;
}

int primary_journal_start(journal_t *j, const char *name, conf_serial_policy_t policy,
			  uint64_t now, zone_t **z)
{
	uint32_t first, last, serial = (*z)->serial;
	int rc = journal_serial_range(j, (*z)->origin, &first, &last);
	if (rc == ERR_NOTFOUND || (rc == 0 && last == serial))
		return 0;
	if (rc == 0 && serial_compare(last, serial) == SERIAL_GT) {
		/* we served serials past the file's (a policy bumped them):
		 * going back to the file's would leave every secondary that
		 * holds one of them on it (RFC 1982: ours looks older) */
		if (policy == CONF_SERIAL_KEEP) {
			log_warning("zone %s: served serial %u before, the file has %u: secondaries "
			            "holding %u will not update until the file's serial passes it",
			            name, last, serial, last);
		} else {
			zone_t *nz = NULL;
			uint32_t next = primary_policy_serial(policy, last, now);
			int src = zone_set_serial(*z, next, &nz);
			if (src == 0) {
				log_info("zone %s: served serial %u before, the file has %u: serving "
				         "it as serial %u",
				         name, last, serial, next);
				zone_free(*z);
				*z = nz;
			} else {
				log_error("zone %s: cannot set serial %u: %s", name, next,
				          err_str(src));
			}
		}
	}
	if (rc == 0) {
		log_info("zone %s: journal ends at serial %u, the zone is at %u: flushed", name,
		         last, (*z)->serial);
		rc = journal_flush(j, (*z)->origin);
	}
	if (rc < 0)
		log_error("zone %s: journal: %s", name, err_str(rc));
	return rc;
}
