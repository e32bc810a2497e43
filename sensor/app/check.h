/* check.h — `aisensor check`. */
#ifndef AS_CHECK_H
#define AS_CHECK_H

int cmd_check(int argc, char **argv);

#endif
