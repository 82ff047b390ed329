"""Placeholder until this page's issue lands."""
import streamlit as st

st.title("digits")
st.info("This page is being built.")
