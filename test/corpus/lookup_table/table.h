#ifndef TABLE_H
#define TABLE_H
struct op { const char *name; long (*fn)(long, long); const char *description; };
extern const struct op ops[];
extern const char *const weekdays[];
const struct op *lookup_op(const char *name);
const char *weekday_name(int i);
#endif
