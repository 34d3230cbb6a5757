// TurboJPEG API: returns errors instead of calling exit() like the classic libjpeg API does.
#include <turbojpeg.h>
