// zlib: inflates the gzip-compressed CLIP vocabulary.
#include <zlib.h>
