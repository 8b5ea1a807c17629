"""The command line: one click group; each command module registers its commands on it.

The only package that prints, reads the environment or exits (see segql.cli.app).
"""

# Importing a command module registers its commands on the group.
from segql.cli import (  # noqa: F401
    diff,  # diff
    docs,  # docs
    fmt,  # fmt
    insights,  # explain, breakdown
    json_schema,  # json-schema
    lint,  # lint
    ops,  # overlap, targets check
    run,  # compile, run, count
    scaffold,  # init
    serve,  # serve
    testing,  # test
    validate,  # validate
    warehouse,  # materialize, snapshot, changes
)
from segql.cli.app import cli, main

__all__ = ["cli", "main"]

if __name__ == "__main__":  # pragma: no cover
    main()
