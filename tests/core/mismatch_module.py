"""An edge whose types disagree: ``count`` returns str but ``doubled`` wants int."""


def count() -> str:
    return "3"


def doubled(count: int) -> int:
    return count * 2
