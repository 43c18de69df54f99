"""The admin speaks Chinese: every model and field of the portal's apps has
a name of its own, translated, so the Chinese admin shows no English
header."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.db.models import DecimalField
from django.urls import reverse
from django.utils import translation

from tests.refundportal.admin_support import admin_browser, admin_rows

# Names that read the same in both languages on purpose.
PROPER_NOUNS = {"ID"}
# The bookkeeping columns django-simple-history adds to a model's versions:
# no list shows them; the history page labels them in its own translations.
HISTORY_COLUMNS = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
}
CJK = re.compile(r"[\u4e00-\u9fff]")


def portal_apps():
    base = Path(settings.BASE_DIR).resolve()
    return [
        config
        for config in apps.get_app_configs()
        if base in Path(config.path).resolve().parents and ".venv" not in Path(config.path).parts
    ]


def portal_models():
    return [
        model
        for config in portal_apps()
        for model in config.get_models()
        if not model._meta.auto_created
    ]


def untranslated(text) -> bool:
    with translation.override("en"):
        english = str(text)
    with translation.override("zh-hans"):
        chinese = str(text)
    if english in PROPER_NOUNS:
        return False
    return chinese == english or not CJK.search(chinese)


def headers_of(page) -> list[str]:
    """The texts of a list's header row, but the sort's priority numbers."""
    assert page.status_code == 200
    thead = re.search(r"<thead>(.*?)</thead>", page.content.decode(), re.S)
    assert thead is not None
    texts = [text.strip() for text in re.findall(r">([^<>]+)<", thead.group(1))]
    return [text for text in texts if text and not text.isdigit()]


def test_the_walk_covers_every_app_with_models():
    labels = {model._meta.app_label for model in portal_models()}

    assert {"accounts", "orders", "refunds", "payouts", "analytics", "notifications"} <= labels


def test_every_model_has_a_translated_name_and_plural():
    missing = [
        f"{model._meta.label}.{attr}"
        for model in portal_models()
        for attr in ("verbose_name", "verbose_name_plural")
        if attr not in model._meta.original_attrs or untranslated(getattr(model._meta, attr))
    ]

    assert missing == []


def test_every_field_has_a_translated_name_and_help_text():
    missing = []
    for model in portal_models():
        opts = model._meta
        for field in [*opts.fields, *opts.many_to_many]:
            if field.auto_created:
                assert field.verbose_name in PROPER_NOUNS
                continue
            if field.name in HISTORY_COLUMNS and hasattr(model, "instance_type"):
                continue
            if untranslated(field.verbose_name):
                missing.append(f"{opts.label}.{field.name}")
            if field.help_text and untranslated(field.help_text):
                missing.append(f"{opts.label}.{field.name} (help text)")

    assert missing == []


def test_every_app_with_models_has_a_translated_name():
    with_models = [config for config in portal_apps() if list(config.get_models())]

    assert [c.label for c in with_models if untranslated(c.verbose_name)] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changelist", "headers"),
    [
        (
            "/admin/payouts/payout/",
            ["订单", "顾客", "退款申请", "支付方式", "金额", "状态", "尝试次数", "下次尝试时间"],
        ),
        ("/admin/refunds/timelineevent/", ["退款申请", "时间", "操作人角色", "原状态", "新状态"]),
        ("/admin/refunds/evidence/", ["上传人", "退款申请", "文件类型", "宽度（像素）"]),
        ("/admin/orders/order/", ["订单号", "商家", "顾客", "实付金额"]),
    ],
)
def test_the_chinese_admin_lists_under_chinese_headers(changelist, headers):
    admin_rows(1)

    shown = headers_of(admin_browser(language="zh-hans").get(changelist))

    assert [header for header in headers if header not in shown] == []
    assert [text for text in shown if not CJK.search(text) and text not in PROPER_NOUNS] == []


@pytest.mark.django_db
def test_every_list_of_the_portal_s_models_has_only_chinese_headers_in_chinese():
    admin_rows(1)
    browser = admin_browser(language="zh-hans")
    portal = {config.label for config in portal_apps()}
    english = {}
    for model in admin.site._registry:
        if model._meta.app_label not in portal:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        shown = headers_of(browser.get(url))
        english[url] = [text for text in shown if not CJK.search(text) and text not in PROPER_NOUNS]

    assert {url: texts for url, texts in english.items() if texts} == {}


def test_no_list_shows_a_money_field_as_a_bare_number():
    """Money reads ``¥12.50`` in the admin's lists as on every page: a list
    names ``money_column``'s column, never the money field itself."""
    bare = [
        f"{model._meta.label}.{name}"
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in {config.label for config in portal_apps()}
        for name in model_admin.list_display
        if isinstance(name, str)
        and name in {field.name for field in model._meta.fields}
        and isinstance(model._meta.get_field(name), DecimalField)
        and model._meta.get_field(name).decimal_places == 2
    ]

    assert bare == []
