"""OS identification: Trivy's os-release fixtures, release files, quoting and precedence."""

from __future__ import annotations

import json
from typing import Any

import pytest

from regsentry.analyzer.base import FileAnalysis
from regsentry.analyzer.os_release import OsReleaseAnalyzer, parse_os_release
from regsentry.model.package import Distro
from tests.analyzer.data import shared_data

FIXTURES = shared_data("trivy-fanal-pkgdb", "os-release")

#: Trivy's family constants (types.OSType) → regsentry's family names.
TRIVY_FAMILIES = {
    "ActiveState": "activestate",
    "Alma": "almalinux",
    "Alpine": "alpine",
    "Azure": "azurelinux",
    "Bottlerocket": "bottlerocket",
    "CBLMariner": "mariner",
    "CentOS": "centos",
    "CentOSStream": "centos-stream",
    "CoreOS": "coreos",
    "Echo": "echo",
    "Fedora": "fedora",
    "MinimOS": "minimos",
    "OpenSUSELeap": "opensuse-leap",
    "OpenSUSETumbleweed": "opensuse-tumbleweed",
    "Oracle": "oracle",
    "Photon": "photon",
    "RedHat": "rhel",
    "Rocky": "rocky",
    "SLEMicro": "sle-micro",
    "SLES": "sles",
}


def _trivy_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads((FIXTURES / "expected-trivy.json").read_text())
    unique = {case["file"]: case for case in cases}  # "photon" is listed twice upstream
    return sorted(unique.values(), key=lambda case: str(case["file"]))


def analyze(path: str, text: str) -> Distro | None:
    return OsReleaseAnalyzer().analyze(path, text.encode()).distro


def test_every_fixture_file_has_an_expectation() -> None:
    files = {p.name for p in FIXTURES.iterdir()} - {"expected-trivy.json"}
    assert files == {case["file"] for case in _trivy_cases()}


@pytest.mark.parametrize("case", _trivy_cases(), ids=lambda case: str(case["file"]))
@pytest.mark.parametrize("path", ["etc/os-release", "usr/lib/os-release"])
def test_trivy_os_release_fixtures(case: dict[str, Any], path: str) -> None:
    distro = OsReleaseAnalyzer().analyze(path, (FIXTURES / case["file"]).read_bytes()).distro
    if case["trivy_family_const"] is None:
        assert distro is None
    else:
        assert distro is not None
        assert (distro.family, distro.version) == (
            TRIVY_FAMILIES[case["trivy_family_const"]],
            case["name"],
        )


def test_trivy_fixture_names() -> None:
    def name(file: str) -> str:
        distro = OsReleaseAnalyzer().analyze("etc/os-release", (FIXTURES / file).read_bytes())
        assert distro.distro is not None
        return distro.distro.name

    assert name("alpine") == "Alpine Linux"  # no VERSION_CODENAME: NAME
    assert name("fedora") == "Fedora Linux"  # VERSION_CODENAME="" counts as absent
    assert name("rocky") == "Rocky Linux"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'NAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\n',
            Distro("ubuntu", "22.04", "jammy"),
        ),
        (
            'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
            'VERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n',
            Distro("debian", "12", "bookworm"),
        ),
        (
            'NAME="Amazon Linux"\nVERSION="2"\nID="amzn"\nVERSION_ID="2"\n',
            Distro("amazon", "2", "Amazon Linux"),
        ),
        (
            'NAME="Oracle Linux Server"\nID="ol"\nVERSION_ID="9.3"\n',
            Distro("oracle", "9.3", "Oracle Linux Server"),
        ),
        ('ID=wolfi\nNAME="Wolfi"\nVERSION_ID=20230201\n', Distro("wolfi", "20230201", "Wolfi")),
        (
            'ID=chainguard\nNAME="Chainguard"\nVERSION_ID=20230214\n',
            Distro("chainguard", "20230214", "Chainguard"),
        ),
        (
            'NAME="CentOS Stream"\nVERSION="9"\nID="centos"\nVERSION_ID="9"\n',
            Distro("centos-stream", "9", "CentOS Stream"),
        ),
        # Derivatives are not their parent: ID_LIKE is not a fallback.
        ('NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\nVERSION_ID="21.2"\n', None),
        ('ID=kali\nID_LIKE=debian\nVERSION_ID="2024.1"\n', None),
        ("ID=alpine\n", None),  # no VERSION_ID
        ("", None),
    ],
)
def test_os_release_hand_written(text: str, expected: Distro | None) -> None:
    assert analyze("etc/os-release", text) == expected


