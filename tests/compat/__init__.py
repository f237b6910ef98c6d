"""Compatibility with Apache Hamilton 1.90.0: the differential suite.

* ``twin_import.py`` ports a module by renaming the framework root in its imports (either
  direction) and loads it fresh under a distinct name;
* ``differential.py`` builds twins and lists their differences (nodes, types, tags,
  dependencies, documentation, executed values, errors);
* ``module_cases.py`` is the one table of module sets with their config and inputs;
  ``resources/`` holds modules written for Hamilton;
* ``intended_differences.py`` lists every intended difference with its reason;
* ``findings.py`` lists the differences that are bugs (strict-xfail tests reproduce them);
* ``generated_modules.py`` writes random decorated modules for the hypothesis tests.

Run it: ``HYPOTHESIS_PROFILE=ci .venv/bin/python -m pytest -q tests/compat``.
"""
