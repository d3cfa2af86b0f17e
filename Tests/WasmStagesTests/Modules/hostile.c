/* A wasm transform for tests: misbehaves on demand, by the event's "do" field.
 *   "do":"loop"     loops forever (fuel runs out)
 *   "do":"trap"     executes unreachable
 *   "do":"grow"     asks for 64 MiB more memory, then writes to it (past max_memory: trap)
 *   "do":"garbage"  answers text that is not JSON
 *   "do":"split"    answers two lines (the event twice)
 *   "do":"log"      logs a line through env.log
 *   "do":"count"    answers {"count": N}: N events seen by this instance (instances are reused)
 *   anything else   answers the event unchanged */
#include "../../../Examples/wasm/abi.h"

static int has(const unsigned char *text, u32 len, const char *needle) {
    u32 n = 0;
    while (needle[n]) n++;
    for (u32 i = 0; i + n <= len; i++) {
        u32 j = 0;
        while (j < n && text[i + j] == (unsigned char)needle[j]) j++;
        if (j == n) return 1;
    }
    return 0;
}

static u32 seen;

EXPORT("process") u64 process(const unsigned char *event, u32 len) {
    seen++;
    if (has(event, len, "\"do\":\"count\"")) {
        unsigned char *out = sy_output(32);
        const char *prefix = "{\"count\":";
        u32 n = 0;
        while (prefix[n]) { out[n] = (unsigned char)prefix[n]; n++; }
        char digits[10];
        u32 d = 0, value = seen;
        do { digits[d++] = (char)('0' + value % 10); value /= 10; } while (value);
        while (d) out[n++] = (unsigned char)digits[--d];
        out[n++] = '}';
        out[n++] = '\n';
        return sy_result(out, n);
    }
    if (has(event, len, "\"do\":\"loop\"")) {
        volatile u32 spin = 0;
        for (;;) spin++;
    }
    if (has(event, len, "\"do\":\"trap\"")) __builtin_trap();
    if (has(event, len, "\"do\":\"grow\"")) {
        int previous = __builtin_wasm_memory_grow(0, 1024); /* 1024 pages: 64 MiB */
        unsigned char *far = (unsigned char *)(unsigned long)((u32)(previous < 0 ? 0x7ffffff0u : (u32)previous * 65536u + 100u));
        far[0] = 1; /* out of bounds when the growth was refused */
    }
    if (has(event, len, "\"do\":\"garbage\"")) {
        static const char text[] = "this is not json\n";
        unsigned char *out = sy_output(sizeof(text) - 1);
        for (u32 i = 0; i < sizeof(text) - 1; i++) out[i] = (unsigned char)text[i];
        return sy_result(out, sizeof(text) - 1);
    }
    if (has(event, len, "\"do\":\"log\"")) sy_log("hello from wasm", 15);
    u32 copies = has(event, len, "\"do\":\"split\"") ? 2 : 1;
    unsigned char *out = sy_output(copies * (len + 1));
    u32 n = 0;
    for (u32 c = 0; c < copies; c++) {
        for (u32 i = 0; i < len; i++) out[n++] = event[i];
        out[n++] = '\n';
    }
    return sy_result(out, n);
}
