/* GDB's JIT compilation interface (gdb manual, "JIT Interface"), built as a
 * small shared library of its own and dlopen'ed by hotlink (src/gdbjit.ts):
 * gdb finds __jit_debug_register_code and __jit_debug_descriptor in any
 * objfile it knows, sets a breakpoint on the function, and on every hit reads
 * the descriptor's relevant entry: an in-memory ELF symbol file describing
 * one published batch of the image. Node 20 does not export these symbols
 * (V8's GDB JIT support is compiled out of release builds). */
#include <stdint.h>
#include <stdlib.h>

typedef enum { JIT_NOACTION = 0, JIT_REGISTER_FN, JIT_UNREGISTER_FN } jit_actions_t;

struct jit_code_entry {
  struct jit_code_entry *next_entry;
  struct jit_code_entry *prev_entry;
  const char *symfile_addr;
  uint64_t symfile_size;
};

struct jit_descriptor {
  uint32_t version;
  uint32_t action_flag; /* jit_actions_t */
  struct jit_code_entry *relevant_entry;
  struct jit_code_entry *first_entry;
};

/* gdb puts its breakpoint here: it must not be inlined or folded away. */
void __attribute__((noinline, used)) __jit_debug_register_code(void) { __asm__ volatile("" ::: "memory"); }

struct jit_descriptor __jit_debug_descriptor = { 1, JIT_NOACTION, 0, 0 };

static struct jit_code_entry *last_entry;

/* Registers the ELF symbol file at [addr, addr+size) (memory the caller never
 * frees). Entries are appended, so gdb's list keeps publication order. Returns
 * the entry, or 0 when out of memory. Called on one thread only. */
struct jit_code_entry *hotlink_gdb_jit_register(const char *addr, uint64_t size) {
  struct jit_code_entry *e = calloc(1, sizeof *e);
  if (!e) return 0;
  e->symfile_addr = addr;
  e->symfile_size = size;
  e->prev_entry = last_entry;
  if (last_entry) last_entry->next_entry = e;
  else __jit_debug_descriptor.first_entry = e;
  last_entry = e;
  __jit_debug_descriptor.relevant_entry = e;
  __jit_debug_descriptor.action_flag = JIT_REGISTER_FN;
  __jit_debug_register_code();
  __jit_debug_descriptor.action_flag = JIT_NOACTION;
  return e;
}

/* How many symbol files are registered (tests, `hotlink` reports). */
uint64_t hotlink_gdb_jit_count(void) {
  uint64_t n = 0;
  for (struct jit_code_entry *e = __jit_debug_descriptor.first_entry; e; e = e->next_entry) n++;
  return n;
}
