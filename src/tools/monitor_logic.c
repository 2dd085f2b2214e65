/*
 * The monitor's pure rules: no I/O, no clock of their own (the caller
 * passes the time), so tests/unit/test_monitor.c drives them directly.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "tools/monitor.h"

const char *mon_kind_name(mon_kind_t k)
{
	static const char *const names[MON_KIND__COUNT] = {"down", "serial-diverged",
	                                                   "rrsig-expiry"};
	return (unsigned)k < MON_KIND__COUNT ? names[k] : "?";
}

double mon_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double mon_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------- window */

int mon_window_init(mon_window_t *w, unsigned cap)
{
	memset(w, 0, sizeof(*w));
	if (cap == 0 || cap > MON_WINDOW_MAX)
		return ERR_RANGE;
	w->v = calloc(cap, sizeof(*w->v));
	if (w->v == NULL)
		return -ENOMEM;
	w->cap = cap;
	return 0;
}

void mon_window_free(mon_window_t *w)
{
	free(w->v);
	memset(w, 0, sizeof(*w));
}

void mon_window_add(mon_window_t *w, double x)
{
	if (w->cap == 0)
		return;
	w->v[w->next] = x;
	w->next = (w->next + 1) % w->cap;
	if (w->n < w->cap)
		w->n++;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double mon_window_quantile(const mon_window_t *w, double q)
{
	if (w->n == 0)
		return NAN;
	double *s = malloc(w->n * sizeof(*s));
	if (s == NULL)
		return NAN;
	/* the ring holds the last n samples; their order does not matter */
	memcpy(s, w->v, w->n * sizeof(*s));
	qsort(s, w->n, sizeof(*s), cmp_double);
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	size_t rank = (size_t)ceil(q * (double)w->n);
	double x = s[rank == 0 ? 0 : rank - 1];
	free(s);
	return x;
}

/* ----------------------------------------------------------- incident */

mon_event_t mon_incident_step(mon_incident_t *i, bool bad, double now, unsigned need_streak,
                              double need_secs)
{
	if (!bad) {
		mon_event_t ev = i->st == MON_INC_FIRING ? MON_EV_RECOVERY : MON_EV_NONE;
		i->st = MON_INC_OK;
		i->streak = 0;
		return ev;
	}
	if (i->st == MON_INC_FIRING) {
		if (i->streak < UINT32_MAX)
			i->streak++;
		return MON_EV_NONE;
	}
	if (i->st == MON_INC_OK) {
		i->st = MON_INC_PENDING;
		i->streak = 0;
		i->since = now;
	}
	if (i->streak < UINT32_MAX)
		i->streak++;
	if (i->streak >= need_streak && now - i->since >= need_secs) {
		i->st = MON_INC_FIRING;
		return MON_EV_ALERT;
	}
	return MON_EV_NONE;
}

/* ------------------------------------------------------------- serials */

int mon_serial_lag(uint32_t ref, uint32_t s, int64_t *lag)
{
	uint32_t d = ref - s; /* mod 2^32 */
	if (d == 0x80000000u) {
		*lag = 0;
		return ERR_RANGE;
	}
	/* RFC 1982 §3.2: s < ref when 0 < ref - s < 2^31 */
	*lag = d < 0x80000000u ? (int64_t)d : -(int64_t)(uint32_t)(s - ref);
	return 0;
}

void mon_hist_note(mon_serial_hist_t *h, uint32_t serial, double now)
{
	if (h->n > 0 && h->serial[h->n - 1] == serial)
		return;
	if (h->n == MON_SERIAL_HIST) {
		memmove(h->serial, h->serial + 1, (MON_SERIAL_HIST - 1) * sizeof(h->serial[0]));
		memmove(h->seen, h->seen + 1, (MON_SERIAL_HIST - 1) * sizeof(h->seen[0]));
		h->n--;
	}
	h->serial[h->n] = serial;
	h->seen[h->n] = now;
	h->n++;
}

double mon_hist_lag_seconds(const mon_serial_hist_t *h, uint32_t s, double now)
{
	if (h->n == 0)
		return 0;
	int64_t lag;
	if (mon_serial_lag(h->serial[h->n - 1], s, &lag) == 0 && lag <= 0)
		return 0; /* equal to the latest or ahead of it: not behind */
	/* the first serial of the history newer than s; the history may go
	 * back and forth (a primary restored from backup), so the first one
	 * after the last that was not newer */
	size_t i = h->n;
	while (i > 0) {
		int64_t l;
		if (mon_serial_lag(h->serial[i - 1], s, &l) != 0 || l <= 0)
			break;
		i--;
	}
	if (i == h->n) /* incomparable with the latest: since it appeared */
		i = h->n - 1;
	double d = now - h->seen[i];
	return d > 0 ? d : 0;
}
