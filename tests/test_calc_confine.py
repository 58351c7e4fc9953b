"""The process walls of a calculator worker: another user than root, no network, no new
processes, nothing writable. Checked on the pool's workers, and by running arbitrary code
behind the same walls, as a script would if it ever got out of the in-process sandbox."""

from __future__ import annotations

import ctypes
import json
import os
import pwd
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from ordercraft.core.calc.confine import ConfinementError, worker_identity
from ordercraft.core.calc.worker import WORKER_COMMAND, WORKER_ENVIRONMENT, Limits, WorkerPool

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="switching users needs root")


def has_libseccomp() -> bool:
    try:
        ctypes.CDLL("libseccomp.so.2")
    except OSError:
        return False
    return True


def proc_ids(pid: int) -> dict[str, list[str]]:
    status = Path(f"/proc/{pid}/status").read_text()
    return {line.split(":", 1)[0]: line.split()[1:] for line in status.splitlines()
            if line.startswith(("Uid:", "Gid:", "Groups:", "NoNewPrivs:", "Seccomp:"))}


@as_root
def test_workers_never_run_as_root():
    nobody = pwd.getpwnam("nobody")
    pool = WorkerPool(size=1)
    try:
        pool.warm()
        worker = pool._idle[0]
        ids = proc_ids(worker.pid)
        assert ids["Uid"] == [str(nobody.pw_uid)] * 4 and ids["Gid"] == [str(nobody.pw_gid)] * 4
        assert ids["Groups"] == []
        assert os.readlink(f"/proc/{worker.pid}/ns/net") != os.readlink("/proc/self/ns/net")
        assert worker.walls["uid"] == nobody.pw_uid
        assert worker.walls["network"] == ("namespace+seccomp" if has_libseccomp()
                                           else "namespace")
        limits = Path(f"/proc/{worker.pid}/limits").read_text()
        assert [line.split()[2:4] for line in limits.splitlines()
                if line.startswith("Max processes")] == [["0", "0"]]
    finally:
        pool.close()


@as_root
def test_the_worker_user_can_be_chosen_and_never_root():
    assert worker_identity("daemon").user == "daemon"
    assert worker_identity(None).user in ("ordercraft-calc", "nobody")
    with pytest.raises(ConfinementError, match="'no-such-user' does not exist"):
        worker_identity("no-such-user")
    with pytest.raises(ConfinementError, match="is root"):
        worker_identity("root")
    pool = WorkerPool(size=1, limits=Limits(worker_user="daemon"))
    try:
        pool.warm()
        assert proc_ids(pool._idle[0].pid)["Uid"] == [str(pwd.getpwnam("daemon").pw_uid)] * 4
    finally:
        pool.close()


# What a script would try if it got hold of the whole interpreter: each attempt prints
# what happened, as an errno name or "done".
ESCAPE = r'''
import errno, json, os, signal, socket, sys
from ordercraft.core.calc.child import Config

walls = Config.from_json(sys.argv[1]).confine()
tcp_port, unix_path = int(sys.argv[2]), sys.argv[3]
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
outcome = {"walls": walls}

def attempt(name, action):
    try:
        action()
        outcome[name] = "done"
    except OSError as exc:
        outcome[name] = errno.errorcode.get(exc.errno, str(exc.errno))

def connect(family, address):
    with socket.socket(family, socket.SOCK_STREAM) as client:
        client.settimeout(5)
        client.connect(address)

def fork():
    if os.fork() == 0:
        os._exit(0)
    os.wait()

def write(path):
    with open(path, "w") as handle:
        handle.write("x")
        handle.flush()

def join_the_server_network():
    import ctypes
    fd = os.open("/proc/1/ns/net", os.O_RDONLY)
    if ctypes.CDLL(None, use_errno=True).setns(fd, 0) != 0:
        raise OSError(ctypes.get_errno(), "setns")

attempt("tcp to the server's listener", lambda: connect(socket.AF_INET, ("127.0.0.1", tcp_port)))
attempt("tcp to postgresql", lambda: connect(socket.AF_INET, ("127.0.0.1", 5432)))
attempt("unix socket", lambda: connect(socket.AF_UNIX, unix_path))
attempt("udp", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", tcp_port)))
attempt("setns", join_the_server_network)
attempt("fork", fork)
attempt("setuid root", lambda: os.setuid(0))
attempt("signal the server", lambda: os.kill(os.getppid(), 0))
attempt("write the working directory", lambda: write("x"))
attempt("write /tmp", lambda: write(f"/tmp/ordercraft-calc-escaped-{os.getpid()}"))
attempt("create a folder", lambda: os.mkdir("folder"))
attempt("read /root", lambda: os.listdir("/root"))
with open("/proc/self/net/dev") as table:
    interfaces = sorted(line.split(":")[0].strip() for line in table.readlines()[2:])
print(json.dumps({**outcome, "interfaces": interfaces}))
'''


