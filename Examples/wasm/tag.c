/* Example wasm transform: drops events that contain "debug": true and adds
 * "processed_by": "wasm" to every other event, by editing the JSON bytes in place
 * (no parser needed: an event is a JSON object, so it ends with '}'). */
#include "abi.h"

static const char field[] = ",\"processed_by\":\"wasm\"}\n";

static int contains(const unsigned char *text, u32 len, const char *needle, u32 needle_len) {
    for (u32 i = 0; i + needle_len <= len; i++) {
        u32 j = 0;
        while (j < needle_len && text[i + j] == (unsigned char)needle[j]) j++;
        if (j == needle_len) return 1;
    }
    return 0;
}

EXPORT("process") u64 process(const unsigned char *event, u32 len) {
    if (contains(event, len, "\"debug\":true", 12)) return 0; /* dropped */
    u32 end = len;
    while (end > 0 && event[end - 1] != '}') end--;
    if (end == 0) return 0;
    u32 extra = sizeof(field) - 1;
    int empty = 0; /* "{}": no comma */
    u32 k = end - 1;
    while (k > 0 && (event[k - 1] == ' ' || event[k - 1] == '\n')) k--;
    if (k > 0 && event[k - 1] == '{') empty = 1;
    unsigned char *out = sy_output(end - 1 + extra);
    if (!out) return 0;
    for (u32 i = 0; i < end - 1; i++) out[i] = event[i];
    u32 n = end - 1;
    for (u32 i = empty ? 1 : 0; i < extra; i++) out[n++] = (unsigned char)field[i];
    return sy_result(out, n);
}
