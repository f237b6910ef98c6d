"""Modules written for Apache Hamilton (``from hamilton...`` imports), each showing one
behaviour the differential suite compares; the suite ports them to dataflow by changing the
import root, as a user would. See ``tests/compat/module_cases.py`` for their cases."""
