"""``python -m dataflow.cli``: the same command line as the ``dataflow`` console script."""

from dataflow.cli.commands import main

if __name__ == "__main__":  # pragma: no cover
    main()
