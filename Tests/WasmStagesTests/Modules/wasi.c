/* A module that wants WASI (the file system): Switchyard refuses to instantiate it. */
#include "../../../Examples/wasm/abi.h"

IMPORT("wasi_snapshot_preview1", "fd_write") int fd_write(int fd, const void *iovs, u32 count, u32 *written);

EXPORT("process") u64 process(const unsigned char *event, u32 len) {
    u32 written;
    fd_write(1, event, len, &written);
    return 0;
}
