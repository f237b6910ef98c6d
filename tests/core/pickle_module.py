"""A module importable by name in a child process, for driver pickling tests."""

import os


def base_value(seed: int) -> int:
    return seed * 10


def pid_and_value(base_value: int) -> tuple:
    return (os.getpid(), base_value + 1)
