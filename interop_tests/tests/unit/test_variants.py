"""Server-variant cases: the tls/server/compression fields, $token and $repeat_list, `refused`,
the run's test PKI, and the contract lines the harness fills in from it."""

import stat

import pytest
from cryptography import x509

from teams_interop import pki
from teams_interop.cases import CODES, Case, CatalogueError, Expectation, Variants, load_topic
from teams_interop.compare import Outcome, judge
from teams_interop.contract import Observed
from tests.helpers import make_client


def write(tmp_path, text: str):
    path = tmp_path / "topic.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def authority(tmp_path_factory) -> pki.Pki:
    return pki.make_pki(tmp_path_factory.mktemp("tls") / "run1", ("teams-server-tls-abc",), run="run1")


def test_the_pki_names_every_address_and_is_world_readable(authority) -> None:
    folder = authority.folder
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["ca.crt", "other-ca.crt", "server.crt", "server.key", "client.crt", "client.key", "token", "ready"]
    )
    assert (folder / "ready").read_text().strip() == "run1"
    for path in [folder, *folder.iterdir()]:
        assert path.stat().st_mode & stat.S_IROTH, path
    server = x509.load_pem_x509_certificate(authority.pem("server.crt").encode())
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    dns = set(names.get_values_for_type(x509.DNSName))
    assert {"teams.test", "localhost", "server-tls", "server-mtls", "server-token", "teams-server-tls-abc"} <= dns
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    ca = x509.load_pem_x509_certificate(authority.pem("ca.crt").encode())
    other = x509.load_pem_x509_certificate(authority.pem("other-ca.crt").encode())
    assert server.issuer == ca.subject != other.subject
    server.verify_directly_issued_by(ca)
    assert len(authority.token) >= 20


def test_server_flags_per_variant() -> None:
    assert pki.server_flags("tls", "/tls") == ["--tls-cert", "/tls/server.crt", "--tls-key", "/tls/server.key"]
    assert pki.server_flags("mtls", "/tls")[-2:] == ["--tls-client-ca", "/tls/ca.crt"]
    assert pki.server_flags("token", "/x") == ["--require-token", "/x/token"]


VARIANT_TOPIC = """
method: Teams/GetTeam
cases:
  plain:
    server: tls
    requests: [{city: Chicago}]
  mutual:
    server: mtls
    tls: {client_certificate: true, server_name: other.test}
    requests: [{city: Chicago}]
    expect: {refused: true}
  untrusted:
    server: tls
    tls: {ca: other}
    requests: [{city: Chicago}]
    expect: {refused: true}
  token:
    server: token
    metadata: {authorization: {$token: valid}, x-other: [{$token: wrong}, kept]}
    requests: [{city: Chicago}]
  gzip:
    compression: gzip
    requests: [{city: Chicago}]
  long:
    method: Teams/GetTeams
    requests: {$repeat_list: [{city: Chicago}, 3]}
    expect: {responses: {$repeat_list: [{city: Chicago, nickname: Jackals}, 3]}}
"""


def test_variant_fields_and_derived_features(tmp_path, schema) -> None:
    cases = {case.id: case for case in load_topic(write(tmp_path, VARIANT_TOPIC), schema)}
    plain, mutual = cases["topic_plain"], cases["topic_mutual"]
    assert plain.server == "tls" and plain.tls.server_name == "teams.test" and plain.tls.ca == "own"
    assert plain.requires == {"unary", "tls"}
    assert mutual.requires == {"unary", "tls", "mtls"} and mutual.tls.server_name == "other.test"
    assert mutual.expect.refused
    assert cases["topic_untrusted"].requires == {"unary", "tls"}
    assert cases["topic_token"].requires == {"unary", "metadata"}  # a variant alone needs nothing new
    assert cases["topic_gzip"].requires == {"unary", "compression"} and cases["topic_gzip"].server is None
    long = cases["topic_long"]
    assert long.requests == ({"city": "Chicago"},) * 3 and len(long.expect.responses) == 3


