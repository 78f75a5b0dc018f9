"""Pure loaders: text in, positioned tree and diagnostics out; they never raise on bad input."""
