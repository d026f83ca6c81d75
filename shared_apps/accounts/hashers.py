from django.contrib.auth.hashers import BCryptSHA256PasswordHasher


class BCrypt12PasswordHasher(BCryptSHA256PasswordHasher):
    """bcrypt with a cost factor of 12, as the security requirements fix it.

    Pinned here so that a Django upgrade changing its default cannot silently
    weaken or slow down password hashing.
    """

    algorithm = "bcrypt_sha256"
    rounds = 12
