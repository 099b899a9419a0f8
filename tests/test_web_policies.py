"""Department policies in the console: an admin adds one (pasted or uploaded), every problem
comes back with its key path, a built-in's id is refused, a policy is deactivated but stays
downloadable, and the downloaded file is what ``onrecord audit --policy`` reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from onrecord.policy import diff, load_policy
from web_support import Site, client, csrf_of, policy_yaml

BAD = (
    "id: dept-bad\n"
    "title: Broken\n"
    "camera_required:\n"
    "  shift_kinds: overtime\n"
    "  uniformd_only: true\n"
    "recording_required:\n"
    "  start_grace_s: -5\n"
)


@pytest.fixture
def admin(site: Site) -> Any:
    return client(site.app(), "admin")


def _api_add(c: Any, text: str) -> Any:
    return c.post(
        "/api/policies",
        json={"text": text},
        headers={"X-CSRF-Token": csrf_of(c.get("/login").text)},
    )


def _form(c: Any, path: str, **files: Any) -> Any:
    data = {"csrf_token": csrf_of(c.get("/login").text), **files.pop("data", {})}
    return c.post(path, data=data, files=files or None, follow_redirects=False)


def test_an_added_policy_is_listed_downloaded_and_audits(
    site: Site, admin: Any, tmp_path: Path
) -> None:
    r = _api_add(admin, policy_yaml("dept-overtime"))
    assert r.status_code == 201 and r.json()["added_by"] == "admin" and r.json()["active"]
    listed = admin.get("/api/policies").json()
    assert "dept-overtime" in {p["id"] for p in listed["policies"]}
    assert [d["id"] for d in listed["department"]] == ["dept-overtime"]
    download = admin.get("/api/policies/dept-overtime.yaml")
    assert download.text == policy_yaml("dept-overtime")
    assert 'filename="dept-overtime.yaml"' in download.headers["content-disposition"]
    path = tmp_path / "dept-overtime.yaml"
    path.write_text(download.text)
    ours, boston = load_policy(path), load_policy("boston-rule-405-2019")
    page = admin.get("/policies", params={"a": "dept-overtime", "b": "boston-rule-405-2019"})
    marked = {k for k in _marked(page.text)}
    assert marked == {d.key for d in diff(ours, boston)} and marked
    fragment = admin.get(
        "/policies", params={"a": "mandate-all", "b": "dept-overtime"}, headers={"HX-Request": "1"}
    )
    assert "<html" not in fragment.text and 'data-a="mandate-all"' in fragment.text


def _marked(page: str) -> list[str]:
    return [part.split('"', 1)[0] for part in page.split('data-differs="')[1:]]


def test_a_bad_policy_comes_back_with_every_problem(admin: Any) -> None:
    r = _api_add(admin, BAD)
    assert r.status_code == 422
    problems = r.json()["detail"]
    paths = ("camera_required.shift_kinds", "camera_required.uniformd_only", "start_grace_s")
    for path in paths:
        assert [m for m in problems if path in m], (path, problems)
    assert [m for m in problems if "did you mean uniformed_only" in m]
    page = _form(admin, "/policies", data={"text": BAD})
    assert page.status_code == 422
    for m in problems:
        assert escape(m.replace("the policy", "the pasted policy")) in page.text
    assert f">{escape(BAD)}</textarea>" in page.text  # the text is kept to fix
    assert "dept-bad" not in {d["id"] for d in admin.get("/api/policies").json()["department"]}


def test_ids_of_built_ins_and_earlier_policies_are_refused(admin: Any) -> None:
    r = _api_add(admin, policy_yaml("boston-rule-405-2019"))
    assert r.status_code == 409 and "built-in" in r.json()["detail"][0]
    assert _api_add(admin, policy_yaml("dept-twice")).status_code == 201
    r = _api_add(admin, policy_yaml("dept-twice"))
    assert r.status_code == 409 and "never reused" in r.json()["detail"][0]
    r = _api_add(admin, policy_yaml("has space"))
    assert r.status_code == 422 and r.json()["detail"][0].startswith("the policy: id: expected")
    page = _form(admin, "/policies", data={"text": policy_yaml("mandate-all")})
    assert page.status_code == 409 and "a built-in policy&#39;s id" in page.text


def test_an_uploaded_policy_opens_on_its_diff(site: Site, admin: Any) -> None:
    r = _form(
        admin,
        "/policies",
        file=("dept-upload.yaml", policy_yaml("dept-upload").encode(), "application/yaml"),
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/policies?a=dept-upload&b=boston-rule-405-2019#compare-two"
    r = _form(admin, "/policies", file=("latin.yaml", "id: caf\xe9".encode("latin-1"), "text/yaml"))
    assert r.status_code == 422 and "latin.yaml: is not UTF-8 text" in r.text


def test_a_deactivated_policy_leaves_the_rules_but_stays_downloadable(admin: Any) -> None:
    assert _api_add(admin, policy_yaml("dept-old")).status_code == 201
    token = {"X-CSRF-Token": csrf_of(admin.get("/login").text)}
    r = admin.post("/api/policies/dept-old/deactivate", headers=token)
    assert r.status_code == 200 and r.json()["active"] is False
    listed = admin.get("/api/policies").json()
    assert "dept-old" not in {p["id"] for p in listed["policies"]}
    assert admin.get("/api/policies/dept-old.yaml").text == policy_yaml("dept-old")
    assert admin.get("/policies", params={"a": "dept-old"}).status_code == 404
    r = admin.post("/api/policies/mandate-all/deactivate", headers=token)
    assert r.status_code == 404 and "built-in" in r.json()["detail"]
    assert _form(admin, "/policies/nothing/deactivate").status_code == 404


def test_other_roles_read_but_cannot_manage(site: Site) -> None:
    auditor = client(site.app(), "auditor")
    page = auditor.get("/policies").text
    assert 'id="compare-two"' in page and "Add a policy" not in page and "Deactivate" not in page