def test_os_release_quoting_comments_and_crlf() -> None:
    text = (
        "# a comment\r\n"
        "\r\n"
        "  # an indented comment\n"
        "ID='alpine'\r\n"
        'NAME="Alpine \\"Linux\\" \\\\ \\$HOME \\x"\r\n'
        "VERSION_CODENAME=it\\'s\n"
        "VERSION_ID=\"3.\"'19'.1\n"  # adjacent quoted parts join
        "PRETTY_NAME='no \\escapes in single quotes'\n"
        'BROKEN="unterminated\n'
        "not an assignment\n"
        "1BAD=x\n"
    )
    variables = parse_os_release(text)
    assert variables == {
        "ID": "alpine",
        "NAME": 'Alpine "Linux" \\ $HOME \\x',
        "VERSION_CODENAME": "it's",
        "VERSION_ID": "3.19.1",
        "PRETTY_NAME": "no \\escapes in single quotes",
        "BROKEN": "unterminated",
    }
    assert analyze("etc/os-release", text) == Distro("alpine", "3.19.1", "it's")


def test_os_release_undecodable_bytes_do_not_raise() -> None:
    content = b"ID=debian\nVERSION_ID=12\nNAME=\xff\xfe\n"
    distro = OsReleaseAnalyzer().analyze("etc/os-release", content).distro
    assert distro is not None
    assert (distro.family, distro.version) == ("debian", "12")
    assert OsReleaseAnalyzer().analyze("etc/os-release", b"\x00\x01\x02\xff").distro is None


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("etc/alpine-release", "3.18.4\n", Distro("alpine", "3.18.4", "Alpine Linux")),
        (
            "etc/alpine-release",
            "3.19_alpha20230901\n",
            Distro("alpine", "3.19_alpha20230901", "Alpine Linux"),
        ),
        ("etc/alpine-release", "not a version\n", None),
        ("etc/debian_version", "12.5\n", Distro("debian", "12.5")),
        ("etc/debian_version", "9.13", Distro("debian", "9.13")),
        ("etc/debian_version", "trixie/sid\n", Distro("debian", "", "trixie")),
        ("etc/debian_version", "bookworm/sid\r\n", Distro("debian", "", "bookworm")),
        ("etc/debian_version", "kali-rolling\n", None),
        ("etc/debian_version", "", None),
        (
            "etc/redhat-release",
            "Red Hat Enterprise Linux release 9.2 (Plow)\n",
            Distro("rhel", "9.2", "Plow"),
        ),
        (
            "etc/redhat-release",
            "Red Hat Enterprise Linux Server release 7.9 (Maipo)\n",
            Distro("rhel", "7.9", "Maipo"),
        ),
        (
            "etc/centos-release",
            "CentOS Linux release 7.9.2009 (Core)\n",
            Distro("centos", "7.9.2009", "Core"),
        ),
        ("etc/centos-release", "CentOS release 6.10 (Final)\n", Distro("centos", "6.10", "Final")),
        (
            "etc/redhat-release",
            "CentOS Stream release 9\n",
            Distro("centos-stream", "9", "CentOS Stream"),
        ),
        (
            "etc/system-release",
            "Rocky Linux release 9.3 (Blue Onyx)\n",
            Distro("rocky", "9.3", "Blue Onyx"),
        ),
        (
            "etc/redhat-release",
            "AlmaLinux release 9.3 (Shamrock Pampas Cat)\n",
            Distro("almalinux", "9.3", "Shamrock Pampas Cat"),
        ),
        (
            "etc/fedora-release",
            "Fedora release 39 (Thirty Nine)\n",
            Distro("fedora", "39", "Thirty Nine"),
        ),
        (
            "etc/system-release",
            "Amazon Linux release 2 (Karoo)\n",
            Distro("amazon", "2", "Karoo"),
        ),
        (
            "etc/system-release",
            "Amazon Linux AMI release 2018.03\n",
            Distro("amazon", "2018.03", "Amazon Linux AMI"),
        ),
        (
            "etc/amazon-linux-release",
            "Amazon Linux release 2023.3.20240219 (Amazon Linux)\n",
            Distro("amazon", "2023.3.20240219", "Amazon Linux"),
        ),
        (
            "etc/oracle-release",
            "Oracle Linux Server release 8.9\n",
            Distro("oracle", "8.9", "Oracle Linux Server"),
        ),
        ("etc/redhat-release", "Scientific Linux release 7.9 (Nitrogen)\n", None),
        ("etc/redhat-release", "Fedora release rawhide\n", None),
        ("etc/redhat-release", "garbage\n", None),
    ],
)
def test_release_files(path: str, text: str, expected: Distro | None) -> None:
    assert analyze(path, text) == expected


