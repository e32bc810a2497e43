/* fuzz_config.c — libFuzzer target for the YAML configuration loader. */
#include <stdint.h>
#include <stdio.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sensor_config c;
	char err[512];
	config_defaults(&c);
	if (config_load_buffer("fuzz.yaml", data, size, &c, err, sizeof err) < 0 && err[0] != 'f')
		__builtin_trap(); /* every error names the input */
	config_free(&c);
	return 0;
}
