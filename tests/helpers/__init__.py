"""What the tests share: stand-in REPLs and toolchains, the lean tier, and small helpers."""
