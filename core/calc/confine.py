"""The walls of a calculator worker process, put up before it reads its first request.

:mod:`.worker` decides who a worker runs as (:func:`worker_identity`, in the platform);
the worker (:mod:`.child`) calls :func:`confine` on itself, in this order:

1. it closes every inherited descriptor but its pipes and ``/dev/null``;
2. it prepares its interpreter (the caller's ``prepare``) while it can still read every
   file: as root it first drops its supplementary groups and checks, as the worker
   user, whether that user can read the Python installation, and if not (Python under
   ``/root``), ``prepare`` loads now what would otherwise be imported when first needed;
3. as root, it enters a **new network namespace** (``unshare(CLONE_NEWNET)``): no
   interface but a loopback that is down, so no address, 127.0.0.1 included, is
   reachable;
4. as root, it **becomes an unprivileged user** (``nobody`` or the configured one):
   supplementary groups (dropped already), then the group, then the user (the other
   order would leave it unable to change its group), then it checks that real,
   effective and saved ids all changed and that it cannot become root again, and makes
   itself non-dumpable so that other processes of that user cannot trace it;
5. where libseccomp is installed it loads a **seccomp filter** refusing ``socket()``
   and ``io_uring_setup()`` (io_uring can open sockets without ``socket()``): this also
   covers Unix sockets on the file system (a PostgreSQL socket in ``/run``), which a
   network namespace does not, and it needs no privilege;
6. it lowers its **rlimits** (address space, CPU, file size 0, no core files, few open
   files, no new processes). They come last: ``RLIMIT_NPROC`` does not bind root, and
   as an ordinary user no new process can start once it is 0.

Without root the worker keeps the server's user and relies on the seccomp filter for
the network; :func:`confine` reports which walls stand (``walls``) and the pool logs it.
"""

from __future__ import annotations

import ctypes
import errno
import os
import pwd
import resource
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: The user a worker started by root becomes when none is configured: this one if the
#: system has it, else ``nobody``.
DEDICATED_USER = "ordercraft-calc"
FALLBACK_USER = "nobody"
CLONE_NEWNET = 0x40000000
PR_SET_DUMPABLE = 4
#: System calls the seccomp filter refuses with EPERM.
REFUSED_SYSCALLS = (b"socket", b"io_uring_setup")
_SCMP_ACT_ALLOW = 0x7FFF0000
_SCMP_ACT_ERRNO = 0x00050000


class ConfinementError(Exception):
    """A wall could not be put up; the worker must not serve."""


@dataclass(frozen=True)
class Identity:
    """Who a worker runs as."""

    user: str
    uid: int
    gid: int


def worker_identity(user: str | None) -> Identity | None:
    """The unprivileged user workers switch to when the platform runs as root (``None``
    when it does not: a process can only become another user from root).

    ``user`` is a name or a numeric uid; by default :data:`DEDICATED_USER` if it exists,
    else :data:`FALLBACK_USER`. Raises :class:`ConfinementError` for an unknown user or root.
    """
    if os.geteuid() != 0:
        return None
    candidates = [user] if user else [DEDICATED_USER, FALLBACK_USER]
    for name in candidates:
        try:
            entry = pwd.getpwuid(int(name)) if name.isdigit() else pwd.getpwnam(name)
        except KeyError:
            continue
        if entry.pw_uid == 0 or entry.pw_gid == 0:
            raise ConfinementError(f"the calculator worker user {name!r} is root or in "
                                   "group root; choose an unprivileged user")
        return Identity(entry.pw_name, entry.pw_uid, entry.pw_gid)
    raise ConfinementError(f"the calculator worker user {' or '.join(map(repr, candidates))} "
                           "does not exist on this system")


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def enter_network_namespace() -> bool:
    """Move this process into a new, empty network namespace (needs CAP_SYS_ADMIN)."""
    unshare = getattr(os, "unshare", None)
    if unshare is not None:  # Python 3.12+
        try:
            unshare(CLONE_NEWNET)
        except OSError:
            return False
        return True
    return bool(_libc().unshare(CLONE_NEWNET) == 0)


