/* Unit tests of the configuration (src/server/conf*.c): the contract
 * example, defaults, every error kind at its line:column, all errors in
 * one run, quick mode, ACL matching and the generated doc/config.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "common/err.h"
#include "server/conf.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

typedef struct {
	char file[64];
	unsigned line, col;
	conf_sev_t sev;
	char msg[600];
} seen_t;

typedef struct {
	seen_t v[200];
	size_t n, errors, notes;
} rep_t;

static void on_report(void *ctx, const char *file, unsigned line, unsigned col, conf_sev_t sev,
                      const char *msg)
{
	rep_t *r = ctx;
	if (sev == CONF_ERROR)
		r->errors++;
	if (sev == CONF_NOTE)
		r->notes++;
	if (r->n < sizeof r->v / sizeof r->v[0]) {
		seen_t *s = &r->v[r->n++];
		snprintf(s->file, sizeof s->file, "%s", file);
		s->line = line, s->col = col, s->sev = sev;
		snprintf(s->msg, sizeof s->msg, "%s", msg);
	}
}

static void dump(const rep_t *r)
{
	for (size_t i = 0; i < r->n; i++)
		printf("  %s:%u:%u: %d: %s\n", r->v[i].file, r->v[i].line, r->v[i].col, r->v[i].sev,
		       r->v[i].msg);
}

static conf_t *load_ok(const char *yaml)
{
	rep_t r = {0};
	conf_t *c = NULL;
	int rc = conf_load_buffer("t.yaml", yaml, strlen(yaml), &c, on_report, &r);
	if (rc != 0)
		dump(&r);
	assert_int_equal(rc, 0);
	assert_int_equal(r.errors, 0);
	assert_non_null(c);
	return c;
}

static void check_addr(const conf_addr_t *a, int fam, const char *ip, unsigned port)
{
	char buf[INET6_ADDRSTRLEN];
	assert_int_equal(a->sa.ss_family, fam);
	if (fam == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)&a->sa;
		assert_int_equal(a->len, sizeof *s);
		inet_ntop(AF_INET, &s->sin_addr, buf, sizeof buf);
		assert_int_equal(ntohs(s->sin_port), port);
	} else {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)&a->sa;
		assert_int_equal(a->len, sizeof *s);
		inet_ntop(AF_INET6, &s->sin6_addr, buf, sizeof buf);
		assert_int_equal(ntohs(s->sin6_port), port);
	}
	assert_string_equal(buf, ip);
}

/* The example of doc/ARCHITECTURE.md, with the remotes sec1 and sec2 it
 * names defined and a real secret. */
static const char CONTRACT[] =
    "server:\n"
    "  listen: [ \"127.0.0.1@5300\", \"::1@5300\" ]\n"
    "  udp-workers: 2            # default: number of CPUs\n"
    "  storage: /var/lib/nsfleet # zone files, journal, timers, keys\n"
    "  control: /run/nsfleet/control.sock\n"
    "  metrics: \"127.0.0.1@9153\" # Prometheus /metrics, status page\n"
    "  identity: ns1.example.net # NSID, id.server\n"
    "key:\n"
    "  - id: xfr\n"
    "    algorithm: hmac-sha256\n"
    "    secret: \"c2VjcmV0IQ==\"\n"
    "remote:\n"
    "  - id: primary\n"
    "    address: [ \"192.0.2.1@53\" ]\n"
    "    key: xfr\n"
    "  - id: sec1\n"
    "    address: [ \"2001:db8::2\" ]\n"
    "  - id: sec2\n"
    "    address: 198.51.100.3@5353\n"
    "acl:\n"
    "  - id: secondaries\n"
    "    address: [ \"192.0.2.0/24\", \"2001:db8::/32\" ]\n"
    "    key: xfr\n"
    "    action: [ transfer, notify, update ]\n"
    "zone:\n"
    "  - domain: example.com\n"
    "    role: primary            # or secondary\n"
    "    file: example.com.zone   # relative to storage\n"
    "    primaries: [ primary ]   # secondary only\n"
    "    notify: [ sec1, sec2 ]\n"
    "    acl: [ secondaries ]\n"
    "    serial-policy: increment # keep | increment | unixtime | dateserial\n";

