"""gradviz: see the vanishing gradient."""

import os

__version__ = "0.1.0"

# gradviz's matrices are small (at most 512 x 512, a few samples). Extra BLAS threads save nothing there,
# and on a busy machine a descheduled one stalls every matrix product of a step (a step on the largest
# network varied from 24 to 160 ms). Set before NumPy loads; a value the user set is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
