"""The command line: one click group; each command module registers its commands on it.

The only package that prints, reads the environment or exits (see segql.cli.app).
"""

from segql.cli import diff, json_schema, run, validate  # noqa: F401  (registers the commands)
from segql.cli import lint, testing  # noqa: F401  (registers `lint` and `test`)
from segql.cli import scaffold  # noqa: F401  (registers `init`)
from segql.cli import ops  # noqa: F401  (registers `overlap` and `targets check`)
from segql.cli import fmt  # noqa: F401  (registers `fmt`)
from segql.cli import warehouse  # noqa: F401  (registers `materialize`, `snapshot` and `changes`)
from segql.cli.app import cli, main

__all__ = ["cli", "main"]

if __name__ == "__main__":  # pragma: no cover
    main()
