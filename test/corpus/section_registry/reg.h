/* A registry in a named output section: GNU ld defines __start_myregs and
   __stop_myregs around the concatenation of every input section "myregs". */
struct reg {
  const char *name;
  int (*fn)(int);
  long prio;
};

#define REGISTER(id, nm, f, p) \
  __attribute__((section("myregs"), used, aligned(sizeof(void *)))) \
  static const struct reg id = {nm, f, p}

extern const struct reg __start_myregs[];
extern const struct reg __stop_myregs[];
