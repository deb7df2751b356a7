"""Agency slugs derived from Vietnamese names."""

import pytest

from provcloud.catalogue.slug import is_dns_label, slugify


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Sở Khoa học và Công nghệ", "so-khoa-hoc-va-cong-nghe"),
        ("Xã Đông Sơn", "xa-dong-son"),
        ("ĐẶC KHU Hoàng Sa", "dac-khu-hoang-sa"),
        ("Sở Văn hóa, Thể thao và Du lịch", "so-van-hoa-the-thao-va-du-lich"),
        ("Phường Hải Châu 1", "phuong-hai-chau-1"),
        ("  Ủy ban  nhân dân  ", "uy-ban-nhan-dan"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug
    assert is_dns_label(slug)


def test_dns_label_limits() -> None:
    assert is_dns_label("a" * 63)
    assert not is_dns_label("a" * 64)
    assert not is_dns_label("-so-y-te")
    assert not is_dns_label("")