static void test_contract(void **state)
{
	(void)state;
	conf_t *c = load_ok(CONTRACT);
	const conf_server_t *s = &c->server;
	assert_int_equal(s->listen.n, 2);
	check_addr(&s->listen.v[0], AF_INET, "127.0.0.1", 5300);
	check_addr(&s->listen.v[1], AF_INET6, "::1", 5300);
	assert_int_equal(s->udp_workers, 2);
	assert_string_equal(s->storage, "/var/lib/nsfleet");
	assert_string_equal(s->control, "/run/nsfleet/control.sock");
	assert_true(s->has_metrics);
	check_addr(&s->metrics, AF_INET, "127.0.0.1", 9153);
	assert_string_equal(s->identity, "ns1.example.net");
	assert_string_equal(s->version, "nsfleet " NSF_VERSION);
	assert_int_equal(s->udp_max_payload, 1232);
	assert_int_equal(s->tcp_idle_timeout, 10);
	assert_int_equal(s->tcp_max_clients, 1000);

	assert_int_equal(c->key.n, 1);
	const conf_key_t *k = &c->key.v[0];
	assert_string_equal(k->id, "xfr");
	assert_memory_equal(k->name, "\3xfr", 5);
	assert_int_equal(k->algorithm, CONF_HMAC_SHA256);
	assert_int_equal(k->secret_len, 7);
	assert_memory_equal(k->secret, "secret!", 7);
	assert_ptr_equal(conf_key_find(c, (const uint8_t *)"\3XFR"), k);

	assert_int_equal(c->remote.n, 3);
	assert_string_equal(c->remote.v[0].id, "primary");
	check_addr(&c->remote.v[0].address.v[0], AF_INET, "192.0.2.1", 53);
	assert_ptr_equal(c->remote.v[0].key, k);
	check_addr(&c->remote.v[1].address.v[0], AF_INET6, "2001:db8::2", 53);
	assert_null(c->remote.v[1].key);
	assert_int_equal(c->remote.v[2].address.n, 1);
	check_addr(&c->remote.v[2].address.v[0], AF_INET, "198.51.100.3", 5353);

	assert_int_equal(c->acl.n, 1);
	const conf_acl_t *a = &c->acl.v[0];
	assert_int_equal(a->address.n, 2);
	assert_int_equal(a->address.v[0].family, AF_INET);
	assert_int_equal(a->address.v[0].bits, 24);
	assert_int_equal(a->address.v[1].family, AF_INET6);
	assert_int_equal(a->address.v[1].bits, 32);
	assert_ptr_equal(a->key, k);
	assert_int_equal(a->actions,
	                 CONF_ACTION_TRANSFER | CONF_ACTION_NOTIFY | CONF_ACTION_UPDATE);

	assert_int_equal(c->zone.n, 1);
	const conf_zone_t *z = &c->zone.v[0];
	assert_memory_equal(z->domain, "\7example\3com", 13);
	assert_string_equal(z->domain_text, "example.com");
	assert_int_equal(z->role, CONF_ROLE_PRIMARY);
	assert_string_equal(z->file, "example.com.zone");
	assert_string_equal(z->path, "/var/lib/nsfleet/example.com.zone");
	assert_int_equal(z->primaries.n, 1);
	assert_ptr_equal(z->primaries.v[0], &c->remote.v[0]);
	assert_int_equal(z->notify.n, 2);
	assert_ptr_equal(z->notify.v[0], &c->remote.v[1]);
	assert_ptr_equal(z->notify.v[1], &c->remote.v[2]);
	assert_int_equal(z->acl.n, 1);
	assert_ptr_equal(z->acl.v[0], a);
	assert_int_equal(z->serial_policy, CONF_SERIAL_INCREMENT);
	assert_ptr_equal(conf_zone_find(c, (const uint8_t *)"\7EXAMPLE\3com"), z);
	assert_null(conf_zone_find(c, (const uint8_t *)"\3com"));
	conf_free(c);
}

static void test_defaults(void **state)
{
	(void)state;
	static const char *const empty[] = {"", "# nothing\n", "---\n", "server:\n", "{}\n"};
	for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
		conf_t *c = load_ok(empty[i]);
		assert_int_equal(c->server.listen.n, 0);
		assert_true(c->server.udp_workers >= 1 && c->server.udp_workers <= 256);
		assert_true(c->server.tcp_workers >= 1 && c->server.tcp_workers <= 256);
		assert_string_equal(c->server.storage, CONF_DEFAULT_STORAGE);
		assert_null(c->server.control);
		assert_null(c->server.identity);
		assert_false(c->server.has_metrics);
		assert_string_equal(c->server.version, "nsfleet " NSF_VERSION);
		assert_int_equal(c->server.udp_max_payload, 1232);
		assert_int_equal(c->zone.n, 0);
		conf_free(c);
	}
	conf_t *c = load_ok("server:\n  storage: /srv/dns/\n  metrics: ::1\n"
	                    "zone:\n  - domain: Example.ORG.\n  - domain: .\n"
	                    "  - domain: a.example\n    file: /abs/a.zone\n    role: SECONDARY\n"
	                    "    primaries: p\n"
	                    "remote:\n  - id: p\n    address: 192.0.2.1\n");
	check_addr(&c->server.metrics, AF_INET6, "::1", 9153);
	assert_string_equal(c->zone.v[0].file, "example.org.zone");
	assert_string_equal(c->zone.v[0].path, "/srv/dns/example.org.zone");
	assert_int_equal(c->zone.v[0].serial_policy, CONF_SERIAL_INCREMENT);
	assert_int_equal(c->zone.v[0].role, CONF_ROLE_PRIMARY);
	assert_true(c->zone.v[0].notify_ns);
	assert_int_equal(c->zone.v[0].shrink_limit, 50);
	assert_ptr_equal(c->zone.v[0].server, &c->server);
	assert_ptr_equal(c->zone.v[2].server, &c->server);
	assert_string_equal(c->zone.v[1].file, "root.zone");
	assert_string_equal(c->zone.v[2].path, "/abs/a.zone");
	assert_int_equal(c->zone.v[2].role, CONF_ROLE_SECONDARY);
	assert_ptr_equal(c->zone.v[2].primaries.v[0], &c->remote.v[0]);
	conf_free(c);
}

