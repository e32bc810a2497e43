/* probe.c — compiled against one library's include path with PROBE_HEADER
 * set: it builds when that library may include the header, and must fail
 * when the header belongs to a layer above it or beside it. */
#include PROBE_HEADER

typedef int layering_probe_translation_unit;
