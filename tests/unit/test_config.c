/* test_config.c — the configuration loader (sensor/app): a valid file, the
 * exact "file:line: problem" of each broken one, the shipped example. */
#include "cases.h"
#include "config.h"

/* Writes text to a temporary config file and loads it. */
static int load_text(const char *text, struct sensor_config *c, char *err, size_t errsz, char *path)
{
	strcpy(path, "/tmp/aisensor-cfg-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	config_defaults(c);
	int r = config_load(path, c, err, errsz);
	unlink(path);
	return r;
}

static void test_config_valid(void **state)
{
	(void)state;
	struct sensor_config c;
	char err[512], path[64];
	assert_int_equal(
	    load_text("sensor:\n  name: s1\ncapture:\n  workers: 4\n", &c, err, sizeof err, path), 0);
	assert_string_equal(c.name, "s1");
	assert_int_equal(c.workers, 4);
	config_free(&c);
	/* policy: lists of names, kept lower case (compared without regard to case) */
	assert_int_equal(load_text("policy:\n  sanctioned_providers: [OpenAI, anthropic]\n"
				   "  sanctioned_services: [chatgpt, llm-gw.corp.test:4000]\n",
				   &c, err, sizeof err, path),
			 0);
	assert_int_equal(c.n_policy_providers, 2);
	assert_string_equal(c.policy_providers[0], "openai");
	assert_int_equal(c.n_policy_services, 2);
	assert_string_equal(c.policy_services[1], "llm-gw.corp.test:4000");
	config_free(&c);
}

struct bad_config {
	const char *text;
	const char *problem; /* after "<file>:" */
};

static const struct bad_config bad_configs[] = {
    {"sensor:\n  nmae: x\n", "2: unknown key 'nmae' in 'sensor'"},
    {"capture:\n  workers: 0\n", "2: 'workers' out of range 1..64"},
    {"capture:\n  workers: many\n", "2: 'workers' must be a whole number, not 'many'"},
    {"limits:\n  max_flows: [1, 2]\n", "2: 'max_flows' must be a single value"},
    {"bogus: 1\n", "1: unknown key 'bogus' in 'top level'"},
    {"sensor: [\n", "2: yaml: did not find expected node content"},
    {"sensor:\n  name: a\n  name: b\n", "3: duplicate key 'name' (first on line 2)"},
    {"sensor: x\n", "1: 'sensor' must be a mapping"},
    {"policy:\n  sanctioned: [openai]\n", "2: unknown key 'sanctioned' in 'policy'"},
    {"policy:\n  sanctioned_providers: openai\n", "2: 'sanctioned_providers' must be a list"},
    {"policy:\n  sanctioned_services:\n    - [a, b]\n",
     "3: each of sanctioned_services is a name (a service id or host:port)"},
};

static void test_config_error(void **state)
{
	const struct bad_config *b = *state;
	struct sensor_config c;
	char err[512], path[64], want[600];
	assert_true(load_text(b->text, &c, err, sizeof err, path) < 0);
	snprintf(want, sizeof want, "%s:%s", path, b->problem);
	assert_string_equal(err, want);
	config_free(&c);
}

static void test_example_config_loads(void **state)
{
	(void)state;
	struct sensor_config c;
	config_defaults(&c);
	char err[512];
	assert_int_equal(config_load(AS_SRC_DIR "/aisensor.example.yaml", &c, err, sizeof err), 0);
	assert_string_equal(c.name, "sensor-01");
	config_free(&c);
}

int main(void)
{
	struct cases t = {0};
	CASE(&t, test_config_valid);
	CASE_ROWS(&t, test_config_error, bad_configs, problem);
	CASE(&t, test_example_config_loads);
	return cases_main(&t, "config");
}