/* The zone options of the primary's NOTIFY set and shrink guard. */
static void test_primary_options(void **state)
{
	(void)state;
	conf_t *c = load_ok("zone:\n  - domain: a\n    notify-ns: false\n    shrink-limit: 100\n"
	                    "  - domain: b\n    notify-ns: yes\n    shrink-limit: 0\n"
	                    "  - domain: c\n");
	assert_false(c->zone.v[0].notify_ns);
	assert_int_equal(c->zone.v[0].shrink_limit, 100);
	assert_true(c->zone.v[1].notify_ns);
	assert_int_equal(c->zone.v[1].shrink_limit, 0);
	assert_true(c->zone.v[2].notify_ns);
	assert_int_equal(c->zone.v[2].shrink_limit, 50);
	/* the SOA timer bounds: defaults keep the SOA's values */
	assert_int_equal(c->zone.v[2].refresh_min, 1);
	assert_int_equal(c->zone.v[2].refresh_max, 2419200);
	assert_int_equal(c->zone.v[2].expire_min, 1);
	conf_free(c);
	c = load_ok("zone:\n  - domain: a\n    refresh-max-interval: 60\n    retry-min-interval: 5\n");
	assert_int_equal(c->zone.v[0].refresh_max, 60);
	assert_int_equal(c->zone.v[0].retry_min, 5);
	assert_int_equal(c->zone.v[0].retry_max, 2419200);
	conf_free(c);
	/* quick mode: the same defaults, and the server section is known */
	static const char *const listen[] = {"127.0.0.1@5300"};
	static const char *const zones[] = {"example.com=x.zone"};
	conf_quick_t q = {listen, 1, zones, 1, NULL, 0, NULL, 0, NULL};
	rep_t r = {0};
	assert_int_equal(conf_from_quick(&q, &c, on_report, &r), 0);
	assert_true(c->zone.v[0].notify_ns);
	assert_int_equal(c->zone.v[0].shrink_limit, 50);
	assert_ptr_equal(c->zone.v[0].server, &c->server);
	conf_free(c);
}

static void test_version(void **state)
{
	(void)state;
	static const struct {
		const char *yaml;
		const char *want; /* NULL: refused */
	} T[] = {
	    {"server:\n  version: false\n", NULL},
	    {"server:\n  version: \"\"\n", NULL},
	    {"server:\n  version: ''\n", NULL},
	    {"server:\n  version: no\n", NULL},
	    {"server:\n  version: true\n", "nsfleet " NSF_VERSION},
	    {"server:\n  version: \"false\"\n", "false"},
	    {"server:\n  version: hidden 1.0\n", "hidden 1.0"},
	};
	for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
		conf_t *c = load_ok(T[i].yaml);
		if (T[i].want == NULL)
			assert_null(c->server.version);
		else
			assert_string_equal(c->server.version, T[i].want);
		conf_free(c);
	}
}

