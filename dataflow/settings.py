"""Driver-wide switches that live in the config, under Hamilton's names.

``ENABLE_POWER_USER_MODE`` keeps Hamilton's key, so a ported config (written with the constant
or with the literal string) means the same thing. dataflow needs no power-user mode to run
``@resolve``; the key is accepted and otherwise ignored (see the port guide).

>>> from dataflow import settings
>>> settings.ENABLE_POWER_USER_MODE
'hamilton.enable_power_user_mode'
"""

ENABLE_POWER_USER_MODE = "hamilton.enable_power_user_mode"
