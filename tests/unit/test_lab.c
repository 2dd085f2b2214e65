/*
 * Unit tests of nsfleet lab's pure parts: lab.yaml parsing (every error
 * with its position, limits exactly at their edges), the address plan, the
 * state file round trip and the generated zones.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/err.h"
#include "tools/lab.h"

static lab_conf_t conf;
static lab_t lab, lab2;

static int parse(const char *text, char *err, size_t cap)
{
	lab_conf_default(&conf);
	return lab_conf_parse(&conf, text, strlen(text), "lab.yaml", err, cap);
}

static void test_defaults(void **state)
{
	(void)state;
	char err[LAB_ERR_MAX];
	assert_int_equal(parse("", err, sizeof(err)), 0);
	assert_string_equal(conf.name, "lab");
	assert_string_equal(conf.zone, "example.lab.");
	assert_string_equal(conf.parent, "lab.");
	assert_int_equal(conf.ttl, 60);
	assert_int_equal(conf.serial, 1);
	assert_int_equal(conf.subnet, 0x0a350000);
	assert_int_equal(conf.nsec, 5);
	assert_int_equal(conf.sec[4].sw, LAB_SW_PDNS);
	assert_string_equal(conf.sec[1].name, "bind");
}

static void test_full(void **state)
{
	(void)state;
	char err[LAB_ERR_MAX];
	const char *text = "lab:\n"
	                   "  name: demo42\n"
	                   "  zone: Shop.Test.\n"
	                   "  parent: test\n"
	                   "  ttl: 300\n"
	                   "  serial: 4294967295\n"
	                   "  subnet: 192.0.2.0/24\n"
	                   "  www: 198.51.100.7\n"
	                   "  start-timeout: 5\n"
	                   "  refresh: 3600\n"
	                   "  retry: 900\n"
	                   "  expire: 2419200\n"
	                   "  namespaces: no\n"
	                   "binaries:\n"
	                   "  unbound: /opt/unbound/sbin/unbound\n"
	                   "secondaries:\n"
	                   "  - software: knot\n"
	                   "  - name: ns-2\n"
	                   "    software: bind\n"
	                   "    binary: /usr/local/sbin/named\n";
	assert_int_equal(parse(text, err, sizeof(err)), 0);
	assert_string_equal(conf.name, "demo42");
	assert_string_equal(conf.zone, "shop.test.");
	assert_string_equal(conf.parent, "test.");
	assert_int_equal(conf.ttl, 300);
	assert_int_equal(conf.serial, 4294967295u);
	assert_int_equal(conf.subnet, 0xc0000200);
	assert_int_equal(conf.www, 0xc6336407);
	assert_int_equal(conf.start_timeout, 5);
	assert_int_equal(conf.refresh, 3600);
	assert_int_equal(conf.retry, 900);
	assert_int_equal(conf.expire, 2419200);
	assert_int_equal(conf.namespaces, LAB_NS_NO);
	assert_string_equal(conf.binary[LAB_SW_UNBOUND], "/opt/unbound/sbin/unbound");
	assert_int_equal(conf.nsec, 2);
	assert_string_equal(conf.sec[0].name, "knot"); /* the software's name */
	assert_string_equal(conf.sec[1].name, "ns-2");
	assert_string_equal(conf.sec[1].binary, "/usr/local/sbin/named");
}

