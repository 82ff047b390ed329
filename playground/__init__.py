"""Softmax Playground's pure-Python core: maths, data, training and preprocessing.

Nothing in this package imports Streamlit, so it can be unit-tested, benchmarked
and reused from a notebook exactly as the pages use it.
"""
