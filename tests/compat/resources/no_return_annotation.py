"""A function without a return annotation: Hamilton refuses it."""


def unannotated(x: int):
    return x
