#include <zlib.h>

/* inflateInit2 is a macro Swift cannot call: gzip decoding (windowBits 16 + MAX_WBITS) checks each member's
   header, CRC-32 and size. */
static inline int ct_inflate_init_gzip(z_streamp stream) {
    return inflateInit2(stream, 16 + MAX_WBITS);
}
