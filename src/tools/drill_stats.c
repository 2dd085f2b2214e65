/*
 * The drill's arithmetic: the wrong-answer check, success rates and
 * latency quantiles over time windows, the failover time, and the SVG
 * timeline (plain text written with fprintf).  Nothing here touches the
 * network: the unit tests (tests/unit/test_drill.c) drive it directly.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tools/drill.h"

drill_ans_t drill_answer_check(unsigned rcode, const uint8_t (*addr)[4], size_t n,
                               const uint8_t expect[4])
{
	if (rcode == 3) /* NXDOMAIN for a name the wildcard covers: a lie */
		return DRILL_ANS_WRONG;
	if (rcode != 0)
		return DRILL_ANS_FAIL;
	if (n == 0)
		return DRILL_ANS_WRONG;
	for (size_t i = 0; i < n; i++)
		if (memcmp(addr[i], expect, 4) != 0)
			return DRILL_ANS_WRONG;
	return DRILL_ANS_OK;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double drill_quantile(double *v, size_t n, double q)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	if (q <= 0)
		return v[0];
	if (q >= 1)
		return v[n - 1];
	/* nearest rank: the smallest value with at least q of them at or below */
	size_t rank = (size_t)ceil(q * (double)n);
	if (rank < 1)
		rank = 1;
	return v[rank - 1];
}

typedef bool (*pick_fn)(const drill_sample_t *s, const void *arg);

static int stats_of(const drill_sample_t *s, size_t n, pick_fn pick, const void *arg,
                    drill_stats_t *out)
{
	memset(out, 0, sizeof(*out));
	double *lat = malloc((n ? n : 1) * sizeof(*lat));
	if (lat == NULL)
		return -ENOMEM;
	size_t nl = 0;
	for (size_t i = 0; i < n; i++) {
		if (!pick(&s[i], arg))
			continue;
		out->sent++;
		switch ((drill_ans_t)s[i].res) {
		case DRILL_ANS_OK:
			out->ok++;
			lat[nl++] = s[i].lat;
			break;
		case DRILL_ANS_WRONG:
			out->wrong++;
			lat[nl++] = s[i].lat;
			break;
		case DRILL_ANS_FAIL:
			out->fail++;
			break;
		default:
			out->timeout++;
			break;
		}
	}
	out->success = out->sent ? (double)out->ok / (double)out->sent : 1.0;
	out->p50 = drill_quantile(lat, nl, 0.50);
	out->p99 = drill_quantile(lat, nl, 0.99);
	free(lat);
	return 0;
}

struct range {
	double from, to;
};

static bool in_range(const drill_sample_t *s, const void *arg)
{
	const struct range *r = arg;
	return s->t >= r->from && (r->to < 0 || s->t < r->to);
}

int drill_stats(const drill_sample_t *s, size_t n, double from, double to, drill_stats_t *out)
{
	struct range r = {from, to};
	return stats_of(s, n, in_range, &r, out);
}

struct windows {
	const double (*w)[2];
	size_t nw;
	bool inside;
};

static bool in_windows(const drill_sample_t *s, const void *arg)
{
	const struct windows *w = arg;
	for (size_t i = 0; i < w->nw; i++)
		if (s->t >= w->w[i][0] && s->t < w->w[i][1])
			return w->inside;
	return !w->inside;
}

int drill_stats_windows(const drill_sample_t *s, size_t n, const double (*w)[2], size_t nw,
                        bool inside, drill_stats_t *out)
{
	struct windows arg = {w, nw, inside};
	return stats_of(s, n, in_windows, &arg, out);
}

double drill_failover_ms(const drill_sample_t *s, size_t n, double t0, double t1, double slow_ms)
{
	double last = -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i].t < t0 || s[i].t > t1)
			continue;
		if (s[i].res != DRILL_ANS_OK || s[i].lat > slow_ms)
			last = s[i].t;
	}
	return last < 0 ? 0 : last - t0;
}

/* ------------------------------------------------------------- SVG */

void drill_xml_escape(const char *text, char *out, size_t cap)
{
	size_t k = 0;
	if (cap == 0)
		return;
	for (const char *p = text; *p; p++) {
		const char *rep = NULL;
		char one[2] = {*p, '\0'};
		switch (*p) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&apos;";
			break;
		default:
			/* control characters are not XML 1.0 text */
			if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
				one[0] = '?';
			rep = one;
		}
		size_t l = strlen(rep);
		if (k + l >= cap)
			break;
		memcpy(out + k, rep, l);
		k += l;
	}
	out[k] = '\0';
}

#define SVG_W   720
#define SVG_H   260
#define PLOT_X0 60
#define PLOT_X1 660
#define PLOT_Y0 40
#define PLOT_Y1 220