/* Each bad input: its error's position and a word of the message. */
static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *pos, *what;
	} cases[] = {
	    {"lab:\n  colour: blue\n", "2:3", "unknown key 'colour' in 'lab'"},
	    {"lab:\n  ttl: 5\n  ttl: 6\n", "3:3", "given twice"},
	    {"labs: {}\n", "1:1", "unknown section 'labs'"},
	    {"lab: {}\nlab: {}\n", "2:1", "section 'lab' given twice"},
	    {"- a\n", "1:1", "a lab.yaml is a mapping"},
	    {"lab: [1]\n", "1:6", "'lab' must be a mapping"},
	    {"lab:\n  name: abcdefghi\n", "2:9", "1 to 8 characters"},
	    {"lab:\n  name: Lab\n", "2:9", "not a name"},
	    {"lab:\n  ttl: 0\n", "2:8", "from 1 to 86400"},
	    {"lab:\n  ttl: 86401\n", "2:8", "from 1 to 86400"},
	    {"lab:\n  ttl: 12x\n", "2:8", "not a number from"},
	    {"lab:\n  expire: 2419201\n", "2:11", "from 1 to 2419200"},
	    {"lab:\n  retry: 0\n", "2:10", "from 1 to 604800"},
	    {"lab:\n  ttl: [1]\n", "2:8", "single value"},
	    {"lab:\n  serial: 4294967296\n", "2:11", "not a number from"},
	    {"lab:\n  subnet: 10.53.0.1/24\n", "2:11", "host bits"},
	    {"lab:\n  subnet: 10.53.0.0/16\n", "2:11", "not a /24"},
	    {"lab:\n  subnet: 127.0.0.0/24\n", "2:11", "loopback"},
	    {"lab:\n  www: 300.1.1.1\n", "2:8", "not an IPv4 address"},
	    {"lab:\n  namespaces: maybe\n", "2:15", "not one of auto, yes, no"},
	    {"lab:\n  zone: a..b\n", "2:9", "not a domain name"},
	    {"lab:\n  zone: .\n", "2:9", "not a domain name"},
	    {"lab:\n  zone: example.com\n", "1:1", "not below parent"},
	    {"lab:\n  zone: lab\n", "1:1", "not below parent"},
	    {"lab:\n  zone: xlab\n", "1:1", "not below parent"},
	    {"binaries:\n  djbdns: /usr/bin/tinydns\n", "2:3", "unknown key 'djbdns'"},
	    {"binaries:\n  bind: named\n", "2:9", "not an absolute path"},
	    {"secondaries: {}\n", "1:14", "must be a list"},
	    {"secondaries: []\n", "1:14", "is empty"},
	    {"secondaries:\n  - name: a\n", "2:5", "needs 'software'"},
	    {"secondaries:\n  - software: djbdns\n", "2:15", "'djbdns' is not one of"},
	    {"secondaries:\n  - software: unbound\n", "2:15", "is not one of"},
	    {"secondaries:\n  - software: nsd\n  - software: nsd\n", "3:5", "two secondaries"},
	    {"secondaries:\n  - software: nsd\n    name: primary\n", "2:5", "reserved"},
	    {"secondaries:\n  - software: nsd\n    name: abcdefghijklmnop\n", "3:11",
	     "1 to 15 characters"},
	    {"secondaries:\n  - software: nsd\n    name: 1a\n", "3:11", "start with a letter"},
	    {"secondaries:\n  - software: nsd\n    name: a-\n", "3:11", "not a name"},
	    {"lab: [\n", "2:1", ""},
	    {"lab: *x\n", "1:6", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[LAB_ERR_MAX], want[64];
		int rc = parse(cases[i].text, err, sizeof(err));
		if (rc != ERR_SYNTAX)
			fail_msg("case %zu (%s): rc %d", i, cases[i].text, rc);
		snprintf(want, sizeof(want), "lab.yaml:%s: ", cases[i].pos);
		if (strncmp(err, want, strlen(want)) != 0 || strstr(err, cases[i].what) == NULL)
			fail_msg("case %zu: got '%s', want '%s...%s'", i, err, want, cases[i].what);
	}
}

