/* test_hosts.c — the host table: leases by address and time, the durable
 * host key, names by trust, Kerberos users, inventory matching and CSV. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "hosts.h"

static const uint8_t A50[16] = {10, 77, 0, 50}, A51[16] = {10, 77, 0, 51};

static void dhcp(struct hosts *h, uint8_t type, uint8_t mac_last, const uint8_t *assigned, const uint8_t *ciaddr,
		 const char *hostname, uint64_t ts)
{
	struct obs_dhcp d;
	memset(&d, 0, sizeof d);
	d.version = 4;
	d.msg_type = type;
	uint8_t mac[6] = {2, 0xa1, 0x5e, 0, 0, mac_last};
	memcpy(d.client_mac, mac, 6);
	d.has_client_mac = true;
	d.family = 4;
	if (assigned) {
		memcpy(d.assigned, assigned, 16);
		d.has_assigned = true;
	}
	if (ciaddr) {
		memcpy(d.client_ip, ciaddr, 16);
		d.has_client_ip = true;
	}
	snprintf(d.hostname, sizeof d.hostname, "%s", hostname);
	hosts_dhcp(h, &d, ts);
}

static void test_leases_over_time(void **state)
{
	(void)state;
	struct hosts *h = hosts_new();
	struct host_info hi;
	hosts_lookup(h, 4, A50, 50, &hi);
	assert_string_equal(hi.key, "10.77.0.50"); /* nothing known: the address */
	dhcp(h, DHCP_REQUEST, 7, NULL, NULL, "build-07", 90);
	dhcp(h, DHCP_ACK, 7, A50, NULL, "", 100);
	hosts_lookup(h, 4, A50, 150, &hi);
	assert_string_equal(hi.key, "mac:02:a1:5e:00:00:07");
	assert_string_equal(hi.hostname, "build-07"); /* from the REQUEST of that client */
	hosts_lookup(h, 4, A50, 99, &hi);
	assert_string_equal(hi.key, "10.77.0.50"); /* before the lease */
	dhcp(h, DHCP_RELEASE, 7, NULL, A50, "", 200);
	hosts_lookup(h, 4, A50, 250, &hi);
	assert_string_equal(hi.key, "10.77.0.50"); /* released */
	dhcp(h, DHCP_ACK, 7, A51, NULL, "", 300);
	hosts_lookup(h, 4, A51, 350, &hi);
	assert_string_equal(hi.key, "mac:02:a1:5e:00:00:07"); /* moved: same key */
	dhcp(h, DHCP_ACK, 0x12, A50, NULL, "lab-kiosk-12", 400);
	hosts_lookup(h, 4, A50, 450, &hi);
	assert_string_equal(hi.key, "mac:02:a1:5e:00:00:12"); /* another client: another host */
	hosts_lookup(h, 4, A50, 150, &hi);
	assert_string_equal(hi.key, "mac:02:a1:5e:00:00:07"); /* and the past stays the past */
	hosts_free(h);
}

static void test_names_users_inventory(void **state)
{
	(void)state;
	struct hosts *h = hosts_new();
	struct obs_host_name n;
	memset(&n, 0, sizeof n);
	n.family = 4;
	memcpy(n.addr, A51, 16);
	n.source = HOST_NAME_MDNS;
	snprintf(n.name, sizeof n.name, "laptop-9");
	hosts_name(h, &n, 10);
	n.source = HOST_NAME_DNS_PTR;
	snprintf(n.name, sizeof n.name, "dhcp-51.corp.test");
	hosts_name(h, &n, 20); /* a resolver's PTR does not override the host's own name */
	struct obs_kerberos k;
	memset(&k, 0, sizeof k);
	snprintf(k.principal, sizeof k.principal, "bob");
	snprintf(k.realm, sizeof k.realm, "CORP.TEST");
	hosts_kerberos(h, 4, A51, &k, 30);
	struct inventory inv = {0};
	struct inv_network net;
	assert_true(inventory_parse_cidr("10.77.0.0/24", &net));
	snprintf(net.team, sizeof net.team, "lab");
	inv.networks = malloc(sizeof net);
	inv.networks[0] = net;
	inv.n_networks = 1;
	inv.hosts = calloc(1, sizeof *inv.hosts);
	inv.n_hosts = 1;
	snprintf(inv.hosts[0].hostname, sizeof inv.hosts[0].hostname, "laptop-9");
	snprintf(inv.hosts[0].owner, sizeof inv.hosts[0].owner, "bob@example.com");
	hosts_set_inventory(h, &inv);
	struct host_info hi;
	hosts_lookup(h, 4, A51, 40, &hi);
	assert_string_equal(hi.hostname, "laptop-9");
	assert_string_equal(hi.key, "host:laptop-9"); /* declared by the inventory */
	assert_string_equal(hi.owner, "bob@example.com");
	assert_string_equal(hi.team, "lab"); /* from the network */
	hosts_lookup(h, 4, A50, 40, &hi);
	assert_string_equal(hi.owner, ""); /* unknown */
	assert_string_equal(hi.team, "lab");
	assert_false(inventory_parse_cidr("10.0.0.0/33", &net));
	assert_false(inventory_parse_cidr("nonsense/8", &net));
	hosts_free(h);
}

static void test_csv(void **state)
{
	(void)state;
	char path[] = "/tmp/aisensor-cmdb-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *csv = "# CMDB export\nMAC,IP,Hostname,Owner,Team,Extra\n"
			  "52:54:00:12:34:56,,Build-07,\"Alice, QA\",data,x\n,10.1.2.3,,bob@example.com,,\n";
	assert_int_equal(write(fd, csv, strlen(csv)), (ssize_t)strlen(csv));
	close(fd);
	struct inventory inv = {0};
	char err[256];
	assert_int_equal(inventory_load_csv(&inv, path, err, sizeof err), AS_OK);
	assert_int_equal(inv.n_hosts, 2);
	assert_string_equal(inv.hosts[0].owner, "Alice, QA");
	assert_string_equal(inv.hosts[0].hostname, "build-07");
	assert_string_equal(inv.hosts[1].ip, "10.1.2.3");
	inventory_free(&inv);
	fd = open(path, O_WRONLY | O_TRUNC);
	const char *bad = "mac,owner\nnot-a-mac,x\n";
	assert_int_equal(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
	close(fd);
	assert_int_equal(inventory_load_csv(&inv, path, err, sizeof err), AS_ERR_CONFIG);
	char want[300];
	snprintf(want, sizeof want, "%s:2: bad mac 'not-a-mac'", path);
	assert_string_equal(err, want);
	inventory_free(&inv);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_leases_over_time),
	    cmocka_unit_test(test_names_users_inventory),
	    cmocka_unit_test(test_csv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
