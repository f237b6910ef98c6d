"""A data-quality check that fails, shipped to dask workers by name."""

from dataflow.function_modifiers import check_output


def total() -> float:
    return 40.0


@check_output(range=(0.0, 5.0), importance="fail")
def ratio(total: float) -> float:
    return total / 4
