from typing import Any

from django.contrib import admin

from .models import DeliveryEvent, Discount, Merchant, Order, OrderItem, Tender


class ItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0


class DiscountInline(admin.TabularInline):
    model = Discount
    extra = 0


class TenderInline(admin.TabularInline):
    model = Tender
    extra = 0


class EventInline(admin.TabularInline):
    model = DeliveryEvent
    extra = 0


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "merchant", "customer", "status", "paid_total", "placed_at"]
    list_filter = ["status", "merchant"]
    search_fields = ["number", "customer__username"]
    list_select_related = ["merchant", "customer"]
    inlines = [ItemInline, DiscountInline, TenderInline, EventInline]

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        # Orders belong to the ordering system; the portal never edits them.
        return False


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
