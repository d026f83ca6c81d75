"""Development tooling, never in production: the payment and OAuth sandboxes, the dev mailbox, demo data.

Installed only when ``APP_ENV`` is not ``production`` (config/settings) and left out of the production
image (.dockerignore). Production code never imports it; settings and URLconfs name it only by strings.
"""
