"""Orders come from the ordering system's integration: the admin reads
them (with their lines, discounts, tenders and delivery events) and never
adds, edits or deletes one, not even for a superuser."""

from django.contrib import admin

from refundportal.admin import ReadOnlyAdmin, ReadOnlyInline, money_column

from .models import DeliveryEvent, Discount, Merchant, Order, OrderItem, Tender


class ItemInline(ReadOnlyInline):
    model = OrderItem
    fields = ["position", "sku", "name", "unit_price", "quantity"]


class DiscountInline(ReadOnlyInline):
    model = Discount
    fields = ["kind", "amount"]


class TenderInline(ReadOnlyInline):
    model = Tender
    fields = ["position", "method", "amount", "account"]


class EventInline(ReadOnlyInline):
    model = DeliveryEvent
    fields = ["status", "at"]


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "merchant", "customer", "status", "paid_total_cny", "placed_at"]
    list_filter = ["status", "merchant"]
    search_fields = ["number", "customer__username"]
    list_select_related = ["merchant", "customer"]
    inlines = [ItemInline, DiscountInline, TenderInline, EventInline]
    paid_total_cny = money_column(Order, "paid_total")


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
