"""How view() plans the notebook browser's way in (dcmview._notebook), without a notebook."""

from __future__ import annotations

import pytest

from dcmview._notebook import ProxyPlan, iframe_html, plan_proxy, probe


@pytest.fixture(autouse=True)
def _no_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("JUPYTERHUB_SERVICE_PREFIX", "JUPYTERHUB_PUBLIC_URL", "JUPYTERHUB_HOST"):
        monkeypatch.delenv(name, raising=False)


def test_outside_a_notebook_nothing_is_detected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/me/")
    assert plan_proxy(None) is None
    assert plan_proxy(False) is None


def test_a_public_url_gives_the_prefix_and_its_host() -> None:
    plan = plan_proxy("https://Hub.Example.org/user/me")
    assert plan == ProxyPlan(
        "jupyter", "https://Hub.Example.org/user/me/", ["hub.example.org"], True
    )
    assert plan.url(8123) == "https://Hub.Example.org/user/me/proxy/8123/"


def test_a_base_path_is_relative_to_the_notebook_and_adds_the_hubs_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JUPYTERHUB_PUBLIC_URL", "https://hub.example.org/user/me/")
    monkeypatch.setenv("JUPYTERHUB_HOST", "users.example.org")
    plan = plan_proxy("/user/me/")
    assert plan is not None
    assert plan.url(9) == "/user/me/proxy/9/"
    assert plan.hosts == ["hub.example.org", "users.example.org"]


def test_proxy_true_uses_the_hubs_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/me/")
    plan = plan_proxy(True)
    assert plan is not None
    assert (plan.prefix, plan.explicit) == ("/user/me/", True)
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX")
    plan = plan_proxy(True)
    assert plan is not None
    assert plan.prefix == "/"


def test_colab_outside_colab_is_direct() -> None:
    assert plan_proxy("colab", colab_port=8000) is None


def test_probe_without_a_server_is_false() -> None:
    assert probe(ProxyPlan("jupyter", "/"), 1) is False
    dead = ProxyPlan("jupyter", "/", server={"url": "http://127.0.0.1:9/", "token": "t"})
    assert probe(dead, 1, timeout=1) is False


def test_iframe_escapes_the_url() -> None:
    html = iframe_html('/x"><script>/#token=a&b', height=300)
    assert "<script>" not in html
    assert 'height="300"' in html
    assert "&amp;b" in html