@pytest.mark.parametrize(
    "path",
    [
        "etc/os-release",
        "usr/lib/os-release",
        "etc/alpine-release",
        "etc/debian_version",
        "etc/redhat-release",
        "etc/system-release",
        "etc/centos-release",
        "etc/rocky-release",
        "etc/almalinux-release",
        "etc/oracle-release",
        "etc/fedora-release",
        "etc/amazon-linux-release",
    ],
)
def test_required(path: str) -> None:
    assert OsReleaseAnalyzer().required(path)


@pytest.mark.parametrize(
    "path", ["os-release", "etc/os-release.bak", "usr/etc/os-release", "etc/lsb-release", "etc"]
)
def test_not_required(path: str) -> None:
    assert not OsReleaseAnalyzer().required(path)


def combine(files: dict[str, str]) -> Distro | None:
    analyzer = OsReleaseAnalyzer()
    analyses = {path: analyzer.analyze(path, text.encode()) for path, text in files.items()}
    return analyzer.combine(analyses).distro


DEBIAN_12 = 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nNAME="Debian GNU/Linux"\n'


def test_combine_debian_keeps_the_major_release_of_os_release() -> None:
    files = {"etc/os-release": DEBIAN_12, "etc/debian_version": "12.5\n"}
    assert combine(files) == Distro("debian", "12", "bookworm")


def test_combine_debian_testing_falls_back_to_debian_version() -> None:
    os_release = 'PRETTY_NAME="Debian GNU/Linux trixie/sid"\nID=debian\nVERSION_CODENAME=trixie\n'
    files = {"etc/os-release": os_release, "etc/debian_version": "trixie/sid\n"}
    assert combine(files) == Distro("debian", "", "trixie")


def test_combine_ubuntu_ignores_its_debian_version() -> None:
    os_release = "ID=ubuntu\nVERSION_ID=22.04\nVERSION_CODENAME=jammy\n"
    files = {"usr/lib/os-release": os_release, "etc/debian_version": "bookworm/sid\n"}
    assert combine(files) == Distro("ubuntu", "22.04", "jammy")


def test_combine_etc_os_release_wins_over_usr_lib() -> None:
    files = {"usr/lib/os-release": "ID=alpine\nVERSION_ID=3.17.0\n", "etc/os-release": DEBIAN_12}
    assert combine(files) == Distro("debian", "12", "bookworm")


def test_combine_unusable_etc_os_release_falls_through() -> None:
    files = {
        "etc/os-release": "ID=alpine\n",
        "usr/lib/os-release": "ID=alpine\nVERSION_ID=3.17.0\n",
    }
    assert combine(files) == Distro("alpine", "3.17.0", "")


def test_combine_alpine_os_release_over_alpine_release() -> None:
    files = {
        "etc/os-release": 'ID=alpine\nVERSION_ID=3.18.4\nNAME="Alpine Linux"\n',
        "etc/alpine-release": "3.18.3\n",
    }
    assert combine(files) == Distro("alpine", "3.18.4", "Alpine Linux")


def test_combine_vendor_release_file_over_redhat_release() -> None:
    # Oracle Linux 7's redhat-release claims to be RHEL.
    files = {
        "etc/redhat-release": "Red Hat Enterprise Linux Server release 7.9 (Maipo)\n",
        "etc/oracle-release": "Oracle Linux Server release 7.9\n",
    }
    assert combine(files) == Distro("oracle", "7.9", "Oracle Linux Server")


def test_combine_centos_6_without_os_release() -> None:
    files = {"etc/centos-release": "CentOS release 6.10 (Final)\n"}
    assert combine(files) == Distro("centos", "6.10", "Final")


def test_combine_nothing_usable() -> None:
    assert combine({}) is None
    assert combine({"etc/os-release": "ID=unknown\nVERSION_ID=1\n"}) is None
    assert OsReleaseAnalyzer().combine({}) == FileAnalysis()


def test_identity() -> None:
    assert OsReleaseAnalyzer.id == "os-release"
    assert OsReleaseAnalyzer.version == 1
    assert OsReleaseAnalyzer.max_file_bytes == 64 * 1024
