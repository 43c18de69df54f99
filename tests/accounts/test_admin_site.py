"""The admin calls itself by the portal's name, in the reader's language,
on the log-in page and inside."""

import pytest
from django.test import Client

from tests.refundportal.admin_support import admin_browser

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "header", "title", "index_title"),
    [
        ("zh-hans", "退款中心 · 管理后台", "退款中心管理后台", "记录与设置"),
        (
            "en",
            "Refund portal · administration",
            "Refund portal administration",
            "Records and settings",
        ),
    ],
)
def test_the_admin_index_names_the_portal(language, header, title, index_title):
    page = admin_browser(language=language).get("/admin/")

    text = page.content.decode()
    assert page.status_code == 200
    assert f">{header}</a>" in text
    assert f"<title>{index_title} | {title}</title>" in text
    assert "Django administration" not in text and "Django 站点管理员" not in text


def test_the_admin_log_in_page_names_the_portal_in_chinese():
    page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/admin/login/")

    assert page.status_code == 200
    assert "退款中心 · 管理后台" in page.content.decode()
