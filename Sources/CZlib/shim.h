#ifndef SWITCHYARD_CZLIB_H
#define SWITCHYARD_CZLIB_H

#include <zlib.h>

/// inflateInit2 is a macro; Swift sees this function instead.
static inline int switchyard_inflateInit2(z_streamp stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}

#endif
