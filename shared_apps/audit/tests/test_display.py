"""How the journal reads: every key the code writes into an entry's ``details`` has a Russian name (the test scans
the code, so a new key can't show raw), values read as people write them, and platform staff stay anonymous to a
workspace's admins."""

import ast
from pathlib import Path

import pytest

from shared_apps.audit import services as audit
from shared_apps.audit.display import DETAIL_LABELS, STAFF_ACTOR, detail_lines

ROOT = Path(__file__).resolve().parents[3]
SKIPPED = {".venv", "node_modules", "tests", "dev", "bench", "migrations", ".git", "var", "static"}
# The helpers that pass their keyword arguments on as ``details`` (billing/staff.py, billing/services.py,
# billing/payments.py, tenant_apps/channels/services.py), and the arguments of theirs that are not details.
DETAIL_KWARG_HELPERS = {"_record", "_audit", "audited"}
NOT_DETAILS = {"actor", "workspace", "account_id", "target", "details", "ip", "staff"}


def _sources():
    for path in ROOT.rglob("*.py"):
        if not SKIPPED.intersection(path.relative_to(ROOT).parts) and not path.name.startswith("test_"):
            yield path


def _name(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def _dict_keys(node: ast.AST) -> set[str]:
    return {key.value for key in getattr(node, "keys", []) if isinstance(key, ast.Constant)}


def _nested_dict_keys(node: ast.AST) -> set[str]:
    """The keys of every dict literal in an expression (``{"via": via} if via else None``, ``**({...} if ...)``)."""
    return {key for sub in ast.walk(node) if isinstance(sub, ast.Dict) for key in _dict_keys(sub)}


def written_keys() -> dict[str, str]:
    """Every details key written anywhere → where (the dicts given as ``details=``, assigned to a ``details`` name or
    to a module's constant passed as details, and the keyword arguments of the helpers above)."""
    found: dict[str, str] = {}
    for path in _sources():
        text = path.read_text()
        if "audit" not in text:
            continue
        where = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(text)):
            keys: set[str] = set()
            if isinstance(node, ast.Call) and _name(node.func) in {"record", *DETAIL_KWARG_HELPERS}:
                for keyword in node.keywords:
                    if keyword.arg == "details" or (keyword.arg is None and _name(node.func) in DETAIL_KWARG_HELPERS):
                        keys |= _nested_dict_keys(keyword.value)
                    elif _name(node.func) in DETAIL_KWARG_HELPERS and keyword.arg not in NOT_DETAILS:
                        keys.add(keyword.arg)
            elif isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Dict):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(_name(target) in {"details", "SIGN_IN"} for target in targets):
                    keys |= _dict_keys(node.value)
            elif (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) and _name(node.value) == "details"
                  and isinstance(node.slice, ast.Constant)):
                keys.add(node.slice.value)
            for key in keys:
                found.setdefault(key, where)
    return found


def test_every_details_key_the_code_writes_has_a_russian_name():
    keys = written_keys()
    # the scan finds the keys of each kind of writer (so a change of the writers' shape can't make it find nothing)
    assert {"via", "fromRole", "background", "fields", "fromStatus", "amountKopecks", "from", "months",
            "secondFactor", "amount"} <= keys.keys()
    unnamed = {key: where for key, where in keys.items() if key not in DETAIL_LABELS}
    assert not unnamed, f"add these keys to audit.display.DETAIL_LABELS: {unnamed}"


@pytest.mark.parametrize(("details", "lines"), [
    ({"fromStatus": "active"}, [("Был статус подписки", "Активна")]),
    ({"toStatus": "grace"}, [("Стал статус подписки", "Льготный период")]),
    ({"from": None, "to": 24}, [("Был срок хранения", "бессрочно"), ("Стал срок хранения", "24 месяца")]),
    ({"from": 1, "to": 12}, [("Был срок хранения", "1 месяц"), ("Стал срок хранения", "12 месяцев")]),
    ({"paymentOrder": "bank-2026-00003", "amountKopecks": 1999000},
     [("Платёж", "bank-2026-00003"), ("Сумма", "19\u00a0990,00\u00a0₽")]),
    ({"days": 14, "trialEndsAt": "11.12.2026", "fromStatus": "blocked"},
     [("Был статус подписки", "Заблокирована"), ("Продлён на", "14 дней"), ("Пробный период до", "11.12.2026")]),
    ({"days": 1}, [("Продлён на", "1 день")]),
    ({"leads": 3, "months": 6}, [("Срок хранения", "6 месяцев"), ("Лидов", "3")]),
    ({"where": "admin", "secondFactor": "totp"},
     [("Где", "админка платформы"), ("Второй фактор", "код из приложения-аутентификатора")]),
    ({"via": "вход в рабочее пространство"}, [("Способ входа", "вход в рабочее пространство")]),
])
def test_values_read_as_people_write_them(details, lines):
    assert detail_lines(details) == lines


@pytest.mark.django_db
def test_staff_are_anonymous_in_a_customers_journal(make_tenant, make_user, client_for):
    tenant = make_tenant(name="Улыбка")
    owner = tenant.account.owner
    staff = make_user(email="ivanov@fastlead.ru", is_staff=True)
    audit.record("billing.account_blocked", actor=staff, account_id=tenant.account_id, target="Аккаунт «Улыбка»",
                 details={"fromStatus": "active"}, ip="198.51.100.7", staff=True)
    audit.record("team.role_changed", actor=owner, workspace=tenant, ip="203.0.113.9")
    client = client_for(tenant, owner)

    changed, blocked = client.get("/api/v1/audit").json()["items"]  # newest first
    assert (blocked["actorLabel"], blocked["actorId"], blocked["ip"], blocked["staff"]) == (
        STAFF_ACTOR, None, None, True)
    assert blocked["detailsText"] == [{"label": "Был статус подписки", "value": "Активна"}]
    assert (changed["actorLabel"], changed["ip"]) == (owner.email, "203.0.113.9")  # a member is named

    page = client.get("/workspace/audit").content.decode()
    for shown in (STAFF_ACTOR, "Был статус подписки", "Активна"):
        assert shown in page
    for hidden in ("ivanov@fastlead.ru", "198.51.100.7", "fromStatus"):
        assert hidden not in page
    assert "203.0.113.9" in page
