"""The journal only grows: the model, the database and the admin each refuse to change or delete an entry."""

import pytest
from django.contrib import admin
from django.db import DatabaseError, transaction
from django.test import RequestFactory

from shared_apps.audit import services as audit
from shared_apps.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(make_user) -> AuditEntry:
    return audit.record("auth.login", actor=make_user(), details={"via": "API"}, ip="192.0.2.10")


def test_the_model_refuses_to_save_an_entry_again_or_delete_it(entry):
    entry.target = "подделка"
    with pytest.raises(ValueError, match="нельзя изменить"):
        entry.save()
    with pytest.raises(ValueError, match="нельзя удалить"):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).target == ""


def test_the_database_refuses_updates_and_deletes_whoever_sends_them(entry):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(target="подделка")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    kept = AuditEntry.objects.get(pk=entry.pk)
    assert (kept.target, kept.details, kept.ip) == ("", {"via": "API"}, "192.0.2.10")


def test_the_admin_lets_staff_read_but_not_add_change_or_delete(entry, make_user):
    superuser = make_user(is_staff=True, is_superuser=True)
    request = RequestFactory().get("/admin/audit/auditentry/")
    request.user = superuser
    model_admin = admin.site._registry[AuditEntry]
    assert model_admin.has_view_permission(request, entry)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    assert "delete_selected" not in model_admin.get_actions(request)
    assert set(model_admin.get_readonly_fields(request, entry)) >= {"action", "actor_label", "target", "ip"}


def test_an_unknown_action_is_refused_before_anything_is_written():
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record("auth.teleported")
    assert not AuditEntry.objects.exists()
