"""Softmax Playground's pure-Python core: maths, data, training and preprocessing.

Nothing in this package imports Streamlit, so it can be unit-tested, benchmarked
and reused from a notebook exactly as the pages use it.
"""
import os

# The app's matrix products are tiny (one 28×28 drawing, an 8×3 batch). On AVX-512 Xeons, MKL's AVX-512
# kernels make the core switch frequency licence around every such burst, which slows the next few hundred
# microseconds of ordinary code too; AVX2 kernels avoid that. Measured on this machine (bench/digits.py):
# CNN predict_proba p50 1.15 ms with AVX-512, 0.87 ms with AVX2; training speed unchanged. MKL reads this
# at its first call, so it must be set before any torch op; set MKL_ENABLE_INSTRUCTIONS yourself to override.
os.environ.setdefault("MKL_ENABLE_INSTRUCTIONS", "AVX2")