/* One problem each, at its exact position. */
static const struct {
	const char *yaml;
	unsigned line, col;
	const char *substr;
} ERRORS[] = {
    /* YAML syntax (libyaml's problem mark) */
    {"server:\n  listen: [ \"a\"\n", 3, 1, "YAML: did not find expected ','"},
    {"server:\n  listen: \"unterminated\n", 3, 1, "YAML: found unexpected end of stream"},
    {"server:\n\tlisten: x\n", 2, 1, "YAML: found character that cannot start"},
    {"a: b\n- c\n", 2, 1, "YAML:"},
    {"x: \xff\n", 1, 4, "YAML: invalid"},
    {"server: {}\n---\nb: 2\n", 2, 1, "more than one YAML document"},
    {"server: &s {}\nkey: *s\n", 2, 6, "aliases are not supported"},
    /* structure */
    {"- a\n- b\n", 1, 1, "must be a mapping of sections"},
    {"foo: 1\n", 1, 1, "unknown section 'foo'"},
    {"server:\n  foo: 1\n", 2, 3, "unknown option 'foo' in section 'server'"},
    {"zone:\n  - domain: a\n    Role: primary\n", 3, 5, "unknown option 'Role' in section 'zone'"},
    {"server:\n  control: /a\n  control: /b\n", 3, 3, "duplicate key 'control' (first at line 2)"},
    {"server: {}\nserver: {}\n", 2, 1, "duplicate key 'server'"},
    {"server: [ 1 ]\n", 1, 9, "section 'server' must be a mapping"},
    {"zone:\n  domain: a\n", 2, 3, "section 'zone' must be a list of mappings"},
    {"zone:\n  - a\n", 2, 5, "an item of section 'zone' must be a mapping"},
    {"server:\n  ? [a]\n  : 1\n", 2, 5, "a key must be a plain name"},
    /* types and ranges */
    {"server:\n  udp-workers: two\n", 2, 16, "udp-workers: expected an integer, got 'two'"},
    {"server:\n  udp-workers: -1\n", 2, 16, "expected an integer"},
    {"server:\n  udp-workers: 0\n", 2, 16, "udp-workers: 0 is out of range 1..256"},
    {"server:\n  udp-workers: 257\n", 2, 16, "257 is out of range 1..256"},
    {"server:\n  udp-workers: 99999999999999999999\n", 2, 16, "out of range 1..256"},
    {"server:\n  udp-max-payload: 511\n", 2, 20, "511 is out of range 512..4096"},
    {"server:\n  udp-max-payload: 4097\n", 2, 20, "out of range 512..4096"},
    {"server:\n  udp-workers: [ 1 ]\n", 2, 16, "expected a single value, got a list"},
    {"server:\n  identity:\n", 2, 12, "identity: missing value"},
    {"server:\n  identity: \"\"\n", 2, 13, "identity: must not be empty"},
    {"server:\n  control: \"a\\0b\"\n", 2, 12, "NUL character"},
    {"server:\n  listen: { a: b }\n", 2, 11, "listen: expected a list, got a mapping"},
    /* addresses */
    {"server:\n  listen: [ 127.0.0.1@5300, \"::1@0\" ]\n", 2, 29, "bad port"},
    {"server:\n  listen: 127.0.0.1@65536\n", 2, 11, "bad port"},
    {"server:\n  listen: 127.0.0.1@\n", 2, 11, "bad port"},
    {"server:\n  listen: 127.0.0.256\n", 2, 11, "bad address '127.0.0.256'"},
    {"server:\n  listen: \"[::1]:53\"\n", 2, 11, "not an IPv4 or IPv6 address"},
    {"server:\n  metrics: localhost@9153\n", 2, 12, "metrics: bad address"},
    {"acl:\n  - id: a\n    action: notify\n    address: 192.0.2.0/33\n", 4, 14,
     "prefix length above 32"},
    {"acl:\n  - id: a\n    action: notify\n    address: [ \"::/129\" ]\n", 4, 16,
     "prefix length above 128"},
    {"acl:\n  - id: a\n    action: notify\n    address: 10.0.0.0/\n", 4, 14, "bad prefix length"},
    {"acl:\n  - id: a\n    action: notify\n    address: 10.0.0.0/x\n", 4, 14, "bad prefix length"},
    /* enums */
    {"zone:\n  - domain: a\n    role: tertiary\n", 3, 11,
     "role: unknown value 'tertiary' (allowed: primary, secondary)"},
    {"zone:\n  - domain: a\n    serial-policy: random\n", 3, 20,
     "(allowed: keep, increment, unixtime, dateserial)"},
    {"key:\n  - id: k\n    algorithm: hmac-sha3\n    secret: AAAA\n", 3, 16,
     "hmac-md5, hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384, hmac-sha512"},
    {"acl:\n  - id: a\n    action: [ transfer, query ]\n", 3, 25,
     "action: unknown value 'query' (allowed: transfer, notify, update)"},
    /* the primary's NOTIFY set and shrink guard */
    {"zone:\n  - domain: a\n    notify-ns: maybe\n", 3, 16,
     "notify-ns: expected true or false, got 'maybe'"},
    {"zone:\n  - domain: a\n    notify-ns: \"false\"\n", 3, 16,
     "notify-ns: expected true or false"},
    {"zone:\n  - domain: a\n    shrink-limit: 101\n", 3, 19,
     "shrink-limit: 101 is out of range 0..100"},
    {"zone:\n  - domain: a\n    shrink-limit: 50%\n", 3, 19,
     "shrink-limit: expected an integer, got '50%'"},
    /* a secondary's bounds on the SOA timers */
    {"zone:\n  - domain: a\n    refresh-min-interval: 600\n    refresh-max-interval: 60\n", 3,
     27, "refresh-min-interval: 600 is above refresh-max-interval 60"},
    {"zone:\n  - domain: a\n    expire-max-interval: 0\n", 3, 26,
     "expire-max-interval: 0 is out of range 1..2419200"},
    /* names, base64 */
    {"zone:\n  - domain: a..b\n", 2, 13, "domain: bad domain name 'a..b'"},
    {"zone:\n  - domain: "
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
     2, 13, "label longer than 63"},
    {"key:\n  - id: k\n    algorithm: hmac-md5\n    secret: \"abc!\"\n", 4, 13, "bad base64"},
    {"key:\n  - id: k\n    algorithm: hmac-md5\n    secret: \"a\"\n", 4, 13, "bad base64"},
    {"key:\n  - id: k\n    algorithm: hmac-md5\n    secret: \"AB==\"\n", 4, 13, "bad base64"},
    {"key:\n  - id: \"a..b\"\n    algorithm: hmac-md5\n    secret: AA==\n", 2, 9,
     "not a valid DNS name"},
    /* required */
    {"key:\n  - algorithm: hmac-md5\n    secret: AA==\n", 2, 5,
     "missing required option 'id' in section 'key'"},
    {"remote:\n  - id: r\n", 2, 5, "missing required option 'address' in section 'remote'"},
    {"acl:\n  - id: a\n", 2, 5, "missing required option 'action' in section 'acl'"},
    {"zone:\n  - role: primary\n", 2, 5, "missing required option 'domain' in section 'zone'"},
    {"zone:\n  - {}\n", 2, 5, "missing required option 'domain'"},
    /* across items */
    {"zone:\n  - domain: a\n  - domain: b\n  - domain: A.\n", 4, 13,
     "duplicate zone 'A.' (first at line 2)"},
    {"remote:\n  - id: r\n    address: ::1\n  - id: r\n    address: ::2\n", 4, 9,
     "duplicate remote id 'r' (first at line 2)"},
    {"key:\n  - id: k\n    algorithm: hmac-md5\n    secret: AA==\n"
     "  - id: K.\n    algorithm: hmac-md5\n    secret: AA==\n",
     5, 9, "duplicate key id 'K.'"},
    {"zone:\n  - domain: a\n    acl: [ x, y ]\n", 3, 15, "unknown acl 'y'"},
    {"zone:\n  - domain: a\n    notify: nobody\n", 3, 13, "unknown remote 'nobody'"},
    {"remote:\n  - id: r\n    address: ::1\n    key: k\n", 4, 10, "unknown key 'k'"},
    {"zone:\n  - domain: a\n    role: secondary\n", 3, 11, "a secondary zone needs 'primaries'"},
    {"zone:\n  - domain: a\n    role: secondary\n    primaries: []\n", 3, 11, "needs 'primaries'"},
};

