"""Cross-origin resource sharing: who may call the API from a browser."""
