"""What counts as `pass`, in one place.

`lexer` reads Lean source (tokens, comments, strings, declaration names); `refusals` finds
what is refused whatever Lean says, `guards` the `#guard_msgs` that would hide errors;
`examples` names each `example` so that it is audited; `axioms` builds the audit
commands appended to a snippet and reads Lean's answers back; `statement` asks for and
compares the statement's type; `decide` turns everything the REPL answered into the one
`Outcome`. All pure: the worker only sends what they ask and hands back answers.

May import: the base modules (records, options) only.
"""
