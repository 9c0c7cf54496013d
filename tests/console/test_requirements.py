"""Without Chromium the browser tests skip locally and fail in CI."""
import pytest

from tests.console import conftest


@pytest.fixture
def no_chromium(monkeypatch, tmp_path):
    monkeypatch.setattr(conftest, "CHROMIUM", str(tmp_path / "chromium"))


def test_skipped_with_the_reason_locally(no_chromium, monkeypatch):
    monkeypatch.delenv("MR_TEST_REQUIRE_ALL_BACKENDS", raising=False)
    with pytest.raises(pytest.skip.Exception) as info:
        conftest._require_browser()
    assert "apt-get install chromium chromium-driver" in str(info.value)
    assert "chromium" in str(info.value)


def test_failed_in_ci(no_chromium, monkeypatch):
    monkeypatch.setenv("MR_TEST_REQUIRE_ALL_BACKENDS", "1")
    with pytest.raises(pytest.fail.Exception) as info:
        conftest._require_browser()
    assert "browser tests need" in str(info.value)
