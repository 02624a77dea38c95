"""Requests to the test's own MLflow server on 127.0.0.1 go without a proxy: a proxy from the
environment (or urllib's global opener, built once with whatever proxy a test had set) would
send them elsewhere."""

import urllib.request

DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
