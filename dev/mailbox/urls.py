from django.urls import path

from . import views

app_name = "devmail"
urlpatterns = [
    path("dev/mailbox", views.mailbox, name="mailbox"),
    path("dev/mailbox/<int:message_id>", views.message, name="message"),
    path("dev/mailbox/<int:message_id>/attachments/<int:attachment_id>", views.attachment, name="attachment"),
]