static const char *ACL_X = "acl:\n  - id: x\n    action: transfer\n";

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof ERRORS / sizeof ERRORS[0]; i++) {
		char yaml[2000];
		rep_t r = {0};
		conf_t *c = (conf_t *)1;
		/* the acl-reference case needs one acl to exist */
		snprintf(yaml, sizeof yaml, "%s", ERRORS[i].yaml);
		if (strstr(ERRORS[i].substr, "unknown acl 'y'") != NULL)
			snprintf(yaml, sizeof yaml, "%s%s", ERRORS[i].yaml, ACL_X);
		int rc = conf_load_buffer("t.yaml", yaml, strlen(yaml), &c, on_report, &r);
		bool ok = rc == ERR_SYNTAX && c == NULL && r.errors == 1 && r.n >= 1 &&
		          strstr(r.v[0].msg, ERRORS[i].substr) != NULL &&
		          r.v[0].line == ERRORS[i].line && r.v[0].col == ERRORS[i].col &&
		          strcmp(r.v[0].file, "t.yaml") == 0 && r.v[0].sev == CONF_ERROR;
		if (!ok) {
			printf("case %zu: want %u:%u '%s', rc %d, got:\n", i, ERRORS[i].line,
			       ERRORS[i].col, ERRORS[i].substr, rc);
			dump(&r);
		}
		assert_true(ok);
	}
}

static void test_warning(void **state)
{
	(void)state;
	static const char y[] = "acl:\n  - id: a\n    action: notify\n    address: 192.0.2.1/24\n"
	                        "zone:\n  - domain: a\n    acl: a\n";
	rep_t r = {0};
	conf_t *c = NULL;
	assert_int_equal(conf_load_buffer("t.yaml", y, strlen(y), &c, on_report, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].sev, CONF_WARNING);
	assert_int_equal(r.v[0].line, 4);
	assert_int_equal(r.v[0].col, 14);
	assert_int_equal(c->acl.v[0].address.v[0].addr[3], 0);
	conf_free(c);
}

static void test_all_errors(void **state)
{
	(void)state;
	static const char y[] = "server:\n"                            /* 1 */
	                        "  listen: [ 127.0.0.1@99999, foo ]\n" /* 2: two */
	                        "  udp-workers: 0\n"                   /* 3 */
	                        "  bogus: 1\n"                         /* 4 */
	                        "key:\n"                               /* 5 */
	                        "  - id: xfr\n"                        /* 6 */
	                        "    algorithm: hmac-sha999\n"         /* 7 */
	                        "    secret: \"!!\"\n"                 /* 8 */
	                        "zone:\n"                              /* 9 */
	                        "  - domain: example.com\n"            /* 10 */
	                        "    role: secondary\n"                /* 11 */
	                        "    acl: [ nope ]\n"                  /* 12 */
	                        "  - domain: EXAMPLE.com.\n"           /* 13 */
	                        "foo: 1\n";                            /* 14 */
	static const unsigned lines[] = {2, 2, 3, 4, 7, 8, 11, 12, 13, 14};
	rep_t r = {0};
	conf_t *c = NULL;
	assert_int_equal(conf_load_buffer("t.yaml", y, strlen(y), &c, on_report, &r), ERR_SYNTAX);
	assert_null(c);
	if (r.errors != sizeof lines / sizeof lines[0])
		dump(&r);
	assert_int_equal(r.errors, sizeof lines / sizeof lines[0]);
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		bool found = false;
		for (size_t k = 0; k < r.n; k++)
			found |= r.v[k].line == lines[i];
		assert_true(found);
	}
}

