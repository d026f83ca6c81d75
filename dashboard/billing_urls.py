"""Billing page URLs; included by dashboard/urls.py, so the names live in the ``dashboard`` namespace."""

from django.urls import path

from . import billing_views

urlpatterns = [
    path("billing", billing_views.billing_page, name="billing"),
    path("billing/pay", billing_views.pay, name="billing_pay"),
    path("billing/cancel", billing_views.cancel, name="billing_cancel"),
    path("billing/resume", billing_views.resume, name="billing_resume"),
    path("billing/requisites", billing_views.requisites, name="billing_requisites"),
    path("billing/invoice", billing_views.bank_invoice, name="billing_invoice"),
    path("billing/return", billing_views.payment_return, name="billing_return"),
    path("billing/documents/<int:document_id>.pdf", billing_views.document_pdf, name="billing_document"),
]
