"""Extension forwarding and package files, the parts that need no provider process."""

from __future__ import annotations

from pathlib import Path

import pytest

from generated import errors
from meshery.context import Credentials
from meshery.providers import extensions
from meshery.providers.local import LocalProvider
from meshery.providers.remote import RemoteProvider


async def test_the_local_provider_has_no_extensions(tmp_path: Path) -> None:
    with pytest.raises(errors.ErrExtensionsNeedRemoteProvider):
        await extensions.forward(LocalProvider(), Credentials(), method="GET", path="api/x", query="")
    with pytest.raises(errors.ErrExtensionsNeedRemoteProvider):
        await extensions.package_file(None, tmp_path, "x.js")


@pytest.mark.parametrize("path", ["a/../b", "./a", "a/./b", "x" * 3000])
async def test_paths_that_leave_the_api_are_refused(path: str) -> None:
    provider = RemoteProvider("http://127.0.0.1:9", build="v1", attempts=1)
    with pytest.raises(errors.ErrRequestValidation):
        await extensions.forward(provider, Credentials(token="t"), method="GET", path=path, query="")


async def test_package_files_stay_inside_the_package(tmp_path: Path) -> None:
    provider = RemoteProvider("http://127.0.0.1:9", build="v1", attempts=1)
    data = tmp_path / "config"
    folder = extensions.package_folder(provider, data)
    assert folder == tmp_path / "provider" / "127.0.0.1:9"
    (folder / "ui").mkdir(parents=True)
    (folder / "ui" / "app.css").write_text("a{}")
    (tmp_path / "outside.txt").write_text("no")
    file, media = await extensions.package_file(provider, data, "/ui/app.css")
    assert file.read_text() == "a{}" and media == "text/css"
    for bad in ("../../outside.txt", "ui", "ui/none.css", "a\x00b"):
        with pytest.raises(errors.ErrExtensionPackageMissing):
            await extensions.package_file(provider, data, bad)