static void test_too_many_errors(void **state)
{
	(void)state;
	size_t cap = 150 * 20 + 20, o = 0;
	char *y = malloc(cap);
	assert_non_null(y);
	o += (size_t)snprintf(y + o, cap - o, "server:\n");
	for (int i = 0; i < 150; i++)
		o += (size_t)snprintf(y + o, cap - o, "  bad%d: 1\n", i);
	rep_t r = {0};
	conf_t *c = NULL;
	assert_int_equal(conf_load_buffer("t.yaml", y, o, &c, on_report, &r), ERR_SYNTAX);
	assert_int_equal(r.errors, CONF_MAX_ERRORS);
	assert_int_equal(r.notes, 1);
	assert_int_equal(r.v[CONF_MAX_ERRORS].sev, CONF_NOTE);
	free(y);
}

static void test_no_file(void **state)
{
	(void)state;
	rep_t r = {0};
	conf_t *c = (conf_t *)1;
	assert_int_equal(conf_load("/nonexistent/nsfleetd.yaml", &c, on_report, &r),
	                 -2 /* ENOENT */);
	assert_null(c);
	assert_int_equal(r.errors, 1);
	assert_int_equal(r.v[0].line, 0);
	assert_string_equal(r.v[0].file, "/nonexistent/nsfleetd.yaml");
}

/* Aliases are refused and nesting is bounded: both fail fast. */
static void test_hostile(void **state)
{
	(void)state;
	static const char bomb[] =
	    "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
	    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
	    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
	    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
	    "server: *e\n";
	rep_t r = {0};
	conf_t *c = NULL;
	clock_t t0 = clock();
	assert_int_equal(conf_load_buffer("t.yaml", bomb, strlen(bomb), &c, on_report, &r),
	                 ERR_SYNTAX);
	assert_true(r.errors > 0 && r.errors <= CONF_MAX_ERRORS);

	size_t n = 100000;
	char *deep = malloc(2 * n + 1);
	assert_non_null(deep);
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = 0;
	memset(&r, 0, sizeof r);
	assert_int_equal(conf_load_buffer("t.yaml", deep, 2 * n, &c, on_report, &r), ERR_SYNTAX);
	assert_int_equal(r.errors, 1);
	assert_non_null(strstr(r.v[0].msg, "nesting deeper"));
	free(deep);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
}

static void test_quick(void **state)
{
	(void)state;
	static const char *const listen[] = {"127.0.0.1@5300", "::1"};
	static const char *const zones[] = {"example.com=tests/example.com.zone",
	                                    "example.net.=/abs/net.zone"};
	static const char *const allow[] = {"192.0.2.0/24", "::1"};
	conf_quick_t q = {listen, 2, zones, 2, "ns1.test", 3, allow, 2, "/tmp/ctl.sock"};
	rep_t r = {0};
	conf_t *c = NULL;
	assert_int_equal(conf_from_quick(&q, &c, on_report, &r), 0);
	assert_int_equal(r.n, 0);
	assert_string_equal(c->source, CONF_QUICK_FILE);
	assert_int_equal(c->server.listen.n, 2);
	check_addr(&c->server.listen.v[0], AF_INET, "127.0.0.1", 5300);
	check_addr(&c->server.listen.v[1], AF_INET6, "::1", 53);
	assert_int_equal(c->server.udp_workers, 3);
	assert_string_equal(c->server.identity, "ns1.test");
	assert_string_equal(c->server.control, "/tmp/ctl.sock");
	assert_int_equal(c->zone.n, 2);
	assert_string_equal(c->zone.v[0].path, "tests/example.com.zone");
	assert_string_equal(c->zone.v[1].path, "/abs/net.zone");
	assert_int_equal(c->zone.v[0].role, CONF_ROLE_PRIMARY);
	assert_int_equal(c->acl.n, 1);
	assert_int_equal(c->acl.v[0].actions, CONF_ACTION_TRANSFER);
	assert_ptr_equal(c->zone.v[1].acl.v[0], &c->acl.v[0]);

	struct sockaddr_in in = {.sin_family = AF_INET};
	inet_pton(AF_INET, "192.0.2.77", &in.sin_addr);
	const uint8_t *com = (const uint8_t *)"\7example\3com";
	assert_true(conf_acl_allows(c, com, (struct sockaddr *)&in, CONF_ACTION_TRANSFER, NULL));
	assert_false(conf_acl_allows(c, com, (struct sockaddr *)&in, CONF_ACTION_NOTIFY, NULL));
	conf_free(c);

	/* no allow-transfer: no acl, transfers refused; minimal options */
	conf_quick_t q2 = {listen, 1, zones, 1, NULL, 0, NULL, 0, NULL};
	assert_int_equal(conf_from_quick(&q2, &c, on_report, &r), 0);
	assert_int_equal(c->acl.n, 0);
	assert_null(c->server.identity);
	assert_false(conf_acl_allows(c, com, (struct sockaddr *)&in, CONF_ACTION_TRANSFER, NULL));
	conf_free(c);

	/* errors name the option, at line 0 */
	static const char *const bad_listen[] = {"127.0.0.1@0"};
	static const char *const bad_zones[] = {"example.com", "a..b=x"};
	static const char *const bad_allow[] = {"10.0.0.0/40"};
	conf_quick_t q3 = {bad_listen, 1, bad_zones, 2, "", 300, bad_allow, 1, NULL};
	memset(&r, 0, sizeof r);
	c = (conf_t *)1;
	assert_int_equal(conf_from_quick(&q3, &c, on_report, &r), ERR_SYNTAX);
	assert_null(c);
	assert_int_equal(r.errors, 6);
	static const char *const want[] = {
	    "--zone 'example.com': expected NAME=FILE",  "listen: bad address '127.0.0.1@0'",
	    "udp-workers: 300 is out of range",          "identity: must not be empty",
	    "address: bad address prefix '10.0.0.0/40'", "domain: bad domain name 'a..b'"};
	for (size_t i = 0; i < 6; i++) {
		bool found = false;
		for (size_t k = 0; k < r.n; k++)
			found |= strstr(r.v[k].msg, want[i]) != NULL && r.v[k].line == 0 &&
			         strcmp(r.v[k].file, CONF_QUICK_FILE) == 0;
		if (!found) {
			printf("missing '%s'\n", want[i]);
			dump(&r);
		}
		assert_true(found);
	}
}

