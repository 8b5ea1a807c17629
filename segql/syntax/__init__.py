"""Reading segql's text: YAML files with positions and the expression parser.

The only package that imports lark or yaml; it produces segql.ast nodes and diagnostics.
"""
