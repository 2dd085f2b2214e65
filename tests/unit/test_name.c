/* Unit tests of src/dns/name.c: text and wire forms at their limits,
 * compression, canonical order and the lookup key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/err.h"
#include "dns/name.h"

static const uint8_t ORIGIN[] = "\7example\3com";

static int parse(const char *s, uint8_t *out, size_t *len)
{
	return name_from_text(s, strlen(s), ORIGIN, out, len);
}

static void roundtrip(const char *in, const char *want)
{
	uint8_t n[NAME_MAXLEN];
	size_t len;
	char txt[NAME_TEXT_MAXLEN];
	assert_int_equal(parse(in, n, &len), 0);
	assert_int_equal(name_check(n, len), (int)len);
	assert_int_equal(name_length(n), len);
	assert_true(name_to_text(n, txt, sizeof(txt)) > 0);
	assert_string_equal(txt, want);
}

static void test_text(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"www", "www.example.com."},
		{"www.example.org.", "www.example.org."},
		{"@", "example.com."},
		{".", "."},
		{"a\\.b.c.", "a\\.b.c."},
		{"\\065\\066.", "AB."},
		{"\\000\\255.", "\\000\\255."},
		{"sp\\ ace.", "sp\\032ace."},
		{"q\\\"x.", "q\\\"x."},
		{"\\@\\$\\;\\(\\).", "\\@\\$\\;\\(\\)."},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		roundtrip(cases[i].in, cases[i].want);
}

static void test_errors(void **state)
{
	(void)state;
	uint8_t n[NAME_MAXLEN];
	size_t len;
	assert_int_equal(parse("a..b.", n, &len), ERR_EMPTY_LABEL);
	assert_int_equal(parse(".a.", n, &len), ERR_EMPTY_LABEL);
	assert_int_equal(parse("a\\", n, &len), ERR_BAD_ESCAPE);
	assert_int_equal(parse("a\\25", n, &len), ERR_BAD_ESCAPE);
	assert_int_equal(parse("a\\256.", n, &len), ERR_BAD_ESCAPE);
	assert_int_equal(name_from_text("rel", 3, NULL, n, &len), ERR_SYNTAX);
	assert_int_equal(name_from_text("", 0, ORIGIN, n, &len), ERR_SYNTAX);
}

/* Labels of 63 and 64 octets; names of 255 and 256 octets. */
static void test_limits(void **state)
{
	(void)state;
	char buf[600];
	uint8_t n[NAME_MAXLEN];
	size_t len;
	memset(buf, 'a', 63);
	strcpy(buf + 63, ".");
	assert_int_equal(parse(buf, n, &len), 0);
	assert_int_equal(len, 65);
	memset(buf, 'a', 64);
	strcpy(buf + 64, ".");
	assert_int_equal(parse(buf, n, &len), ERR_LABEL_TOO_LONG);
	/* 3 labels of 63 + one of 61: 4*64 - 2 + 1 = 255 octets */
	size_t o = 0;
	for (int l = 0; l < 4; l++) {
		int ll = l == 3 ? 61 : 63;
		memset(buf + o, 'b', (size_t)ll);
		o += (size_t)ll;
		buf[o++] = '.';
	}
	buf[o] = 0;
	assert_int_equal(parse(buf, n, &len), 0);
	assert_int_equal(len, 255);
	assert_int_equal(name_check(n, len), 255);
	/* one more label: 257 octets */
	memmove(buf + 2, buf, o + 1);
	buf[0] = 'c';
	buf[1] = '.';
	assert_int_equal(parse(buf, n, &len), ERR_NAME_TOO_LONG);
	/* a relative name that overflows only with the 13-octet origin */
	memmove(buf, buf + 2, o + 1);
	buf[o - 2] = 0; /* last label 60 octets, no final dot: 253 + 13 */
	assert_int_equal(name_from_text(buf, strlen(buf), NULL, n, &len), ERR_SYNTAX);
	assert_int_equal(parse(buf, n, &len), ERR_NAME_TOO_LONG);
	/* escaped octets count once */
	o = 0;
	for (int i = 0; i < 63; i++) {
		memcpy(buf + o, "\\046", 4);
		o += 4;
	}
	strcpy(buf + o, ".");
	assert_int_equal(parse(buf, n, &len), 0);
	assert_int_equal(n[0], 63);
	/* wire checks */
	uint8_t w[300];
	memset(w, 0, sizeof(w));
	w[0] = 64;
	assert_int_equal(name_check(w, sizeof(w)), ERR_LABEL_TOO_LONG);
	w[0] = 3;
	assert_int_equal(name_check(w, 3), ERR_TRUNCATED);
	w[0] = 0xc0;
	assert_int_equal(name_check(w, 2), ERR_BAD_POINTER);
}