/* ---- ACL matching ---- */

static const char ACLS[] =
    "key:\n"
    "  - id: k1\n    algorithm: hmac-sha256\n    secret: AAAA\n"
    "  - id: k2\n    algorithm: hmac-sha256\n    secret: AAAA\n"
    "acl:\n"
    "  - id: any4\n    address: 0.0.0.0/0\n    action: notify\n"
    "  - id: host4\n    address: 192.0.2.1/32\n    action: transfer\n"
    "  - id: net4\n    address: 198.51.100.128/25\n    action: transfer\n"
    "  - id: odd4\n    address: 203.0.113.0/23\n    action: transfer\n"
    "  - id: any6\n    address: ::/0\n    action: update\n"
    "  - id: host6\n    address: 2001:db8::1\n    action: transfer\n"
    "  - id: net6\n    address: 2001:db8:1::/127\n    action: transfer\n"
    "  - id: signed\n    key: k1\n    action: [ transfer, update ]\n"
    "  - id: signednet\n    key: K2.\n    address: 10.0.0.0/8\n"
    "    action: notify\n"
    "zone:\n"
    "  - domain: example.com\n"
    "    acl: [ any4, host4, net4, odd4, any6, host6, net6, signed, signednet ]\n"
    "  - domain: example.net\n";

