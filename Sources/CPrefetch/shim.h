// A cache hint for the kernels, which Swift has no spelling for. The compiler inlines it into one
// prefetch instruction (prefetcht0 on x86-64, prfm on ARM); it never faults, whatever the address.
static inline void prefetchForReading(const void *address) { __builtin_prefetch(address, 0, 3); }
