"""The connection file and the commands that make it (``onrecord vault connection-file``) and
list the systems' users (``onrecord vault axis-users``), registered here on a ``vault`` group
the way ``cli/vault.py`` registers them."""

from __future__ import annotations

import base64
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer
from argon2 import PasswordHasher
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from typer.testing import CliRunner

from axis_support import new_database
from onrecord.cli import vault_axis
from onrecord.vault.axis.auth import CredentialError, Verifier, issue_token
from onrecord.vault.axis.connection_file import ConnectionFileError, create_connection_file
from onrecord.vault.axis.names import ContainerKind
from onrecord.vault.axis.registry import register

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

vault = typer.Typer()
vault.command("connection-file")(vault_axis.connection_file)
vault.command("axis-users")(vault_axis.axis_users)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(vault, list(args))
    return result.exit_code, result.output


def certificate_pem() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "evidence.example.org")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW)
        .not_valid_after(NOW + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    new_database(tmp_path).dispose()
    return tmp_path / "onrecord.db"


def test_the_command_writes_the_connection_file(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "onrecord-connection.json"
    code, output = run(
        "connection-file",
        "--db",
        str(db_path),
        "--base-url",
        "http://10.0.0.5:8080/",
        "--base-url",
        "http://bwc-cd.local:8080",
        "--out",
        str(out),
        "--site-name",
        "Somerville PD",
    )
    assert code == 0, output
    assert "Plain HTTP" in output and "delete it" in output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # it holds the system's key
    document = json.loads(out.read_text())
    key = document.pop("BlobAPIKey")
    assert len(key) == 43
    assert document == {
        "ConnectionFileVersion": "1.0",
        "SiteName": "Somerville PD",
        "ApplicationName": "OnRecord",
        "ApplicationVersion": document["ApplicationVersion"],
        "ContentDestinationAsNTPServer": False,
        "AuthenticationTokenURI": [
            "http://10.0.0.5:8080/auth/v1.0",
            "http://bwc-cd.local:8080/auth/v1.0",
        ],
        "HTTPSCertificate": [],
        "BlobAPIUserName": "axis",
        "ContainerType": "mp4",
        "FullStoreAndReadSupport": False,
        "WantEncryption": False,
    }
    engine = new_database(tmp_path)  # the same file, already current
    token = issue_token(engine, Verifier(), "axis", key, NOW)
    assert token is not None and token.account == "AUTH_axis"
    assert issue_token(engine, Verifier(), "axis", key[:-1] + "!", NOW) is None

    code, output = run(
        "connection-file",
        "--db",
        str(db_path),
        "--base-url",
        "http://10.0.0.5:8080",
        "--out",
        str(out),
    )
    assert code == 2 and "a system called axis is already connected" in output
    assert "--replace" in output
    code, output = run(
        "connection-file",
        "--db",
        str(db_path),
        "--base-url",
        "http://10.0.0.5:8080",
        "--out",
        str(out),
        "--replace",
        "--container-type",
        "mkv",
    )
    assert code == 0, output
    renewed = json.loads(out.read_text())
    assert renewed["ContainerType"] == "mkv" and renewed["BlobAPIKey"] != key
    assert issue_token(engine, Verifier(), "axis", key, NOW) is None  # the old key is ended
    assert issue_token(engine, Verifier(), "axis", renewed["BlobAPIKey"], NOW) is not None
    engine.dispose()


class Counting:
    """The argon2 hasher, counting its checks."""

    def __init__(self, real: PasswordHasher) -> None:
        self.real, self.checks = real, 0

    def verify(self, stored: str, key: str) -> bool:
        self.checks += 1
        return self.real.verify(stored, key)


def test_a_proven_key_is_recognised_until_its_hash_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from onrecord.vault.axis import auth

    hasher = Counting(auth._HASHER)
    monkeypatch.setattr(auth, "_HASHER", hasher)
    stored = hasher.real.hash("the key")
    verifier = Verifier()
    assert not verifier.verify("axis", stored, "not the key")
    assert not verifier.verify("axis", None, "the key")  # no such system: checked all the same
    assert hasher.checks == 2
    assert verifier.verify("axis", stored, "the key") and hasher.checks == 3
    assert verifier.verify("axis", stored, "the key") and hasher.checks == 3  # proven before
    assert verifier.verify("north", stored, "the key") and hasher.checks == 4  # per system
    assert not verifier.verify("axis", hasher.real.hash("a new key"), "the key")
    assert hasher.checks == 5  # a new stored hash is checked again


def test_https_takes_the_servers_certificate(db_path: Path, tmp_path: Path) -> None:
    pem = certificate_pem()
    (tmp_path / "server.pem").write_bytes(pem)
    out = tmp_path / "c.json"
    code, output = run(
        "connection-file",
        "--db",
        str(db_path),
        "--base-url",
        "https://evidence.example.org/axis",
        "--out",
        str(out),
    )
    assert code == 2 and "needs the server's certificate" in output
    code, output = run(
        "connection-file",
        "--db",
        str(db_path),
        "--base-url",
        "https://evidence.example.org/axis",
        "--out",
        str(out),
        "--certificate",
        str(tmp_path / "server.pem"),
    )
    assert code == 0, output
    assert "Plain HTTP" not in output
    document = json.loads(out.read_text())
    assert document["AuthenticationTokenURI"] == ["https://evidence.example.org/axis/auth/v1.0"]
    assert [base64.b64decode(c) for c in document["HTTPSCertificate"]] == [pem]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base-url", "evidence.example.org"], "is not a base URL"),
        (["--base-url", "http://h/?x=1"], "has no ?query"),
        (["--base-url", "http://a", "--base-url", "https://b"], "mix http and https"),
        (["--base-url", "http://a", "--user", "axis system"], "cannot be a system's user name"),
        (["--base-url", "http://a", "--site-name", "S" * 65], "the site name must have 1 to 64"),
        (["--base-url", "http://a", "--certificate", "missing.pem"], "cannot read the certificate"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    db_path: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    code, output = run(
        "connection-file", "--db", str(db_path), "--out", str(tmp_path / "c.json"), *args
    )
    assert code == 2 and message in output, output
    assert not (tmp_path / "c.json").exists()


def test_the_database_and_the_output_must_be_usable(db_path: Path, tmp_path: Path) -> None:
    base = ["--base-url", "http://a"]
    code, output = run(
        "connection-file",
        "--db",
        str(tmp_path / "none.db"),
        "--out",
        str(tmp_path / "c.json"),
        *base,
    )
    assert code == 2 and "does not exist" in output
    code, output = run("connection-file", "--db", str(db_path), "--out", str(tmp_path), *base)
    assert code == 2 and "is a folder" in output
    code, output = run(
        "connection-file", "--db", str(db_path), "--out", str(tmp_path / "no" / "c.json"), *base
    )
    assert code == 2 and "does not exist; create it first" in output


def test_the_connection_files_limits(db_path: Path, tmp_path: Path) -> None:
    engine = new_database(tmp_path)

    def make(**kw: object) -> None:
        args = {"base_urls": ["http://a"], "site_name": "S", "now": NOW, **kw}
        create_connection_file(engine, **args)  # type: ignore[arg-type]

    with pytest.raises(
        ConnectionFileError, match="11 base URLs; a connection file holds at most 10"
    ):
        make(base_urls=[f"http://h{n}" for n in range(11)])
    with pytest.raises(ConnectionFileError, match="longer than 512 characters"):
        make(base_urls=["http://h/" + "p" * 600])
    with pytest.raises(ConnectionFileError, match="give the URL"):
        make(base_urls=[])
    with pytest.raises(ConnectionFileError, match="certificates were given for http://"):
        make(certificates=[certificate_pem()])
    with pytest.raises(ConnectionFileError, match=r"certificate 1 is not a PEM X\.509 certificate"):
        make(base_urls=["https://a"], certificates=[b"not a certificate"])
    with pytest.raises(CredentialError, match="cannot be a system's user name"):
        make(user_name="")
    make(user_name="north")  # two systems, two sets of credentials
    make(user_name="south")
    engine.dispose()


def test_axis_users_lists_who_recordings_are_filed_under(db_path: Path, tmp_path: Path) -> None:
    code, output = run("axis-users", "--db", str(db_path))
    assert code == 0 and "No body-worn system has registered users yet" in output
    engine = new_database(tmp_path)
    create_connection_file(engine, base_urls=["http://a"], site_name="S", now=NOW)
    register(engine, 1, ContainerKind.USERS, "u-1", {"Name": "Anna Åberg", "UserID": "O1"}, NOW)
    register(engine, 1, ContainerKind.USERS, "u-2", {"Name": "Bo", "UserID": ""}, NOW)
    engine.dispose()
    code, output = run("axis-users", "--db", str(db_path))
    assert code == 0, output
    assert "Anna Åberg" in output and "O1" in output and "u-1" in output
    assert "none: recordings refused" in output and "1 user(s) have no UserID" in output
