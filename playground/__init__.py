"""Softmax Playground's pure-Python core: maths, data, training and preprocessing.

Nothing in this package imports Streamlit, so it can be unit-tested, benchmarked
and reused from a notebook exactly as the pages use it.
"""
import os

# The app's matrix products are tiny (one 28×28 drawing, an 8×3 batch). On AVX-512 Xeons, MKL's AVX-512
# kernels make the core switch frequency licence around every such burst, which slows the next few hundred
# microseconds of ordinary code too; AVX2 kernels avoid that. Measured on this machine, preprocess then CNN
# forward back to back (medians): 0.45 + 0.70 ms with AVX-512, 0.40 + 0.47 ms with AVX2; a training batch
# took the same time either way. MKL reads this at its first call, so it must be set before any torch op;
# set MKL_ENABLE_INSTRUCTIONS yourself to override.
os.environ.setdefault("MKL_ENABLE_INSTRUCTIONS", "AVX2")
