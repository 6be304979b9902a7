"""Where snippets come from: JSONL lines, standard input, .lean files, Markdown blocks.

`sources` expands the paths given to `check` (directories, globs, `-`) into sources and
maps every result back to its file and line; `items` reads one JSONL line into an `Item`
(fields, templates, invalid lines); `markdown_blocks` finds the Lean blocks of a Markdown
file; `snippet` splits a snippet into its import header and its body.

May import: the library's base modules (records, options, errors) and `verdict.lexer`
(Lean's own reading of the text). Nothing here runs a REPL.
"""
