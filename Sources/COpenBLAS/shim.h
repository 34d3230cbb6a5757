// OpenBLAS CBLAS interface, including openblas_set_num_threads and openblas_get_corename.
#include <cblas.h>
