"""Where a webhook may point (hwctl.io.webhook_transport.check_url, the real transport's, and
`add` through it on both backends): HTTPS only; plain http and loopback only when insecure, and
then only for a loopback host; never a private, link-local, multicast, unspecified or reserved
address, whether written literally or what a name resolves to (any one of its addresses)."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from hwctl.app import webhooks
from hwctl.errors import InvalidInput
from hwctl.io import webhook_transport
from tests.conftest import act

PUBLIC = "93.184.215.14"


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Names and the addresses they resolve to, in place of the system's resolver."""
    table: dict[str, list[str]] = {}

    def resolve(host: str, port: int) -> list:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [ipaddress.ip_address(a) for a in table[host]]

    monkeypatch.setattr(webhook_transport, "resolve", resolve)
    return table


@pytest.mark.parametrize(
    "url",
    [
        f"https://{PUBLIC}/hwctl",
        f"https://{PUBLIC}:8443/hooks?platform=acme",
        "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/hwctl",
        "HTTPS://93.184.215.14/",
    ],
)
def test_an_https_url_to_a_public_address_is_taken(url):
    assert webhook_transport.check_url(url).url == url


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (f"http://{PUBLIC}/hwctl", "must be an https:// URL"),
        (f"ftp://{PUBLIC}/hwctl", "must be an https:// URL"),
        ("hooks.acme.example/hwctl", "must be an https:// URL"),
        ("https://10.0.0.1/hwctl", "10.0.0.1 is a private address"),
        ("https://192.168.1.1/hwctl", "192.168.1.1 is a private address"),
        ("https://172.16.5.4/hwctl", "172.16.5.4 is a private address"),
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254 is a link-local address"),
        ("https://[fe80::1]/hwctl", "fe80::1 is a link-local address"),
        ("https://0.0.0.0/hwctl", "0.0.0.0 is an unspecified address"),
        ("https://[::]/hwctl", ":: is an unspecified address"),
        ("https://224.0.0.1/hwctl", "224.0.0.1 is a multicast address"),
        ("https://[ff02::1]/hwctl", "ff02::1 is a multicast address"),
        ("https://240.0.0.1/hwctl", "240.0.0.1 is a private address"),
        ("https://100.64.0.1/hwctl", "100.64.0.1 is a non-public address"),
        ("https://[fd00::1]/hwctl", "fd00::1 is a private address"),
        ("https://[::ffff:10.0.0.1]/hwctl", "::ffff:10.0.0.1 is a private address"),
        ("https://[2002:a00:1::]/hwctl", "2002:a00:1:: is a private address"),  # 6to4 of 10/8
        ("https://127.0.0.1/hwctl", "127.0.0.1 is a loopback host, allowed for local testing"),
        ("https://[::1]/hwctl", "::1 is a loopback host"),
        ("https://localhost/hwctl", "localhost is a loopback host"),
        ("https://user:pw@93.184.215.14/", "'https://…@93.184.215.14/': must not carry a user"),
        ("https:///hwctl", "has no host"),
        (f"https://{PUBLIC}:99999/", "has an invalid port"),
        (f"https://{PUBLIC}/a b", "only printable ASCII without spaces"),
        (f"https://{PUBLIC}/\x1b[31m", "only printable ASCII without spaces"),
        ("https://bücher.example/", "xn-- form"),
        ("   ", "a webhook needs a URL"),
        ("https://" + "a" * 2000 + ".example/", "longer than 2000 characters"),
    ],
)
def test_other_urls_are_refused_saying_why(url, problem):
    with pytest.raises(InvalidInput, match="^a webhook needs a URL$|^webhook URL '") as caught:
        webhook_transport.check_url(url)
    assert problem in str(caught.value)
    assert caught.value.fields["field"] == "url"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000/hook",
        "http://127.8.9.10/hook",
        "http://[::1]:9000/hook",
        "http://localhost:9000/hook",
        "https://localhost/hook",
        "http://receiver.localhost/hook",
    ],
)
def test_insecure_allows_a_loopback_host_over_http(url, dns):
    dns["localhost"] = ["127.0.0.1", "::1"]
    dns["receiver.localhost"] = ["127.0.0.1"]
    assert webhook_transport.check_url(url, insecure=True).url == url


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (f"http://{PUBLIC}/hook", "plain http is allowed for a loopback host only"),
        ("http://10.0.0.1/hook", "plain http is allowed for a loopback host only"),
        ("https://10.0.0.1/hook", "10.0.0.1 is a private address"),
        ("https://[fe80::1]/hook", "fe80::1 is a link-local address"),
        ("http://tricky.example/hook", "plain http is allowed for a loopback host only"),
        ("https://tricky.example/hook", "tricky.example resolves to 127.0.0.1, a loopback"),
        ("http://localhost/hook", "localhost resolves to 10.1.2.3, not a loopback address"),
    ],
)
def test_insecure_allows_nothing_else(url, problem, dns):
    dns["tricky.example"] = ["127.0.0.1"]  # a name that is not a loopback host's own
    dns["localhost"] = ["10.1.2.3"]  # a resolver that lies about localhost
    with pytest.raises(InvalidInput) as caught:
        webhook_transport.check_url(url, insecure=True)
    assert problem in str(caught.value)


def test_a_name_is_taken_only_when_every_address_it_resolves_to_is_public(dns):
    dns["hooks.acme.example"] = [PUBLIC, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]
    target = webhook_transport.check_url("https://hooks.acme.example/hwctl")
    assert [str(a) for a in target.addresses] == [PUBLIC, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]
    dns["hooks.acme.example"] = [PUBLIC, "192.168.1.1"]
    with pytest.raises(InvalidInput, match="resolves to 192.168.1.1, a private address"):
        webhook_transport.check_url("https://hooks.acme.example/hwctl")
    dns["meta.example"] = ["169.254.169.254"]
    with pytest.raises(InvalidInput, match="resolves to 169.254.169.254, a link-local address"):
        webhook_transport.check_url("https://meta.example/")
    with pytest.raises(InvalidInput, match=r"cannot resolve nowhere\.example"):
        webhook_transport.check_url("https://nowhere.example/")


def test_the_system_resolver_is_asked_for_a_name():
    """`resolve` itself (unpatched): a number that is not an address is a name, and what the
    system makes of it (127.0.0.1 here) is checked."""
    with pytest.raises(InvalidInput, match="2130706433 resolves to 127.0.0.1, a loopback"):
        webhook_transport.check_url("https://2130706433/")


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/hwctl",
        "https://192.168.1.1/hwctl",
        "https://169.254.169.254/latest",
        "https://[fe80::1]/hwctl",
        "https://0.0.0.0/hwctl",
        "http://127.0.0.1:9000/hwctl",
        f"http://{PUBLIC}/hwctl",
    ],
)
def test_add_stores_no_webhook_for_a_refused_url(seeded, url):
    with pytest.raises(InvalidInput):
        webhooks.add(act(seeded), "Acme Voice", url, transport=webhooks.network())
    assert webhooks.list_webhooks(act(seeded)) == []


def test_add_takes_a_loopback_url_only_when_insecure(seeded):
    with pytest.raises(InvalidInput, match="must be an https:// URL"):
        webhooks.add(
            act(seeded), "Acme Voice", "http://127.0.0.1:9000/hwctl", transport=webhooks.network()
        )
    added = webhooks.add(
        act(seeded),
        "Acme Voice",
        "http://127.0.0.1:9000/hwctl",
        insecure=True,
        transport=webhooks.network(),
    )
    assert [w.url for w in webhooks.list_webhooks(act(seeded))] == [added.url]