/* Limits exactly at their edges. */
static void test_limits(void **state)
{
	(void)state;
	char err[LAB_ERR_MAX];
	assert_int_equal(parse("lab:\n  name: abcdefgh\n  ttl: 1\n", err, sizeof(err)), 0);
	assert_int_equal(parse("lab:\n  ttl: 86400\n", err, sizeof(err)), 0);
	assert_int_equal(
	    parse("secondaries:\n  - software: nsd\n    name: abcdefghijklmno\n", err, sizeof(err)),
	    0);
	static char text[8192];
	size_t len = (size_t)snprintf(text, sizeof(text), "secondaries:\n");
	for (int i = 0; i < LAB_MAX_SECONDARIES; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		                        "  - software: nsd\n    name: s%d\n", i);
	assert_int_equal(parse(text, err, sizeof(err)), 0);
	assert_int_equal(conf.nsec, LAB_MAX_SECONDARIES);
	snprintf(text + len, sizeof(text) - len, "  - software: nsd\n    name: one-more\n");
	assert_int_equal(parse(text, err, sizeof(err)), ERR_SYNTAX);
	assert_non_null(strstr(err, "more than 32 secondaries"));
	/* a 63-octet label is a name, 64 is not */
	char zone[200];
	snprintf(zone, sizeof(zone), "lab:\n  zone: %.63s.lab\n",
	         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(parse(zone, err, sizeof(err)), 0);
	snprintf(zone, sizeof(zone), "lab:\n  zone: %.64s.lab\n",
	         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(parse(zone, err, sizeof(err)), ERR_SYNTAX);
	/* a tiny error buffer is enough to fail safely */
	assert_int_equal(parse("lab:\n  colour: blue\n", err, 8), ERR_SYNTAX);
	assert_true(strlen(err) < 8);
}

static void test_plan_netns(void **state)
{
	(void)state;
	lab_conf_default(&conf);
	bool skip[LAB_MAX_SECONDARIES] = {false};
	skip[2] = true; /* knot */
	memset(&lab, 0, sizeof(lab));
	snprintf(lab.dir, sizeof(lab.dir), "/tmp/x");
	assert_int_equal(lab_plan(&conf, true, skip, true, &lab), 0);
	assert_string_equal(lab.dir, "/tmp/x");
	assert_string_equal(lab.hub, "nsfl-lab-hub");
	assert_string_equal(lab.hub_addr, "10.53.0.1");
	assert_int_equal(lab.n, 8);
	static const struct {
		const char *name, *addr, *zone;
		lab_role_t role;
	} want[] = {
	    {"root", "10.53.0.2", ".", LAB_ROLE_ROOT},
	    {"parent", "10.53.0.3", "lab.", LAB_ROLE_PARENT},
	    {"resolver", "10.53.0.4", "example.lab.", LAB_ROLE_RESOLVER},
	    {"primary", "10.53.0.10", "example.lab.", LAB_ROLE_PRIMARY},
	    {"nsfleetd", "10.53.0.11", "example.lab.", LAB_ROLE_SECONDARY},
	    {"bind", "10.53.0.12", "example.lab.", LAB_ROLE_SECONDARY},
	    {"nsd", "10.53.0.14", "example.lab.", LAB_ROLE_SECONDARY}, /* .13 was knot's */
	    {"pdns", "10.53.0.15", "example.lab.", LAB_ROLE_SECONDARY},
	};
	for (size_t i = 0; i < lab.n; i++) {
		char ns[64], link[32];
		assert_string_equal(lab.node[i].name, want[i].name);
		assert_string_equal(lab.node[i].addr, want[i].addr);
		assert_string_equal(lab.node[i].zone, want[i].zone);
		assert_int_equal(lab.node[i].role, want[i].role);
		assert_int_equal(lab.node[i].port, 53);
		snprintf(ns, sizeof(ns), "nsfl-lab-%s", want[i].name);
		snprintf(link, sizeof(link), "nsfl-h%zu", i);
		assert_string_equal(lab.node[i].netns, ns);
		assert_string_equal(lab.node[i].link, link);
	}
	/* the longest names still fit a namespace name */
	char err[LAB_ERR_MAX];
	assert_int_equal(parse("lab:\n  name: abcdefgh\n  subnet: 192.0.2.0/24\nsecondaries:\n"
	                       "  - software: nsd\n    name: abcdefghijklmno\n",
	                       err, sizeof(err)),
	                 0);
	assert_int_equal(lab_plan(&conf, true, NULL, false, &lab), 0);
	assert_int_equal(lab.n, 4);
	assert_string_equal(lab.node[3].netns, "nsfl-abcdefgh-abcdefghijklmno");
	assert_string_equal(lab.node[3].addr, "192.0.2.11");
	assert_string_equal(lab.node[2].name, "primary");
}

static void test_plan_loopback(void **state)
{
	(void)state;
	lab_conf_default(&conf);
	assert_int_equal(lab_plan(&conf, false, NULL, true, &lab), 0);
	assert_int_equal(lab.n, 9);
	assert_string_equal(lab.hub, "");
	for (size_t i = 0; i < lab.n; i++) {
		assert_string_equal(lab.node[i].netns, "");
		assert_string_equal(lab.node[i].link, "");
		assert_int_equal(lab.node[i].port, 0);
	}
	assert_string_equal(lab.node[0].addr, "127.53.0.2");
	assert_string_equal(lab.node[5].name, "bind");
	assert_string_equal(lab.node[5].addr, "127.0.0.1"); /* BIND: an interface's address */
	assert_string_equal(lab.node[3].name, "primary");
	assert_string_equal(lab.node[3].addr, "127.0.0.1"); /* where its NOTIFYs come from */
	assert_string_equal(lab.node[6].addr, "127.53.0.13");
	char prefix[LAB_NETNS_MAX];
	lab_ns_prefix("demo", prefix, sizeof(prefix));
	assert_string_equal(prefix, "nsfl-demo-");
}

static void test_state_round_trip(void **state)
{
	(void)state;
	char dir[] = "/tmp/nsfleet-test-lab-XXXXXX", err[LAB_ERR_MAX];
	assert_non_null(mkdtemp(dir));
	lab_conf_default(&conf);
	bool skip[LAB_MAX_SECONDARIES] = {false, false, false, false, true};
	memset(&lab, 0, sizeof(lab));
	snprintf(lab.dir, sizeof(lab.dir), "%s", dir);
	assert_int_equal(lab_plan(&conf, true, skip, true, &lab), 0);
	lab.n_skip = 1;
	lab.skip[0].sw = LAB_SW_PDNS;
	snprintf(lab.skip[0].name, sizeof(lab.skip[0].name), "pdns");
	snprintf(lab.skip[0].why, sizeof(lab.skip[0].why),
	         "pdns_server not installed (why with spaces)");
	snprintf(lab.made_ns[lab.n_ns++], LAB_NETNS_MAX, "%s", lab.hub);
	snprintf(lab.made_link[0].ns, LAB_NETNS_MAX, "%s", lab.hub);
	snprintf(lab.made_link[0].link, LAB_IFNAME_MAX, "nsfl-h0");
	lab.n_link = 1;
	for (size_t i = 0; i < lab.n; i++) {
		lab.node[i].pid = 1000 + (pid_t)i;
		snprintf(lab.node[i].binary, sizeof(lab.node[i].binary), "/usr/sbin/x%zu", i);
	}
	assert_int_equal(lab_state_save(&lab), 0);
	assert_int_equal(lab_state_load(dir, &lab2, err, sizeof(err)), 0);
	assert_string_equal(lab2.name, lab.name);
	assert_true(lab2.netns);
	assert_string_equal(lab2.dir, dir);
	assert_string_equal(lab2.zone, "example.lab.");
	assert_string_equal(lab2.parent, "lab.");
	assert_string_equal(lab2.hub, lab.hub);
	assert_string_equal(lab2.hub_addr, lab.hub_addr);
	assert_int_equal(lab2.n, lab.n);
	assert_int_equal(lab2.n_ns, 1);
	assert_int_equal(lab2.n_link, 1);
	assert_string_equal(lab2.made_link[0].link, "nsfl-h0");
	assert_int_equal(lab2.n_skip, 1);
	assert_string_equal(lab2.skip[0].why, lab.skip[0].why);
	assert_memory_equal(lab2.node, lab.node, sizeof(lab.node[0]) * lab.n);

	char path[600];
	snprintf(path, sizeof(path), "%s/state", dir);
	unlink(path);
	rmdir(dir);
	assert_int_equal(lab_state_load(dir, &lab2, err, sizeof(err)), -ENOENT);
}

static void test_state_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *what;
	} cases[] = {
	    {"", "empty"},
	    {"nsfleet-lab 2\nname x\n", "s:1: not a lab state file"},
	    {"nsfleet-lab 1\n", "no 'name'"},
	    {"nsfleet-lab 1\nname x\nmode bridge\n", "s:3: bad value in 'mode'"},
	    {"nsfleet-lab 1\nname x\nnode a root nsfleetd - 1.2.3.4 99999 . 1 - -\n",
	     "s:3: bad value"},
	    {"nsfleet-lab 1\nname x\nnode a king nsfleetd - 1.2.3.4 53 . 1 - -\n",
	     "s:3: bad value"},
	    {"nsfleet-lab 1\nname x\nnode a root nsfleetd - 1.2.3.4 53 . -1 - -\n",
	     "s:3: bad value"},
	    {"nsfleet-lab 1\nname x\nnode a root nsfleetd - 1.2.3.4 53 . 1 - - extra\n",
	     "too many"},
	    {"nsfleet-lab 1\nname x\nfrobnicate 1\n", "s:3: unknown record"},
	    {"nsfleet-lab 1\nname abcdefghijk\n", "s:2: bad value"},
	    {"nsfleet-lab 1\nname x\nskip a\n", "s:3: bad skip"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[LAB_ERR_MAX];
		memset(&lab, 0, sizeof(lab));
		int rc = lab_state_parse(cases[i].text, strlen(cases[i].text), "s", &lab, err,
		                         sizeof(err));
		if (rc != ERR_SYNTAX || strstr(err, cases[i].what) == NULL)
			fail_msg("case %zu: rc %d err '%s', want '%s'", i, rc, err, cases[i].what);
	}
}

static void test_zones(void **state)
{
	(void)state;
	static char buf[1 << 14];
	lab_conf_default(&conf);
	assert_int_equal(lab_plan(&conf, true, NULL, true, &lab), 0);
	assert_int_equal(lab_gen_root_zone(&lab, 60, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, ". 60 IN NS a.root-servers.\n"));
	assert_non_null(strstr(buf, "a.root-servers. 60 IN A 10.53.0.2\n"));
	assert_non_null(strstr(buf, "lab. 60 IN NS ns.lab.\nns.lab. 60 IN A 10.53.0.3\n"));
	assert_int_equal(lab_gen_parent_zone(&lab, 60, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "example.lab. 60 IN NS knot.example.lab.\n"
	                            "knot.example.lab. 60 IN A 10.53.0.13\n"));
	assert_null(strstr(buf, "primary")); /* hidden */
	assert_int_equal(lab_gen_lab_zone(&lab, 300, 7, 0xc0000250, buf, sizeof(buf)), 0);
	assert_non_null(strstr(
	    buf, "$TTL 300\n@ 300 IN SOA nsfleetd.example.lab. hostmaster 7 300 60 86400 300\n"));
	lab.refresh = 3600, lab.retry = 900, lab.expire = 1209600;
	assert_int_equal(lab_gen_root_zone(&lab, 60, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "hostmaster.root-servers. 1 3600 900 1209600 60\n"));
	assert_int_equal(lab_gen_lab_zone(&lab, 300, 7, 0xc0000250, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "@ IN NS pdns\n"));
	assert_non_null(strstr(buf, "www IN A 192.0.2.80\n"));
	assert_non_null(strstr(buf, "*.drill IN A 192.0.2.53\n"));
	/* too small a buffer: ERR_SPACE, never an overrun */
	assert_int_equal(lab_gen_lab_zone(&lab, 300, 7, 0xc0000250, buf, 100), ERR_SPACE);
	assert_true(strlen(buf) < 100);
}

static void test_key(void **state)
{
	(void)state;
	char a[64], b[64];
	assert_int_equal(lab_key_new(a, sizeof(a)), 0);
	assert_int_equal(lab_key_new(b, sizeof(b)), 0);
	assert_int_equal(strlen(a), 44);
	assert_string_not_equal(a, b);
	assert_int_equal(lab_key_new(a, 44), ERR_INVAL);
}

/* doc/nsfleet-lab.md holds the reference lab_conf_reference prints. */
static void test_doc_reference(void **state)
{
	(void)state;
	static char doc[1 << 16];
	FILE *f = fopen(SRCDIR "/doc/nsfleet-lab.md", "r");
	assert_non_null(f);
	size_t n = fread(doc, 1, sizeof(doc) - 1, f);
	fclose(f);
	doc[n] = '\0';
	char *gen = NULL;
	size_t glen = 0;
	FILE *m = open_memstream(&gen, &glen);
	assert_non_null(m);
	lab_conf_reference(m);
	fclose(m);
	const char *start = strstr(doc, "(tests/unit/test_lab.c checks it) -->\n");
	const char *end = strstr(doc, "<!-- end of the generated reference -->");
	assert_non_null(start);
	assert_non_null(end);
	start = strchr(start, '\n') + 1;
	if ((size_t)(end - start) != glen || memcmp(start, gen, glen) != 0)
		fail_msg("doc/nsfleet-lab.md differs from `nsfleet lab reference`:\n%s", gen);
	free(gen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_full),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_plan_netns),
	    cmocka_unit_test(test_plan_loopback),
	    cmocka_unit_test(test_state_round_trip),
	    cmocka_unit_test(test_state_errors),
	    cmocka_unit_test(test_zones),
	    cmocka_unit_test(test_key),
	    cmocka_unit_test(test_doc_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
