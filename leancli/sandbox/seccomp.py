"""Inside the sandbox: start the REPL so that it can never start another program.

Run as a script by the sandbox (`python -I -S seccomp.py FSIZE -- REPL ARGS...`, standard
library only). A seccomp filter installed before an exec also binds that exec, and a
filter cannot count, so this one allows exactly one call: `execve` whose file name pointer
is one address, drawn at random from 2**38 and known only to this process, where the
REPL's path is placed. After that exec the address means nothing (a new address space,
its value never shown anywhere the REPL can read), so every later `execve` fails with
EPERM, as do `execveat`, `fork`, `vfork` and `clone` without CLONE_THREAD (threads still
work); `clone3`, whose flags a filter cannot read, says ENOSYS, so that the C library
falls back to `clone`. A call from another ABI (i386, x32) kills the process.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import resource
import secrets
import shutil
import struct
import sys

# <linux/seccomp.h>, <linux/filter.h>, <linux/audit.h>
_LD_W_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_ALLOW, _KILL_PROCESS, _ERRNO = 0x7FFF0000, 0x80000000, 0x00050000
_NR, _ARCH, _ARG0_LOW, _ARG0_HIGH = 0, 4, 16, 20  # offsets in struct seccomp_data
_X32_BIT = 0x40000000
CLONE_THREAD = 0x00010000

# arch -> (AUDIT_ARCH_*, execve, execveat, clone, clone3, process-only calls)
SYSCALLS = {
    "x86_64": (0xC000003E, 59, 322, 56, 435, (57, 58)),  # fork, vfork
    "aarch64": (0xC00000B7, 221, 281, 220, 435, ()),
}


def supported_machine() -> str | None:
    """This machine's architecture when the filter knows its system calls, else None."""
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    return machine if machine in SYSCALLS else None


def exec_once_filter(machine: str, allowed_path: int) -> bytes:
    """The BPF program: one `execve` of the path at `allowed_path`, no other program."""
    audit_arch, execve, execveat, clone, clone3, forks = SYSCALLS[machine]
    program: list[tuple[int, str | int, str | int, int]] = [
        (_LD_W_ABS, 0, 0, _ARCH),
        (_JEQ, 0, "kill", audit_arch),
        (_LD_W_ABS, 0, 0, _NR),
        (_JGE, "deny", 0, _X32_BIT),
        (_JEQ, "execve", 0, execve),
        (_JEQ, "deny", 0, execveat),
        *[(_JEQ, "deny", 0, nr) for nr in forks],
        (_JEQ, "enosys", 0, clone3),
        (_JEQ, "clone", 0, clone),
        (_RET, 0, 0, _ALLOW),
    ]
    labels: dict[str, int] = {}
    blocks: tuple[tuple[str, list[tuple[int, str | int, str | int, int]]], ...] = (
        ("execve", [
            (_LD_W_ABS, 0, 0, _ARG0_LOW),
            (_JEQ, 0, "deny", allowed_path & 0xFFFFFFFF),
            (_LD_W_ABS, 0, 0, _ARG0_HIGH),
            (_JEQ, "allow", "deny", allowed_path >> 32),
        ]),
        ("clone", [(_LD_W_ABS, 0, 0, _ARG0_LOW), (_JSET, "allow", "deny", CLONE_THREAD)]),
        ("deny", [(_RET, 0, 0, _ERRNO | errno.EPERM)]),
        ("enosys", [(_RET, 0, 0, _ERRNO | errno.ENOSYS)]),
        ("kill", [(_RET, 0, 0, _KILL_PROCESS)]),
        ("allow", [(_RET, 0, 0, _ALLOW)]),
    )  # fmt: skip
    for label, body in blocks:
        labels[label] = len(program)
        program.extend(body)

    def offset(target: str | int, at: int) -> int:
        return 0 if isinstance(target, int) else labels[target] - at - 1

    return b"".join(
        struct.pack("=HBBI", code, offset(jt, at), offset(jf, at), k)
        for at, (code, jt, jf, k) in enumerate(program)
    )


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _place_at_random_address(libc: ctypes.CDLL, data: bytes) -> int:
    """`data` copied to an address drawn at random (the kernel takes the hint when free)."""
    page = resource.getpagesize()
    size = (len(data) // page + 2) * page
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int]
    libc.mmap.argtypes += [ctypes.c_int, ctypes.c_long]
    hint = (secrets.randbelow(2**38 // page - 2**21) + 2**20) * page
    base = libc.mmap(hint, size, 0x1 | 0x2, 0x02 | 0x20, -1, 0)  # READ|WRITE, PRIVATE|ANON
    if base in (None, ctypes.c_void_p(-1).value):
        raise OSError(ctypes.get_errno(), "mmap failed")
    address = int(base) + secrets.randbelow(size - len(data) - page)
    ctypes.memmove(address, data, len(data))
    return address


def exec_confined(file_size: int, argv: list[str]) -> None:
    """Exec `argv` with RLIMIT_FSIZE `file_size` (0: none) and the exec-once filter."""
    machine = supported_machine()
    if machine is None:
        sys.exit(f"leancli sandbox: no seccomp filter for {platform.machine()}")
    if file_size > 0:
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    program = argv[0] if "/" in argv[0] else shutil.which(argv[0])
    if program is None:
        sys.exit(f"leancli sandbox: {argv[0]}: command not found")
    libc = ctypes.CDLL(None, use_errno=True)
    path = _place_at_random_address(libc, os.fsencode(program) + b"\0")
    args = (ctypes.c_char_p * (len(argv) + 1))(*[os.fsencode(a) for a in argv], None)
    variables = [os.fsencode(f"{k}={v}") for k, v in os.environ.items()]
    envp = (ctypes.c_char_p * (len(variables) + 1))(*variables, None)
    code = exec_once_filter(machine, path)
    buffer = ctypes.create_string_buffer(code)
    fprog = _SockFprog(len(code) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        sys.exit(f"leancli sandbox: no_new_privs: {os.strerror(ctypes.get_errno())}")
    if libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:  # PR_SET_SECCOMP, MODE_FILTER
        sys.exit(f"leancli sandbox: seccomp: {os.strerror(ctypes.get_errno())}")
    libc.execve(ctypes.c_void_p(path), args, envp)
    sys.exit(f"leancli sandbox: cannot run {program}: {os.strerror(ctypes.get_errno())}")


if __name__ == "__main__":
    separator = sys.argv.index("--")
    exec_confined(int(sys.argv[1]), sys.argv[separator + 1 :])