def can_import_as(identity: Identity) -> bool:
    """Whether ``identity`` can read every directory Python imports from (checked as
    that user, then back to root; supplementary groups must already be dropped)."""
    folders = [path for path in sys.path if os.path.isdir(path)]
    os.setegid(identity.gid)
    os.seteuid(identity.uid)
    try:
        return all(os.access(path, os.R_OK | os.X_OK, effective_ids=True) for path in folders)
    finally:
        os.seteuid(0)
        os.setegid(0)


def drop_privileges(identity: Identity) -> None:
    """Become ``identity`` for good (groups, group, user), and check it."""
    uid, gid = identity.uid, identity.gid
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid) or (
            set(os.getgroups()) - {gid}):
        raise ConfinementError(f"the worker did not become {identity.user!r}")
    try:
        os.setuid(0)
    except PermissionError:
        pass
    else:
        raise ConfinementError("the worker could become root again")
    if _libc().prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise ConfinementError("the worker could not make itself non-dumpable")


def refuse_sockets() -> bool:
    """Load a seccomp filter that makes ``socket()`` and ``io_uring_setup()`` fail with
    EPERM for this process and anything it could start; ``False`` without libseccomp."""
    try:
        seccomp = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    except OSError:
        return False
    seccomp.seccomp_init.restype = ctypes.c_void_p
    seccomp.seccomp_init.argtypes = [ctypes.c_uint32]
    seccomp.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    seccomp.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                         ctypes.c_uint]
    seccomp.seccomp_load.argtypes = [ctypes.c_void_p]
    seccomp.seccomp_release.argtypes = [ctypes.c_void_p]
    context = seccomp.seccomp_init(_SCMP_ACT_ALLOW)
    if not context:
        return False
    try:
        for name in REFUSED_SYSCALLS:
            number = seccomp.seccomp_syscall_resolve_name(name)
            if number >= 0 and seccomp.seccomp_rule_add(
                    context, _SCMP_ACT_ERRNO | errno.EPERM, number, 0) != 0:
                return False
        # loading also sets no_new_privs: nothing this process runs can gain privileges
        return bool(seccomp.seccomp_load(context) == 0)
    finally:
        seccomp.seccomp_release(context)


def set_limits(*, memory_mb: int, cpu_per_run: int, cpu_hard: int, open_files: int) -> None:
    """Lower the process limits (an unprivileged process cannot raise them again)."""
    limits = [
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_FSIZE, 0),
        (resource.RLIMIT_NOFILE, open_files),
        (resource.RLIMIT_AS, memory_mb * 1024 * 1024),
    ]
    if hasattr(resource, "RLIMIT_NPROC"):
        limits.append((resource.RLIMIT_NPROC, 0))
    for limit, value in limits:
        resource.setrlimit(limit, (value, value))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_per_run, cpu_hard))


def confine(identity: Identity | None, prepare: Callable[[bool], None], **limits: int
            ) -> dict[str, Any]:
    """Put up every wall (see the module's docstring) and say which stand:
    ``{"uid", "gid", "network", "imports"}`` where network is ``namespace+seccomp``,
    ``namespace``, ``seccomp`` or ``none``, and imports ``lazy`` or ``preloaded``.

    ``prepare(lazy_imports)`` readies the interpreter; ``lazy_imports`` says whether
    modules can still be imported once the walls stand."""
    os.closerange(3, 65536)
    os.umask(0o777)
    namespace = False
    lazy_imports = True
    if os.geteuid() == 0:
        if identity is None:
            raise ConfinementError("a worker started by root needs a user to become")
        os.setgroups([])
        lazy_imports = can_import_as(identity)
        prepare(lazy_imports)
        namespace = enter_network_namespace()
        drop_privileges(identity)
    else:
        prepare(lazy_imports)
    seccomp = refuse_sockets()
    set_limits(**limits)
    network = "+".join(name for name, up in (("namespace", namespace), ("seccomp", seccomp))
                       if up) or "none"
    return {"uid": os.getuid(), "gid": os.getgid(), "network": network,
            "imports": "lazy" if lazy_imports else "preloaded"}
