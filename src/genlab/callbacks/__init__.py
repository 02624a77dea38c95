"""Lightning callbacks that work with any `GenerativeModule`."""