static void test_unpack(void **state)
{
	(void)state;
	/* msg: "example.com" at 0, then "www" + ptr to 0, then a ptr loop */
	uint8_t msg[] = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
			 3, 'w', 'w', 'w', 0xc0, 0,
			 0xc0, 19, /* points at itself */
			 0xc0, 23, /* points forward */
			 0};
	uint8_t out[NAME_MAXLEN];
	size_t outlen, pos = 13;
	assert_int_equal(name_unpack(msg, sizeof(msg), &pos, out, &outlen), 0);
	assert_int_equal(pos, 19);
	assert_int_equal(outlen, 17);
	assert_memory_equal(out, "\3www\7example\3com", 17);
	pos = 19;
	assert_int_equal(name_unpack(msg, sizeof(msg), &pos, out, &outlen), ERR_BAD_POINTER);
	pos = 21;
	assert_int_equal(name_unpack(msg, sizeof(msg), &pos, out, &outlen), ERR_BAD_POINTER);
	pos = 17; /* pointer cut in half */
	assert_int_equal(name_unpack(msg, 18, &pos, out, &outlen), ERR_TRUNCATED);
}

static void test_order(void **state)
{
	(void)state;
	/* RFC 4034 §6.1 example, in order */
	const char *ordered[] = {"example.", "a.example.", "yljkjljk.a.example.",
				 "Z.a.example.", "zABC.a.EXAMPLE.", "z.example.",
				 "\\001.z.example.", "*.z.example.", "\\200.z.example."};
	size_t n = sizeof(ordered) / sizeof(ordered[0]);
	uint8_t a[NAME_MAXLEN], b[NAME_MAXLEN], ka[NAME_KEY_MAXLEN], kb[NAME_KEY_MAXLEN];
	size_t la, lb;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			assert_int_equal(parse(ordered[i], a, &la), 0);
			assert_int_equal(parse(ordered[j], b, &lb), 0);
			int c = name_compare(a, b);
			int want = i < j ? -1 : i > j ? 1 : 0;
			assert_int_equal(c < 0 ? -1 : c > 0 ? 1 : 0, want);
			size_t kla = name_to_key(a, ka), klb = name_to_key(b, kb);
			size_t m = kla < klb ? kla : klb;
			int kc = memcmp(ka, kb, m);
			if (kc == 0)
				kc = kla < klb ? -1 : kla > klb ? 1 : 0;
			assert_int_equal(kc < 0 ? -1 : kc > 0 ? 1 : 0, want);
		}
	}
	/* octets 0 and 1 inside labels keep their order in keys */
	assert_int_equal(parse("a\\000.", a, &la), 0);
	assert_int_equal(parse("a\\001.", b, &lb), 0);
	size_t kla = name_to_key(a, ka), klb = name_to_key(b, kb);
	assert_true(memcmp(ka, kb, kla < klb ? kla : klb) < 0);
	uint8_t back[NAME_MAXLEN];
	assert_int_equal(name_from_key(ka, kla, back), (int)la);
	assert_memory_equal(back, a, la);
	assert_true(name_equal(a, a));
	assert_false(name_equal(a, b));
	assert_int_equal(name_from_key((const uint8_t *)"x", 1, back), ERR_MALFORMED);
}

static void test_below(void **state)
{
	(void)state;
	uint8_t a[NAME_MAXLEN], b[NAME_MAXLEN];
	size_t la, lb;
	assert_int_equal(parse("www.EXAMPLE.com.", a, &la), 0);
	assert_int_equal(parse("@", b, &lb), 0);
	assert_true(name_is_below(a, b));
	assert_true(name_is_below(b, b));
	assert_false(name_is_below(b, a));
	assert_int_equal(parse("wwwexample.com.", a, &la), 0);
	assert_int_equal(parse("example.com.", b, &lb), 0);
	assert_false(name_is_below(a, b));
	assert_int_equal(name_labels(b), 2);
	name_to_lower(a);
	assert_string_equal((char *)a + 1, "wwwexample\3com");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),   cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits), cmocka_unit_test(test_unpack),
		cmocka_unit_test(test_order),  cmocka_unit_test(test_below),
	};
	return cmocka_run_group_tests_name("name", tests, NULL, NULL);
}
