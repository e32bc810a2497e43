/* text.c — see text.h. */
#include "text.h"

#include <stdio.h>

/* Not inline: callers cut values on purpose, and the compiler would warn
 * about every truncation it could prove. */
void text_copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}