def test_request_lines_carry_the_target_pem_and_token(tmp_path, schema, authority) -> None:
    cases = {case.id: case for case in load_topic(write(tmp_path, VARIANT_TOPIC), schema)}
    variants = Variants({"tls": "127.0.0.1:1", "mtls": "127.0.0.1:2", "token": "127.0.0.1:3"}, authority)
    plain = cases["topic_plain"].request_line(variants)
    assert plain["target"] == "127.0.0.1:1"
    assert plain["tls"] == {"ca_pem": authority.pem("ca.crt"), "server_name": "teams.test"}
    mutual = cases["topic_mutual"].request_line(variants)["tls"]
    assert mutual["client_cert_pem"] == authority.pem("client.crt")
    assert mutual["client_key_pem"] == authority.pem("client.key")
    assert mutual["server_name"] == "other.test"
    assert cases["topic_untrusted"].request_line(variants)["tls"]["ca_pem"] == authority.pem("other-ca.crt")
    token = cases["topic_token"].request_line(variants)
    assert token["target"] == "127.0.0.1:3" and "tls" not in token
    assert token["metadata"] == {
        "authorization": [f"Bearer {authority.token}"],
        "x-other": [f"Bearer {pki.WRONG_TOKEN}", "kept"],
    }
    gzip = cases["topic_gzip"].request_line(variants)
    assert gzip["compression"] == "gzip" and "target" not in gzip
    assert "target" not in cases["topic_plain"].request_line()  # without variants: nothing filled in
    with pytest.raises(RuntimeError, match="not started"):
        cases["topic_plain"].request_line(Variants({}, authority))


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("tls: {ca: own}\n    requests: [{city: a}]", "tls options need `server: tls`"),
        ("server: tls\n    tls: {ca: mine}\n    requests: [{city: a}]", "ca"),
        ("server: ftp\n    requests: [{city: a}]", "server"),
        ("requests: [{city: a}]\n    expect: {refused: true, code: UNAVAILABLE}", "refused stands alone"),
        ("metadata: {a: {$token: maybe}}\n    requests: [{city: a}]", "$token"),
        ("compression: deflate\n    requests: [{city: a}]", "compression"),
    ],
)
def test_bad_variant_cases_are_catalogue_errors(tmp_path, schema, case, message) -> None:
    path = write(tmp_path, f"method: Teams/GetTeam\ncases:\n  bad:\n    {case}\n")
    with pytest.raises(CatalogueError, match=message.replace("$", r"\$").replace("`", ".")):
        load_topic(path, schema)


REFUSED = Case(
    id="tls_untrusted_ca",
    method="Teams/GetTeam",
    requests=({"city": "Chicago"},),
    expect=Expectation(code=CODES["UNKNOWN"], message=None, compare_message=False, refused=True),
    requires=frozenset({"unary", "tls"}),
)


def test_refused_compares_the_outcome_class_not_the_code_or_words() -> None:
    results = {
        "go": Observed(code=CODES["UNAVAILABLE"], message="x509: certificate signed by unknown authority"),
        "node": Observed(code=CODES["CANCELLED"], message="handshake failed"),
        "cpp": Observed(code=CODES["INTERNAL"], message="ssl error"),
        "rust": Observed(code=0, message="", responses=({"city": "Chicago", "nickname": "Jackals"},)),
    }
    for language in ("go", "node", "cpp"):
        assert judge(REFUSED, make_client(language), results).outcome is Outcome.PASS, language
    verdict = judge(REFUSED, make_client("rust"), results)
    assert verdict.outcome is Outcome.FAIL
    assert "not refused: OK with 1 response(s)" in verdict.explanation
    assert verdict.problems[-1] == "rust alone differs; cpp, go and node match the expectation"


def test_a_status_with_responses_is_not_a_refusal() -> None:
    seen = Observed(code=CODES["UNAVAILABLE"], message="", responses=({"city": "Chicago", "nickname": "Jackals"},))
    verdict = judge(REFUSED, make_client("go"), {"go": seen})
    assert verdict.outcome is Outcome.FAIL
    assert "not refused: UNAVAILABLE with 1 response(s)" in verdict.explanation
