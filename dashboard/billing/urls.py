"""Billing page URLs; included by dashboard/urls.py, so the names live in the ``dashboard`` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("billing", views.billing_page, name="billing"),
    path("billing/pay", views.pay, name="billing_pay"),
    path("billing/cancel", views.cancel, name="billing_cancel"),
    path("billing/resume", views.resume, name="billing_resume"),
    path("billing/requisites", views.requisites, name="billing_requisites"),
    path("billing/invoice", views.bank_invoice, name="billing_invoice"),
    path("billing/return", views.payment_return, name="billing_return"),
    path("billing/documents/<int:document_id>.pdf", views.document_pdf, name="billing_document"),
]
