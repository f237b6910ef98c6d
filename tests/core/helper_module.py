"""Functions imported by sample_module: they belong to this module, not to the importer."""


def imported_function(spend: float) -> float:
    return spend


def other_spend(raw_spend: float) -> float:
    return raw_spend