static void test_acl(void **state)
{
	(void)state;
	static const struct {
		const char *ip;
		unsigned action;
		const char *key;
		bool want;
	} T[] = {
	    {"192.0.2.1", CONF_ACTION_TRANSFER, NULL, true},
	    {"192.0.2.0", CONF_ACTION_TRANSFER, NULL, false},
	    {"192.0.2.2", CONF_ACTION_TRANSFER, NULL, false},
	    {"198.51.100.128", CONF_ACTION_TRANSFER, NULL, true},
	    {"198.51.100.255", CONF_ACTION_TRANSFER, NULL, true},
	    {"198.51.100.127", CONF_ACTION_TRANSFER, NULL, false},
	    {"203.0.112.0", CONF_ACTION_TRANSFER, NULL, true}, /* 203.0.113.0/23 = .112/23 */
	    {"203.0.111.255", CONF_ACTION_TRANSFER, NULL, false},
	    {"203.0.113.255", CONF_ACTION_TRANSFER, NULL, true},
	    {"203.0.114.0", CONF_ACTION_TRANSFER, NULL, false},
	    {"255.255.255.255", CONF_ACTION_NOTIFY, NULL, true}, /* /0 */
	    {"0.0.0.0", CONF_ACTION_NOTIFY, NULL, true},
	    {"::ffff:192.0.2.1", CONF_ACTION_TRANSFER, NULL, true}, /* mapped */
	    {"::ffff:192.0.2.2", CONF_ACTION_TRANSFER, NULL, false},
	    {"::1", CONF_ACTION_NOTIFY, NULL, false},          /* v4 /0 is not v6 */
	    {"ffff::1", CONF_ACTION_UPDATE, NULL, true},       /* ::/0 */
	    {"192.0.2.9", CONF_ACTION_UPDATE, NULL, false},    /* v6 /0 is not v4 */
	    {"2001:db8::1", CONF_ACTION_TRANSFER, NULL, true}, /* /128 */
	    {"2001:db8::2", CONF_ACTION_TRANSFER, NULL, false},
	    {"2001:db8::", CONF_ACTION_TRANSFER, NULL, false},
	    {"2001:db8:1::", CONF_ACTION_TRANSFER, NULL, true}, /* /127 */
	    {"2001:db8:1::1", CONF_ACTION_TRANSFER, NULL, true},
	    {"2001:db8:1::2", CONF_ACTION_TRANSFER, NULL, false},
	    /* key required */
	    {"192.0.2.9", CONF_ACTION_TRANSFER, "k1", true},
	    {"192.0.2.9", CONF_ACTION_TRANSFER, "K1.", true},
	    {"2001:db8::9", CONF_ACTION_TRANSFER, "k1", true},
	    {"192.0.2.9", CONF_ACTION_TRANSFER, "k2", false},
	    {"192.0.2.9", CONF_ACTION_TRANSFER, NULL, false},
	    {"192.0.2.9", CONF_ACTION_TRANSFER, "bad..name", false},
	    {"10.1.2.3", CONF_ACTION_NOTIFY, "k2", true},
	    {"10.1.2.3", CONF_ACTION_NOTIFY, NULL, true}, /* any4 */
	    {"2001:db8::9", CONF_ACTION_NOTIFY, "k2", false},
	    {"2001:db8::9", CONF_ACTION_NOTIFY, NULL, false},
	};
	conf_t *c = load_ok(ACLS);
	const uint8_t *com = (const uint8_t *)"\7example\3com";
	for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
		struct sockaddr_storage ss = {0};
		if (strchr(T[i].ip, ':')) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			s6->sin6_family = AF_INET6;
			assert_int_equal(inet_pton(AF_INET6, T[i].ip, &s6->sin6_addr), 1);
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
			s4->sin_family = AF_INET;
			assert_int_equal(inet_pton(AF_INET, T[i].ip, &s4->sin_addr), 1);
		}
		bool got = conf_acl_allows(c, com, (struct sockaddr *)&ss, T[i].action, T[i].key);
		if (got != T[i].want)
			printf("case %zu: %s action %u key %s: want %d\n", i, T[i].ip, T[i].action,
			       T[i].key ? T[i].key : "-", T[i].want);
		assert_true(got == T[i].want);
		/* a zone without acl, or no zone at all: denied */
		assert_false(conf_acl_allows(c, (const uint8_t *)"\7example\3net",
		                             (struct sockaddr *)&ss, T[i].action, T[i].key));
		assert_false(conf_acl_allows(c, (const uint8_t *)"\3org", (struct sockaddr *)&ss,
		                             T[i].action, T[i].key));
	}
	conf_free(c);
}

/* doc/config.md is conf_dump_reference's output; NSF_CONF_DOC_UPDATE=1 rewrites it. */
static void test_reference_current(void **state)
{
	(void)state;
	char *want = NULL;
	size_t wlen = 0;
	FILE *m = open_memstream(&want, &wlen);
	assert_non_null(m);
	conf_dump_reference(m);
	fclose(m);
	const char *path = SRCDIR "/doc/config.md";
	if (getenv("NSF_CONF_DOC_UPDATE") != NULL) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fwrite(want, 1, wlen, f);
		fclose(f);
	}
	FILE *f = fopen(path, "r");
	if (f == NULL)
		fail_msg("%s is missing; run NSF_CONF_DOC_UPDATE=1 test_conf", path);
	char *have = malloc(wlen + 2);
	assert_non_null(have);
	size_t hlen = fread(have, 1, wlen + 1, f);
	fclose(f);
	if (hlen != wlen || memcmp(have, want, wlen) != 0)
		fail_msg("%s is out of date with src/server/conf_schema.c; regenerate it with "
		         "NSF_CONF_DOC_UPDATE=1 build/tests/unit/test_conf",
		         path);
	free(have);
	free(want);
}

/* The example in etc/ loads (paths in it need not exist). */
static void test_example_file(void **state)
{
	(void)state;
	rep_t r = {0};
	conf_t *c = NULL;
	int rc = conf_load(SRCDIR "/etc/nsfleetd.yaml", &c, on_report, &r);
	if (rc != 0)
		dump(&r);
	assert_int_equal(rc, 0);
	assert_true(c->zone.n >= 2);
	conf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_contract),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_version),
	    cmocka_unit_test(test_primary_options),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_warning),
	    cmocka_unit_test(test_all_errors),
	    cmocka_unit_test(test_too_many_errors),
	    cmocka_unit_test(test_no_file),
	    cmocka_unit_test(test_hostile),
	    cmocka_unit_test(test_quick),
	    cmocka_unit_test(test_acl),
	    cmocka_unit_test(test_reference_current),
	    cmocka_unit_test(test_example_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
