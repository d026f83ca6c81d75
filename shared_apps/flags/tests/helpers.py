from shared_apps.accounts.models import Account
from shared_apps.flags.models import Flag


def set_flag(name: str, mode: str, accounts: tuple[Account, ...] = ()) -> Flag:
    """Switch a flag the way the admin's form does (a save and the allowlist's change), so the cache is dropped."""
    flag, _ = Flag.objects.get_or_create(name=name)
    flag.mode = mode
    flag.save()
    flag.accounts.set(accounts)
    return flag
