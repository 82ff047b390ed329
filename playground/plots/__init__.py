"""Pure Plotly figure builders (data in, ``go.Figure`` out), one module per page."""
