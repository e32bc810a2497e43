/* table.h — the agent table for people (see table.c). */
#ifndef AS_TABLE_H
#define AS_TABLE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* A header line, then one block per inventory-format record. */
void table_print(FILE *out, json_t *const *recs, size_t n);

#endif
