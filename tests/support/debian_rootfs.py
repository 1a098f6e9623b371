"""Real Debian bookworm root filesystems, made with mmdebstrap and cached between runs.

The images built from them are what a Debian-based image really contains, so the indexer
can be checked against dpkg itself: ``dpkg-query --admindir=ROOT/var/lib/dpkg -W`` on the
final filesystem is the oracle. Building needs root (mmdebstrap --mode=root, chroot for
``dpkg --purge``) and Debian's mirror; the tars are cached under ``.cache/`` (or
``$REGSENTRY_TEST_CACHE``) so reruns take seconds.
"""

from __future__ import annotations

import filecmp
import gzip
import io
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("REGSENTRY_TEST_CACHE", ROOT / ".cache"))
SOURCES = Path("/etc/apt/sources.list.d/debian.sources")
EPOCH = "1700000000"


def bookworm_tar(name: str, packages: tuple[str, ...] = ()) -> Path:
    """A cached bookworm minbase rootfs tar (plus ``packages``), device nodes included."""
    CACHE.mkdir(parents=True, exist_ok=True)
    target = CACHE / f"bookworm-{name}.tar"
    if target.exists():
        return target
    partial = target.with_suffix(".partial.tar")
    command = [
        "mmdebstrap", "--mode=root", "--variant=minbase", "--format=tar",
        "--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr",
    ]  # fmt: skip
    if packages:
        command.append("--include=" + ",".join(packages))
    command += ["bookworm", str(partial)]
    if SOURCES.exists():
        command.append(str(SOURCES))
    subprocess.run(
        command, check=True, capture_output=True, env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    )
    partial.replace(target)
    return target


def extract(tar_path: Path, destination: Path) -> Path:
    """Unpack a rootfs tar (as root, keeping owners), leaving out /dev."""
    destination.mkdir(parents=True)
    subprocess.run(
        ["tar", "--numeric-owner", "-xpf", str(tar_path), "-C", str(destination),
         "--exclude=./dev/*"],
        check=True,
    )  # fmt: skip
    return destination


def purge(root: Path, package: str, log: Path) -> None:
    """``dpkg --purge`` one package inside the tree, as an image build step would."""
    subprocess.run(
        ["chroot", str(root), "dpkg", "--purge", f"--log=/tmp/{log.name}", package],
        check=True,
        capture_output=True,
    )
    (root / "tmp" / log.name).unlink(missing_ok=True)


def dpkg_query(root: Path) -> set[tuple[str, str, str]]:
    """(name, version, arch) of every installed package, as dpkg itself lists them."""
    admin = root / "var/lib/dpkg"
    (admin / "updates").mkdir(exist_ok=True)
    (admin / "info").mkdir(exist_ok=True)
    output = subprocess.run(
        ["dpkg-query", f"--admindir={admin}", "-W",
         "-f=${db:Status-Abbrev}\t${Package}\t${Version}\t${Architecture}\n"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    rows = [line.split("\t") for line in output.splitlines()]
    return {(name, version, arch) for status, name, version, arch in rows if status.strip() == "ii"}


def layer_of_tar(tar_path: Path) -> bytes:
    """A gzip layer from a rootfs tar, without device nodes (images carry none)."""
    buffer = io.BytesIO()
    with tarfile.open(tar_path) as source, tarfile.open(fileobj=buffer, mode="w") as layer:
        for member in source:
            if member.ischr() or member.isblk():
                continue
            layer.addfile(member, source.extractfile(member) if member.isfile() else None)
    return gzip.compress(buffer.getvalue(), compresslevel=6, mtime=0)


def layer_of_diff(lower: Path, upper: Path) -> bytes:
    """A gzip layer turning tree ``lower`` into tree ``upper``: changed or new entries,
    and ``.wh.`` whiteouts for what was deleted (as docker and buildah produce)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as layer:
        for directory, names, files in os.walk(upper):
            for name in sorted(names + files):
                path = Path(directory) / name
                relative = path.relative_to(upper)
                if _changed(lower / relative, path):
                    layer.add(path, arcname=str(relative), recursive=False)
        for directory, names, files in os.walk(lower):
            for name in sorted(names + files):
                relative = (Path(directory) / name).relative_to(lower)
                if not os.path.lexists(upper / relative):
                    whiteout = tarfile.TarInfo(str(relative.parent / f".wh.{name}"))
                    layer.addfile(whiteout)
            names[:] = [
                n for n in names if os.path.lexists(upper / Path(directory).relative_to(lower) / n)
            ]
    return gzip.compress(buffer.getvalue(), compresslevel=6, mtime=0)


def _changed(old: Path, new: Path) -> bool:
    if not os.path.lexists(old):
        return True
    old_stat, new_stat = old.lstat(), new.lstat()
    if (old_stat.st_mode, old_stat.st_uid, old_stat.st_gid) != (
        new_stat.st_mode,
        new_stat.st_uid,
        new_stat.st_gid,
    ):
        return True
    if new.is_symlink():
        return old.readlink() != new.readlink()
    if new.is_file():
        return not filecmp.cmp(old, new, shallow=False)
    return False


def copy_tree(source: Path, destination: Path) -> Path:
    """A full copy of a tree (symlinks kept as links)."""
    shutil.copytree(source, destination, symlinks=True)
    return destination
