"""The ported programs are scripts (one trains at import time): pytest must not import them
while collecting doctests; test_ported_programs.py runs them in subprocesses."""
collect_ignore = ["pytorch_mnist_main.py", "pytorch_quickstart_tutorial.py"]
