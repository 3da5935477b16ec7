"""The SDK's tests: `python3 -m unittest` in sdk/python, or `python3 -m unittest discover -s sdk/python/tests -t sdk/python`."""
