// libpng 1.6 simplified API (png_image_*): no setjmp needed.
#include <png.h>