def run_escape(config: str, tcp_port: int, unix_path: str) -> dict:
    workdir = tempfile.mkdtemp(prefix="ordercraft-calc-test-")
    os.chmod(workdir, 0o500)
    try:
        done = subprocess.run(
            [*WORKER_COMMAND[:-2], "-c", ESCAPE, config, str(tcp_port), unix_path],
            env=WORKER_ENVIRONMENT, cwd=workdir, capture_output=True, text=True,
            start_new_session=True, timeout=120)
    finally:
        os.rmdir(workdir)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def listeners(tmp_path):
    """A TCP and a Unix socket this process can reach (so that a refusal means something)."""
    tcp = socket.create_server(("127.0.0.1", 0))
    folder = tmp_path / "sockets"
    folder.mkdir()
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind(str(folder / "server.sock"))
    unix.listen()
    os.chmod(tmp_path, 0o755)
    os.chmod(folder, 0o777)
    os.chmod(folder / "server.sock", 0o777)
    port = tcp.getsockname()[1]
    for family, address in ((socket.AF_INET, ("127.0.0.1", port)),
                            (socket.AF_UNIX, str(folder / "server.sock"))):
        with socket.socket(family, socket.SOCK_STREAM) as client:
            client.connect(address)
    yield port, str(folder / "server.sock")
    tcp.close()
    unix.close()


@as_root
def test_a_worker_that_escaped_the_sandbox_still_cannot_reach_out(listeners):
    port, unix_path = listeners
    outcome = run_escape(Limits().child_config(worker_identity(None)), port, unix_path)
    assert outcome.pop("walls")["uid"] != 0
    # a network namespace of its own: no interface but a loopback that is down
    assert outcome.pop("interfaces") == ["lo"]
    refused = {name: result for name, result in outcome.items() if result != "done"}
    assert refused == outcome, outcome
    if has_libseccomp():
        assert outcome["tcp to the server's listener"] == "EPERM"
        assert outcome["unix socket"] == "EPERM"
    assert outcome["fork"] == "EAGAIN"
    assert outcome["setuid root"] == "EPERM" and outcome["signal the server"] == "EPERM"
    assert outcome["write the working directory"] == "EACCES"
    assert outcome["create a folder"] == "EACCES"
    # /tmp lets anyone create a file: it stays empty
    assert outcome["write /tmp"] in ("EFBIG", "EACCES")
    for escaped in Path("/tmp").glob("ordercraft-calc-escaped-*"):
        assert escaped.stat().st_size == 0
        escaped.unlink()


@pytest.mark.skipif(not has_libseccomp(), reason="libseccomp is not installed")
def test_the_seccomp_filter_alone_refuses_every_socket(listeners):
    """The wall that stands without root (no namespace, no other user)."""
    port, unix_path = listeners
    code = ("import socket, sys\n"
            "from ordercraft.core.calc.confine import refuse_sockets\n"
            "assert refuse_sockets()\n"
            "for family, address in ((socket.AF_INET, ('127.0.0.1', int(sys.argv[1]))),\n"
            "                        (socket.AF_UNIX, sys.argv[2])):\n"
            "    try:\n"
            "        socket.socket(family, socket.SOCK_STREAM).connect(address)\n"
            "        print('connected')\n"
            "    except PermissionError:\n"
            "        print('refused')\n")
    done = subprocess.run([*WORKER_COMMAND[:-2], "-c", code, str(port), unix_path],
                          env=WORKER_ENVIRONMENT, capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["refused", "refused"], done.stderr