int drill_svg_write(FILE *out, const char *title, const drill_sample_t *s, size_t n,
                    const double (*w)[2], size_t nw, const drill_event_t *ev, size_t nev,
                    double bucket_ms)
{
	char esc[512];
	double tmax = 1;
	for (size_t i = 0; i < n; i++)
		if (s[i].t + s[i].lat > tmax)
			tmax = s[i].t + s[i].lat;
	for (size_t i = 0; i < nev; i++)
		if (ev[i].t > tmax)
			tmax = ev[i].t;
	if (bucket_ms <= 0)
		bucket_ms = 1000;
	size_t nb = (size_t)(tmax / bucket_ms) + 1;
	if (nb > 4000) {
		bucket_ms = tmax / 3999;
		nb = 4000;
	}
	double *rate = calloc(nb, sizeof(double)), *p99 = calloc(nb, sizeof(double));
	size_t *cnt = calloc(nb, sizeof(size_t));
	double *lat = malloc((n ? n : 1) * sizeof(double));
	if (rate == NULL || p99 == NULL || cnt == NULL || lat == NULL) {
		free(rate), free(p99), free(cnt), free(lat);
		return -ENOMEM;
	}
	double latmax = 1;
	for (size_t b = 0; b < nb; b++) {
		size_t ok = 0, nl = 0;
		for (size_t i = 0; i < n; i++) {
			if (s[i].t < b * bucket_ms || s[i].t >= (b + 1) * bucket_ms)
				continue;
			cnt[b]++;
			ok += s[i].res == DRILL_ANS_OK;
			if (s[i].res == DRILL_ANS_OK || s[i].res == DRILL_ANS_WRONG)
				lat[nl++] = s[i].lat;
		}
		rate[b] = cnt[b] ? 100.0 * (double)ok / (double)cnt[b] : -1;
		p99[b] = nl ? drill_quantile(lat, nl, 0.99) : -1;
		if (p99[b] > latmax)
			latmax = p99[b];
	}
	free(lat);
	const double xs = (double)(PLOT_X1 - PLOT_X0) / tmax;
	const double ys = (double)(PLOT_Y1 - PLOT_Y0);
#define X(t) (PLOT_X0 + (t)*xs)
	drill_xml_escape(title ? title : "nsfleet drill", esc, sizeof(esc));
	fprintf(out,
	        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
	        "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n"
	        "<title>%s</title>\n"
	        "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"white\"/>\n"
	        "<text x=\"%d\" y=\"20\" font-size=\"13\">%s</text>\n",
	        SVG_W, SVG_H, SVG_W, SVG_H, esc, SVG_W, SVG_H, PLOT_X0, esc);
	for (size_t i = 0; i < nw; i++) {
		double a = w[i][0] < 0 ? 0 : w[i][0], z = w[i][1] > tmax ? tmax : w[i][1];
		if (z > a)
			fprintf(out,
			        "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
			        "fill=\"#f4cccc\"/>\n",
			        X(a), PLOT_Y0, (z - a) * xs, PLOT_Y1 - PLOT_Y0);
	}
	fprintf(
	    out,
	    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>\n",
	    PLOT_X0, PLOT_Y0, PLOT_X1 - PLOT_X0, PLOT_Y1 - PLOT_Y0);
	/* axes: success 0-100 % left, p99 latency right, time below */
	fprintf(out,
	        "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#1a7f37\">100%%</text>\n"
	        "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#1a7f37\">0%%</text>\n"
	        "<text x=\"%d\" y=\"%d\" fill=\"#0550ae\">%.0f ms</text>\n"
	        "<text x=\"%d\" y=\"%d\" fill=\"#0550ae\">0 ms</text>\n"
	        "<text x=\"%d\" y=\"%d\">0 s</text>\n"
	        "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.1f s</text>\n"
	        "<text x=\"%d\" y=\"%d\" fill=\"#1a7f37\">success rate</text>\n"
	        "<text x=\"%d\" y=\"%d\" fill=\"#0550ae\">p99 latency</text>\n"
	        "<text x=\"%d\" y=\"%d\" fill=\"#b42318\">fault</text>\n",
	        PLOT_X0 - 4, PLOT_Y0 + 4, PLOT_X0 - 4, PLOT_Y1, PLOT_X1 + 4, PLOT_Y0 + 4, latmax,
	        PLOT_X1 + 4, PLOT_Y1, PLOT_X0, PLOT_Y1 + 14, PLOT_X1, PLOT_Y1 + 14, tmax / 1000.0,
	        PLOT_X0, SVG_H - 12, PLOT_X0 + 110, SVG_H - 12, PLOT_X0 + 220, SVG_H - 12);
	for (int line = 0; line < 2; line++) {
		const double *v = line == 0 ? rate : p99;
		double scale = line == 0 ? 100.0 : latmax;
		bool open = false;
		for (size_t b = 0; b < nb; b++) {
			if (v[b] < 0)
				continue;
			double x = X((b + 0.5) * bucket_ms), y = PLOT_Y1 - v[b] / scale * ys;
			if (!open) {
				fprintf(
				    out,
				    "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
				    "points=\"",
				    line == 0 ? "#1a7f37" : "#0550ae");
				open = true;
			}
			fprintf(out, "%.1f,%.1f ", x, y);
		}
		if (open)
			fprintf(out, "\"/>\n");
	}
	for (size_t i = 0; i < nev; i++) {
		drill_xml_escape(ev[i].what, esc, sizeof(esc));
		fprintf(out,
		        "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#b42318\">"
		        "<title>%.1f s: %s</title></line>\n",
		        X(ev[i].t), PLOT_Y0 - 6, X(ev[i].t), PLOT_Y0, ev[i].t / 1000.0, esc);
	}
#undef X
	fprintf(out, "</svg>\n");
	free(rate), free(p99), free(cnt);
	return ferror(out) ? -EIO : 0;
}
