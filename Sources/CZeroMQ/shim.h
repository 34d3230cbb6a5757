// libzmq 4.3 stable API (no draft sockets). pkgConfig is omitted on purpose: libzmq.pc adds
// -isystem flags that SwiftPM rejects with a warning on every build.
#include <zmq.h>
