/* main.c — aisensor command line (placeholder until the pipeline lands). */
#include <stdio.h>
int main(void) { puts("aisensor " AS_VERSION); return 0; }
