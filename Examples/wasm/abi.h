/* Switchyard's wasm stage ABI (see docs/wasm-abi.md).
 *
 * The module exports its linear memory as "memory" and two functions:
 *   alloc(len) -> ptr         room for an input event of len bytes (called once per event)
 *   process(ptr, len) -> i64  handles the event (JSON, no newline) at ptr; returns
 *                             (out_ptr << 32) | out_len: zero or more NDJSON lines, each an
 *                             object, in memory. out_len 0 drops the event.
 * It may import env.log(ptr, len) to write a line to Switchyard's log; nothing else.
 * Memory handed out by earlier calls may be reused: the host copies results out at once.
 */
#ifndef SWITCHYARD_ABI_H
#define SWITCHYARD_ABI_H

typedef unsigned int u32;
typedef unsigned long long u64;

#define EXPORT(name) __attribute__((export_name(name)))
#define IMPORT(module, name) __attribute__((import_module(module), import_name(name)))

IMPORT("env", "log") void sy_log(const char *text, u32 len);

/* A bump arena in the module's memory: reset for each event. */
static unsigned char arena[1 << 20];
static u32 arena_used;

EXPORT("alloc") void *sy_alloc(u32 len) {
    arena_used = 0;
    if (len > sizeof(arena) / 2) return 0;
    arena_used = (len + 7) & ~7u;
    return arena;
}

static unsigned char *sy_output(u32 len) {
    if (arena_used + len > sizeof(arena)) return 0;
    unsigned char *out = arena + arena_used;
    arena_used += (len + 7) & ~7u;
    return out;
}

static u64 sy_result(const unsigned char *out, u32 len) {
    return ((u64)(unsigned long)out << 32) | len;
}

#endif
